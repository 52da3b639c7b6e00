"""Per-staff hours: the board's import, the school-month check, the national caps, the MEXT survey
bands, the physician-interview list and the year-end forecasts (staff/ does the work).

Who sees what is decided in reform.access: per-staff rows only board staff and the school's own
principal; officials the aggregates by type and district, from 5 staff up.
"""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from metrics import disclosure
from metrics.dashboard.filters import YearForm, available_years
from metrics.dashboard.pages import coverage_cell, coverage_label
from metrics.imports import flow
from metrics.models import MonthlyReport, School, SchoolType
from reform import access, fiscal
from reform.access import Role
from reform.i18n import active_language, is_english
from reform.params import warn_ignored, whole_number
from staff import caps, services, xlsx
from staff.forms import InterviewForm, StaffImportForm
from staff.imports import import_staff_hours, template_rows
from staff.models import PhysicianInterview, StaffHoursImport, StaffMonth

STAFF_PER_PAGE = 100
INTERVIEWS_PER_PAGE = 100
SUPPRESSED = xlsx.SUPPRESSED  # a withheld figure on the staff pages and in their Excel


def _staff_years_of(user) -> list[int]:
    return _years(StaffMonth.objects.restrict(user))


def _years(queryset) -> list[int]:
    """The fiscal years of `queryset`'s rows, newest first (one small query)."""
    return list(queryset.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct())


def _year(request, years: list[int]) -> tuple[YearForm, int | None]:
    form = YearForm(request.GET or None, years=years, lang=active_language())
    warn_ignored(request, form)
    return form, form.value("year", form.default)


def _rule_labels() -> list[tuple[str, str]]:
    return [
        ("over_45_month", _("A month over 45 h")),
        ("over_360_year", _("Over 360 h in the year")),
        ("month_100", _("A month of 100 h or more")),
        ("avg_80", _("Average over 80 h across 2–6 months")),
        ("months_45", _("More than 6 months over 45 h")),
        ("over_720_year", _("Over 720 h in the year")),
    ]


# --- import ---------------------------------------------------------------------------------------------


@access.page(Role.BOARD)
def import_page(request):
    """Upload → dry run with a preview → confirm → import (the shared flow, metrics.imports.flow)."""

    def run(raw, *, options, dry_run, user, source_name):
        return import_staff_hours(raw, user=user, source_name=source_name, dry_run=dry_run)

    spec = flow.ImportSpec(
        form=StaffImportForm,
        run=run,
        template="staff/import.html",
        done=_imported_message,
        context={"recent": StaffHoursImport.objects.select_related("imported_by")[:10]},
    )
    return flow.import_page(request, spec)


def _imported_message(outcome) -> str:
    return _(
        "Imported: %(created)s staff rows created, %(updated)s changed, %(removed)s removed; "
        "%(filled)s school-months filled, %(differing)s differ from what was entered."
    ) % {
        "created": outcome.created,
        "updated": outcome.updated,
        "removed": outcome.removed,
        "filled": outcome.filled_months,
        "differing": outcome.mismatched_months,
    }


@require_GET
@access.page(Role.BOARD)
def template_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="staff-hours-template.csv"'
    response.write("\ufeff")  # a BOM, so that Excel opens the Japanese headers correctly
    csv.writer(response).writerows(template_rows(english=is_english()))
    return response


# --- the school-months against their staff ---------------------------------------------------------------


@require_GET
@access.page(Role.BOARD, Role.PRINCIPAL)
def reconcile(request):
    year_form, year = _year(request, _staff_years_of(request.user))
    months = (
        services.reconciliation(fiscal_year=year, schools=School.objects.restrict(request.user))
        if year
        else []
    )
    show_all = request.GET.get("show") == "all"
    labels = {name: MonthlyReport._meta.get_field(name).verbose_name for name in services.DERIVED_FIELDS}
    statuses = dict(MonthlyReport.Status.choices)
    rows = [m for m in months if show_all or m.state != "matches"]
    for row in rows:
        row.lines = [(labels[name], derived, stored) for name, derived, stored in row.differences]
        row.status_label = statuses.get(row.report["status"], "") if row.report else ""
    context = {
        "year_form": year_form,
        "year": year,
        "rows": rows,
        "matching": sum(m.state == "matches" for m in months),
        "total": len(months),
        "show_all": show_all,
        "staff_label": labels["staff_count"],
    }
    return render(request, "staff/reconcile.html", context)


@require_POST
@access.page(Role.BOARD)
def fill_missing(request):
    year = whole_number(request.POST.get("year"), minimum=2000, maximum=2100)
    if year is None:
        raise Http404
    count = services.fill_missing_months(fiscal_year=year, user=request.user)
    messages.success(request, _("%(count)s school-months filled from the staff rows.") % {"count": count})
    return redirect(f"{reverse('staff:reconcile')}?year={year}")


# --- the national caps -----------------------------------------------------------------------------------


