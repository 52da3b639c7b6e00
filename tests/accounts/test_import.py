"""The accounts import (CSV and the command): per-row errors with nothing written, dry runs,
idempotence, Japanese headers in Shift_JIS."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.imports import import_accounts
from accounts.models import AccountEvent
from api.models import SystemAccount
from metrics.models import SchoolPrincipal
from reform.access import Role, role_of

pytestmark = pytest.mark.django_db

GOOD = (
    "username,role,school_code,email,effective_from\n"
    "suzuki,principal,A001,suzuki@example.org,2026-04-01\n"
    "sato,official,,,\n"
    "principal-a,principal,B001,,\n"
)
TODAY = date(2026, 4, 1)


def _snapshot():
    return (
        sorted(User.objects.values_list("username", "email", "is_active", "is_staff")),
        sorted(SchoolPrincipal.objects.values_list("user__username", "school__code")),
        sorted(User.objects.values_list("username", "groups__name")),
        AccountEvent.objects.count(),
    )


def test_import_creates_and_changes_accounts_with_history(board, principal_a, school_a, school_b):
    outcome = import_accounts(GOOD.encode(), user=board, source_name="hr.csv", today=TODAY)
    assert (outcome.error_count, outcome.created, outcome.updated, outcome.written) == (0, 2, 1, True)
    suzuki = User.objects.get(username="suzuki")
    assert role_of(suzuki) is Role.PRINCIPAL and suzuki.principal_of.school == school_a
    assert suzuki.email == "suzuki@example.org" and not suzuki.has_usable_password()
    assert role_of(User.objects.get(username="sato")) is Role.OFFICIAL
    assert SchoolPrincipal.objects.get(user=principal_a).school == school_b
    moved = AccountEvent.objects.get(user=principal_a)
    assert (moved.action, moved.actor, moved.detail) == (
        "edited",
        board,
        "school: A001 → B001 (取込: hr.csv)",
    )
    assert AccountEvent.objects.filter(action="created").count() == 2


def test_the_same_file_twice_changes_nothing(board, principal_a, school_a, school_b):
    import_accounts(GOOD.encode(), user=board, today=TODAY)
    before = _snapshot()
    again = import_accounts(GOOD.encode(), user=board, today=TODAY)
    assert (again.created, again.updated, again.unchanged, again.changed) == (0, 0, 3, False)
    assert _snapshot() == before


def test_dry_run_writes_nothing(board, principal_a, school_a, school_b):
    before = _snapshot()
    outcome = import_accounts(GOOD.encode(), user=board, dry_run=True, today=TODAY)
    assert (outcome.created, outcome.updated, outcome.written) == (2, 1, False)
    assert [(p.username, p.kind) for p in outcome.preview] == [
        ("suzuki", "create"),
        ("sato", "create"),
        ("principal-a", "change"),
    ]
    assert _snapshot() == before


def test_bad_rows_are_named_and_nothing_is_written(board, principal_a, school_a):
    text = (
        "ユーザー名,役割,学校コード,メールアドレス,発令日\n"
        "yamada,校長,A001,yamada@example.org,\n"  # good, but not written: the file has errors
        "kato,teacher,,,\n"
        "ito,principal,Z999,,\n"
        "abe,principal,,,\n"
        "yamada,official,,,\n"
        "mori,official,,not-an-address,\n"
        "ono,principal,A001,,2026-04-02\n"
        "Principal-A,official,,,\n"
        "board-user,official,,,\n"
    )
    before = _snapshot()
    outcome = import_accounts(text.encode("cp932"), user=board, today=TODAY)
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (
            3,
            "役割",
            "役割「teacher」は使えません（board・principal・official、または事務局・校長・関係部署）",
        ),
        (4, "学校コード", "学校コード「Z999」は登録されていません"),
        (5, "学校コード", "校長には学校コードが必要です"),
        (6, "ユーザー名", "同じユーザー名が 2 行目にもあります"),
        (7, "メールアドレス", "「not-an-address」はメールアドレスではありません"),
        (
            8,
            "発令日",
            "2026-04-02 は未来の日付です。日付を指定した異動にはまだ対応していません。"
            "その日以降にこの行を取り込んでください",
        ),
        (9, "ユーザー名", "大文字・小文字だけが違う同じユーザー名のアカウントがすでにあります"),
        (10, "役割", "自分の事務局の役割は外せません。"),
    ]
    assert not outcome.written
    assert _snapshot() == before


def test_administrators_and_system_accounts_are_refused(board):
    User.objects.create_superuser("root", password="x")
    SystemAccount.objects.create(user=User.objects.create(username="hr-system"))
    text = b"username,role\nroot,official\nhr-system,board\n"
    outcome = import_accounts(text, user=board, today=TODAY)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "username"), (3, "username")]
    assert User.objects.get(username="root").is_superuser
    assert role_of(User.objects.get(username="hr-system")) is Role.NONE


def test_the_import_page_previews_then_imports(client, board, principal_a, school_a, school_b):
    client.force_login(board)
    url = reverse("accounts:import")
    preview = client.post(url, {"file": SimpleUploadedFile("hr.csv", GOOD.encode())})
    assert preview.status_code == 200 and "suzuki" in preview.content.decode()
    assert not User.objects.filter(username="suzuki").exists()
    token = preview.context["confirm"].initial["token"]
    done = client.post(url, {"token": token})
    assert done.status_code == 302
    assert User.objects.filter(username="suzuki").exists()


def test_the_command(tmp_path, principal_a, school_a, school_b, capsys, monkeypatch):
    good = tmp_path / "hr.csv"
    good.write_text(GOOD, encoding="utf-8-sig")
    monkeypatch.setattr("accounts.imports.timezone.localdate", lambda: TODAY)
    before = _snapshot()
    call_command("import_accounts", str(good), "--dry-run")
    assert "2 accounts created, 1 changed" in capsys.readouterr().out
    assert _snapshot() == before
    call_command("import_accounts", str(good))
    assert User.objects.filter(username__in=["suzuki", "sato"]).count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("username,role\nnew-one,teacher\n", encoding="utf-8")
    after = _snapshot()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_accounts", str(bad))
    assert "teacher" in capsys.readouterr().err
    assert _snapshot() == after
