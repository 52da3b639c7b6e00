"""Per-staff hours: each staff member's month, the imports that brought them, physician interviews.

The tables keep the names they had in the metrics app (`db_table`), where these models began.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reform import access, fiscal


class StaffMonthQuerySet(access.RestrictedQuerySet):
    """Per-staff rows: board staff and the school's own principal, never officials."""


class StaffMonth(models.Model):
    """One staff member's overtime and leave in one month, under a pseudonymous id (never a name)."""

    school = models.ForeignKey(
        "metrics.School", on_delete=models.CASCADE, related_name="staff_months", verbose_name=_("school")
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
        db_table = "metrics_staffmonth"
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
        db_table = "metrics_staffhoursimport"
        ordering = ["-imported_at"]
        verbose_name = _("staff hours import")
        verbose_name_plural = _("staff hours imports")

    def __str__(self):
        return f"{self.imported_at:%Y-%m-%d %H:%M} {self.source_name}"


class PhysicianInterviewQuerySet(access.RestrictedQuerySet):
    """Per-staff rows: board staff and the school's own principal, never officials."""

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
        "metrics.School",
        on_delete=models.PROTECT,
        related_name="physician_interviews",
        verbose_name=_("school"),
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
    history = HistoricalRecords(table_name="metrics_historicalphysicianinterview")

    objects = PhysicianInterviewQuerySet.as_manager()

    class Meta:
        db_table = "metrics_physicianinterview"
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