@require_GET
@access.page(Role.BOARD, Role.PRINCIPAL, Role.OFFICIAL)
def caps_page(request):
    """Cap counts: officials and board staff by type, district (and board staff by school) after the
    city, through the disclosure layer; a principal their own school's staff only."""
    user = request.user
    years = _years(StaffMonth.objects.all())  # officials see the aggregates of every school
    year_form, year = _year(request, years)
    own = [access.school_id_of(user)] if access.is_principal(user) else None
    tables = []
    table = services.staff_years(fiscal_year=year, school_ids=own) if year else None
    if table is not None and not table.empty:
        schools = services.schools_frame()
        cells = services.staff_cells(table, fiscal_year=year, schools=schools)
        decisions = disclosure.Table.of(cells, audience=disclosure.Audience.of(user))
        groups = [("school_type", _("By school type")), ("district", _("By district"))] if own is None else []
        if access.is_board(user) or own:
            groups.append(("school", _("By school")))
        for by, title in groups:
            rows = services.cap_counts(table, by=by, schools=schools, decisions=decisions, fiscal_year=year)
            # The school table leaves out the "all" row: the city's is above it; a principal's is the school.
            rows = rows[1:] if by == "school" else rows
            for row in rows:
                row["coverage"] = "" if by == "school" else _coverage(row)
            tables.append((title, rows))
    context = {
        "year_form": year_form,
        "year": year,
        "tables": tables,
        "rules": _rule_labels(),
        "is_official": access.role_of(user) is Role.OFFICIAL,
        "is_principal": own is not None,
        "protected": not access.is_board(user),
        "min_staff": disclosure.MIN_STAFF,
        "min_schools": disclosure.MIN_SCHOOLS,
        "suppressed_mark": SUPPRESSED,
        "can_see_list": access.can_see_staff_rows(user),
    }
    return render(request, "staff/caps.html", context)


def _coverage(row: dict) -> str:
    """A pooled row's coverage: schools with staff rows of those expected, staff counted (速報値 below
    the threshold), as the dashboard writes it."""
    return coverage_label({**row, "staff": row["staff_count"]})


@require_GET
@access.page(Role.BOARD, Role.PRINCIPAL)
def cap_list(request):
    """The pseudonymous list: each staff member's months, year total and the caps they broke."""
    user = request.user
    year_form, year = _year(request, _staff_years_of(user))
    schools = School.objects.restrict(user)
    chosen = None
    if access.is_board(user) and request.GET.get("school"):
        chosen = get_object_or_404(schools, code=request.GET["school"])
    school_ids = (
        [chosen.pk]
        if chosen
        else (None if access.is_board(user) else list(schools.values_list("pk", flat=True)))
    )
    only_breaches = request.GET.get("all") != "1"
    table = services.staff_years(fiscal_year=year, school_ids=school_ids) if year else None
    rows = []
    if table is not None and not table.empty:
        if only_breaches:
            table = table[table[list(caps.RULES)].any(axis=1)]
        codes = dict(School.objects.values_list("pk", "code"))
        for staff_code, r in table.iterrows():
            rows.append(
                {
                    "staff_code": staff_code,
                    "school": codes.get(int(r["school_id"]), ""),
                    "hours": [
                        None if r[f"h{m}"] != r[f"h{m}"] else float(r[f"h{m}"]) for m in fiscal.FISCAL_MONTHS
                    ],
                    "total": float(r["total_hours"]),
                    "months_over_45": int(r["months_over_45"]),
                    "worst_average": None
                    if r["worst_average"] != r["worst_average"]
                    else float(r["worst_average"]),
                    "leave_days": float(r["leave_days"]),
                    "breaches": [rule for rule, _label in _rule_labels() if bool(r[rule])],
                }
            )
    page = Paginator(rows, STAFF_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "year_form": year_form,
        "year": year,
        "page": page,
        "chosen": chosen,
        "only_breaches": only_breaches,
        "rules": dict(_rule_labels()),
        "month_labels": [fiscal.month_label(m, active_language()) for m in fiscal.FISCAL_MONTHS],
        "school_codes": list(
            School.objects.filter(staff_months__fiscal_year=year).distinct().values_list("code", flat=True)
        )
        if access.is_board(user) and year
        else [],
    }
    return render(request, "staff/cap_list.html", context)


# --- the MEXT survey bands -------------------------------------------------------------------------------


def _band_context(request):
    years = available_years()
    year_form, year = _year(request, years)
    audience = disclosure.Audience.of(request.user)
    table = services.band_table(fiscal_year=year, audience=audience) if year else None
    groups = [("all", _("All types"))] + [(t.code, t.name) for t in SchoolType.objects.all()]
    if table is not None:
        groups = [(c, n) for c, n in groups if (table["group"] == c).any()]
    return year_form, year, audience, table, groups


