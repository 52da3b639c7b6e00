"""The monthly reporting workflow: a school-month's state, saving and submitting it, the board's
review, the history of changes, and where the figures stand against the school's type and the city.

State changes:
    (no row) 未入力 → draft 下書き ⇄ submitted 提出済 → approved 承認済 (read-only)
    submitted / approved → returned 差戻し (with the board's comment) → draft or submitted again.
Every change is recorded by django-simple-history with who, when and the source (form, import,
review) in `history_change_reason`.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from metrics import aggregation, services
from metrics.models import Indicator, MonthlyReport, ReportingDeadline, School
from reform import fiscal

Status = MonthlyReport.Status
NOT_STARTED = "not_started"

STATE_LABELS = {
    NOT_STARTED: gettext_lazy("Not started"),
    Status.DRAFT: gettext_lazy("Draft"),
    Status.SUBMITTED: gettext_lazy("Submitted"),
    Status.APPROVED: gettext_lazy("Approved"),
    Status.RETURNED: gettext_lazy("Returned"),
}

# Where a change came from, stored in the history's change reason ("import: file.csv").
SOURCE_FORM = "form"
SOURCE_IMPORT = "import"
SOURCE_REVIEW = "review"
SOURCE_API = "api"
SOURCE_LABELS = {
    SOURCE_FORM: gettext_lazy("Form"),
    SOURCE_IMPORT: gettext_lazy("CSV import"),
    SOURCE_REVIEW: gettext_lazy("Board review"),
    SOURCE_API: gettext_lazy("API"),
}

# Indicators ① ② ④ as the principal's home compares them.
HOME_INDICATORS = ("overtime_80h", "left_by_19", "leave_10plus", "leave_avg_days")


def today() -> datetime.date:
    return timezone.localdate()


def current_fiscal_year(day: datetime.date | None = None) -> int:
    return fiscal.fiscal_year_of(day or today())


def month_has_started(fiscal_year: int, month: int, day: datetime.date | None = None) -> bool:
    """Months can be entered from their first day on, never ahead."""
    return fiscal.month_start(fiscal_year, month) <= (day or today())


def state_of(report: MonthlyReport | None) -> str:
    return NOT_STARTED if report is None else report.status


def month_title(fiscal_year: int, month: int) -> str:
    """令和2年度（FY2020） 4月 / FY2020 Apr, in the active language."""
    lang = get_language() or "ja"
    return f"{fiscal.fiscal_year_label(fiscal_year, lang)} {fiscal.month_label(month, lang)}"


def change_reason(source: str, detail: str = "") -> str:
    """The history's change reason: the source, and for imports the file name (within 100 chars)."""
    return f"{source}: {detail}"[:100] if detail else source


@dataclass
class MonthState:
    """One month of a school's fiscal year as the principal's home lists it."""

    fiscal_year: int
    month: int
    report: MonthlyReport | None
    started: bool
    due_date: datetime.date

    @property
    def label(self) -> str:
        return fiscal.month_label(self.month, get_language() or "ja")

    @property
    def state(self) -> str:
        return state_of(self.report)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def editable(self) -> bool:
        return self.started and self.state != Status.APPROVED

    @property
    def overdue(self) -> bool:
        return self.state not in MonthlyReport.COUNTED_STATUSES and self.due_date < today()


def school_months(*, school: School, fiscal_year: int) -> list[MonthState]:
    """The twelve months of `fiscal_year` for `school`, April first, with their reports (one query)."""
    reports = {r.month: r for r in MonthlyReport.objects.filter(school=school, fiscal_year=fiscal_year)}
    deadline = ReportingDeadline.current()
    return [
        MonthState(
            fiscal_year=fiscal_year,
            month=month,
            report=reports.get(month),
            started=month_has_started(fiscal_year, month),
            due_date=deadline.due_date(fiscal_year, month),
        )
        for month in fiscal.FISCAL_MONTHS
    ]


def save_month(*, report: MonthlyReport, submit: bool, user) -> MonthlyReport:
    """Save a principal's month from the form, as a draft or submitted; approved months are locked.

    `report` carries the validated values (a new, unsaved one for a month not started).
    """
    if report.pk and MonthlyReport.objects.filter(pk=report.pk, status=Status.APPROVED).exists():
        raise ValidationError(_("This month has been approved and can no longer be changed."))
    if submit:
        report.status = Status.SUBMITTED
        report.submitted_at = timezone.now()
    else:
        report.status = Status.DRAFT
        report.submitted_at = None
    report._change_reason = change_reason(SOURCE_FORM)
    report._history_user = user
    report.save()
    return report


def approve(*, report: MonthlyReport, user) -> None:
    """The board approves a submitted month; it becomes read-only for the principal."""
    if report.status != Status.SUBMITTED:
        raise ValidationError(_("Only submitted months can be approved."))
    report.status = Status.APPROVED
    report._change_reason = change_reason(SOURCE_REVIEW)
    report._history_user = user
    report.save()


