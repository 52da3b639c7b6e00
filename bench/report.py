"""The annual report: time and peak memory for each format, FY2020 against FY2019, on the demo data.

Usage: .venv/bin/python bench/report.py [--fiscal-year 2020] [--audience board|official] [--repeat 1]
Uses the database of DATABASE_URL (default the SQLite file); run `manage.py load_demo` first.
Each format runs in a fresh process (so one format's memory does not count for the next) through the
export job's code path (reports.output.write_report), after Django has started. Time is wall
clock from the start of the build to the renamed file. Peak memory is the process's maximum resident
set; for the PDF, Chromium's (kaleido) is reported beside it. Targets: PDF < 15 s, Excel < 5 s,
CSV < 2 s, peak < 1 GB.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS_S = {"pdf": 15, "xlsx": 5, "csv": 2}


def run_one(fmt: str, fiscal_year: int, audience: str) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")
    import django

    django.setup()
    from reports.builder import ReportOptions
    from reports.output import write_report

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"report.{fmt}"
        start = time.perf_counter()
        write_report(options=ReportOptions(fiscal_year, fiscal_year - 1, audience), fmt=fmt, path=path)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
    return {
        "format": fmt,
        "seconds": round(seconds, 2),
        "bytes": size,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "chromium_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiscal-year", type=int, default=2020)
    parser.add_argument("--audience", default="board", choices=["board", "official"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.fiscal_year, args.audience)))
        return
    print(f"annual report FY{args.fiscal_year} vs FY{args.fiscal_year - 1}, audience {args.audience}")
    print(f"{'format':<6} {'seconds':>8} {'target':>7} {'peak MB':>8} {'Chromium MB':>12} {'size':>10}")
    for fmt in ("pdf", "xlsx", "csv"):
        for _ in range(args.repeat):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    fmt,
                    "--fiscal-year",
                    str(args.fiscal_year),
                    "--audience",
                    args.audience,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ok = "ok" if r["seconds"] < TARGETS_S[fmt] and r["peak_mb"] < 1024 else "SLOW"
            print(
                f"{fmt:<6} {r['seconds']:>8.2f} {'<' + str(TARGETS_S[fmt]) + ' s':>7} {r['peak_mb']:>8.1f} "
                f"{r['chromium_peak_mb'] if fmt == 'pdf' else '':>12} {r['bytes']:>10,} {ok}"
            )


if __name__ == "__main__":
    main()
