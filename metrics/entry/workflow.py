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
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from metrics import aggregation, quality, services
from metrics.models import Indicator, MonthlyReport, ReportingDeadline, School, missing_value_errors
from reform import access, fiscal
from reform.i18n import active_language

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
SOURCE_STAFF_HOURS = "staff hours"
SOURCE_LABELS = {
    SOURCE_FORM: gettext_lazy("Form"),
    SOURCE_IMPORT: gettext_lazy("CSV import"),
    SOURCE_REVIEW: gettext_lazy("Board review"),
    SOURCE_API: gettext_lazy("API"),
    SOURCE_STAFF_HOURS: gettext_lazy("Per-staff hours"),
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
    lang = active_language()
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
        return fiscal.month_label(self.month, active_language())

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


# --- the one rule for changing a school-month's state ---------------------------------------------

_EITHER = frozenset({access.Role.BOARD, access.Role.PRINCIPAL})
_BOARD = frozenset({access.Role.BOARD})
# Who may move a school-month from one state to another (NOT_STARTED: no row yet). A move that is
# not listed is refused for everyone; an approved month is locked until the board returns it.
# Every channel asks `check_transition`: the form, the board's review, the API, the imports and the
# per-staff fill, so none of them can do what another forbids.
TRANSITIONS = {
    (NOT_STARTED, Status.DRAFT): _EITHER,
    (NOT_STARTED, Status.SUBMITTED): _EITHER,
    (NOT_STARTED, Status.APPROVED): _BOARD,  # the board loads months it has checked itself
    (Status.DRAFT, Status.DRAFT): _EITHER,
    (Status.DRAFT, Status.SUBMITTED): _EITHER,
    (Status.SUBMITTED, Status.DRAFT): _EITHER,
    (Status.SUBMITTED, Status.SUBMITTED): _EITHER,
    (Status.SUBMITTED, Status.APPROVED): _BOARD,
    (Status.SUBMITTED, Status.RETURNED): _BOARD,
    (Status.APPROVED, Status.RETURNED): _BOARD,
    (Status.RETURNED, Status.DRAFT): _EITHER,
    (Status.RETURNED, Status.SUBMITTED): _EITHER,
    (Status.RETURNED, Status.RETURNED): _EITHER,  # corrections kept while the school works on them
}


def actor_role(user) -> access.Role:
    """The role a change is made with; no user is a management command, run with the board's authority."""
    return access.Role.BOARD if user is None else access.role_of(user)


def transition_error(*, current: str, target: str, user, comment: str = "") -> ValidationError | None:
    """Why `user` may not move a school-month from `current` to `target` (None if they may).

    The error names the field at fault: "status", or "comment" for a return without one.
    """
    roles = TRANSITIONS.get((current, target))
    if roles is None:
        if current == Status.APPROVED and target != Status.RETURNED:
            message = _("This month has been approved; ask the board to return it first.")
        elif target == Status.APPROVED:
            message = _("Only submitted months can be approved.")
        elif target == Status.RETURNED:
            message = _("Only submitted or approved months can be returned.")
        else:
            message = _("A month cannot go from %(before)s to %(after)s.") % {
                "before": STATE_LABELS[current],
                "after": STATE_LABELS[target],
            }
        return ValidationError({"status": message})
    if actor_role(user) not in roles:
        return ValidationError({"status": _("Only board staff may approve or return a month.")})
    if target == Status.RETURNED and not (comment or "").strip():
        return ValidationError({"comment": _("Say what the school should check or correct.")})
    return None


def check_transition(*, current: str, target: str, user, comment: str = "") -> None:
    """Raise `transition_error`'s error, if any."""
    error = transition_error(current=current, target=target, user=user, comment=comment)
    if error is not None:
        raise error


def stored_state(report: MonthlyReport) -> str:
    """The state saved in the database (NOT_STARTED for a month with no row yet)."""
    if report.pk is None:
        return NOT_STARTED
    stored = MonthlyReport.objects.filter(pk=report.pk).values_list("status", flat=True).first()
    return NOT_STARTED if stored is None else stored


# --- versions: no silent overwrite ------------------------------------------------------------------


class VersionConflict(ValidationError):
    """A write against an older version of a school-month than the stored one (or a first save that
    lost the race to another). Its message says what changed since, when and by whom."""

    def __init__(self, message: str, *, current_version: int):
        super().__init__(message, code="conflict")
        self.current_version = current_version


def conflict(
    *, school_id: int, fiscal_year: int, month: int, seen_version: int, hide_drafts: bool = False
) -> VersionConflict:
    """The conflict of a writer who read `seen_version` (0: no row yet) of a school-month; for board
    staff (`hide_drafts`) without a draft's values."""
    stored = MonthlyReport.objects.filter(school_id=school_id, fiscal_year=fiscal_year, month=month).first()
    if stored is None:  # deleted since: nothing to name
        return VersionConflict(
            _("This month was changed after you opened it, so nothing was saved. Reload it and try again."),
            current_version=0,
        )
    message = _(
        "This month was changed after you opened it, so nothing was saved. Reload it to see the "
        "current figures. Changed since: %(changes)s"
    ) % {"changes": changes_since(stored, seen_version=seen_version, hide_drafts=hide_drafts)}
    return VersionConflict(message, current_version=stored.version)


def changes_since(stored: MonthlyReport, *, seen_version: int, hide_drafts: bool = False) -> str:
    """The changes of a school-month after `seen_version` (0: all), newest first and at most five:
    when, by whom, from where and the fields before → after ("—" when none is recorded)."""
    history = month_history(stored, hide_drafts=hide_drafts)
    since = [entry for entry in history if entry.version > seen_version][:5]
    described = "; ".join(
        _("%(when)s by %(user)s (%(source)s): %(fields)s")
        % {
            "when": timezone.localtime(entry.when).strftime("%Y-%m-%d %H:%M"),
            "user": entry.user,
            "source": entry.source,
            "fields": ", ".join(
                f"{label} {_shown(before)} → {_shown(after)}" for label, before, after in entry.changes
            )
            or "—",
        }
        for entry in since
    )
    return described or "—"


def _shown(value) -> str:
    return "—" if value in (None, "") else str(value)


def _locked_stored(report: MonthlyReport) -> dict | None:
    """The stored state, version and values of `report`'s school-month, locked until the transaction
    ends (None for a month with no row yet)."""
    rows = MonthlyReport.objects.select_for_update()
    if report.pk is not None:
        rows = rows.filter(pk=report.pk)
    else:
        rows = rows.filter(school_id=report.school_id, fiscal_year=report.fiscal_year, month=report.month)
    return rows.values("pk", "status", "version", *MonthlyReport.VALUE_FIELDS).first()


def apply_transition(
    report: MonthlyReport,
    *,
    target: str,
    user,
    source: str,
    detail: str = "",
    comment: str = "",
    seen_version: int | None = None,
    quality_reason: str = "",
) -> MonthlyReport:
    """Check and save one school-month's change: its state, the submission stamp, the review comment,
    the version and the history's who and from where. The values on `report` are saved with it.

    `seen_version` is the version the writer read (0 for a month with no row yet); when the stored
    version is another, or another first save of the same month wins the race, `VersionConflict` is
    raised and nothing is written. None skips the check (internal writers that read and write at once).
    A submission, or a counted month whose values change, records the month's data-quality flags
    (metrics.quality), with `quality_reason`.
    """
    with transaction.atomic():
        stored = _locked_stored(report)
        stored_version = 0 if stored is None else stored["version"]
        if report.pk is None and stored is not None:
            seen_version = 0  # a first save of a month that another has saved meanwhile
        if seen_version is not None and seen_version != stored_version:
            raise conflict(
                school_id=report.school_id,
                fiscal_year=report.fiscal_year,
                month=report.month,
                seen_version=seen_version,
                hide_drafts=actor_role(user) == access.Role.BOARD,
            )
        current = NOT_STARTED if stored is None else stored["status"]
        check_transition(current=current, target=target, user=user, comment=comment)
        if target in MonthlyReport.COUNTED_STATUSES:  # a draft may be partial; a counted month not
            missing = missing_value_errors(
                {name: getattr(report, name) for name in MonthlyReport.VALUE_FIELDS}
            )
            if missing:
                raise ValidationError(missing)
        if target == Status.SUBMITTED and current != Status.SUBMITTED:
            report.submitted_at = timezone.now()
        elif target == Status.DRAFT:
            report.submitted_at = None
        if target == Status.RETURNED:
            report.review_comment = comment.strip()
        report.status = target
        report.version = stored_version + 1
        report._change_reason = change_reason(source, detail)
        report._history_user = user
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            # Two first saves of one school-month: the unique constraint lets one in.
            if stored is None and report.pk is None:
                lost = MonthlyReport.objects.filter(
                    school_id=report.school_id, fiscal_year=report.fiscal_year, month=report.month
                ).exists()
                if lost:
                    raise conflict(
                        school_id=report.school_id,
                        fiscal_year=report.fiscal_year,
                        month=report.month,
                        seen_version=0,
                        hide_drafts=actor_role(user) == access.Role.BOARD,
                    ) from None
            raise
        values_changed = stored is not None and any(
            stored[name] != getattr(report, name) for name in MonthlyReport.VALUE_FIELDS
        )
        if quality.should_record(current, target) or (
            target in MonthlyReport.COUNTED_STATUSES and values_changed
        ):
            key = (report.school_id, report.fiscal_year, report.month)
            quality.record_flags([key], reason=quality_reason, user=user)
    return report


def save_month(
    *, report: MonthlyReport, submit: bool, user, seen_version: int | None = None, quality_reason: str = ""
) -> MonthlyReport:
    """Save a principal's month from the form, as a draft or submitted.

    `report` carries the validated values (a new, unsaved one for a month not started);
    `seen_version` is the version the form was filled in on.
    """
    target = Status.SUBMITTED if submit else Status.DRAFT
    return apply_transition(
        report,
        target=target,
        user=user,
        source=SOURCE_FORM,
        seen_version=seen_version,
        quality_reason=quality_reason,
    )


def approve(*, report: MonthlyReport, user, seen_version: int | None = None) -> None:
    """The board approves a submitted month (the version it read); it becomes read-only for the principal."""
    apply_transition(
        report, target=Status.APPROVED, user=user, source=SOURCE_REVIEW, seen_version=seen_version
    )


def return_month(*, report: MonthlyReport, comment: str, user, seen_version: int | None = None) -> None:
    """The board returns a submitted or approved month to the principal with a comment."""
    apply_transition(
        report,
        target=Status.RETURNED,
        user=user,
        source=SOURCE_REVIEW,
        comment=comment,
        seen_version=seen_version,
    )


def create_months(reports: list[MonthlyReport], *, target: str, user, source: str, detail: str = "") -> int:
    """Create school-months that have no row yet, in bulk, under the same rule as one save; returns
    how many. Each gets `target` as its state, stamped as submitted now if that state counts."""
    check_transition(current=NOT_STARTED, target=target, user=user)
    now = timezone.now()
    for report in reports:
        report.status = target
        report.version = 1
        report.submitted_at = now if target in MonthlyReport.COUNTED_STATUSES else None
    with transaction.atomic():  # the months and their data-quality flags, or neither
        bulk_create_with_history(
            reports,
            MonthlyReport,
            batch_size=2000,
            default_user=user if user is not None and user.is_authenticated else None,
            default_change_reason=change_reason(source, detail),
        )
        if quality.should_record(NOT_STARTED, target):
            quality.record_flags({(r.school_id, r.fiscal_year, r.month) for r in reports}, user=user)
    return len(reports)


def approve_many(*, reports, user, versions: dict[int, int] | None = None) -> int:
    """Approve every submitted month among `reports` (a queryset) at once; returns how many.

    With `versions` ({id: version read}), a month whose stored version is another (changed since the
    board's list was shown) or that is missing from it is left as it is."""
    with transaction.atomic():
        rows = list(reports.filter(status=Status.SUBMITTED).select_for_update())
        if versions is not None:
            rows = [row for row in rows if versions.get(row.pk) == row.version]
        now = timezone.now()
        for row in rows:
            check_transition(current=row.status, target=Status.APPROVED, user=user)
            row.status = Status.APPROVED
            row.version += 1
            row.updated_at = now
        bulk_update_with_history(
            rows,
            MonthlyReport,
            ["status", "version", "updated_at"],
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
    version: int = 0
    hidden: bool = False  # a draft's values, not shown to the board


def _source_of(reason: str | None) -> tuple[str, str]:
    source, _sep, detail = (reason or "").partition(": ")
    label = SOURCE_LABELS.get(source)
    return (str(label) if label else source or "—"), detail


def month_history(report: MonthlyReport, *, hide_drafts: bool = False) -> list[HistoryEntry]:
    """The month's changes, newest first, each with the fields it changed (before → after).

    With `hide_drafts` (board staff), a draft's values are left out (`hidden`): until it is
    submitted a draft is the school's, and the next shown change compares with the last shown one.
    """
    records = list(report.history.select_related("history_user").order_by("history_date", "history_id"))
    labels = {f.name: f.verbose_name for f in MonthlyReport._meta.fields}
    tracked = (*MonthlyReport.VALUE_FIELDS, "status", "review_comment")
    entries, previous = [], None
    for record in records:
        changes = []
        hidden = hide_drafts and record.status == Status.DRAFT
        for name in () if hidden else tracked:
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
                version=record.version,
                hidden=hidden,
            )
        )
        if not hidden:
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
