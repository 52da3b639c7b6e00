import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

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


class SchoolQuerySet(access.RestrictedQuerySet):
    school_path = "pk"  # a school is its own school


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
    coverage_threshold = models.PositiveSmallIntegerField(
        _("coverage threshold (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "A figure from fewer schools than this share of the schools expected is marked provisional."
        ),
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
