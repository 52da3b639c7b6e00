"""Who has reported: schools × months of a fiscal year, the share submitted and submitted on time,
the list of missing school-months, and the reminders sent about them.

A school-month is "submitted" when its status is submitted or approved; it is "on time" when it
was (last) submitted on or before the due date, the board's due day of the following month, in
the board's time zone. Only months that have started count: the future is not missing.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from metrics.entry.workflow import NOT_STARTED, STATE_LABELS, month_has_started, today
from metrics.models import MonthlyReport, Reminder, ReportingDeadline, School
from reform import fiscal
from reform.i18n import active_language

NOT_OPEN = "not_open"  # a month still ahead: shown as "—", never counted as missing


@dataclass
class MonthSummary:
    """One month's column of the completeness table."""

    month: int
    due_date: datetime.date
    started: bool
    schools: int = 0
    submitted: int = 0
    on_time: int = 0

    @property
    def submitted_pct(self) -> float | None:
        return round(self.submitted / self.schools * 100, 1) if self.started and self.schools else None

    @property
    def on_time_pct(self) -> float | None:
        return round(self.on_time / self.schools * 100, 1) if self.started and self.schools else None


@dataclass
class SchoolRow:
    """One school's row: its state (code, label) for each month April → March."""

    school: School
    states: list[str] = field(default_factory=list)


def _states(*, fiscal_year: int, schools) -> dict[int, dict[int, tuple[str, datetime.datetime | None]]]:
    """{school id: {month: (status, submitted_at)}} for the schools' reports of the year (one query)."""
    found: dict[int, dict] = {}
    rows = MonthlyReport.objects.filter(fiscal_year=fiscal_year, school__in=schools).values_list(
        "school_id", "month", "status", "submitted_at"
    )
    for school_id, month, status, submitted_at in rows:
        found.setdefault(school_id, {})[month] = (status, submitted_at)
    return found


def _on_time(submitted_at: datetime.datetime | None, due: datetime.date) -> bool:
    return submitted_at is not None and timezone.localdate(submitted_at) <= due


def month_summaries(*, fiscal_year: int, schools) -> list[MonthSummary]:
    """Per month of `fiscal_year`: how many of `schools` submitted, and how many by the due date."""
    deadline = ReportingDeadline.current()
    states = _states(fiscal_year=fiscal_year, schools=schools)
    total = schools.count()
    summaries = []
    for month in fiscal.FISCAL_MONTHS:
        due = deadline.due_date(fiscal_year, month)
        summary = MonthSummary(
            month=month, due_date=due, started=month_has_started(fiscal_year, month), schools=total
        )
        for per_month in states.values():
            status, submitted_at = per_month.get(month, (NOT_STARTED, None))
            if status in MonthlyReport.COUNTED_STATUSES:
                summary.submitted += 1
                summary.on_time += _on_time(submitted_at, due)
        summaries.append(summary)
    return summaries


def school_rows(*, fiscal_year: int, schools) -> list[SchoolRow]:
    """Each school of `schools` (already sliced to a page) with its twelve states."""
    schools = list(schools)
    states = _states(fiscal_year=fiscal_year, schools=[s.pk for s in schools])
    started = [month_has_started(fiscal_year, m) for m in fiscal.FISCAL_MONTHS]
    rows = []
    for school in schools:
        per_month = states.get(school.pk, {})
        row = SchoolRow(school=school)
        for month, has_started in zip(fiscal.FISCAL_MONTHS, started, strict=True):
            state = per_month.get(month, (NOT_STARTED, None))[0]
            if state == NOT_STARTED and not has_started:
                row.states.append((NOT_OPEN, "—"))  # a month still ahead is not missing
            else:
                row.states.append((state, STATE_LABELS[state]))
        rows.append(row)
    return rows


@dataclass
class MissingMonth:
    """A started school-month that has not been submitted (not started, draft or returned)."""

    school: School
    fiscal_year: int
    month: int
    state: str
    due_date: datetime.date
    principals: list = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.due_date < today()


def missing_months(*, fiscal_year: int, schools, months=None) -> list[MissingMonth]:
    """The started months of `fiscal_year` (or just `months`) that `schools` have not submitted.

    Schools come with their principals' user accounts (for the export and the reminders).
    """
    deadline = ReportingDeadline.current()
    wanted = [
        m
        for m in fiscal.FISCAL_MONTHS
        if month_has_started(fiscal_year, m) and (months is None or m in months)
    ]
    schools = list(schools.select_related("school_type", "district").prefetch_related("principals__user"))
    states = _states(fiscal_year=fiscal_year, schools=[s.pk for s in schools])
    missing = []
    for school in schools:
        per_month = states.get(school.pk, {})
        for month in wanted:
            status = per_month.get(month, (NOT_STARTED, None))[0]
            if status not in MonthlyReport.COUNTED_STATUSES:
                missing.append(
                    MissingMonth(
                        school=school,
                        fiscal_year=fiscal_year,
                        month=month,
                        state=status,
                        due_date=deadline.due_date(fiscal_year, month),
                        principals=[p.user for p in school.principals.all()],
                    )
                )
    return missing


