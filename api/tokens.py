"""API tokens for system accounts (the HR system, other departments' tools)."""

from django.db import transaction
from rest_framework.authtoken.models import Token


def issue_token(*, user, rotate: bool = True) -> Token:
    """`user`'s token: a new one replacing any it had (`rotate`), or else the existing one if any."""
    with transaction.atomic():
        if not rotate:
            existing = Token.objects.filter(user=user).first()
            if existing is not None:
                return existing
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def revoke_token(*, user) -> bool:
    """Delete `user`'s token; requests with it are refused from now on. False if it had none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
