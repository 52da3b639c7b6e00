"""Tokens for system accounts: `manage.py issue_token` and the board's page."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import user_with_role


def issue(username, *args):
    out = io.StringIO()
    call_command("issue_token", username, *args, stdout=out)
    return out.getvalue().strip()


def test_issue_token_prints_a_working_token(db, official):
    key = issue("official-user")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(reverse("api:indicator-list")).status_code == 200
    assert issue("official-user") == key  # printed again, unchanged
    rotated = issue("official-user", "--rotate")
    assert rotated != key
    assert client.get(reverse("api:indicator-list")).status_code == 401


def test_issue_token_refuses_unknown_users(db):
    with pytest.raises(CommandError):
        issue("nobody")


def test_board_issues_and_revokes_a_token(client, board):
    system = user_with_role("hr-system", "official")
    client.force_login(board)
    response = client.post(reverse("api:tokens"), {"username": "hr-system", "action": "issue"})
    assert response.status_code == 200
    token = Token.objects.get(user=system)
    assert token.key in response.content.decode()
    assert "hr-system" in client.get(reverse("api:tokens")).content.decode()
    response = client.post(reverse("api:tokens"), {"username": "hr-system", "action": "revoke"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=system).exists()


def test_unknown_account_is_a_form_error(client, board):
    client.force_login(board)
    response = client.post(reverse("api:tokens"), {"username": "ghost", "action": "issue"})
    assert response.status_code == 200
    assert not Token.objects.exists()
    assert response.context["form"].errors["username"]


@pytest.mark.parametrize("role", ["principal_a", "official"])
def test_only_board_staff_reach_the_token_page(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("api:tokens")).status_code == 404
    assert (
        client.post(reverse("api:tokens"), {"username": "board-user", "action": "issue"}).status_code == 404
    )
    assert not Token.objects.exists()


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
