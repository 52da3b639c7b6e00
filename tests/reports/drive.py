"""Drives the export page from outside pytest, for the real-worker tests (test_worker.py).

It talks to the database, Redis and the worker given in the environment, exactly as the web process
does: `migrate` creates the tables, `seed` creates the users and data, `ask FORMAT` logs in as the
official and posts the export form, `status ID` prints an export's row, `fetch ID` downloads its
file through the page's link. Each prints one JSON object.

`python drive.py COMMAND ARGS…` runs one command; `python drive.py serve` reads one command a line
from stdin and answers each with a JSON line, so a test polling the status starts Python and Django
once rather than once a poll (a failing command answers {"drive_error": traceback}).
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


def migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the default cache (CACHE_URL unset) is the database
    return {"ok": True}


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


COMMANDS = {"migrate": migrate, "seed": seed, "ask": ask, "status": status, "fetch": fetch}


def serve():
    import traceback

    answers, sys.stdout = sys.stdout, sys.stderr  # anything else printed goes to stderr
    for line in sys.stdin:
        command, *args = line.split()
        try:
            result = COMMANDS[command](*args)
        except Exception:
            result = {"drive_error": traceback.format_exc()}
        print(json.dumps(result, ensure_ascii=False), file=answers, flush=True)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "serve":
        serve()
    else:
        print(json.dumps(COMMANDS[command](*args), ensure_ascii=False))
