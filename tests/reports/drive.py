"""Drives the export page from outside pytest, for the real-worker tests (test_worker.py).

It talks to the database, Redis and the worker given in the environment, exactly as the web process
does: `seed` creates the users and data, `ask FORMAT` logs in as the official and posts the export
form, `status ID` prints an export's row, `fetch ID` downloads its file through the page's link.
Each prints one JSON object.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from reports.models import ReportExport  # noqa: E402


def seed():
    from tests.factories import user_with_role
    from tests.reports.data import make_report_data

    make_report_data()
    user_with_role("official-user", "official")
    return {"ok": True}


def _client():
    client = Client()
    client.force_login(User.objects.get(username="official-user"))
    return client


def ask(fmt):
    response = _client().post(
        reverse("reports:exports"),
        {"fiscal_year": 2020, "compare_year": 2019, "format": fmt},
        follow=True,
    )
    export = ReportExport.objects.latest("pk")
    return {"id": export.pk, "status": export.status, "page": response.content.decode()}


def status(pk):
    return _client().get(reverse("reports:export-status", args=[pk])).json() | {
        "attempts": ReportExport.objects.get(pk=pk).attempts,
        "file": ReportExport.objects.get(pk=pk).file.name,
    }


def fetch(pk):
    response = _client().get(reverse("reports:export-download", args=[pk]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return {
        "status_code": response.status_code,
        "head": body[:120].decode("utf-8", "replace"),
        "size": len(body),
    }


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    result = {"seed": seed, "ask": ask, "status": status, "fetch": fetch}[command](*args)
    print(json.dumps(result, ensure_ascii=False))
