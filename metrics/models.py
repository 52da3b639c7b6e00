import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reform import access, fiscal
from reform.i18n import BilingualMixin, localized


class CodedName(BilingualMixin, models.Model):
    """A small reference list kept by the board: a stable code, a name in both languages, an order."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class SchoolType(CodedName):
    """A school type (校種) such as elementary or junior high."""

    class Meta(CodedName.Meta):
        verbose_name = _("school type")
        verbose_name_plural = _("school types")


class District(CodedName):
    """An administrative district (方面) that groups schools."""

    class Meta(CodedName.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class SchoolQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.restrict_schools(self, user)


class School(BilingualMixin, models.Model):
    """One school of the city."""

    code = models.SlugField(_("school code"), max_length=32, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=128)
    name_en = models.CharField(_("name (English)"), max_length=128, blank=True)
    school_type = models.ForeignKey(
        SchoolType, on_delete=models.PROTECT, related_name="schools", verbose_name=_("school type")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="schools", verbose_name=_("district")
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["school_type__order", "code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return f"{self.code} {self.name}"


class SchoolPrincipal(models.Model):
    """Links a principal's user account to the one school they report for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="principal_of"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="principals", verbose_name=_("school")
    )

    class Meta:
        verbose_name = _("principal")
        verbose_name_plural = _("principals")

    def __str__(self):
        return f"{self.user} → {self.school}"


class Indicator(BilingualMixin, models.Model):
    """One of the plan's indicators (指標), e.g. the share of staff over 80 h of overtime."""

    class Unit(models.TextChoices):
        PERCENT = "pct", "%"
        INDEX = "index", _("index (national average = 100)")
        DAYS = "days", _("days")

    class Comparator(models.TextChoices):
        LE = "le", "≤"
        GE = "ge", "≥"
        LT = "lt", "<"
        EQ = "eq", "="

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        CUMULATIVE = "cumulative", _("monthly, cumulative from April")
        YEARLY = "yearly", _("yearly")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    number = models.PositiveSmallIntegerField(_("indicator number"), help_text=_("① to ④"))
    name_ja = models.CharField(_("name (Japanese)"), max_length=128)
    name_en = models.CharField(_("name (English)"), max_length=128)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    comparator = models.CharField(_("target comparator"), max_length=2, choices=Comparator.choices)
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name

    @property
    def description(self):
        return localized(self, "description")

    def meets(self, value, target) -> bool | None:
        """Whether `value` meets `target` under this indicator's comparator (None if unknown)."""
        if value is None or target is None:
            return None
        value, target = float(value), float(target)
        return {
            "le": value <= target,
            "ge": value >= target,
            "lt": value < target,
            "eq": value == target,
        }[self.comparator]


