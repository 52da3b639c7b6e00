"""The board's pages: completeness (who has reported), the missing list, review, the data-quality
flags' follow-up and bulk import."""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from metrics import quality
from metrics.entry import completeness, workflow
from metrics.entry.forms import (
    BoardFilterForm,
    DeadlineForm,
    FollowUpForm,
    MonthlyReportForm,
    QualityFilterForm,
    ReturnForm,
)
from metrics.entry.views import import_page
from metrics.models import MonthlyReport, QualityFlag, ReportingDeadline, School
from reform import access, fiscal
from reform.access import Role
from reform.i18n import active_language
from reform.params import warn_ignored, whole_number
from reform.spreadsheet import neutral_row

SCHOOLS_PER_PAGE = 100
REPORTS_PER_PAGE = 100
FLAGGED_PER_PAGE = 50
BOARD_IMPORT_STATUSES = [MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED]


def _query(request, **changes) -> str:
    params = {k: v for k, v in request.GET.items() if k != "page"}
    params.update(changes)
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@require_GET
@access.page(Role.BOARD)
def completeness_page(request):
    filters = BoardFilterForm(request.GET)
    warn_ignored(request, filters)
    year = filters.value("year")
    schools = filters.schools(School.objects.restrict(request.user)).select_related("school_type", "district")
    page = Paginator(schools, SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    lang = active_language()
    context = {
        "filters": filters,
        "year": year,
        "year_label": fiscal.fiscal_year_label(year, lang),
        "summaries": completeness.month_summaries(fiscal_year=year, schools=schools),
        "rows": completeness.school_rows(fiscal_year=year, schools=page.object_list),
        "page": page,
        "query": _query(request),
        "month_labels": [fiscal.month_label(m, lang) for m in fiscal.FISCAL_MONTHS],
        "deadline_form": DeadlineForm(instance=ReportingDeadline.current()),
    }
    return render(request, "metrics/board/completeness.html", context)


@require_POST
@access.page(Role.BOARD)
def deadline(request):
    form = DeadlineForm(request.POST, instance=ReportingDeadline.current())
    if form.is_valid():
        form.instance.updated_by = request.user
        form.save()
        messages.success(
            request, _("Due day set: day %(day)s of the following month.") % {"day": form.instance.due_day}
        )
    else:
        for error in form.errors.get("due_day", []):
            messages.error(request, _("Due day: %(error)s") % {"error": error})
    return redirect(f"{reverse('metrics:board-completeness')}?{request.POST.get('query', '')}")


@require_GET
@access.page(Role.BOARD)
def missing_csv(request):
    filters = BoardFilterForm(request.GET)
    year, month = filters.value("year"), filters.value("month")
    schools = filters.schools(School.objects.restrict(request.user))
    missing = completeness.missing_months(
        fiscal_year=year, schools=schools, months=[month] if month else None
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="missing-FY{year}{f"-{month:02d}" if month else ""}.csv"'
    )
    response.write("\ufeff")  # a BOM, so that Excel opens the Japanese text correctly
    csv.writer(response).writerows(neutral_row(row) for row in completeness.missing_rows(missing))
    return response


@require_GET
@access.page(Role.BOARD)
def review(request):
    # Without a chosen state the list shows the submitted months, and the filter says so; the
    # empty choice (「すべての状態」) then really means every state.
    query = request.GET.copy()
    query.setdefault("status", MonthlyReport.Status.SUBMITTED)
    filters = BoardFilterForm(query)
    warn_ignored(request, filters)
    status = filters.value("status")
    reports = filters.months(
        MonthlyReport.objects.restrict(request.user), School.objects.restrict(request.user)
    )
    if status:
        reports = reports.filter(status=status)
    reports = reports.select_related("school", "school__school_type", "school__district").order_by(
        "school__school_type__order", "school__code", "month"
    )
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    lang = active_language()
    page.object_list = list(page.object_list)
    for report in page.object_list:
        report.month_text = fiscal.month_label(report.month, lang)
    context = {
        "filters": filters,
        "status": status,
        "page": page,
        "query": _query(request),
        "year_label": fiscal.fiscal_year_label(filters.value("year"), lang),
    }
    return render(request, "metrics/board/review.html", context)


@access.page(Role.BOARD)
def review_detail(request, pk: int):
    report = get_object_or_404(
        MonthlyReport.objects.restrict(request.user).select_related(
            "school", "school__school_type", "school__district"
        ),
        pk=pk,
    )
    return_form = ReturnForm(request.POST if request.POST.get("action") == "return" else None)
    if request.method == "POST":
        # The version the page was shown with; without one (0) no stored row matches.
        seen = whole_number(request.POST.get("version"), minimum=0, maximum=2**31 - 1) or 0
        try:
            if request.POST.get("action") == "approve":
                workflow.approve(report=report, user=request.user, seen_version=seen)
                messages.success(request, _("Approved."))
                return redirect(reverse("metrics:board-review") + "?" + request.POST.get("query", ""))
            if return_form.is_valid():
                workflow.return_month(
                    report=report,
                    comment=return_form.cleaned_data["comment"],
                    user=request.user,
                    seen_version=seen,
                )
                messages.success(request, _("Returned to the school with your comment."))
                return redirect(reverse("metrics:board-review") + "?" + request.POST.get("query", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            report.refresh_from_db()
    context = {
        "report": report,
        "title": f"{report.school.name} {workflow.month_title(report.fiscal_year, report.month)}",
        "values": MonthlyReportForm(instance=report, read_only=True),
        "state_label": workflow.STATE_LABELS[report.status],
        "return_form": return_form,
        "query": request.GET.urlencode(),
        **_side_by_side(report, request.user),
    }
    return render(request, "metrics/board/review_detail.html", context)


def _side_by_side(report: MonthlyReport, user) -> dict:
    """The month's values and shares next to the previous month's and the month's flags."""
    fiscal_year, month = quality.previous_month(report.fiscal_year, report.month)
    previous = (
        MonthlyReport.objects.restrict(user)
        .filter(school=report.school, fiscal_year=fiscal_year, month=month)
        .exclude(status=MonthlyReport.Status.DRAFT)  # a draft's values are the school's
        .first()
    )
    flags = _described(report.quality_flags.all())
    now, before = quality.values_of(report), quality.values_of(previous) if previous else {}
    labels = {f.name: f.verbose_name for f in MonthlyReport._meta.fields}
    rows = [
        {
            "label": labels[name],
            "leave_days": name == "leave_days_total",
            "value": now[name],
            "share": quality.share(now, name),
            "previous": before.get(name),
            "previous_share": quality.share(before, name) if previous else None,
            "flags": [flag for flag in flags if flag.field == name],
        }
        for name in MonthlyReport.VALUE_FIELDS
    ]
    return {
        "rows": rows,
        "flags": flags,
        "previous": previous,
        "previous_title": workflow.month_title(fiscal_year, month),
    }


def _described(flags) -> list[QualityFlag]:
    """Flags with their rule and message in the active language (`rule_label`, `message`)."""
    flags = list(flags)
    for flag in flags:
        flag.rule_label = quality.RULE_LABELS.get(flag.rule, flag.rule)
        flag.message = quality.flag_message(flag)
    return flags


@require_GET
@access.page(Role.BOARD)
def quality_flags(request):
    """Flagged school-months and their flags' follow-up: open unless another state is chosen."""
    query = request.GET.copy()
    query.setdefault("follow_up", QualityFlag.State.OPEN)
    filters = QualityFilterForm(query)
    warn_ignored(request, filters)
    follow_up = filters.value("follow_up")
    reports = filters.months(
        MonthlyReport.objects.restrict(request.user).filter(
            status__in=[*MonthlyReport.COUNTED_STATUSES, MonthlyReport.Status.RETURNED]
        ),
        School.objects.restrict(request.user),
    )
    flagged = QualityFlag.objects.filter(state=follow_up) if follow_up else QualityFlag.objects.all()
    reports = (
        reports.filter(pk__in=flagged.values("report"))
        .select_related("school")
        .prefetch_related(Prefetch("quality_flags", QualityFlag.objects.select_related("state_by")))
        .order_by("school__school_type__order", "school__code", "month")
    )
    page = Paginator(reports, FLAGGED_PER_PAGE).get_page(request.GET.get("page"))
    lang = active_language()
    page.object_list = list(page.object_list)
    for report in page.object_list:
        report.month_text = fiscal.month_label(report.month, lang)
        report.flags = _described(report.quality_flags.all())
    context = {
        "filters": filters,
        "page": page,
        "query": _query(request),
        "year_label": fiscal.fiscal_year_label(filters.value("year"), lang),
        "states": QualityFlag.State.choices,
    }
    return render(request, "metrics/board/quality.html", context)


@require_POST
@access.page(Role.BOARD)
def quality_follow_up(request, pk: int):
    """The board sets a flag's follow-up state and note."""
    flag = get_object_or_404(
        QualityFlag.objects.filter(report__in=MonthlyReport.objects.restrict(request.user)), pk=pk
    )
    form = FollowUpForm(request.POST)
    if form.is_valid():
        quality.set_follow_up(
            flag, state=form.cleaned_data["state"], note=form.cleaned_data["note"], user=request.user
        )
        messages.success(request, _("Follow-up saved."))
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect(reverse("metrics:board-quality") + "?" + request.POST.get("query", ""))


def _chosen_versions(values) -> dict[int, int]:
    """{id: version} from the review list's "id:version" values (others dropped)."""
    chosen = {}
    for value in values:
        pk, _sep, version = value.partition(":")
        pk, version = whole_number(pk, minimum=1), whole_number(version, minimum=0, maximum=2**31 - 1)
        if pk is not None and version is not None:
            chosen[pk] = version
    return chosen


@require_POST
@access.page(Role.BOARD)
def bulk_approve(request):
    """The board's bulk approval: first a page that says how many months it will approve, then,
    with `confirm`, the approval of those that are still as the board saw them."""
    versions = _chosen_versions(request.POST.getlist("page_report" if "all" in request.POST else "report"))
    if versions and "confirm" not in request.POST:
        chosen = MonthlyReport.objects.restrict(request.user).filter(
            pk__in=list(versions), status=MonthlyReport.Status.SUBMITTED
        )
        context = {
            "count": sum(1 for pk, version in chosen.values_list("pk", "version") if versions[pk] == version),
            "values": [f"{pk}:{version}" for pk, version in versions.items()],
            "query": request.POST.get("query", ""),
        }
        return render(request, "metrics/board/bulk_approve_confirm.html", context)
    count = workflow.approve_many(
        reports=MonthlyReport.objects.restrict(request.user).filter(pk__in=list(versions)),
        user=request.user,
        versions=versions,
    )
    if count:
        messages.success(request, _("%(count)s months approved.") % {"count": count})
    if len(versions) > count:
        messages.warning(
            request,
            _(
                "%(count)s of the chosen months were not approved: they changed after the list was "
                "shown or are no longer submitted. Check them again."
            )
            % {"count": len(versions) - count},
        )
    if not versions:
        messages.error(request, _("Select at least one submitted month to approve."))
    return redirect(reverse("metrics:board-review") + "?" + request.POST.get("query", ""))


@access.page(Role.BOARD)
def import_bulk(request):
    return import_page(
        request,
        schools=School.objects.restrict(request.user),
        statuses=BOARD_IMPORT_STATUSES,
        template="metrics/board/import.html",
        context={"school_count": School.objects.count()},
    )
