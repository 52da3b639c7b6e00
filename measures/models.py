from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reform import access, fiscal
from reform.i18n import localized


class TitledMixin:
    @property
    def title(self) -> str:
        return localized(self, "title")


class Pillar(TitledMixin, models.Model):
    """One of the plan's four pillars (柱), e.g. 学校業務の適正化、精査・精選."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")

    def __str__(self):
        return f"{self.number}. {self.title}"


class Section(TitledMixin, models.Model):
    """A section within a pillar, e.g. (1) 学校業務の適正化."""

    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField(_("number"))
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["pillar__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pillar", "number"], name="section_unique_number"),
        ]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return f"{self.pillar.number}-({self.number}) {self.title}"


class Measure(TitledMixin, models.Model):
    """A reform measure (取組) of the plan, kept year after year."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="measures")
    number = models.PositiveSmallIntegerField(_("number"), help_text=_("① ② … within its section"))
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    indicators = models.ManyToManyField(
        "metrics.Indicator", blank=True, related_name="measures", verbose_name=_("indicators it aims to move")
    )

    class Meta:
        ordering = ["section__pillar__number", "section__number", "number", "pk"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("measures:detail", args=[self.pk])


class MeasureYear(models.Model):
    """What a measure did in one fiscal year (実績) and what it plans for the next (予定)."""

    class Tag(models.TextChoices):
        NEW = "new", _("New")
        EXPANDED = "expanded", _("Expanded")
        CONTINUING = "continuing", _("Continuing")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        SUSPENDED = "suspended", _("Suspended")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="years")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    tag = models.CharField(_("tag"), max_length=16, choices=Tag.choices, default=Tag.CONTINUING)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    results = models.TextField(_("results (実績)"), blank=True)
    plans = models.TextField(_("plans for next year (予定)"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "fiscal_year"], name="measure_year_unique"),
        ]
        verbose_name = _("measure year")
        verbose_name_plural = _("measure years")

    def __str__(self):
        return f"{self.measure} {fiscal.fiscal_year_label(self.fiscal_year)}"


class MeasureNote(models.Model):
    """A quote, newsletter excerpt or note attached to a measure, with its source."""

    class Kind(models.TextChoices):
        QUOTE = "quote", _("Voice of participants")
        NEWSLETTER = "newsletter", _("Newsletter excerpt")
        FIGURE = "figure", _("Figure")
        NOTE = "note", _("Note")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="notes")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("text"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["measure", "fiscal_year", "pk"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:30]}"


class KPI(models.Model):
    """A figure that shows a measure's reach (schools covered, staff placed …)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="kpis")
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    is_headline = models.BooleanField(_("headline KPI"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["measure", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"], condition=Q(is_headline=True), name="kpi_one_headline_per_measure"
            ),
        ]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localized(self, "name")


class KPIValue(models.Model):
    """A KPI's actual and planned value for one fiscal year."""

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="values")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    actual = models.DecimalField(_("actual"), max_digits=12, decimal_places=2, null=True, blank=True)
    planned = models.DecimalField(_("planned"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["kpi", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "fiscal_year"], name="kpi_value_unique_year"),
            models.CheckConstraint(
                condition=Q(actual__isnull=False) | Q(planned__isnull=False), name="kpi_value_not_empty"
            ),
        ]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")

    def __str__(self):
        return f"{self.kpi} {self.fiscal_year}"


class AdoptionQuerySet(access.RestrictedQuerySet):
    """Which school takes part in a measure: board staff every row, a principal their own school's;
    officials none (they see counts per year and group)."""


class Adoption(models.Model):
    """A school taking part in a measure in one fiscal year."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="adoptions", verbose_name=_("measure")
    )
    school = models.ForeignKey(
        "metrics.School", on_delete=models.CASCADE, related_name="measure_adoptions", verbose_name=_("school")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdoptionQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "fiscal_year", "school__code"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "school", "fiscal_year"], name="adoption_unique"),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2000, fiscal_year__lte=2100), name="adoption_fiscal_year_valid"
            ),
        ]
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")

    def __str__(self):
        return f"{self.measure} {self.school} {fiscal.fiscal_year_label(self.fiscal_year)}"
