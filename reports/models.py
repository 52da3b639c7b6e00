"""The annual report's export jobs (the table keeps its name from the metrics app, `db_table`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reform import access, fiscal


class ReportExportQuerySet(access.RestrictedQuerySet):
    """Board staff see every export. An official the exports built for officials (aggregates only,
    so one official may fetch what another asked for: the shared list of earlier reports).
    Principals none: exports belong to no school."""

    school_path = None
    official_rows = Q(audience="official")


class ReportExport(models.Model):
    """One request for a fiscal year's annual report in one format, its progress and the file it made."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"
        SCHOOLS = "schools", _("Per-school CSV (board staff)")

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
    demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("The file was made from the demo city's data.")
    )

    objects = ReportExportQuerySet.as_manager()

    class Meta:
        db_table = "metrics_reportexport"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="report_export_percent_valid"),
        ]
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")

    def __str__(self):
        return f"{fiscal.fiscal_year_label(self.fiscal_year)} {self.get_format_display()} #{self.pk}"

    @property
    def extension(self) -> str:
        return "csv" if self.format == self.Format.SCHOOLS else self.format

    @property
    def download_name(self) -> str:
        """E.g. annual-report-FY2020-official.pdf, annual-report-FY2020-board-demo-schools.csv: the
        audience always, "demo" when made from demo data, "schools" for the per-school CSV."""
        parts = [f"annual-report-FY{self.fiscal_year}", self.audience]
        if self.demo:
            parts.append("demo")
        if self.format == self.Format.SCHOOLS:
            parts.append("schools")
        return f"{'-'.join(parts)}.{self.extension}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
