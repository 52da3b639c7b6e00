"""API tokens for system accounts (the HR system, other departments' tools)."""

from django.utils.translation import gettext as _

from api.models import ApiToken


class NotASystemAccount(ValueError):
    pass


def is_system_account(user) -> bool:
    return hasattr(user, "system_account")


def issue_token(*, user, created_by=None) -> tuple[ApiToken, str]:
    """A new token for the system account `user` and its key. The account's other tokens keep
    working: replacing one is issuing a new one, then revoking the old one."""
    if not user.is_active or not is_system_account(user):
        raise NotASystemAccount(_("Tokens are issued only to active system accounts, not to people."))
    return ApiToken.create_for(user=user, created_by=created_by)


def revoke_token(*, token_id: int) -> ApiToken | None:
    """Delete one token; requests with it are refused from now on. None if there was no such token."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is not None:
        token.delete()
    return token
