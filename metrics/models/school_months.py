from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from metrics.models.reference import District, School, SchoolType
from reform import access, fiscal


class MonthlyReportQuerySet(access.RestrictedQuerySet):
    def for_fiscal_year(self, fiscal_year):
        return self.filter(fiscal_year=fiscal_year)

    # Bulk writes skip save() and its signals: these three announce the months they touched
    # (`school_months_changed`), which keeps the monthly rollups current (metrics.rollups listens).
    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        school_months_changed.send(self.model, months={(obj.fiscal_year, obj.month) for obj in created})
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        before = months_of(objs)
        updated = super().bulk_update(objs, fields, *args, **kwargs)
        moved = {"fiscal_year", "month"} & set(fields)
        school_months_changed.send(self.model, months=before | months_of(objs) if moved else before)
        return updated

    def update(self, **kwargs):
        before = set(self.order_by().values_list("fiscal_year", "month").distinct())
        updated = super().update(**kwargs)
        every = {"fiscal_year", "month"} & set(kwargs)
        school_months_changed.send(self.model, months=EVERY_MONTH if every else before)
        return updated


# Sent with `months`, a set of (fiscal year, month) pairs or EVERY_MONTH, after bulk writes of
# school-months (single saves and deletes send Django's own post_save / post_delete).
school_months_changed = Signal()
EVERY_MONTH = "every-month"


def months_of(objs) -> set[tuple[int, int]]:
    """The (fiscal year, month) pairs of school-month objects, read from the database where unset."""
    pairs, missing = set(), []
    for obj in objs:
        fy, month = obj.__dict__.get("fiscal_year"), obj.__dict__.get("month")
        if fy is None or month is None:
            missing.append(obj.pk)
        else:
            pairs.add((fy, month))
    for start in range(0, len(missing), 2000):
        chunk = MonthlyReport.objects.filter(pk__in=missing[start : start + 2000]).order_by()
        pairs.update(chunk.values_list("fiscal_year", "month").distinct())
    return pairs