def missing_rows(missing: list[MissingMonth]) -> list[list[str]]:
    """The missing list as CSV rows, with a header, in the active language."""
    header = [
        _("School code"),
        _("School"),
        _("School type"),
        _("District"),
        _("Fiscal year"),
        _("Month"),
        _("State"),
        _("Due date"),
        _("Overdue"),
        _("Principal"),
        _("Email"),
    ]
    lang = active_language()
    rows = [header]
    for item in missing:
        rows.append(
            [
                item.school.code,
                item.school.name,
                item.school.school_type.name,
                item.school.district.name,
                fiscal.fiscal_year_label(item.fiscal_year, lang),
                fiscal.month_label(item.month, lang),
                str(STATE_LABELS[item.state]),
                item.due_date.isoformat(),
                _("yes") if item.overdue else _("no"),
                " ".join(u.get_username() for u in item.principals),
                " ".join(u.email for u in item.principals if u.email),
            ]
        )
    return rows


# --- reminders ---------------------------------------------------------------------------------------


def overdue_months(day: datetime.date) -> list[tuple[int, int]]:
    """(fiscal year, month) pairs whose due date has passed, within the twelve months before `day`."""
    deadline = ReportingDeadline.current()
    pairs = []
    for fiscal_year in (fiscal.fiscal_year_of(day) - 1, fiscal.fiscal_year_of(day)):
        for month in fiscal.FISCAL_MONTHS:
            start = fiscal.month_start(fiscal_year, month)
            if deadline.due_date(fiscal_year, month) < day and start > day - datetime.timedelta(days=366):
                pairs.append((fiscal_year, month))
    return pairs


def send_reminders(*, day: datetime.date | None = None) -> int:
    """Email the principals of every school with a month missing after its due date.

    A school-month is reminded about once (recorded as a `Reminder`); a principal gets one email
    listing all of the school's missing months whenever at least one of them is newly overdue.
    Principals without an email address are skipped (and nothing is recorded for their school,
    so they are reminded once an address is set). Returns the number of emails sent.
    """
    day = day or today()
    pairs = overdue_months(day)
    if not pairs:
        return 0
    reminded = set(
        Reminder.objects.filter(fiscal_year__in={fy for fy, _m in pairs}).values_list(
            "school_id", "fiscal_year", "month"
        )
    )
    schools = School.objects.filter(principals__user__is_active=True).distinct()
    per_school: dict[int, list[MissingMonth]] = {}
    for fiscal_year in sorted({fy for fy, _m in pairs}):
        months = [m for fy, m in pairs if fy == fiscal_year]
        for item in missing_months(fiscal_year=fiscal_year, schools=schools, months=months):
            per_school.setdefault(item.school.pk, []).append(item)
    messages, records = [], []
    with translation.override(settings.LANGUAGE_CODE):
        for items in per_school.values():
            if all((i.school.pk, i.fiscal_year, i.month) in reminded for i in items):
                continue
            recipients = sorted({u.email for u in items[0].principals if u.email and u.is_active})
            if not recipients:
                continue
            messages.append(
                (
                    _reminder_subject(items[0].school),
                    _reminder_body(items),
                    settings.DEFAULT_FROM_EMAIL,
                    recipients,
                )
            )
            records.extend(
                Reminder(
                    school=i.school, fiscal_year=i.fiscal_year, month=i.month, recipients=" ".join(recipients)
                )
                for i in items
                if (i.school.pk, i.fiscal_year, i.month) not in reminded
            )
    with transaction.atomic():
        Reminder.objects.bulk_create(records, ignore_conflicts=True)
        send_mass_mail(messages, fail_silently=False)
    return len(messages)


def _reminder_subject(school: School) -> str:
    return _("[Reform Dashboard] Monthly figures missing: %(school)s") % {"school": school.name}


def _reminder_body(items: list[MissingMonth]) -> str:
    lang = active_language()
    lines = [
        _("The following months of %(school)s have not been submitted yet:")
        % {"school": items[0].school.name},
        "",
    ]
    for item in items:
        lines.append(
            _("- %(year)s %(month)s (%(state)s, due %(due)s)")
            % {
                "year": fiscal.fiscal_year_label(item.fiscal_year, lang),
                "month": fiscal.month_label(item.month, lang),
                "state": STATE_LABELS[item.state],
                "due": item.due_date.isoformat(),
            }
        )
    lines += [
        "",
        _("Please enter and submit them here:"),
        settings.SITE_URL.rstrip("/") + reverse("metrics:entry-home"),
    ]
    return "\n".join(lines)
