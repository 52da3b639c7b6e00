"""Dashboard pages computed afresh, this tree against an earlier one, in one run.

Usage: .venv/bin/python bench/dashboard_speed.py [--tree NAME=DIR …] [--rounds 3] [--repeat 9]

DATABASE_URL: PostgreSQL → a throwaway database beside the one it names (bench/common.py); anything
else → a temporary SQLite file. It gets the demo city (`load_demo`: 506 schools, FY2019–FY2020) and
a year in progress as a city that has run the survey for years has one: FY2021 April–September
(FY2020's months again) with five complete earlier years (FY2016–FY2018 are FY2019's months again).

--tree NAME=DIR (repeatable; default this tree): copies of the source tree to compare on the same
database, e.g. `git archive HEAD | tar -x -C /tmp/before` and the same with a change laid over it.
Each round measures every tree in turn, each in a fresh process, so that all see the same load;
compare the ratios of one run, not absolute times across runs (the machine is shared). The
database is built with the last tree's code.

Per page, logged in as board staff, through Django's full stack (test client, middleware,
templates): the median and p90 of `--repeat` requests with the page cache cleared before each
(what the first request after a write pays), the part of it spent building the figures (the
chart builders of metrics/dashboard/charts.py and measures/charts.py), the SQL queries, and the
median of requests answered from the page cache (the forecast page is not cached).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

from common import run_script, throwaway_database  # noqa: E402

PAGES = [
    ("/?year=2020", "overview, FY2020 (complete)"),
    ("/indicators/overtime_80h/?year=2020", "indicator ①, FY2020"),
    ("/?year=2021", "overview, FY2021 in progress"),
    ("/indicators/overtime_80h/?year=2021", "indicator ①, FY2021 in progress"),
    ("/indicators/leave/?year=2021", "indicator ④, FY2021 in progress"),
    ("/forecast/?year=2021&as_of=9", "board forecast page, FY2021"),
    ("measure", "a measure's page (KPI charts)"),
]


def _django(database_url: str, root: str) -> None:
    """Django set up in this process with the code of `root`, against `database_url`."""
    os.environ["CACHE_URL"] = "locmem://"
    os.environ["COMPRESS_STATIC"] = "false"  # no `collectstatic` needed; the static files are not timed
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    sys.path.insert(0, root)
    os.chdir(root)  # Celery's Django fix-up puts the working directory first on sys.path
    import django

    django.setup()
    import measures
    import metrics
    import reform

    for package in (reform, metrics, measures):
        assert Path(package.__file__).is_relative_to(root), package.__file__


def setup(database_url: str, root: str) -> None:
    """Migrate, load the demo city and add the earlier years and the year in progress."""
    _django(database_url, root)
    from django.core.management import call_command

    from metrics.models import MonthlyReport
    from metrics.rollups import refresh_rollups

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))
    fields = ("school_id", "month", "status", *MonthlyReport.VALUE_FIELDS)

    def copy(from_year, to_year, months):
        rows = MonthlyReport.objects.filter(fiscal_year=from_year, month__in=months).values(*fields)
        MonthlyReport.objects.bulk_create(
            [MonthlyReport(fiscal_year=to_year, **row) for row in rows], batch_size=2000
        )

    everything = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    for year in (2016, 2017, 2018):
        copy(2019, year, everything)
    copy(2020, 2021, [4, 5, 6, 7, 8, 9])
    refresh_rollups()


def measure(database_url: str, root: str, repeat: int) -> None:
    """In a fresh process: time each page with the code of `root`; one JSON line per page."""
    _django(database_url, root)
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import measures.charts
    import metrics.dashboard.charts
    from measures.models import Measure

    spent = [0.0]

    def timed(fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        return wrapper

    for module, names in (
        (metrics.dashboard.charts, ("monthly_figure", "sparkline", "stress_figure")),
        (measures.charts, ("kpi_figure", "effect_figure")),
    ):
        for name in names:
            setattr(module, name, timed(getattr(module, name)))

    settings.ALLOWED_HOSTS.append("testserver")
    client = Client()
    client.force_login(User.objects.get(username="board"))
    measure_pk = (
        Measure.objects.annotate(n=Count("kpis")).order_by("-n", "pk").values_list("pk", flat=True)[0]
    )
    for url, _label in PAGES:
        path = f"/measures/{measure_pk}/" if url == "measure" else url
        cache.clear()
        assert client.get(path, secure=True).status_code == 200, path  # warm the process's own caches
        cold, charts = [], []
        for _ in range(repeat):
            cache.clear()
            spent[0] = 0.0
            start = time.perf_counter()
            response = client.get(path, secure=True)
            cold.append((time.perf_counter() - start) * 1000)
            charts.append(spent[0] * 1000)
            assert response.status_code == 200, path
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(path, secure=True)
        count = len(queries.captured_queries)  # now: the next request empties the log it reads
        warm = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(path, secure=True)
            warm.append((time.perf_counter() - start) * 1000)
        print(
            json.dumps(
                {
                    "url": url,
                    "cold": cold,
                    "charts": charts,
                    "queries": count,
                    "warm": warm,
                    "bytes": len(response.content),
                }
            )
        )


def _p90(values):
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * 0.9) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", action="append", default=[], help="NAME=DIR: a source tree to measure")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        return setup(args.setup, args.root)
    if args.measure:
        return measure(args.measure, args.root, args.repeat)

    trees = [(name, str(Path(root).resolve())) for name, root in (t.split("=", 1) for t in args.tree)]
    trees = trees or [("this", str(HERE.parent.parent))]
    url, drop = throwaway_database(os.environ.get("DATABASE_URL", ""), "reform_bench_dashboard")
    try:
        started = time.monotonic()
        run_script(str(HERE), "--setup", url, "--root", trees[-1][1])
        print(f"database: {url.split(':')[0]}; demo city + FY2016–FY2018 and FY2021 Apr–Sep ", end="")
        print(f"({time.monotonic() - started:.0f} s)")
        results = {name: {} for name, _root in trees}
        for _round in range(args.rounds):
            for name, root in trees:
                out = run_script(str(HERE), "--measure", url, "--root", root, "--repeat", str(args.repeat))
                for line in out.splitlines():
                    row = json.loads(line)
                    into = results[name].setdefault(row["url"], {"cold": [], "charts": [], "warm": []})
                    for key in ("cold", "charts", "warm"):
                        into[key] += row[key]
                    into["queries"], into["bytes"] = row["queries"], row["bytes"]
    finally:
        drop()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} (1 / 5 min)")
    print(
        f"{args.rounds} rounds × {args.repeat} requests per page and tree; ms, page cache cleared before each"
    )
    columns = ("median", "p90", "charts", "queries", "KB", "cached")
    print(f"{'page':34} {'tree':6} " + " ".join(f"{c:>7}" for c in columns))
    for url, label in PAGES:
        medians = {}
        for name, _root in trees:
            r = results[name][url]
            medians[name] = statistics.median(r["cold"])
            print(
                f"{label:34} {name:6} {medians[name]:7.1f} {_p90(r['cold']):7.1f} "
                f"{statistics.median(r['charts']):7.1f} {r['queries']:7d} {r['bytes'] / 1024:7.0f} "
                f"{statistics.median(r['warm']):7.1f}"
            )
        first = trees[0][0]
        for name, _root in trees[1:]:
            print(f"{'':34} {name}/{first}: {medians[name] / medians[first]:.2f}")


if __name__ == "__main__":
    main()