class MonthlyReport(models.Model):
    """One school's counts for one month of a fiscal year (a school-month)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    # The school-month's rules, defined here once and imported by every form, import, API and rollup.
    # What a school reports for the month, in the order of the form and the CSV:
    VALUE_FIELDS = (
        "staff_count",
        "over_80h_count",
        "left_by_19_count",
        "over_45h_count",
        "over_100h_count",
        "leave_days_total",
        "leave_10plus_count",
    )
    # Counts of staff, each at most `staff_count`:
    COUNT_FIELDS = (
        "over_80h_count",
        "left_by_19_count",
        "over_45h_count",
        "over_100h_count",
        "leave_10plus_count",
    )
    # The national caps' bands, which a school may leave empty:
    OPTIONAL_FIELDS = ("over_45h_count", "over_100h_count")
    # Every other value: a draft may leave them empty, a submitted or approved month may not.
    SUBMIT_FIELDS = (
        "staff_count",
        "over_80h_count",
        "left_by_19_count",
        "leave_days_total",
        "leave_10plus_count",
    )
    # Only these months count in any figure (a draft or a returned month is not yet data):
    COUNTED_STATUSES = (Status.SUBMITTED, Status.APPROVED)

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="monthly_reports", verbose_name=_("school")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    # The required values are nullable only so that a draft may be partial; the constraint
    # monthly_report_counted_complete keeps every submitted and approved month complete.
    staff_count = models.PositiveIntegerField(
        _("staff counted"),
        null=True,
        blank=True,
        help_text=_("Staff whose hours were recorded this month (IC card)."),
    )
    over_80h_count = models.PositiveIntegerField(
        _("staff over 80 h overtime"),
        null=True,
        blank=True,
        help_text=_("Staff whose overtime this month exceeded 80 hours (indicator ①)."),
    )
    left_by_19_count = models.PositiveIntegerField(
        _("staff leaving by 19:00"),
        null=True,
        blank=True,
        help_text=_(
            "Staff whose weekday overtime stayed within 45 hours this month, i.e. who on average "
            "left by 19:00 over 20 school days, weekend work not included (indicator ②)."
        ),
    )
    over_45h_count = models.PositiveIntegerField(
        _("staff over 45 h overtime"),
        null=True,
        blank=True,
        help_text=_("Optional: staff whose overtime exceeded 45 hours (national monthly cap)."),
    )
    over_100h_count = models.PositiveIntegerField(
        _("staff over 100 h overtime"),
        null=True,
        blank=True,
        help_text=_("Optional: staff whose overtime exceeded 100 hours."),
    )
    leave_days_total = models.DecimalField(
        _("leave days taken since April"),
        max_digits=9,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Annual leave days taken since April by all counted staff, in total."),
    )
    leave_10plus_count = models.PositiveIntegerField(
        _("staff with 10+ leave days"),
        null=True,
        blank=True,
        help_text=_("Staff who have taken 10 or more days of annual leave since April (indicator ④)."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Raised by one on every write (form, review, API, imports, bulk approval), so that a writer who
    # read an older version is refused instead of overwriting what changed since (workflow).
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    review_comment = models.TextField(_("board's comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        ordering = ["school", "fiscal_year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "fiscal_year", "month"], name="monthly_report_one_per_school_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="monthly_report_month_valid"
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2000, fiscal_year__lte=2100),
                name="monthly_report_fiscal_year_valid",
            ),
            models.CheckConstraint(
                condition=Q(over_80h_count__lte=F("staff_count")),
                name="monthly_report_over_80h_within_staff",
            ),
            models.CheckConstraint(
                condition=Q(left_by_19_count__lte=F("staff_count")),
                name="monthly_report_left_by_19_within_staff",
            ),
            models.CheckConstraint(
                condition=Q(leave_10plus_count__lte=F("staff_count")),
                name="monthly_report_leave_10plus_within_staff",
            ),
            models.CheckConstraint(
                condition=Q(leave_days_total__gte=0), name="monthly_report_leave_days_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(over_45h_count__isnull=True)
                | Q(over_45h_count__lte=F("staff_count"), over_45h_count__gte=F("over_80h_count")),
                name="monthly_report_over_45h_between_80h_and_staff",
            ),
            models.CheckConstraint(
                condition=Q(over_100h_count__isnull=True) | Q(over_100h_count__lte=F("over_80h_count")),
                name="monthly_report_over_100h_within_80h",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "returned"])
                | Q(
                    staff_count__isnull=False,
                    over_80h_count__isnull=False,
                    left_by_19_count__isnull=False,
                    leave_days_total__isnull=False,
                    leave_10plus_count__isnull=False,
                ),
                name="monthly_report_counted_complete",
            ),
        ]
        indexes = [models.Index(fields=["fiscal_year", "month"], name="monthly_report_year_month")]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")

    def __str__(self):
        return f"{self.school} {fiscal.fiscal_year_label(self.fiscal_year)} {self.month}"

    @property
    def calendar_year(self) -> int:
        return fiscal.calendar_year(self.fiscal_year, self.month)

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED

    def clean(self):
        """The database constraints, as messages that name the field."""
        errors = count_rule_errors({name: getattr(self, name) for name in self.VALUE_FIELDS})
        if self.month is not None and not 1 <= self.month <= 12:
            errors["month"] = _("The month must be between 1 and 12.")
        if errors:
            raise ValidationError(errors)


def missing_value_errors(values) -> dict[str, str]:
    """What a month needs before it is submitted: one message per required value left empty."""
    return {
        name: _("Enter %(field)s before submitting (a draft may leave it empty).")
        % {"field": MonthlyReport._meta.get_field(name).verbose_name}
        for name in MonthlyReport.SUBMIT_FIELDS
        if values.get(name) is None
    }


def count_rule_errors(values) -> dict[str, str]:
    """The school-month's count rules, one message per field at fault (empty if none is broken).

    `values` maps `MonthlyReport.VALUE_FIELDS` to numbers or None (not given). The rules: each count
    at most the staff counted; staff over 100 h ≤ over 80 h ≤ over 45 h where given; leave days ≥ 0.
    The model's `clean`, the forms, the API and the imports all ask this one function.
    """
    errors = {}
    staff = values.get("staff_count")
    if staff is not None:
        for name in MonthlyReport.COUNT_FIELDS:
            value = values.get(name)
            if value is not None and value > staff:
                errors[name] = _("%(field)s (%(value)s) cannot exceed the staff counted (%(staff)s).") % {
                    "field": MonthlyReport._meta.get_field(name).verbose_name,
                    "value": value,
                    "staff": staff,
                }
    over_45, over_80, over_100 = (values.get(f"over_{h}h_count") for h in (45, 80, 100))
    if over_80 is not None:
        if over_45 is not None and over_80 > over_45:
            errors.setdefault(
                "over_45h_count",
                _("Staff over 45 h (%(over_45)s) cannot be fewer than staff over 80 h (%(over_80)s).")
                % {"over_45": over_45, "over_80": over_80},
            )
        if over_100 is not None and over_100 > over_80:
            errors.setdefault(
                "over_100h_count",
                _("Staff over 100 h (%(over_100)s) cannot exceed staff over 80 h (%(over_80)s).")
                % {"over_100": over_100, "over_80": over_80},
            )
    leave_days = values.get("leave_days_total")
    if leave_days is not None and leave_days < 0:
        errors["leave_days_total"] = _("Leave days cannot be negative.")
    return errors


class StressCheckResultQuerySet(access.RestrictedQuerySet):
    """A school's stress results: board staff every school's, a principal their own, officials none."""


class StressCheckResult(models.Model):
    """A school's stress-check group analysis for one fiscal year (national average = 100)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="stress_results")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    respondents = models.PositiveIntegerField(_("respondents"))
    total_health_risk = models.DecimalField(_("total health risk"), max_digits=6, decimal_places=1)
    workload_control = models.DecimalField(_("workload and control"), max_digits=6, decimal_places=1)
    support = models.DecimalField(_("support from colleagues"), max_digits=6, decimal_places=1)

    objects = StressCheckResultQuerySet.as_manager()

    class Meta:
        ordering = ["school", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "fiscal_year"], name="stress_result_one_per_year"),
            models.CheckConstraint(
                condition=Q(total_health_risk__gte=0, workload_control__gte=0, support__gte=0),
                name="stress_result_scores_nonnegative",
            ),
        ]
        verbose_name = _("stress-check result")
        verbose_name_plural = _("stress-check results")

    def __str__(self):
        return f"{self.school} {fiscal.fiscal_year_label(self.fiscal_year)}"


