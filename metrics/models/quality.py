from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from metrics.models.school_months import MonthlyReport


class QualityFlag(models.Model):
    """One data-quality rule that fired on one value of a school-month, and its follow-up.

    Kept by metrics.quality.record_flags when a month is submitted (any channel). Read only
    through a school-month that `restrict` let through, like the month's history.
    """

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("follow-up", "Open")
        EXPLAINED = "explained", pgettext_lazy("follow-up", "Explained")
        CORRECTED = "corrected", pgettext_lazy("follow-up", "Corrected")

    report = models.ForeignKey(
        MonthlyReport, on_delete=models.CASCADE, related_name="quality_flags", verbose_name=_("school-month")
    )
    rule = models.CharField(_("rule"), max_length=32)
    field = models.CharField(_("field"), max_length=32)
    # The numbers the message shows (value, previous, type median …), as metrics.quality gives them.
    params = models.JSONField(_("figures"), default=dict)
    state = models.CharField(_("follow-up"), max_length=16, choices=State.choices, default=State.OPEN)
    # The version of the school-month the flag was last checked on.
    version = models.PositiveIntegerField(_("version"), default=1)
    reason = models.TextField(_("school's reason"), blank=True)
    reason_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("board's note"), blank=True)
    # Who set the state, and when (no one: the check itself, when the flag stopped firing).
    state_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state_at = models.DateTimeField(_("state set at"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["report", "rule", "field"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rule", "field"], name="quality_flag_one_per_rule_field"
            ),
        ]
        indexes = [models.Index(fields=["state"], name="quality_flag_state")]
        verbose_name = _("data-quality flag")
        verbose_name_plural = _("data-quality flags")

    def __str__(self):
        return f"{self.report} {self.rule} {self.field}"
