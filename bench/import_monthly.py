"""Benchmark: time and peak memory to dry-run and to import one month of the bulk CSV
(metrics.imports.monthly.import_monthly) for 500 and for 33,000 schools.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_monthly.py
    .venv/bin/python bench/import_monthly.py            # SQLite (a temporary file)

    ... bench/import_monthly.py --earlier-rows 4000000   # the table holding 4 million earlier months

It never touches the database DATABASE_URL names: on PostgreSQL it creates a throwaway database
`reform_bench` on the same server (dropped at the end), on SQLite a temporary file. Schools are
created there with bulk_create. Each measurement runs in a fresh process, so "peak RSS" is that
process's high-water mark: Python, Django and pandas (about 100 MB before any work) plus the import.
"write" is the time of the rows' INSERT / UPDATE with their history rows, "history" the history
copy within it (both included in "seconds", with the checks and the rollup refresh on commit).
Modes: dry-run (the preview), import (every row new), re-import (the same file: nothing changes),
change (every row changed: the UPDATE path). With --earlier-rows N (PostgreSQL), N school-months of
earlier fiscal years are put in the table first (one INSERT … SELECT), to show whether the import's
cost grows with the table (issue 14: it must not).
Targets (issue 4): 33,000 rows validated and written in under 10 s on PostgreSQL, under 500 MB;
(issue 14) ≤ 3 s, whatever the size of the table.
"""

import argparse
import json
import os
import resource
import time

from common import prepare_schools, run_script, start_django, throwaway_database  # noqa: E402  (bench/ is on sys.path when run)

BENCH_DB = "reform_bench"
SIZES = (500, 33_000)
HEADER = (
    "学校コード,年度,月,対象教職員数,80時間超,19時までに退勤,45時間超,100時間超,年休取得日数合計,年休10日以上"
)


def _csv(codes, *, fiscal_year: int, month: int, more: int = 0) -> bytes:
    lines = [HEADER]
    for i, code in enumerate(codes):
        staff = 20 + i % 40 + more
        over_80 = i % 5
        lines.append(
            f"{code},{fiscal_year},{month},{staff},{over_80},{staff - over_80 - 2},{over_80 + 3},"
            f"{over_80 // 2},{staff * 1.5:.1f},{i % 7}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp932")  # what Excel in Japan writes


def worker(database_url: str, schools: int, mode: str, month: int) -> dict:
    """One measurement in this process: the import of one month for the first `schools` schools."""
    start_django(database_url)
    from metrics.imports import monthly
    from metrics.imports.monthly import import_monthly
    from metrics.models import School

    # The write (INSERT / UPDATE and history) and, within it, the history copy, timed on their own.
    phases = {"_write_months": 0.0, "_copy_to_history": 0.0}
    for name in phases:
        real = getattr(monthly, name)

        def timed(*args, _real=real, _name=name, **kwargs):
            begin = time.perf_counter()
            try:
                return _real(*args, **kwargs)
            finally:
                phases[_name] += time.perf_counter() - begin

        setattr(monthly, name, timed)

    codes = list(School.objects.order_by("code").values_list("code", flat=True)[:schools])
    raw = _csv(codes, fiscal_year=2020, month=month, more=1 if mode == "change" else 0)
    start = time.perf_counter()
    outcome = import_monthly(
        raw,
        schools=School.objects.filter(code__in=codes) if schools < 30_000 else School.objects.all(),
        status="submitted",
        source_name="bench.csv",
        dry_run=mode == "dry-run",
    )
    seconds = time.perf_counter() - start
    if outcome.errors:
        raise SystemExit(f"unexpected errors: {outcome.errors[:3]}")
    return {
        "schools": schools,
        "mode": mode,
        "rows": outcome.rows,
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "seconds": round(seconds, 2),
        "write": round(phases["_write_months"], 2),
        "history": round(phases["_copy_to_history"], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "file_mb": round(len(raw) / 1024 / 1024, 2),
    }


def fill_earlier(database_url: str, rows: int) -> dict:
    """Put `rows` school-months of the fiscal years before 2020 in the table (approved, one INSERT …
    SELECT over the schools and months), then ANALYZE; returns the table's size and the time taken."""
    start_django(database_url)
    from django.db import connection

    from metrics.models import MonthlyReport, School

    start = time.perf_counter()
    schools = School.objects.count()
    months = -(-rows // schools)  # enough (fiscal year, month) pairs, going back from March 2020
    table = MonthlyReport._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (school_id, fiscal_year, month, staff_count, over_80h_count,
                left_by_19_count, over_45h_count, over_100h_count, leave_days_total, leave_10plus_count,
                status, version, review_comment, submitted_at, created_at, updated_at)
            SELECT s.id, 2019 - k / 12, 1 + (k %% 12), 30, 3, 20, 9, 1, 12.5, 2,
                'approved', 1, '', yesterday, yesterday, yesterday
            FROM {School._meta.db_table} s CROSS JOIN generate_series(0, %s) AS k,
                (SELECT now() - interval '1 day' AS yesterday) AS t
            LIMIT %s
            """,
            [months - 1, rows],
        )
        cursor.execute(f"ANALYZE {table}")
    return {"rows": MonthlyReport.objects.count(), "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--worker", nargs=4, metavar=("URL", "SCHOOLS", "MODE", "MONTH"), help=argparse.SUPPRESS
    )
    parser.add_argument("--prepare", nargs=2, metavar=("URL", "SCHOOLS"), help=argparse.SUPPRESS)
    parser.add_argument("--fill", nargs=2, metavar=("URL", "ROWS"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--earlier-rows",
        type=int,
        default=0,
        help="school-months of earlier years in the table before the 33,000-school run (PostgreSQL)",
    )
    args = parser.parse_args()
    if args.worker:
        url, schools, mode, month = args.worker
        print(json.dumps(worker(url, int(schools), mode, int(month))))
        return
    if args.prepare:
        prepare_schools(args.prepare[0], int(args.prepare[1]))
        return
    if args.fill:
        print(json.dumps(fill_earlier(args.fill[0], int(args.fill[1]))))
        return

    source = os.environ.get("DATABASE_URL", "sqlite:///")
    if args.earlier_rows and not source.startswith("postgres"):
        raise SystemExit("--earlier-rows needs PostgreSQL")
    url, cleanup = throwaway_database(source, BENCH_DB)
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"import_monthly benchmark on {engine} (throwaway database), one month of the bulk CSV (CP932)")
    columns = f"{'new/changed/same':>18} {'seconds':>8} {'write':>6} {'history':>8}"
    columns += f" {'peak RSS MB':>12} {'file MB':>8}"
    print(f"{'schools':>8} {'mode':<10} {columns}")
    try:
        for month, schools in zip((4, 5), SIZES, strict=True):
            run_script(__file__, "--prepare", url, str(schools))
            if args.earlier_rows and schools == SIZES[-1]:
                filled = json.loads(run_script(__file__, "--fill", url, str(args.earlier_rows)))
                rows, seconds = filled["rows"], filled["seconds"]
                print(f"{'':>8} the table holds {rows:,} school-months ({seconds} s to fill)")
            for mode in ("dry-run", "import", "re-import", "change"):
                result = json.loads(
                    run_script(__file__, "--worker", url, str(schools), mode.replace("re-", ""), str(month))
                )
                counts = f"{result['created']}/{result['updated']}/{result['unchanged']}"
                print(
                    f"{schools:>8} {mode:<10} {counts:>18} {result['seconds']:>8} {result['write']:>6} "
                    f"{result['history']:>8} "
                    f"{result['peak_rss_mb']:>12} {result['file_mb']:>8}"
                )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
