"""Tokens for system accounts only: `manage.py issue_token` and the board's page."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken, SystemAccount
from api.tokens import NotASystemAccount, issue_token
from tests.factories import user_with_role


def issue(username, *args):
    out = io.StringIO()
    call_command("issue_token", username, *args, stdout=out)
    return out.getvalue().strip()


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def hr_system(db):
    user = user_with_role("hr-system", "official")
    SystemAccount.objects.create(user=user, description="HR")
    return user


def test_issue_token_prints_a_working_token_and_never_rotates_another(hr_system):
    key = issue("hr-system")
    assert _client(key).get(reverse("api:indicator-list")).status_code == 200
    second = issue("hr-system")
    assert second != key
    assert _client(key).get(reverse("api:indicator-list")).status_code == 200  # still works
    assert _client(second).get(reverse("api:indicator-list")).status_code == 200
    assert ApiToken.objects.filter(user=hr_system).count() == 2
    assert not ApiToken.objects.filter(digest=key).exists()  # only a digest is stored


def test_issue_token_refuses_people_and_unknown_users(db, official):
    with pytest.raises(CommandError):
        issue("nobody")
    with pytest.raises(CommandError, match="system account"):
        issue("official-user")
    assert not ApiToken.objects.exists()
    assert issue("official-user", "--mark-system")
    assert SystemAccount.objects.filter(user=official).exists()


def test_a_token_records_its_last_use(hr_system):
    token, key = issue_token(user=hr_system)
    assert token.last_used_at is None
    _client(key).get(reverse("api:indicator-list"))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_stops_working_when_its_account_is_no_longer_a_system(hr_system):
    _token, key = issue_token(user=hr_system)
    SystemAccount.objects.filter(user=hr_system).delete()
    assert _client(key).get(reverse("api:indicator-list")).status_code == 401
    assert _client("not-a-token").get(reverse("api:indicator-list")).status_code == 401


def test_issue_token_refuses_a_persons_account(official):
    with pytest.raises(NotASystemAccount):
        issue_token(user=official)


def test_board_issues_and_revokes_a_token(client, board, hr_system):
    client.force_login(board)
    first, _key = issue_token(user=hr_system)
    response = client.post(reverse("api:tokens"), {"username": "hr-system", "action": "issue"})
    assert response.status_code == 200
    new = ApiToken.objects.exclude(pk=first.pk).get()
    key = response.context["issued"]["key"]
    assert key.startswith(new.prefix) and key in response.content.decode()
    assert new.created_by == board
    assert ApiToken.objects.filter(pk=first.pk).exists()  # issuing did not rotate the other
    page = client.get(reverse("api:tokens")).content.decode()
    assert page.count("hr-system") >= 2 and first.prefix in page and new.prefix in page
    assert key not in page  # shown once
    assert "未使用" in page
    response = client.post(reverse("api:tokens"), {"token": first.pk, "action": "revoke"})
    assert response.status_code == 302
    assert list(ApiToken.objects.all()) == [new]


def test_board_cannot_mint_a_token_that_acts_as_a_person(client, board, official):
    client.force_login(board)
    for username in ("official-user", "board-user"):
        response = client.post(reverse("api:tokens"), {"username": username, "action": "issue"})
        assert response.status_code == 200
        assert response.context["form"].errors["username"]
    assert not ApiToken.objects.exists()


def test_unknown_account_is_a_form_error(client, board):
    client.force_login(board)
    response = client.post(reverse("api:tokens"), {"username": "ghost", "action": "issue"})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    assert response.context["form"].errors["username"]


@pytest.mark.parametrize("role", ["principal_a", "official"])
def test_only_board_staff_reach_the_token_page(client, users, role, hr_system):
    client.force_login(users[role])
    assert client.get(reverse("api:tokens")).status_code == 404
    assert client.post(reverse("api:tokens"), {"username": "hr-system", "action": "issue"}).status_code == 404
    assert not ApiToken.objects.exists()


def test_anonymous_is_sent_to_log_in(client, db):
    assert client.get(reverse("api:tokens")).status_code == 302


def test_api_requests_are_throttled_per_user(api, official, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "3/minute"},
    }
    client = api(official)
    codes = [client.get(reverse("api:indicator-list")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get(reverse("api:indicator-list"))
    assert response.json()["errors"][0]["code"] == "throttled"
