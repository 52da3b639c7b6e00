"""`Authorization: Token <key>` for system accounts (api.models.ApiToken), recording each token's last use."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.models import ApiToken

# Last use is written at most this often per token (not on every request of a busy system).
LAST_USE_RESOLUTION = timedelta(minutes=1)


class TokenAuthentication(authentication.TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user", "user__system_account")
            .filter(digest=ApiToken.digest_of(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = token.user
        if not user.is_active or not hasattr(user, "system_account"):
            raise exceptions.AuthenticationFailed(
                _("This token's account is inactive or not a system account.")
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USE_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token