@require_GET
@access.page(Role.BOARD, Role.OFFICIAL)
def bands_page(request):
    year_form, year, audience, table, groups = _band_context(request)
    blocks = []
    labels = xlsx.band_labels()
    if table is not None:
        for code, name in groups:
            rows = table[table["group"] == code].set_index("month")
            lines = [
                (
                    _("Schools reported / expected"),
                    [_band_coverage_cell(rows, m) for m in fiscal.FISCAL_MONTHS],
                    False,
                ),
                (
                    _("Staff counted"),
                    [xlsx._cell(rows, m, "staff_count", 0) for m in fiscal.FISCAL_MONTHS],
                    False,
                ),
            ]
            lines += [
                (labels[band], [xlsx._cell(rows, m, f"{band}_pct", 1) for m in fiscal.FISCAL_MONTHS], True)
                for band in xlsx.BANDS
            ]
            blocks.append({"name": name, "lines": lines})
    given, counted = services.band_coverage(fiscal_year=year) if year else (0, 0)
    context = {
        "year_form": year_form,
        "year": year,
        "blocks": blocks,
        "month_labels": [fiscal.month_label(m, active_language()) for m in fiscal.FISCAL_MONTHS],
        "given": given,
        "counted": counted,
        "protected": audience.protected,
        "min_staff": disclosure.MIN_STAFF,
        "min_schools": disclosure.MIN_SCHOOLS,
        "any_provisional": table is not None and bool(table["provisional"].any()),
        "threshold": disclosure.threshold(),
        "suppressed_mark": xlsx.SUPPRESSED,
    }
    return render(request, "staff/bands.html", context)


def _band_coverage_cell(rows, month: int) -> str | None:
    """Schools giving the bands of those expected in a group-month (速報値 below the threshold)."""
    if month not in rows.index:
        return None
    row = rows.loc[month]
    return coverage_cell({**row.to_dict(), "staff": None})


@require_GET
@access.page(Role.BOARD, Role.OFFICIAL)
def bands_xlsx(request):
    _form, year, _audience, table, groups = _band_context(request)
    if year is None:
        raise Http404
    title = _("Overtime bands by school type and month, %(year)s") % {
        "year": fiscal.fiscal_year_label(year, active_language())
    }
    response = HttpResponse(
        xlsx.band_workbook(table=table, groups=groups, title=title, lang=active_language()),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mext-overtime-bands-FY{year}.xlsx"'
    return response


# --- physician interviews ----------------------------------------------------------------------------------

INTERVIEW_STATES = ("to_notify", "notified", "requested", "interviewed", "done")


def _interview_state_labels() -> dict[str, str]:
    return {
        "to_notify": _("To notify"),
        "notified": _("Notified"),
        "requested": _("Interview requested"),
        "interviewed": _("Interviewed; follow-up to record"),
        "done": _("Done"),
    }


STATE_FILTERS = {
    "to_notify": Q(notified_on__isnull=True, requested_on__isnull=True, interview_on__isnull=True),
    "notified": Q(notified_on__isnull=False, requested_on__isnull=True, interview_on__isnull=True),
    "requested": Q(requested_on__isnull=False, interview_on__isnull=True),
    "interviewed": Q(interview_on__isnull=False, follow_up=""),
    "done": Q(interview_on__isnull=False) & ~Q(follow_up=""),
}


@require_GET
@access.page(Role.BOARD, Role.PRINCIPAL)
def interviews(request):
    records = PhysicianInterview.objects.restrict(request.user)
    years = _years(records)
    year_form, year = _year(request, years)
    records = records.filter(fiscal_year=year).select_related("school")
    state = request.GET.get("state", "")
    if state in STATE_FILTERS:
        records = records.filter(STATE_FILTERS[state])
    if request.GET.get("school") and access.is_board(request.user):
        records = records.filter(school__code=request.GET["school"])
    records = sorted(records, key=lambda r: (r.school.code, fiscal.fiscal_position(r.month), r.staff_code))
    page = Paginator(records, INTERVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    labels = _interview_state_labels()
    for record in page.object_list:
        record.state = services.interview_state(record)
        record.state_label = labels[record.state]
        record.month_text = fiscal.month_label(record.month, active_language())
    context = {
        "year_form": year_form,
        "year": year,
        "page": page,
        "state": state,
        "states": list(labels.items()),
        "school": request.GET.get("school", ""),
    }
    return render(request, "staff/interviews.html", context)


@access.page(Role.BOARD, Role.PRINCIPAL)
def interview(request, pk: int):
    record = get_object_or_404(
        PhysicianInterview.objects.restrict(request.user).select_related("school"), pk=pk
    )
    form = InterviewForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        form.instance.updated_by = request.user
        form.save()
        messages.success(request, _("Saved."))
        return redirect(f"{reverse('staff:interviews')}?year={record.fiscal_year}")
    context = {
        "record": record,
        "form": form,
        "title": f"{record.staff_code} {fiscal.fiscal_year_label(record.fiscal_year, active_language())} "
        f"{fiscal.month_label(record.month, active_language())}",
        "history": record.history.select_related("history_user").order_by("-history_date")[:20],
    }
    return render(request, "staff/interview.html", context)
