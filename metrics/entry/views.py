"""The principal's pages: home (the year's months and figures), a month's form, CSV import and
template, and a month's history (which board staff read too)."""

import csv
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from metrics import quality
from metrics.entry import workflow
from metrics.entry.forms import ImportForm, MonthlyReportForm, QualityReasonForm, fiscal_years
from metrics.imports import flow
from metrics.imports.monthly import import_monthly, monthly_template_rows
from metrics.models import MonthlyReport, School
from reform import access, fiscal
from reform.access import Role
from reform.i18n import active_language, is_english
from reform.params import whole_number

PRINCIPAL_STATUSES = [MonthlyReport.Status.DRAFT, MonthlyReport.Status.SUBMITTED]


def _own_school(request) -> School:
    return School.objects.restrict(request.user).select_related("school_type", "district").get()


def requested_year(request) -> int:
    """The `year` query parameter when it is a plausible fiscal year, else the current one."""
    year = whole_number(request.GET.get("year"), minimum=2000, maximum=2100)
    return year if year is not None else workflow.current_fiscal_year()


@require_GET
@access.page(Role.PRINCIPAL)
def home(request):
    school = _own_school(request)
    year = requested_year(request)
    lang = active_language()
    context = {
        "school": school,
        "year": year,
        "year_label": fiscal.fiscal_year_label(year, lang),
        "years": [(y, fiscal.fiscal_year_label(y, lang)) for y in fiscal_years()],
        "months": workflow.school_months(school=school, fiscal_year=year),
        "figures": workflow.school_comparison(school=school, fiscal_year=year),
        "month_labels": [fiscal.month_label(m, lang) for m in fiscal.FISCAL_MONTHS],
    }
    return render(request, "metrics/entry/home.html", context)


@access.page(Role.PRINCIPAL)
def month(request, fiscal_year: int, month: int):
    if not (2000 <= fiscal_year <= 2100 and 1 <= month <= 12) or not workflow.month_has_started(
        fiscal_year, month
    ):
        raise Http404
    school = _own_school(request)
    report = MonthlyReport.objects.restrict(request.user).filter(
        school=school, fiscal_year=fiscal_year, month=month
    ).first() or MonthlyReport(school=school, fiscal_year=fiscal_year, month=month)
    read_only = report.is_locked
    reason_form = QualityReasonForm(initial={"quality_reason": _stored_reason(report)})
    flags = []
    if request.method == "POST" and read_only:
        messages.error(request, _("This month has been approved and can no longer be changed."))
    if request.method == "POST" and not read_only:
        form = MonthlyReportForm(request.POST, instance=report)
        reason_form = QualityReasonForm(request.POST)
        if form.is_valid():
            submit = "submit" in request.POST
            flags = quality.check_month(form.instance)
            if submit and flags and not reason_form.reason:
                reason_form.add_error(
                    "quality_reason",
                    _("Some figures are flagged: correct them, or say here why they are right."),
                )
            else:
                saved = _save(request, form, submit=submit, reason=reason_form.reason, flagged=bool(flags))
                if saved is not None:
                    return saved
    else:
        form = MonthlyReportForm(instance=report, read_only=read_only)
        if not read_only and any(v is not None for v in quality.values_of(report).values()):
            flags = quality.check_month(report)
    context = {
        "school": school,
        "report": report,
        "form": form,
        "read_only": read_only,
        "state_label": workflow.STATE_LABELS[workflow.state_of(report if report.pk else None)],
        "title": workflow.month_title(fiscal_year, month),
        "year": fiscal_year,
        "checks": live_check_messages(),
        "flags": [
            {
                "field": f.field,
                "rule": quality.RULE_LABELS[f.rule],
                "message": quality.flag_message(f, peers=False),
            }
            for f in flags
        ],
        "reason_form": reason_form,
    }
    return render(request, "metrics/entry/month.html", context)


