"""Changes board staff make to user accounts, each kept as an AccountEvent (who, when, what).

The accounts managed here are people's: every account but superusers (administrators, managed in
the admin) and system accounts (api.models.SystemAccount, which hold API tokens). A role is one of
the three groups of reform/access.py; board staff also get `is_staff` (they use the admin); a
principal is linked to one school (metrics.models.SchoolPrincipal). Passwords are never stored or
recorded in clear: a new account has no usable password until a set-password link or a one-time
password gives it one.
"""

import hashlib
import secrets
from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.utils import reset as reset_attempts
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import AccountEvent, OneTimePassword
from metrics.models import School, SchoolPrincipal
from reform.access import Role, role_of

ROLES = (Role.BOARD, Role.PRINCIPAL, Role.OFFICIAL)
# Letters and digits that cannot be mistaken for one another when read out or copied by hand.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
PASSWORD_LENGTH = 14


def managed_users():
    """The accounts board staff manage (not superusers, not system accounts)."""
    return User.objects.filter(is_superuser=False, system_account__isnull=True)


@dataclass(frozen=True)
class Wanted:
    """What an account should be. None leaves the e-mail address or a name as it is."""

    role: Role
    school: School | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


def state_of(user: User) -> dict[str, str]:
    """The parts of an account the history records, as text."""
    link = getattr(user, "principal_of", None)
    return {
        "role": role_of(user).value,
        "school": link.school.code if link is not None else "",
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }


def _after(before: dict[str, str], wanted: Wanted) -> dict[str, str]:
    school = wanted.school.code if wanted.role is Role.PRINCIPAL and wanted.school is not None else ""
    kept = {name: getattr(wanted, name) for name in ("email", "first_name", "last_name")}
    after = {"role": wanted.role.value, "school": school}
    after.update({name: before.get(name, "") if value is None else value for name, value in kept.items()})
    return after


def describe_change(before: dict[str, str], after: dict[str, str]) -> str:
    """What differs, e.g. "role: official → principal; school: — → A001"; "" when nothing does."""
    return "; ".join(
        f"{name}: {before.get(name) or '—'} → {after[name] or '—'}"
        for name in after
        if before.get(name, "") != after[name]
    )


def describe_new(after: dict[str, str]) -> str:
    return "; ".join(f"{name}: {value}" for name, value in after.items() if value)


def planned_change(user: User | None, wanted: Wanted) -> str:
    """What saving `wanted` would change in `user` (None: a new account), as the history says it."""
    if user is None:
        return describe_new(_after({}, wanted))
    return describe_change(state_of(user), _after(state_of(user), wanted))


def record(*, user: User, actor, action: str, detail: str = "") -> AccountEvent:
    return AccountEvent.objects.create(user=user, actor=actor, action=action, detail=detail[:500])


@transaction.atomic
def save_account(*, actor, wanted: Wanted, user: User | None = None, username: str = "", note: str = ""):
    """Create an account (`user` None, named `username`) or change one to `wanted`; record it.
    Returns the user and the event, or None for the event when nothing changed (nothing written).
    `note` is added to the history (the import's file name)."""
    before = state_of(user) if user is not None else None
    after = _after(before or {}, wanted)
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
        detail, action = describe_new(after), AccountEvent.Action.CREATED
    else:
        detail, action = describe_change(before, after), AccountEvent.Action.EDITED
        if username and username != user.username:
            detail = "; ".join(filter(None, [f"username: {user.username} → {username}", detail]))
            user.username = username
        if not detail:
            return user, None
    user.email, user.first_name, user.last_name = after["email"], after["first_name"], after["last_name"]
    user.is_staff = wanted.role is Role.BOARD
    user.save()
    _set_role(user, wanted.role, wanted.school)
    if note:
        detail = f"{detail} ({note})"
    return user, record(user=user, actor=actor, action=action, detail=detail)


def _set_role(user: User, role: Role, school: School | None) -> None:
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in ROLES]).exclude(name=role.value))
    user.groups.add(Group.objects.get(name=role.value))
    if role is Role.PRINCIPAL:
        SchoolPrincipal.objects.update_or_create(user=user, defaults={"school": school})
    else:
        SchoolPrincipal.objects.filter(user=user).delete()
    user.__dict__.pop("_reform_role", None)  # role_of's cache
    getattr(user, "_prefetched_objects_cache", {}).pop("groups", None)
    user._state.fields_cache.pop("principal_of", None)


@transaction.atomic
def set_active(*, actor, user: User, active: bool) -> AccountEvent | None:
    """Deactivate (no log-in, no e-mail) or reactivate an account; None when it already was."""
    if user.is_active == active:
        return None
    user.is_active = active
    user.save(update_fields=["is_active"])
    action = AccountEvent.Action.REACTIVATED if active else AccountEvent.Action.DEACTIVATED
    return record(user=user, actor=actor, action=action)


def locked_usernames(usernames) -> set[str]:
    """Those of `usernames` locked out of logging in now (from at least one computer)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


@transaction.atomic
def lift_lockout(*, actor, user: User) -> bool:
    """Forget the account's failed log-ins (django-axes), which lifts a lock-out; False when it had none."""
    locked = bool(locked_usernames([user.username]))
    reset_attempts(username=user.username)
    if locked:
        record(user=user, actor=actor, action=AccountEvent.Action.UNLOCKED)
    return locked


@transaction.atomic
def issue_one_time_password(*, actor, user: User) -> str:
    """A random password for `user`, to be shown once and changed at the first log-in; only its hash
    is kept. Any set-password link sent before stops working (the token includes the hash)."""
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
    user.set_password(password)
    user.save(update_fields=["password"])
    OneTimePassword.objects.update_or_create(user=user, defaults={"password_digest": password_digest(user)})
    record(user=user, actor=actor, action=AccountEvent.Action.ONE_TIME_PASSWORD)
    return password


@transaction.atomic
def send_password_link(*, actor, user: User, request) -> None:
    """E-mail `user` a link to set their password: Django's password-reset mail and token (valid for
    settings.PASSWORD_RESET_TIMEOUT). Only where e-mail is configured (settings.PASSWORD_RESET_ENABLED)
    and the account has an address; the caller checks both."""
    context = {
        "email": user.email,
        "domain": request.get_host(),
        "site_name": request.get_host(),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
    }
    PasswordResetForm().send_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
        context,
        None,
        user.email,
    )
    record(user=user, actor=actor, action=AccountEvent.Action.PASSWORD_LINK, detail=user.email)


# --- the change of a one-time password -------------------------------------------------------------

# In the session of a user who logged in with a one-time password: its password_digest. Set at
# log-in (accounts.views.LoginView), so other requests cost nothing; read by the middleware.
MUST_CHANGE_SESSION_KEY = "accounts_must_change_password"


def password_digest(user: User) -> str:
    """A digest of the stored password hash: tells whether the password changed, reveals nothing."""
    return hashlib.sha256(user.password.encode()).hexdigest()


def one_time_password_in_use(user: User) -> str | None:
    """The digest of `user`'s one-time password while it is still their password, else None (and a
    one-time password replaced since is forgotten)."""
    marker = OneTimePassword.objects.filter(user=user).first()
    if marker is None:
        return None
    if marker.password_digest != password_digest(user):
        marker.delete()
        return None
    return marker.password_digest


def one_time_password_replaced(user: User) -> None:
    OneTimePassword.objects.filter(user=user).delete()
