"""Accounts from a CSV (the city's HR list): username, role, school_code, email, effective_from.

Read and checked by the shared pipeline (metrics.imports.pipeline), as every import: UTF-8 with or
without BOM or Shift_JIS, Japanese or English headers, every bad cell reported by row and column,
nothing written when any row fails, a dry run that writes nothing, and the same file imported
twice changes nothing the second time. A row creates the account (without a usable password: board
staff then send a set-password link or issue a one-time password) or changes its role, school and
e-mail address; a blank e-mail leaves the stored one. Accounts not in the file are left alone.

Dated moves are not supported yet: `effective_from` is accepted when it is today or earlier (the
change applies at once) and a later date is refused, so that no principal moves before the day.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services
from accounts.services import Wanted
from metrics.imports import pipeline
from metrics.imports.pipeline import MAX_BYTES, Checker, Columns, Outcome
from metrics.models import School
from reform.access import Role

COLUMNS = Columns(
    {
        "username": ("ユーザー名", "ユーザーID", "アカウント", "user name", "user"),
        "role": ("役割", "権限", "role"),
        "school_code": ("学校コード", "学校番号", "school code", "school"),
        "email": ("メールアドレス", "メール", "e-mail", "mail"),
        "effective_from": ("発令日", "適用開始日", "effective from", "from"),
    },
    optional=("school_code", "email", "effective_from"),
)
# A role as the HR list may name it (compared without case).
ROLE_NAMES = {
    "board": Role.BOARD,
    "事務局": Role.BOARD,
    "教育委員会事務局": Role.BOARD,
    "principal": Role.PRINCIPAL,
    "校長": Role.PRINCIPAL,
    "official": Role.OFFICIAL,
    "関係部署": Role.OFFICIAL,
}
USERNAME = re.compile(r"[\w.@+-]{1,150}")
DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


@dataclass
class AccountPlan:
    """One row that changes something: the account, "create" or "change", and what."""

    username: str
    kind: str
    detail: str


@dataclass
class AccountImportOutcome(Outcome):
    rows: int = 0
    created: int = 0
    updated: int = 0
    preview: list[AccountPlan] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.rows - self.created - self.updated

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _date(text: str) -> date | None:
    match = DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


def _valid_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def _check(frame: pd.DataFrame, check: Checker, *, schools, users, taken, actor, today) -> pd.Series:
    """The role of each row (checked); the checker holds the errors."""
    check.required(frame, ("username", "role"))
    check.flag(
        ~frame["username"].str.fullmatch(USERNAME.pattern) & (frame["username"] != ""),
        "username",
        check.quoting(frame, "username", _("“%(v)s” is not a user name (letters, digits and @ . + - _)")),
    )
    existing = frame["username"].map(users)
    check.flag(
        existing.map(
            lambda user: user is not None and (user.is_superuser or hasattr(user, "system_account"))
        ),
        "username",
        _("an administrator's or a system's account cannot be changed here"),
    )
    check.flag(
        existing.isna() & frame["username"].str.lower().isin(taken),
        "username",
        _("another account has this user name in other capitals"),
    )
    role = frame["role"].str.lower().map(ROLE_NAMES)
    check.flag(
        role.isna() & (frame["role"] != ""),
        "role",
        check.quoting(frame, "role", _("unknown role “%(v)s” (board, principal or official)")),
    )
    check.flag(
        (frame["username"] == actor) & role.notna() & (role != Role.BOARD),
        "role",
        _("You cannot take away your own board role."),
    )
    principal = role == Role.PRINCIPAL
    check.flag(principal & (frame["school_code"] == ""), "school_code", _("a principal needs a school code"))
    check.flag(
        role.notna() & ~principal & (frame["school_code"] != ""),
        "school_code",
        _("only principals have a school: leave it blank"),
    )
    check.flag(
        (frame["school_code"] != "") & ~frame["school_code"].isin(schools),
        "school_code",
        check.quoting(frame, "school_code", _("unknown school code “%(v)s”")),
    )
    check.flag(
        (frame["email"] != "") & ~frame["email"].map(_valid_email),
        "email",
        check.quoting(frame, "email", _("“%(v)s” is not an e-mail address")),
    )
    dates = frame["effective_from"].map(_date)
    check.flag(
        (frame["effective_from"] != "") & dates.isna(),
        "effective_from",
        check.quoting(frame, "effective_from", _("“%(v)s” is not a date (YYYY-MM-DD)")),
    )
    check.flag(
        dates.map(lambda day: day is not None and day > today),
        "effective_from",
        check.quoting(
            frame,
            "effective_from",
            _(
                "%(v)s is in the future: dated changes are not supported yet; "
                "import this row on or after that day"
            ),
        ),
    )
    check.duplicates(
        frame[["username"]].apply(lambda column: column.str.lower()),
        "username",
        _("the same user name already appears in row %(row)s"),
        among=~check.bad_in("username"),
    )
    return role


def import_accounts(
    raw: bytes, *, user=None, source_name: str = "", dry_run: bool = False, max_bytes=MAX_BYTES, today=None
) -> AccountImportOutcome:
    """Accounts from CSV, all or nothing (see the module docstring). Raises ImportFileError for a file
    that cannot be read as a whole (size, encoding, header)."""
    table = pipeline.read(raw, COLUMNS, max_bytes=max_bytes)
    frame = table.frame
    schools = {school.code: school for school in School.objects.all()}
    accounts = (
        User.objects.filter(username__in=frame["username"].tolist())
        .select_related("principal_of__school", "system_account")
        .prefetch_related("groups")
    )
    by_name = {account.username: account for account in accounts}
    check = Checker(frame.index, columns=COLUMNS.names, labels=table.labels)
    roles = _check(
        frame,
        check,
        schools=schools,
        users=lambda name: by_name.get(name),
        taken={name.lower() for name in User.objects.values_list("username", flat=True)},
        actor=user.username if user is not None else None,
        today=today or timezone.localdate(),
    )
    outcome = AccountImportOutcome(rows=len(frame))
    check.fill(outcome)
    if outcome.error_count:
        return outcome
    changes = []
    for line, row in frame.iterrows():
        account = by_name.get(row["username"])
        wanted = Wanted(role=roles[line], school=schools.get(row["school_code"]), email=row["email"] or None)
        detail = services.planned_change(account, wanted)
        if account is not None and not detail:
            continue
        kind = "create" if account is None else "change"
        outcome.created += account is None
        outcome.updated += account is not None
        outcome.preview.append(AccountPlan(row["username"], kind, detail))
        changes.append((account, row["username"], wanted))
    if dry_run or not changes:
        return outcome
    note = _("import: %(file)s") % {"file": source_name} if source_name else _("import")
    with transaction.atomic():
        for account, username, wanted in changes:
            services.save_account(actor=user, wanted=wanted, user=account, username=username, note=note)
    outcome.written = True
    return outcome
