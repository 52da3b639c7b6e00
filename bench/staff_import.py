"""Benchmark: time and peak memory to import one month of per-staff hours
(staff.imports.import_staff_hours) for 17,000 staff (the city) and 1,000,000 staff (national).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/staff_import.py
    .venv/bin/python bench/staff_import.py            # SQLite (a temporary file)
    .venv/bin/python bench/staff_import.py --sizes 17000   # only the city's size

It never touches the database DATABASE_URL names: on PostgreSQL it creates a throwaway database
`reform_bench_staff` on the same server (dropped at the end; rows are staged with COPY), on SQLite a
temporary file. The CSV (CP932, Japanese headers, ~33 staff per school; 8 % over 80 h) is written
to a temporary file first; each measurement runs in a fresh process that reads it and imports it,
as `manage.py import_staff_hours FILE` does, so "peak RSS" is that process's high-water mark
(Python, Django and pandas are about 100 MB before any work). The import includes everything it does:
checking every cell, staging, merging, deriving and filling the school-months, opening the
physician-interview records. "re-import" imports the same file again (nothing changes).
Targets (issue 8): 17,000 staff under 5 s, 1,000,000 staff under 2 minutes, both under 1 GB.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from common import prepare_schools, run_script, start_django, throwaway_database  # noqa: E402  (bench/ is on sys.path when run)

BENCH_DB = "reform_bench_staff"
SIZES = (17_000, 1_000_000)
STAFF_PER_SCHOOL = 33
HEADER = "学校コード,職員ID,年度,月,時間外在校等時間,平日の時間外在校等時間,年休取得日数"


def write_csv(path: Path, staff: int, *, fiscal_year: int = 2020, month: int = 4) -> None:
    """`staff` rows of one month, ~33 per school, to `path` (CP932)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(staff)
    n = np.arange(staff)
    overtime = np.round(rng.gamma(4.0, 11.0, staff) * 4) / 4  # mean 44 h, ~8 % over 80 h
    frame = pd.DataFrame(
        {
            "school": [f"B{i:06d}" for i in n // STAFF_PER_SCHOOL],
            "staff": [f"S{i:08d}" for i in n],
            "fy": fiscal_year,
            "month": month,
            "overtime": overtime,
            "weekday": np.round(overtime * rng.uniform(0.6, 1.0, staff) * 4) / 4,
            "leave": np.round(rng.uniform(0, 3, staff), 1),
        }
    )
    with path.open("w", encoding="cp932", newline="") as out:
        out.write(HEADER + "\r\n")
        frame.to_csv(out, header=False, index=False, lineterminator="\r\n")


def worker(database_url: str, path: str, mode: str) -> dict:
    """One measurement in this process: read the file and import it (or dry-run it)."""
    start_django(database_url)
    from staff.imports import import_staff_hours

    start = time.perf_counter()
    raw = Path(path).read_bytes()
    outcome = import_staff_hours(raw, source_name="bench.csv", dry_run=mode == "dry-run", max_bytes=None)
    seconds = time.perf_counter() - start
    if outcome.error_count:
        raise SystemExit(f"unexpected errors: {outcome.errors[:3]}")
    return {
        "mode": mode,
        "rows": outcome.rows,
        "created": outcome.created,
        "unchanged": outcome.unchanged,
        "filled": outcome.filled_months,
        "interviews": outcome.interviews_created,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "file_mb": round(len(raw) / 1024 / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="staff per run")
    parser.add_argument("--worker", nargs=3, metavar=("URL", "FILE", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", nargs=2, metavar=("URL", "SCHOOLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    if args.prepare:
        prepare_schools(args.prepare[0], int(args.prepare[1]))
        return

    source = os.environ.get("DATABASE_URL", "sqlite:///")
    url, cleanup = throwaway_database(source, BENCH_DB)
    engine = "PostgreSQL (COPY)" if url.startswith("postgres") else "SQLite"
    print(f"import_staff_hours benchmark on {engine}, throwaway database; one month, CP932, Japanese headers")
    print(
        f"{'staff':>9} {'mode':<10} {'rows':>9} {'created':>9} {'filled':>7} {'interviews':>10} "
        f"{'seconds':>8} {'peak RSS MB':>12} {'file MB':>8}"
    )
    folder = tempfile.TemporaryDirectory()
    try:
        for month, staff in zip((4, 5, 6, 7), sorted(args.sizes), strict=False):
            path = Path(folder.name) / f"staff-{staff}.csv"
            sys.path.insert(0, str(ROOT))
            write_csv(path, staff, month=month)
            run_script(__file__, "--prepare", url, str(-(-staff // STAFF_PER_SCHOOL)))
            for mode in ("dry-run", "import", "re-import"):
                r = json.loads(run_script(__file__, "--worker", url, str(path), mode.replace("re-", "")))
                print(
                    f"{staff:>9} {mode:<10} {r['rows']:>9} {r['created']:>9} {r['filled']:>7} "
                    f"{r['interviews']:>10} "
                    f"{r['seconds']:>8} {r['peak_rss_mb']:>12} {r['file_mb']:>8}",
                    flush=True,
                )
    finally:
        folder.cleanup()
        cleanup()


if __name__ == "__main__":
    main()
