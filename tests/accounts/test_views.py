"""The users page: who may open it, and what board staff do there, each kept in the history."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent
from metrics.models import SchoolPrincipal
from reform.access import Role, role_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(principal_a):
    return principal_a


def _pages(user_pk):
    return [
        ("get", reverse("accounts:users")),
        ("get", reverse("accounts:user-new")),
        ("get", reverse("accounts:import")),
        ("get", reverse("accounts:user", args=[user_pk])),
        ("post", reverse("accounts:user-password", args=[user_pk])),
        ("post", reverse("accounts:user-unlock", args=[user_pk])),
        ("post", reverse("accounts:user-active", args=[user_pk])),
    ]


@pytest.mark.parametrize("who", ["board", "principal", "official", "anonymous"])
def test_only_board_staff_reach_the_account_pages(client, who, board, principal_a, official, principal_b):
    users = {"board": board, "principal": principal_a, "official": official, "anonymous": None}
    if users[who] is not None:
        client.force_login(users[who])
    statuses = [getattr(client, method)(url).status_code for method, url in _pages(principal_b.pk)]
    expected = {
        "board": [200, 200, 200, 200, 200, 302, 302],
        "principal": [404] * 7,
        "official": [404] * 7,
        "anonymous": [302] * 7,
    }[who]
    assert statuses == expected
    if who == "anonymous":
        response = client.get(reverse("accounts:users"))
        assert response["Location"].startswith(reverse("login"))
    principal_b.refresh_from_db()
    if who == "board":  # a one-time password, then deactivated (no "active": 1)
        assert not principal_b.is_active
        assert list(AccountEvent.objects.values_list("action", flat=True).order_by("id")) == [
            "one_time_password",
            "deactivated",
        ]
    else:  # nothing happened to the account
        assert principal_b.is_active and principal_b.check_password("pw-for-tests-1")
        assert AccountEvent.objects.count() == 0


def test_superusers_are_not_managed_here(client, board):
    admin = User.objects.create_superuser("root", password="x")
    client.force_login(board)
    assert client.get(reverse("accounts:user", args=[admin.pk])).status_code == 404
    assert client.post(reverse("accounts:user-password", args=[admin.pk])).status_code == 404
    assert "root" not in client.get(reverse("accounts:users")).content.decode()


def test_create_edit_deactivate_reactivate_with_history(client, board, school_a, school_b):
    client.force_login(board)
    response = client.post(
        reverse("accounts:user-new"),
        {
            "username": "tanaka",
            "last_name": "田中",
            "first_name": "一郎",
            "email": "t@example.org",
            "role": "principal",
            "school": school_a.pk,
        },
    )
    user = User.objects.get(username="tanaka")
    assert response["Location"] == reverse("accounts:user", args=[user.pk])
    assert role_of(user) is Role.PRINCIPAL and user.principal_of.school == school_a
    assert not user.has_usable_password() and not user.is_staff

    client.post(
        reverse("accounts:user", args=[user.pk]),
        {
            "username": "tanaka",
            "last_name": "田中",
            "first_name": "一郎",
            "email": "t@example.org",
            "role": "principal",
            "school": school_b.pk,
        },
    )
    assert SchoolPrincipal.objects.get(user=user).school == school_b
    client.post(
        reverse("accounts:user", args=[user.pk]),
        {
            "username": "tanaka",
            "last_name": "田中",
            "first_name": "一郎",
            "email": "t@example.org",
            "role": "official",
            "school": school_b.pk,
        },
    )
    user = User.objects.get(pk=user.pk)
    assert role_of(user) is Role.OFFICIAL and not SchoolPrincipal.objects.filter(user=user).exists()

    client.post(reverse("accounts:user-active", args=[user.pk]), {"active": "0"})
    user.refresh_from_db()
    assert not user.is_active
    client.post(reverse("accounts:user-active", args=[user.pk]), {"active": "1"})
    user.refresh_from_db()
    assert user.is_active

    events = list(AccountEvent.objects.filter(user=user).order_by("at", "id"))
    assert [(e.action, e.actor) for e in events] == [
        ("created", board),
        ("edited", board),
        ("edited", board),
        ("deactivated", board),
        ("reactivated", board),
    ]
    assert (
        events[0].detail
        == "role: principal; school: A001; email: t@example.org; first_name: 一郎; last_name: 田中"
    )
    assert events[1].detail == "school: A001 → B001"
    assert events[2].detail == "role: principal → official; school: B001 → —"
    page = client.get(reverse("accounts:user", args=[user.pk])).content.decode()
    assert "school: A001 → B001" in page and "無効化" in page


def test_saving_unchanged_records_nothing(client, board, principal_a, school_a):
    client.force_login(board)
    data = {"username": "principal-a", "role": "principal", "school": school_a.pk, "email": ""}
    client.post(reverse("accounts:user", args=[principal_a.pk]), data)
    assert AccountEvent.objects.count() == 0


def test_form_refusals(client, board, principal_a, school_a):
    client.force_login(board)
    new = reverse("accounts:user-new")
    no_school = client.post(new, {"username": "x1", "role": "principal"})
    assert "校長には学校が必要です" in no_school.content.decode()
    taken = client.post(new, {"username": "Principal-A", "role": "official"})
    assert taken.status_code == 200 and User.objects.filter(username="Principal-A").count() == 0
    own = client.post(
        reverse("accounts:user", args=[board.pk]), {"username": board.username, "role": "official"}
    )
    assert own.status_code == 200 and role_of(User.objects.get(pk=board.pk)) is Role.BOARD
    client.post(reverse("accounts:user-active", args=[board.pk]), {"active": "0"})
    board.refresh_from_db()
    assert board.is_active
    assert AccountEvent.objects.count() == 0


def _fail_logins(username):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong"})
    return client


def test_lock_out_page_says_how_long_and_board_staff_lift_it(client, board, principal_a):
    locked = _fail_logins("principal-a")
    response = locked.post(reverse("login"), {"username": "principal-a", "password": "pw-for-tests-1"})
    assert response.status_code == 429
    text = response.content.decode()
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"{minutes}分" in text and "事務局" in text

    client.force_login(board)
    assert "ロック中" in client.get(reverse("accounts:users")).content.decode()
    client.post(reverse("accounts:user-unlock", args=[principal_a.pk]))
    event = AccountEvent.objects.get(user=principal_a)
    assert (event.action, event.actor) == ("unlocked", board)
    again = locked.post(reverse("login"), {"username": "principal-a", "password": "pw-for-tests-1"})
    assert again.status_code == 302
    # nothing to lift: no event
    client.post(reverse("accounts:user-unlock", args=[principal_a.pk]))
    assert AccountEvent.objects.filter(user=principal_a).count() == 1


def test_one_time_password_is_shown_once_and_logs_in(client, board, principal_a, settings, caplog):
    settings.PASSWORD_RESET_ENABLED = False
    client.force_login(board)
    response = client.post(reverse("accounts:user-password", args=[principal_a.pk]))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    html = response.content.decode()
    password = html.split('<output class="one-time-password"><code>')[1].split("</code>")[0]
    assert len(password) == 14
    event = AccountEvent.objects.get(user=principal_a)
    assert event.action == "one_time_password" and password not in event.detail
    assert password not in caplog.text
    assert password not in client.get(reverse("accounts:user", args=[principal_a.pk])).content.decode()
    user = User.objects.get(pk=principal_a.pk)
    assert password not in user.password and user.check_password(password)
    assert not user.check_password("pw-for-tests-1")
    login = Client().post(reverse("login"), {"username": "principal-a", "password": password})
    assert login.status_code == 302


def test_set_password_link_is_mailed_when_email_is_configured(client, board, principal_a, settings):
    settings.PASSWORD_RESET_ENABLED = True
    client.force_login(board)
    url = reverse("accounts:user-password", args=[principal_a.pk])
    client.post(url)  # no address: refused
    assert len(mail.outbox) == 0 and AccountEvent.objects.count() == 0
    principal_a.email = "a@example.org"
    principal_a.set_unusable_password()  # a new account from the import
    principal_a.save()
    response = client.post(url)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.org"]
    link = next(word for word in mail.outbox[0].body.split() if "/accounts/reset/" in word)
    path = link.split("testserver", 1)[1]
    anonymous = Client()
    form = anonymous.get(path, follow=True)
    assert form.status_code == 200
    done = anonymous.post(
        form.redirect_chain[-1][0], {"new_password1": "a-New-pass-9431", "new_password2": "a-New-pass-9431"}
    )
    assert done.status_code == 302
    assert User.objects.get(pk=principal_a.pk).check_password("a-New-pass-9431")
    assert AccountEvent.objects.get().action == "password_link"


def test_users_page_query_count(client, board, school_a, django_assert_max_num_queries):
    for n in range(20):
        user = UserFactory(username=f"p{n}")
        SchoolPrincipal.objects.create(user=user, school=school_a)
    client.force_login(board)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:users"))
    assert response.content.decode().count("A001") == 20


def test_a_deactivated_user_is_logged_out_and_cannot_log_in(client, board, principal_a):
    principal = Client()
    assert (
        principal.post(
            reverse("login"), {"username": "principal-a", "password": "pw-for-tests-1"}
        ).status_code
        == 302
    )
    assert principal.get(reverse("metrics:entry-home")).status_code == 200
    client.force_login(board)
    client.post(reverse("accounts:user-active", args=[principal_a.pk]), {"active": "0"})
    assert principal.get(reverse("metrics:entry-home")).status_code == 302
    refused = Client().post(reverse("login"), {"username": "principal-a", "password": "pw-for-tests-1"})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.wsgi_request.session


def test_a_one_time_password_must_be_changed_after_logging_in(client, board, principal_a, settings):
    settings.PASSWORD_RESET_ENABLED = False
    client.force_login(board)
    html = client.post(reverse("accounts:user-password", args=[principal_a.pk])).content.decode()
    password = html.split('<output class="one-time-password"><code>')[1].split("</code>")[0]
    user = Client()
    user.post(reverse("login"), {"username": "principal-a", "password": password})
    entry = reverse("metrics:entry-home")
    assert user.get(entry)["Location"] == reverse("password_change")
    assert user.get(reverse("password_change")).status_code == 200
    changed = user.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "a-New-pass-9431", "new_password2": "a-New-pass-9431"},
    )
    assert changed["Location"] == reverse("password_change_done")
    assert user.get(entry).status_code == 200
    # logging in again with the new password asks for nothing
    again = Client()
    again.post(reverse("login"), {"username": "principal-a", "password": "a-New-pass-9431"})
    assert again.get(entry).status_code == 200


def test_a_password_set_since_ends_the_duty(client, board, principal_a, settings):
    settings.PASSWORD_RESET_ENABLED = False
    client.force_login(board)
    client.post(reverse("accounts:user-password", args=[principal_a.pk]))
    principal_a = User.objects.get(pk=principal_a.pk)
    principal_a.set_password("a-New-pass-9431")  # e.g. through a set-password link
    principal_a.save()
    user = Client()
    user.post(reverse("login"), {"username": "principal-a", "password": "a-New-pass-9431"})
    assert user.get(reverse("metrics:entry-home")).status_code == 200
