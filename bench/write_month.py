"""One school-month saved at national scale, and 20 principals saving at once.

Usage (after `generate_scale_data` on that database, see README "Benchmarks"):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reform_scale .venv/bin/python bench/write_month.py

Each save is what the write path does for one principal's month: in one transaction, the row locked
(`select_for_update`), one count changed, `save()` (its history row and its rollup delta), commit.
Each changes `left_by_19_count` by one and a second pass changes it back, so the counts end as they
began (the history keeps the saves).

1. sequential: the median and p90 of saves of different schools' months (target <= 30 ms), and the
   same saves with the rollup receivers disconnected (the floor: the save and its history alone);
2. concurrent: 20 threads (20 connections) save 20 schools' months of the same fiscal month at
   once, first in 20 different rollup cells (type x district), then all in one cell; each thread
   reports from its start to its commit. If the saves queued behind one lock the slowest would
   take about 20 times one save;
3. for comparison, the same 20 concurrent saves followed each by the month's full recomputation
   (`refresh_rollups(months=…)`, what every save paid before the deltas, under the month's lock);
4. one principal's transaction stays open 1 s after its save while the 19 others save months of
   other cells: had they to wait for one lock, each would take 1,000 ms or more.
At the end the rollups of the year are compared with a rebuild of them.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models.signals import post_save, pre_save  # noqa: E402

from metrics import rollups  # noqa: E402
from metrics.models import MonthlyReport  # noqa: E402


def save_once(pk: int, step: int, *, refresh: bool = False, hold: float = 0) -> float:
    """Change one count of the school-month `pk` by `step` the way the write path does; ms to commit.
    `hold`: seconds the transaction stays open after the save (a slow request, a slow network)."""
    start = time.perf_counter()
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=pk)
        report.left_by_19_count += step
        report.save()
        time.sleep(hold)
    if refresh:  # the previous way: the whole month recomputed on commit, one month at a time
        rollups.refresh_rollups(months=[(report.fiscal_year, report.month)])
    return (time.perf_counter() - start) * 1000


def pick(fy: int, month: int, n: int, *, same_cell: bool) -> list[int]:
    """`n` counted school-months of (fy, month) that can change by one, in distinct cells or one cell."""
    rows = MonthlyReport.objects.filter(
        fiscal_year=fy, month=month, status__in=MonthlyReport.COUNTED_STATUSES, left_by_19_count__gte=1
    ).values_list("pk", "school__school_type_id", "school__district_id")
    cells: dict[tuple, list[int]] = {}
    for pk, school_type, district in rows.order_by("pk"):
        cells.setdefault((school_type, district), []).append(pk)
    if same_cell:
        chosen = max(cells.values(), key=len)[:n]
    else:
        chosen = [pks[0] for pks in cells.values()][:n]
    if len(chosen) < n:
        raise SystemExit(f"not enough school-months for {n} {'in one cell' if same_cell else 'cells'}")
    return chosen


def concurrent(pks: list[int], step: int, *, refresh: bool = False) -> list[float]:
    barrier, times, errors = threading.Barrier(len(pks)), [], []

    def run(pk):
        try:
            barrier.wait()
            times.append(save_once(pk, step, refresh=refresh))
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in pks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"errors: {errors[:3]}")
    return sorted(times)


def while_one_stays_open(pks: list[int], step: int, *, refresh: bool = False) -> list[float]:
    """The first saves and keeps its transaction open 1 s; the others (other cells, same month)
    start 0.1 s later. Their times: about 1,000 ms or more if they queue behind one lock."""
    times, errors = [], []

    def run(pk, hold):
        try:
            if not hold:
                time.sleep(0.1)
            elapsed = save_once(pk, step, refresh=refresh, hold=hold)
            if not hold:
                times.append(elapsed)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk, 1.0 if i == 0 else 0)) for i, pk in enumerate(pks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"errors: {errors[:3]}")
    return times


def line(label: str, times: list[float]) -> None:
    times = sorted(times)
    p90 = times[max(0, int(len(times) * 0.9) - 1)]
    print(f"{label:62} {statistics.median(times):8.1f} {p90:8.1f} {max(times):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()
    fy = MonthlyReport.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).first()
    month = 6
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
        f"{MonthlyReport.objects.count():,} school-months; FY{fy} month {month}"
    )
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())

    print(f"\n{'':62} {'median':>8} {'p90':>8} {'max':>8}  (ms)")
    sequential = pick(fy, month, args.repeat, same_cell=False)[: args.repeat]
    save_once(sequential[0], -1)
    save_once(sequential[0], 1)  # warm-up
    line(
        f"one month saved, {len(sequential)} schools one after another",
        [save_once(pk, -1) for pk in sequential],
    )
    for pk in sequential:
        save_once(pk, 1)
    # The floor: the same saves with the rollups left alone (their receivers off; put back after).
    receivers = [
        (pre_save, rollups._school_month_saving),
        (post_save, rollups._school_month_saved),
    ]
    for signal, receiver in receivers:
        signal.disconnect(receiver, sender=MonthlyReport)
    floor = [save_once(pk, -1) for pk in sequential]
    for pk in sequential:
        save_once(pk, 1)
    for signal, receiver in receivers:
        signal.connect(receiver, sender=MonthlyReport)
    line("  floor: the same saves without any rollup update", floor)

    cells = pick(fy, month, args.threads, same_cell=False)
    line(f"{args.threads} principals at once, {args.threads} different cells", concurrent(cells, -1))
    concurrent(cells, 1)
    one_cell = pick(fy, month, args.threads, same_cell=True)
    line(f"{args.threads} principals at once, all in one cell", concurrent(one_cell, -1))
    concurrent(one_cell, 1)
    line(
        f"before: {args.threads} at once, each + refresh of the month (locked)",
        concurrent(cells, -1, refresh=True),
    )
    concurrent(cells, 1, refresh=True)
    line(
        f"one transaction open 1 s after its save; the other {args.threads - 1} (other cells)",
        while_one_stays_open(cells, -1),
    )
    while_one_stays_open(cells, 1)

    # The deltas left the rollups exactly as a rebuild of the month makes them.
    fields = [f.attname for f in rollups.MonthlyRollup._meta.concrete_fields if f.name != "id"]
    kept = sorted(rollups.MonthlyRollup.objects.filter(fiscal_year=fy).values_list(*fields))
    rollups.refresh_rollups(months=[(fy, m) for m in range(1, 13)])
    rebuilt = sorted(rollups.MonthlyRollup.objects.filter(fiscal_year=fy).values_list(*fields))
    print(f"\nrollups kept by deltas == rebuild of FY{fy}: {kept == rebuilt}")


if __name__ == "__main__":
    main()