def return_month(*, report: MonthlyReport, comment: str, user) -> None:
    """The board returns a submitted or approved month to the principal with a comment."""
    if report.status not in MonthlyReport.COUNTED_STATUSES:
        raise ValidationError(_("Only submitted or approved months can be returned."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the school should check or correct.")})
    report.status = Status.RETURNED
    report.review_comment = comment.strip()
    report._change_reason = change_reason(SOURCE_REVIEW)
    report._history_user = user
    report.save()


def approve_many(*, reports, user) -> int:
    """Approve every submitted month among `reports` (a queryset) at once; returns how many."""
    with transaction.atomic():
        rows = list(reports.filter(status=Status.SUBMITTED).select_for_update())
        now = timezone.now()
        for row in rows:
            row.status = Status.APPROVED
            row.updated_at = now
        bulk_update_with_history(
            rows,
            MonthlyReport,
            ["status", "updated_at"],
            batch_size=500,
            default_user=user,
            default_change_reason=change_reason(SOURCE_REVIEW),
        )
    return len(rows)


# --- history -----------------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    """One recorded change of a school-month: who, when, from where, and the values before and after."""

    when: datetime.datetime
    user: str
    source: str
    detail: str
    status: str
    changes: list[tuple[str, object, object]]


def _source_of(reason: str | None) -> tuple[str, str]:
    source, _sep, detail = (reason or "").partition(": ")
    label = SOURCE_LABELS.get(source)
    return (str(label) if label else source or "—"), detail


def month_history(report: MonthlyReport) -> list[HistoryEntry]:
    """The month's changes, newest first, each with the fields it changed (before → after)."""
    records = list(report.history.select_related("history_user").order_by("history_date", "history_id"))
    labels = {f.name: f.verbose_name for f in MonthlyReport._meta.fields}
    tracked = (*MonthlyReport.VALUE_FIELDS, "status", "review_comment")
    entries, previous = [], None
    for record in records:
        changes = []
        for name in tracked:
            before = getattr(previous, name) if previous is not None else None
            after = getattr(record, name)
            if previous is None and after in (None, ""):
                continue
            if previous is None or before != after:
                if name == "status":
                    before = STATE_LABELS[before] if before else None
                    after = STATE_LABELS[after]
                changes.append((str(labels[name]), before, after))
        source, detail = _source_of(record.history_change_reason)
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user.get_username() if record.history_user else "—",
                source=source,
                detail=detail,
                status=str(STATE_LABELS[record.status]),
                changes=changes,
            )
        )
        previous = record
    return entries[::-1]


# --- the principal's figures against the school's type and the city --------------------------------


def _monthly_by_month(frame) -> dict[int, float]:
    """{month: value} of a one-group `monthly_values` frame, months without a value left out."""
    rows = frame[frame["value"].notna()]
    return {int(m): float(v) for m, v in zip(rows["month"], rows["value"], strict=True)}


def _year_value(values: dict[int, float], *, cumulative: bool) -> float | None:
    """The year's figure from monthly values, as `aggregation.year_figures` defines it: the mean of
    the months with a value, or for a cumulative indicator the March value (else the latest month)."""
    if not values:
        return None
    if cumulative:
        latest = max(values, key=aggregation.fiscal_position)
        return values[latest]
    return sum(values.values()) / len(values)


def school_comparison(*, school: School, fiscal_year: int) -> list[dict]:
    """For indicators ① ② ④: the school's, its type's and the city's figures in `fiscal_year`.

    Only submitted and approved months count (a draft is not yet part of any figure). Each row has
    the year figure (mean of months, or the latest month for cumulative leave) and the monthly
    values April → March for the school, its type (all schools of the type) and the city ("all",
    pooling the types with data all through the year). Values are None where there is no data.
    """
    months = services.months_frame(fiscal_years=[fiscal_year])
    frames = {
        "school": months[months["school_id"] == school.pk],
        "type": months[months["school_type"] == school.school_type.code],
        "city": months,
    }
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=HOME_INDICATORS)}
    targets = services.targets_for(fiscal_year)
    rows = []
    for code in HOME_INDICATORS:
        if code not in indicators:
            continue
        spec = aggregation.INDICATORS[code]
        target = targets.get(code)
        series = []
        for key, frame in frames.items():
            values = _monthly_by_month(aggregation.monthly_values(frame, indicator=code))
            year = _year_value(values, cumulative=spec.cumulative)
            year = aggregation.round_half_up(year, 1)
            series.append(
                {
                    "key": key,
                    "year": year,
                    "met": indicators[code].meets(year, target),
                    "months": [aggregation.round_half_up(values.get(m), 1) for m in fiscal.FISCAL_MONTHS],
                }
            )
        rows.append(
            {
                "code": code,
                "indicator": indicators[code],
                "unit": "%" if spec.unit == "pct" else _("days"),
                "cumulative": spec.cumulative,
                "target": float(target) if target is not None else None,
                "series": series,
            }
        )
    return rows
