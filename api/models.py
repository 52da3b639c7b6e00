import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SystemAccount(models.Model):
    """Marks a user account as a system's (the HR system, another department's tool), not a person's:
    only such accounts may hold API tokens."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="system_account"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("system account")
        verbose_name_plural = _("system accounts")

    def __str__(self):
        return str(self.user)


class ApiToken(models.Model):
    """One API token of a system account. A system may hold several (one per client, or old and new
    while it is being replaced); only a digest of the key is kept, the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key begins"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user__username", "created_at"]

    def __str__(self):
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def create_for(cls, *, user, created_by=None) -> tuple["ApiToken", str]:
        """A new token of `user` and its key (not stored: shown once)."""
        key = secrets.token_hex(20)
        token = cls.objects.create(
            user=user, digest=cls.digest_of(key), prefix=key[:8], created_by=created_by
        )
        return token, key
