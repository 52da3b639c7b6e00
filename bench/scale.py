"""National-scale benchmark: bare SQL vs the series endpoint vs the indicator page, in one process.

Usage (after `generate_scale_data --schools 33000 --years 10` on that database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reform_scale .venv/bin/python bench/scale.py [--repeat 15]

Reports medians of repeated runs of the same request, one indicator's monthly shares by school
type for one fiscal year:
  (a) the bare SQL a person would write over the school-month table
      (SUM(over_80h_count) / SUM(staff_count) GROUP BY type, month);
  (b) GET /api/v1/series/?indicator=overtime_80h&fiscal_year=Y&grouping=school_type through the
      full Django stack (test client, middleware, auth, DRF), read from the monthly rollups;
  (c) the indicator page /indicators/overtime_80h/?year=Y (not measured if that URL is absent);
and the ratios b/a and c/a. It checks that (b) gives the numbers of (a), and also times the
rollup refresh a saved school-month costs, the import of a 33,000-row month (rolled back), and
the process's peak RSS.
"""

import argparse
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from metrics import rollups  # noqa: E402
from metrics.models import MonthlyReport, School  # noqa: E402

BARE_SQL = """
SELECT t.code, r.month, SUM(r.over_80h_count) * 100.0 / NULLIF(SUM(r.staff_count), 0)
FROM metrics_monthlyreport r
JOIN metrics_school s ON s.id = r.school_id
JOIN metrics_schooltype t ON t.id = s.school_type_id
WHERE r.fiscal_year = %s AND r.status IN ('submitted', 'approved')
GROUP BY t.code, r.month
"""


def median_ms(run, repeat: int) -> float:
    run()  # warm-up: connection, caches, imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_sql(fiscal_year: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(BARE_SQL, [fiscal_year])
        return {(code, month): float(value) for code, month, value in cursor.fetchall()}


def board_client() -> Client:
    user, _ = User.objects.get_or_create(username="bench-board")
    user.groups.add(Group.objects.get(name="board"))
    client = Client()
    client.force_login(user)
    return client


def import_month_ms(fiscal_year: int, user) -> float | None:
    """Import a CSV of one new month for every school, inside a transaction rolled back afterwards."""
    try:
        from metrics.imports.monthly import MONTHLY_TEMPLATE_HEADER_EN, import_monthly
    except ImportError:
        return None
    out = io.StringIO()
    out.write(",".join(MONTHLY_TEMPLATE_HEADER_EN) + "\n")
    values = {
        "staff_count": 30,
        "over_80h_count": 3,
        "left_by_19_count": 20,
        "over_45h_count": 9,
        "over_100h_count": 1,
        "leave_days_total": 12.5,
        "leave_10plus_count": 2,
    }
    for code in School.objects.order_by("code").values_list("code", flat=True):
        row = {"school_code": code, "fiscal_year": fiscal_year, "month": 4, **values}
        out.write(",".join(str(row.get(c, "")) for c in MONTHLY_TEMPLATE_HEADER_EN) + "\n")
    raw = out.getvalue().encode()
    with transaction.atomic():
        start = time.perf_counter()
        outcome = import_monthly(
            raw, schools=School.objects.all(), status="approved", user=user, source_name="bench.csv"
        )
        elapsed = (time.perf_counter() - start) * 1000
        transaction.set_rollback(True)
    errors = getattr(outcome, "errors", None)
    if errors:
        print(f"  import refused: {errors[:3]}")
        return None
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--fiscal-year", type=int, help="default: the latest year with data")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS.append("testserver")
    years = MonthlyReport.objects.order_by("fiscal_year").values_list("fiscal_year", flat=True)
    fy = args.fiscal_year or years.last()
    rows = MonthlyReport.objects.count()
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
        f"{School.objects.count():,} schools, {rows:,} school-months; fiscal year {fy}"
    )

    client = board_client()
    series_url = reverse("api:series")
    params = {"indicator": "overtime_80h", "fiscal_year": fy, "grouping": "school_type"}

    # correctness first: the endpoint's monthly values are the bare SQL's shares
    expected = bare_sql(fy)
    got = client.get(series_url, params).json()["monthly"]
    assert len(got) == len(expected) > 0, (len(got), len(expected))
    for m in got:
        assert abs(m["value"] - expected[(m["group"], m["month"])]) < 1e-9, m

    a = median_ms(lambda: bare_sql(fy), args.repeat)
    b = median_ms(lambda: client.get(series_url, params), args.repeat)
    try:
        page_url = reverse("metrics:indicator", args=["overtime_80h"])
    except NoReverseMatch:
        page_url = None
    c = None
    if page_url is not None:
        status = client.get(page_url, {"year": fy}).status_code
        c = median_ms(lambda: client.get(page_url, {"year": fy}), args.repeat) if status == 200 else None

    print(f"\n{'request':58} {'median ms':>10} {'ratio':>7}")
    print(f"{'(a) bare SQL GROUP BY type, month (one year)':58} {a:10.1f} {'':>7}")
    print(f"{'(b) GET /api/v1/series/ grouping=school_type (full stack)':58} {b:10.1f} {b / a:7.2f}  b/a")
    if c is None:
        print(f"{'(c) indicator page':58} {'not measured':>10}")
    else:
        print(f"{'(c) GET ' + page_url + ' (full stack)':58} {c:10.1f} {c / a:7.2f}  c/a")

    month = MonthlyReport.objects.filter(fiscal_year=fy).values_list("month", flat=True).first()
    refresh = median_ms(lambda: rollups.refresh_rollups(months=[(fy, month)]), max(3, args.repeat // 3))
    print(f"{'rollup refresh of one month (paid once per saved month)':58} {refresh:10.1f}")
    if not args.skip_import:
        new_year = years.first() - 1  # a year not in the data yet, so every row is written
        imported = import_month_ms(new_year, User.objects.get(username="bench-board"))
        label = "import of a 33,000-row month CSV (rolled back)" if imported is not None else "import"
        print(f"{label:58} {imported if imported is not None else float('nan'):10.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MB  (targets: b/a <= 1.0, b < 150 ms, RSS < 500 MB)")


if __name__ == "__main__":
    main()