def _save(request, form, *, submit: bool, reason: str, flagged: bool):
    """Save the month form's school-month; the redirect on success (None on an error, added to the form).

    A draft whose figures are flagged comes back to its form, where the flags show."""
    try:
        report = workflow.save_month(
            report=form.instance,
            submit=submit,
            user=request.user,
            seen_version=form.seen_version,
            quality_reason=reason if submit else "",
        )
    except ValidationError as exc:
        by_field = hasattr(exc, "error_dict") and set(exc.error_dict) <= set(form.fields)
        form.add_error(None, exc if by_field else exc.messages)
        return None
    if submit:
        messages.success(request, _("Submitted to the board."))
    elif flagged:
        messages.warning(request, _("Saved as a draft. Some figures are flagged: check them below."))
        return redirect("metrics:entry-month", report.fiscal_year, report.month)
    else:
        messages.success(request, _("Saved as a draft."))
    return redirect(f"{reverse('metrics:entry-home')}?year={report.fiscal_year}")


def _stored_reason(report: MonthlyReport) -> str:
    """The reason the school last gave for this month's flags (to submit again without retyping it)."""
    if report.pk is None:
        return ""
    return report.quality_flags.exclude(reason="").values_list("reason", flat=True).first() or ""


def live_check_messages() -> dict:
    """What static/js/entry.js checks as the user types: the count fields (each at most the staff
    counted) and its messages, in the user's language."""
    return {"count_fields": MonthlyReport.COUNT_FIELDS, "messages": _live_messages()}


def _live_messages() -> dict[str, str]:
    return {
        "negative": _("Enter a number of at least 0."),
        "whole": _("Enter a whole number."),
        "above_staff": _("Cannot exceed the staff counted (%(staff)s)."),
        "below_80h": _("Cannot be fewer than staff over 80 h (%(over_80)s)."),
        "above_80h": _("Cannot exceed staff over 80 h (%(over_80)s)."),
        "share": _("%(pct)s%% of the staff counted"),
        "leave_avg": _("%(days)s days per person on average"),
    }


@require_GET
@access.page(Role.BOARD, Role.PRINCIPAL)
def history(request, pk: int):
    report = get_object_or_404(MonthlyReport.objects.restrict(request.user).select_related("school"), pk=pk)
    context = {
        "report": report,
        "title": workflow.month_title(report.fiscal_year, report.month),
        "entries": workflow.month_history(report, hide_drafts=access.is_board(request.user)),
        "state_label": workflow.STATE_LABELS[report.status],
    }
    return render(request, "metrics/entry/history.html", context)


@require_GET
@access.page(Role.PRINCIPAL)
def template_csv(request):
    school = _own_school(request)
    year = requested_year(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monthly-{school.code}-FY{year}.csv"'
    response.write("\ufeff")  # a BOM, so that Excel opens the Japanese headers correctly
    csv.writer(response).writerows(
        monthly_template_rows(school=school, fiscal_year=year, english=is_english())
    )
    return response


@access.page(Role.PRINCIPAL)
def import_csv(request):
    context = {"school": _own_school(request), "year": requested_year(request)}
    return import_page(
        request,
        schools=School.objects.restrict(request.user),
        statuses=PRINCIPAL_STATUSES,
        template="metrics/entry/import.html",
        context=context,
    )


def import_page(request, *, schools, statuses, template, context):
    """The monthly import's page, the principal's and the board's: the shared upload → preview →
    confirm flow (metrics.imports.flow) with the states the user may choose."""

    def run(raw, *, options, dry_run, user, source_name, seen=None):
        return import_monthly(
            raw,
            schools=schools,
            status=options["status"],
            user=user,
            source_name=source_name,
            dry_run=dry_run,
            seen=seen,  # at confirm: the versions the preview read
        )

    spec = flow.ImportSpec(
        form=partial(ImportForm, statuses=statuses),
        run=run,
        template=template,
        done=lambda outcome: " ".join(
            [
                _("Imported: %(created)s created, %(updated)s changed, %(unchanged)s unchanged.")
                % {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged},
                *(
                    [_("%(skipped)s rows without values were skipped.") % {"skipped": outcome.skipped}]
                    if outcome.skipped
                    else []
                ),
            ]
        ),
        context=context,
    )
    return flow.import_page(request, spec)