class Target(models.Model):
    """An indicator's target value (目標値) for one fiscal year."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    value = models.DecimalField(_("target value"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "fiscal_year"], name="target_unique_year"),
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self):
        return f"{self.indicator} {self.fiscal_year}: {self.get_comparator_display()} {self.value}"

    def get_comparator_display(self):
        return self.indicator.get_comparator_display()


class MonthlyReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.restrict_school_rows(self, user)

    def for_fiscal_year(self, fiscal_year):
        return self.filter(fiscal_year=fiscal_year)

    # Bulk writes skip save() and its signals; these three keep the monthly rollups current.
    def bulk_create(self, objs, *args, **kwargs):
        from metrics import rollups

        created = super().bulk_create(objs, *args, **kwargs)
        rollups.mark_stale((obj.fiscal_year, obj.month) for obj in created)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        from metrics import rollups

        objs = list(objs)
        before = rollups.months_of(self.model, objs)
        updated = super().bulk_update(objs, fields, *args, **kwargs)
        moved = {"fiscal_year", "month"} & set(fields)
        rollups.mark_stale(before | rollups.months_of(self.model, objs) if moved else before)
        return updated

    def update(self, **kwargs):
        from metrics import rollups

        before = set(self.order_by().values_list("fiscal_year", "month").distinct())
        updated = super().update(**kwargs)
        rollups.mark_stale(rollups.EVERY_MONTH if {"fiscal_year", "month"} & set(kwargs) else before)
        return updated


COUNT_FIELDS = (
    "over_80h_count",
    "left_by_19_count",
    "over_45h_count",
    "over_100h_count",
    "leave_10plus_count",
)


class MonthlyReport(models.Model):
    """One school's counts for one month of a fiscal year (a school-month)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="monthly_reports", verbose_name=_("school")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    staff_count = models.PositiveIntegerField(
        _("staff counted"), help_text=_("Staff whose hours were recorded this month (IC card).")
    )
    over_80h_count = models.PositiveIntegerField(
        _("staff over 80 h overtime"),
        help_text=_("Staff whose overtime this month exceeded 80 hours (indicator ①)."),
    )
    left_by_19_count = models.PositiveIntegerField(
        _("staff leaving by 19:00"),
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
        help_text=_("Annual leave days taken since April by all counted staff, in total."),
    )
    leave_10plus_count = models.PositiveIntegerField(
        _("staff with 10+ leave days"),
        help_text=_("Staff who have taken 10 or more days of annual leave since April (indicator ④)."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
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
        errors = {}
        if self.month is not None and not 1 <= self.month <= 12:
            errors["month"] = _("The month must be between 1 and 12.")
        staff = self.staff_count
        if staff is not None:
            for name in COUNT_FIELDS:
                value = getattr(self, name)
                if value is not None and value > staff:
                    errors[name] = _("%(field)s (%(value)s) cannot exceed the staff counted (%(staff)s).") % {
                        "field": self._meta.get_field(name).verbose_name,
                        "value": value,
                        "staff": staff,
                    }
        over_45, over_80, over_100 = self.over_45h_count, self.over_80h_count, self.over_100h_count
        if (
            over_45 is not None
            and over_80 is not None
            and over_80 > over_45
            and "over_45h_count" not in errors
        ):
            errors["over_45h_count"] = _(
                "Staff over 45 h (%(over_45)s) cannot be fewer than staff over 80 h (%(over_80)s)."
            ) % {"over_45": over_45, "over_80": over_80}
        if (
            over_100 is not None
            and over_80 is not None
            and over_100 > over_80
            and "over_100h_count" not in errors
        ):
            errors["over_100h_count"] = _(
                "Staff over 100 h (%(over_100)s) cannot exceed staff over 80 h (%(over_80)s)."
            ) % {"over_100": over_100, "over_80": over_80}
        if self.leave_days_total is not None and self.leave_days_total < 0:
            errors["leave_days_total"] = _("Leave days cannot be negative.")
        if errors:
            raise ValidationError(errors)


class StressCheckResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.restrict_school_rows(self, user)


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


class Event(BilingualMixin, models.Model):
    """Something that shaped the figures over a date range (a closure, a short summer break)."""

    label_ja = models.CharField(_("label (Japanese)"), max_length=128)
    label_en = models.CharField(_("label (English)"), max_length=128, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    exclude_from_average = models.BooleanField(
        _("exclude from the year's average"),
        default=False,
        help_text=_("The year's figure is also given without the months this event covers."),
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="event_ends_after_start"),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self):
        return f"{self.label} ({self.start_date}–{self.end_date})"

    @property
    def label(self):
        return localized(self, "label")

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date must not be before the start date.")})

    def fiscal_months(self) -> list[tuple[int, int]]:
        """The (fiscal year, month) pairs this event touches."""
        return fiscal.fiscal_months_between(self.start_date, self.end_date)


class PublishedFigure(models.Model):
    """An aggregate known only as a published number (earlier years, other boards, national)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="published")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    group = models.CharField(_("group"), max_length=32, help_text=_("'all' or a school type code."))
    month = models.PositiveSmallIntegerField(
        _("month"), null=True, blank=True, help_text=_("Empty for the year's figure.")
    )
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)
    excluding_events = models.BooleanField(
        _("excluding events"),
        default=False,
        help_text=_("The figure leaves out the months of events excluded from the average."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        ordering = ["indicator", "fiscal_year", "group", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year", "group", "month", "excluding_events"],
                condition=Q(month__isnull=False),
                name="published_figure_unique_month",
            ),
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year", "group", "excluding_events"],
                condition=Q(month__isnull=True),
                name="published_figure_unique_year",
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                name="published_figure_month_valid",
            ),
        ]
        verbose_name = _("published figure")
        verbose_name_plural = _("published figures")

    def __str__(self):
        return f"{self.indicator.code} {self.fiscal_year} {self.group} {self.month or ''}: {self.value}"


class Commentary(models.Model):
    """The board's narrative for a fiscal year, opening its report."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), unique=True)
    body_ja = models.TextField(_("text (Japanese)"))
    body_en = models.TextField(_("text (English)"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = _("commentary")
        verbose_name_plural = _("commentaries")

    def __str__(self):
        return fiscal.fiscal_year_label(self.fiscal_year)

    @property
    def body(self):
        return localized(self, "body")


class ReportingDeadline(models.Model):
    """The board's due day: a month's figures are due by this day of the following month (one row)."""

    due_day = models.PositiveSmallIntegerField(
        _("due day"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Day of the following month by which a month's figures are due (1–28)."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(due_day__gte=1, due_day__lte=28), name="deadline_due_day_valid"
            ),
        ]
        verbose_name = _("reporting deadline")
        verbose_name_plural = _("reporting deadlines")

    def __str__(self):
        return _("day %(day)s of the following month") % {"day": self.due_day}

    @classmethod
    def current(cls) -> "ReportingDeadline":
        """The deadline in force: the stored row, or the default (10th) when the board has set none."""
        return cls.objects.order_by("pk").first() or cls()

    def due_date(self, fiscal_year: int, month: int) -> datetime.date:
        """The date by which (fiscal_year, month) is due: `due_day` of the following calendar month."""
        year = fiscal.calendar_year(fiscal_year, month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return datetime.date(year, month, self.due_day)


class Reminder(models.Model):
    """A reminder emailed to a school's principals about one missing school-month (sent once)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="reminders")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.TextField(_("recipients"))

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


class ReportExportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.restrict_report_exports(self, user)


class ReportExport(models.Model):
    """One request for a fiscal year's annual report in one format, its progress and the file it made."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"

    class Audience(models.TextChoices):
        BOARD = "board", _("Board staff (with per-school rows)")
        OFFICIAL = "official", _("Officials (aggregates only)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="report_exports",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    compare_year = models.PositiveSmallIntegerField(_("comparison year"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    audience = models.CharField(
        _("audience"),
        max_length=16,
        choices=Audience.choices,
        help_text=_("What the file may contain: officials' reports have no per-school rows."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    percent = models.PositiveSmallIntegerField(_("percent done"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("last sign of life"), null=True, blank=True, help_text=_("Updated at every step of the build.")
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ReportExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="report_export_percent_valid"),
        ]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")

    def __str__(self):
        return f"{fiscal.fiscal_year_label(self.fiscal_year)} {self.get_format_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


# --- per-staff hours (metrics/staff/): the national caps, the MEXT bands, physician interviews ---------


class StaffMonthQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.restrict_staff_rows(self, user)


class StaffMonth(models.Model):
    """One staff member's overtime and leave in one month, under a pseudonymous id (never a name)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="staff_months", verbose_name=_("school")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    staff_code = models.CharField(
        _("staff id"), max_length=32, help_text=_("The IC-card system's pseudonymous id, never a name.")
    )
    overtime_hours = models.DecimalField(
        _("overtime hours"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Time at school beyond duty hours this month, weekends included (時間外在校等時間)."),
    )
    weekday_overtime_hours = models.DecimalField(_("weekday overtime hours"), max_digits=5, decimal_places=2)
    leave_days = models.DecimalField(_("leave days taken"), max_digits=4, decimal_places=2)

    objects = StaffMonthQuerySet.as_manager()

    class Meta:
        ordering = ["school", "fiscal_year", "month", "staff_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "month", "staff_code"], name="staff_month_one_per_staff_month"
            ),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="staff_month_month_valid"),
            models.CheckConstraint(
                condition=Q(overtime_hours__gte=0, weekday_overtime_hours__gte=0, leave_days__gte=0),
                name="staff_month_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(weekday_overtime_hours__lte=F("overtime_hours")),
                name="staff_month_weekday_within_overtime",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "fiscal_year", "month"], name="staff_month_school_month"),
            models.Index(fields=["fiscal_year", "staff_code", "month"], name="staff_month_staff_year"),
        ]
        verbose_name = _("staff month")
        verbose_name_plural = _("staff months")

    def __str__(self):
        return f"{self.staff_code} {self.fiscal_year}-{self.month}"


class StaffHoursImport(models.Model):
    """One confirmed import of per-staff hours: who, when, which file and what it changed."""

    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_name = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("created"))
    updated = models.PositiveIntegerField(_("changed"))
    removed = models.PositiveIntegerField(_("removed"))
    filled_months = models.PositiveIntegerField(_("school-months filled"))
    mismatched_months = models.PositiveIntegerField(_("school-months that differ"))

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("staff hours import")
        verbose_name_plural = _("staff hours imports")

    def __str__(self):
        return f"{self.imported_at:%Y-%m-%d %H:%M} {self.source_name}"


class PhysicianInterviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.restrict_staff_rows(self, user)

    def delete(self):
        """Records are kept for RETENTION_YEARS: deleting one that is younger is refused."""
        for record in self:
            record.check_deletable()
        return super().delete()


class PhysicianInterview(models.Model):
    """A staff member over 80 h of overtime in a month, and the steps toward a physician's interview
    (労働安全衛生法 第66条の8): notified, requested, interviewed, followed up."""

    RETENTION_YEARS = 5  # 労働安全衛生規則 第52条の6: interview records are kept five years

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="physician_interviews", verbose_name=_("school")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    month = models.PositiveSmallIntegerField(_("month"))
    staff_code = models.CharField(_("staff id"), max_length=32)
    overtime_hours = models.DecimalField(_("overtime hours"), max_digits=5, decimal_places=2)
    notified_on = models.DateField(
        _("notified on"), null=True, blank=True, help_text=_("The staff member was told of their hours.")
    )
    requested_on = models.DateField(
        _("interview requested on"), null=True, blank=True, help_text=_("The staff member asked for one.")
    )
    interview_on = models.DateField(_("interview date"), null=True, blank=True)
    follow_up = models.TextField(
        _("follow-up"), blank=True, help_text=_("The physician's opinion and the measures taken.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = PhysicianInterviewQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year", "school", "staff_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "month", "staff_code"], name="physician_interview_one_per_staff_month"
            ),
        ]
        verbose_name = _("physician interview")
        verbose_name_plural = _("physician interviews")

    def __str__(self):
        return f"{self.staff_code} {self.fiscal_year}-{self.month}"

    def delete(self, *args, **kwargs):
        self.check_deletable()
        return super().delete(*args, **kwargs)

    @property
    def keep_until(self) -> datetime.date:
        """The last day the record must be kept: RETENTION_YEARS after the end of its month."""
        year = fiscal.calendar_year(self.fiscal_year, self.month) + self.RETENTION_YEARS
        return datetime.date(year + (self.month == 12), self.month % 12 + 1, 1) - datetime.timedelta(days=1)

    def check_deletable(self, today: datetime.date | None = None) -> None:
        today = today or datetime.date.today()
        if today <= self.keep_until:
            raise ValidationError(
                _("Physician-interview records are kept until %(date)s and cannot be deleted before then.")
                % {"date": self.keep_until.isoformat()}
            )
