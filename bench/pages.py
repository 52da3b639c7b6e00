"""Dashboard pages: server time, SQL queries and bytes transferred, on the demo data.

Usage: .venv/bin/python bench/pages.py [--repeat 15]
Uses the database of DATABASE_URL (default the SQLite file); run `manage.py load_demo` first.
Server time is the median of repeated requests through Django's full stack (test
client, middleware, templates). Bytes are what the browser fetches for the page:
the HTML plus its scripts and styles, gzipped as WhiteNoise serves them.
"""

import argparse
import gzip
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = [
    "/",
    "/indicators/overtime_80h/",
    "/indicators/left_by_19/",
    "/indicators/stress/",
    "/indicators/leave/",
    "/schools/E001/",
]


def assets(html: str) -> list[str]:
    return re.findall(
        r'(?:src|href)="'
        + re.escape(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL)
        + r'([^"]+)"',
        html,
    )


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS.append("testserver")
    client = Client()
    client.force_login(User.objects.get(username="board"))
    schools = django.apps.apps.get_model("metrics", "School").objects.count()
    print(f"database: {connection.vendor}; schools: {schools}")
    print(f"{'page':32} {'median ms':>9} {'p90 ms':>7} {'queries':>7} {'JS gz KB':>8} {'total gz KB':>11}")
    for url in PAGES:
        client.get(url)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        html = response.content
        js = total = 0
        for path in assets(html.decode()):
            found = finders.find(path)
            if not found:
                continue
            size = gz(Path(found).read_bytes())
            total += size
            if path.endswith(".js"):
                js += size
        total += gz(html)
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(
            f"{url:32} {statistics.median(times):9.0f} {p90:7.0f} {len(queries.captured_queries):7d} "
            f"{js / 1024:8.0f} {total / 1024:11.0f}"
        )


if __name__ == "__main__":
    main()