class Reminder(models.Model):
    """A reminder emailed to a school's principals about one missing school-month (sent once)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="reminders")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.TextField(_("recipients"))

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "fiscal_year", "month"], name="reminder_one_per_school_month"
            ),
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self):
        return f"{self.school} {self.fiscal_year}-{self.month}"


class MonthlyRollup(models.Model):
    """The counted school-months of one month summed per school type and district (kept by `rollups`).

    Sums of counts, so any group of types and districts pools exactly as the school-months do.
    `<band>_staff` is the staff of the schools that gave the optional band (its denominator).
    """

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    school_type = models.ForeignKey(SchoolType, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    school_count = models.PositiveIntegerField(_("schools"))
    staff_count = models.PositiveBigIntegerField(_("staff counted"))
    over_80h_count = models.PositiveBigIntegerField()
    left_by_19_count = models.PositiveBigIntegerField()
    over_45h_count = models.PositiveBigIntegerField(null=True)
    over_45h_staff = models.PositiveBigIntegerField()
    over_100h_count = models.PositiveBigIntegerField(null=True)
    over_100h_staff = models.PositiveBigIntegerField()
    leave_days_total = models.DecimalField(max_digits=14, decimal_places=1)
    leave_10plus_count = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["fiscal_year", "month", "school_type", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "month", "school_type", "district"], name="monthly_rollup_one_per_cell"
            ),
        ]
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")

    def __str__(self):
        return f"{self.fiscal_year}-{self.month} {self.school_type_id}/{self.district_id}"
