"""Login throttling (django-axes), session expiry and CSRF on the data-entry forms."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from metrics.models import MonthlyReport


def _login(client, password):
    return client.post(reverse("login"), {"username": "principal-a", "password": password})


def test_repeated_failed_logins_lock_the_account_out(client, principal_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "wrong").status_code == 200
    locked = _login(client, "wrong")
    assert locked.status_code == 429
    assert "ログインの失敗が多すぎます" in locked.content.decode()
    # even the right password is refused while locked out
    assert _login(client, "pw-for-tests-1").status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_count(client, principal_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")
    response = _login(client, "pw-for-tests-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:start")
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "wrong").status_code == 200


def test_sessions_expire():
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 60 * 60


@pytest.mark.parametrize("url_name", ["metrics:entry-month"])
def test_forms_need_the_csrf_token(db, principal_a, url_name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(principal_a)
    url = reverse(url_name, args=[2020, 4])
    response = client.post(
        url,
        {
            "staff_count": 1,
            "over_80h_count": 0,
            "left_by_19_count": 1,
            "leave_days_total": 0,
            "leave_10plus_count": 0,
            "submit": "1",
        },
    )
    assert response.status_code == 403
    assert not MonthlyReport.objects.exists()
    page = client.get(url)
    token = page.context["csrf_token"]
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": str(token),
            "staff_count": 1,
            "over_80h_count": 0,
            "left_by_19_count": 1,
            "leave_days_total": 0,
            "leave_10plus_count": 0,
            "submit": "1",
        },
    )
    assert response.status_code == 302
    assert MonthlyReport.objects.count() == 1


def test_login_page_is_in_japanese_and_english(client, db):
    assert "ログイン" in client.get(reverse("login")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_logging_out_says_so(client, principal_a):
    client.force_login(principal_a)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "ログアウトしました" in response.content.decode()
    assert "_auth_user_id" not in client.session
