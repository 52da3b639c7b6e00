"""Password reset by email: off unless email is configured, throttled when on."""

import pytest
from django.core import mail
from django.urls import reverse

from reform import passwords
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_password_reset_is_off_without_email(client, settings):
    settings.PASSWORD_RESET_ENABLED = False
    assert client.get(reverse("password_reset")).status_code == 404
    assert client.post(reverse("password_reset"), {"email": "a@example.org"}).status_code == 404
    assert client.get(reverse("password_reset_done")).status_code == 404
    assert client.get("/accounts/reset/MQ/set-password/").status_code == 404
    assert len(mail.outbox) == 0


def test_the_default_is_off_unless_smtp_has_a_host(settings):
    # .env.example: the console backend, so no reset; tests/test_security.py runs the real settings.
    from django.conf import settings as live

    assert live.PASSWORD_RESET_ENABLED is (
        live.EMAIL_BACKEND.endswith("smtp.EmailBackend") and bool(live.EMAIL_HOST)
    )


def test_password_reset_sends_mail_when_on_and_is_throttled(client, settings):
    settings.PASSWORD_RESET_ENABLED = True
    UserFactory(username="teacher", email="teacher@example.org")
    assert client.get(reverse("password_reset")).status_code == 200
    codes = [
        client.post(reverse("password_reset"), {"email": "Teacher@example.org"}).status_code
        for _ in range(passwords.PER_EMAIL_PER_HOUR + 1)
    ]
    assert codes == [302] * passwords.PER_EMAIL_PER_HOUR + [429]
    assert len(mail.outbox) == passwords.PER_EMAIL_PER_HOUR
    for n in range(passwords.PER_ADDRESS_PER_HOUR):
        client.post(reverse("password_reset"), {"email": f"other{n}@example.org"})
    response = client.post(reverse("password_reset"), {"email": "new@example.org"})
    assert response.status_code == 429
    assert "パスワードの再設定" in response.content.decode()
