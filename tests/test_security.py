"""Production security settings: `check --deploy` is clean with .env.example's values, and the HTTPS
options are on by default without DEBUG (each in a fresh process that reads no .env)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db  # the autouse cache clearing (tests/conftest.py)
SECRET = "x7Vq-production-like-secret-key-of-fifty-characters-or-more-0123456789"


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#") and "=" in line)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set for the browser tests' live server, refused by check --deploy.
    unset = {*_env_example(), "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "ENV_FILE": os.devnull, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_values_of_env_example():
    production = {
        **_env_example(),
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "reform.example.jp",
        "CSRF_TRUSTED_ORIGINS": "https://reform.example.jp",
    }
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("debug", "expected"), [("false", "True True True 31536000"), ("true", "False False False 0")]
)
def test_https_options_are_on_by_default_without_debug(debug, expected):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )
    result = _run(
        ["-c", code], {"DJANGO_SETTINGS_MODULE": "reform.settings", "SECRET_KEY": SECRET, "DEBUG": debug}
    )
    assert result.stdout.strip() == expected, result.stderr
