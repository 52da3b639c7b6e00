"""Monthly rollups: the counted school-months summed per fiscal year, month, school type and district.

Pooled figures (all schools, a type, a district) only need sums of counts, so the series endpoint
reads these few rows (types x districts x months) instead of every school-month: at national size
that is a few thousand rows a year instead of 400,000.

Kept current in constant time: saving or deleting one school-month (signals) changes the rollup
cell(s) it counts in by the difference between its old and new counts, in the same transaction
(`UPDATE … SET x = x + delta` on one cell, an upsert for a new cell, the cell deleted when no school
is left in it). The old counts are read from the database, the row locked (`SELECT … FOR UPDATE`),
so concurrent writers of one school-month cannot both subtract the same old counts. No table-wide
lock: on PostgreSQL a delta takes shared advisory locks (on the table and on its month), which
only a rebuild of that month (exclusive on the month) or of everything (exclusive on the table)
waits for. The bulk writes of `MonthlyReportQuerySet` and a school moved to another type or
district mark their months stale instead, recomputed from the school-months when the transaction
commits (in autocommit, at once), one month at a time. `manage.py refresh_rollups` rebuilds
everything; a test checks that deltas and the rebuild agree after random writes.

Every write also changes the data version (`data_version()`) once its transaction has committed:
the cached pages and API answers (metrics/cache.py) are keyed on it, so the next read is fresh.
"""

import logging
import secrets
from collections.abc import Iterable
from decimal import Decimal

import pandas as pd
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, When
from django.db.models.signals import post_delete, post_init, post_save, pre_delete, pre_save
from django.dispatch import receiver

from metrics.models import MonthlyReport, MonthlyRollup, School
from metrics.models.school_months import EVERY_MONTH, school_months_changed

# Optional bands: their denominator is the staff of the schools that gave them.
BANDS = MonthlyReport.OPTIONAL_FIELDS
# What is summed (everything but the staff count, which is summed on its own).
COUNTS = tuple(name for name in MonthlyReport.VALUE_FIELDS if name != "staff_count")
FRAME_COLUMNS = ["school_id", "school_type", "district", "fiscal_year", "month", *MonthlyReport.VALUE_FIELDS]
_PENDING = "_reform_rollups_pending"
_BUMP_PENDING = "_reform_data_version_pending"
VERSION_KEY = "metrics:data-version"
# PostgreSQL advisory locks: (this key, 0) for the whole table, (this key, year * 100 + month) per month.
_LOCK_KEY = "hashtext('metrics_monthlyrollup')"
logger = logging.getLogger(__name__)


# --- the data version ----------------------------------------------------------------------------


def data_version() -> str:
    """A token that changes after every committed write of the figures' data (never repeats).

    Read it before reading the data a cached answer is built from: a write committed after that
    read changes the token again, so nothing stale is ever found under the current one.
    """
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
        version = cache.get(VERSION_KEY) or "unversioned"
    return version


def bump_data_version() -> None:
    """A new data version now (after a commit; `changed()` arranges that)."""
    try:
        cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
    except Exception as exc:  # the cache down: the write stands; cached answers expire with their timeout
        logger.warning("could not change the data version (%s: %s)", type(exc).__name__, exc)


def _bump_once() -> None:
    # The first of a commit's callbacks bumps; the others find the flag gone.
    if transaction.get_connection().__dict__.pop(_BUMP_PENDING, False):
        bump_data_version()


def changed() -> None:
    """The data changed in this transaction: a new data version once it commits (at once in autocommit)."""
    # A callback per call (a rolled-back savepoint drops its own), one bump per commit.
    transaction.get_connection().__dict__[_BUMP_PENDING] = True
    transaction.on_commit(_bump_once)


def mark_stale(months) -> None:
    """Recompute these (fiscal year, month) pairs (or EVERY_MONTH) when the transaction commits."""
    conn = transaction.get_connection()
    pending = conn.__dict__.setdefault(_PENDING, set())
    if months == EVERY_MONTH:
        pending.add(EVERY_MONTH)
    else:
        pending.update((int(fy), int(m)) for fy, m in months if fy is not None and m is not None)
    if pending:
        # One callback per call; the first to run takes every pending month, the rest find none.
        # After a rollback the months stay pending and are recomputed at the next commit (harmless).
        transaction.on_commit(flush)


def flush() -> None:
    pending = transaction.get_connection().__dict__.pop(_PENDING, set())
    if EVERY_MONTH in pending:
        refresh_rollups()
    elif pending:
        refresh_rollups(months=pending)


def _lock(*months: tuple[int, int] | None, shared: bool) -> None:
    """PostgreSQL advisory locks until the transaction ends, taken in the order given (one round trip):
    the table's (None) or a month's."""
    if connection.vendor != "postgresql" or not months:
        return  # SQLite runs one write transaction at a time
    keys = [0 if month is None else int(month[0]) * 100 + int(month[1]) for month in months]
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"{function}({_LOCK_KEY}, %s)" for _ in keys), keys)


def _months_q(months: Iterable[tuple[int, int]]) -> Q:
    per_year: dict[int, set[int]] = {}
    for fy, month in months:
        per_year.setdefault(int(fy), set()).add(int(month))
    q = Q(pk__in=[])
    for fy, ms in sorted(per_year.items()):
        q |= Q(fiscal_year=fy, month__in=sorted(ms))
    return q


def _band_staff(band: str):
    given = When(**{f"{band}__isnull": False}, then="staff_count")
    return Sum(Case(given, default=0, output_field=IntegerField()))


def refresh_rollups(*, months: Iterable[tuple[int, int]] | None = None) -> int:
    """Recompute the rollups of `months` ((fiscal year, month) pairs; None = all) from the school-months.

    Only counted school-months (submitted, approved) enter, as in `services.months_frame`.
    Returns the number of rollup rows written.
    """
    reports = MonthlyReport.objects.filter(status__in=MonthlyReport.COUNTED_STATUSES).order_by()
    stale = MonthlyRollup.objects.all()
    if months is not None:
        q = _months_q(months)
        reports, stale = reports.filter(q), stale.filter(q)
    sums = reports.values("fiscal_year", "month", "school__school_type_id", "school__district_id").annotate(
        n_schools=Count("id"),
        n_staff=Sum("staff_count"),
        **{f"sum_{name}": Sum(name) for name in COUNTS},
        **{f"staff_{band}": _band_staff(band) for band in BANDS},
    )
    with transaction.atomic():
        # A rebuild of everything waits for (and holds off) every other writer of the rollups; a
        # rebuild of some months only the writers of those months, each month locked in turn
        # (in order, so two rebuilds cannot deadlock). The sums are read after the locks.
        if months is None:
            _lock(None, shared=False)
        else:
            _lock(None, shared=True)
            for month in sorted({(int(fy), int(m)) for fy, m in months}):
                _lock(month, shared=False)
        stale.delete()
        rows = [
            MonthlyRollup(
                fiscal_year=row["fiscal_year"],
                month=row["month"],
                school_type_id=row["school__school_type_id"],
                district_id=row["school__district_id"],
                school_count=row["n_schools"],
                staff_count=row["n_staff"] or 0,
                over_80h_count=row["sum_over_80h_count"] or 0,
                left_by_19_count=row["sum_left_by_19_count"] or 0,
                over_45h_count=row["sum_over_45h_count"],
                over_45h_staff=row["staff_over_45h_count"] or 0,
                over_100h_count=row["sum_over_100h_count"],
                over_100h_staff=row["staff_over_100h_count"] or 0,
                leave_days_total=row["sum_leave_days_total"] or 0,
                leave_10plus_count=row["sum_leave_10plus_count"] or 0,
            )
            for row in sums
        ]
        MonthlyRollup.objects.bulk_create(rows, batch_size=2000)
        changed()
    return len(rows)


def pooled_frame(*, fiscal_years: Iterable[int], numerator: str) -> pd.DataFrame:
    """Rollup rows shaped like `services.months_frame`, one per type x district x month (no school_id).

    Fed to `aggregation.monthly_values` / `year_figures` with group_by None, "school_type" or
    "district" it gives the same numbers as the school-months themselves, because every figure
    there is a ratio of sums. For an optional band (`numerator` in BANDS) each cell is split into
    the schools that gave the band and those that did not, so the band's denominator stays the
    staff of the former; such a frame is right for that numerator only.
    """
    rows = MonthlyRollup.objects.filter(fiscal_year__in=list(fiscal_years)).values_list(
        "school_type__code",
        "district__code",
        "fiscal_year",
        "month",
        *MonthlyReport.VALUE_FIELDS,
        "over_45h_staff",
        "over_100h_staff",
    )
    df = pd.DataFrame.from_records(
        list(rows.order_by()), columns=[*FRAME_COLUMNS[1:], "over_45h_staff", "over_100h_staff"]
    )
    for col in df.columns[4:]:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    df.insert(0, "school_id", pd.NA)
    if numerator in BANDS:
        with_band = df.assign(staff_count=df[f"{numerator[: -len('_count')]}_staff"])
        without = df.assign(staff_count=df["staff_count"] - with_band["staff_count"])
        without[numerator] = float("nan")
        df = pd.concat([with_band, without[without["staff_count"] > 0]], ignore_index=True)
    for col in ("staff_count", "over_80h_count", "left_by_19_count", "leave_10plus_count"):
        df[col] = df[col].astype("int64")
    return df[FRAME_COLUMNS]


# --- keeping them current ---------------------------------------------------------------------

_TABLE = MonthlyRollup._meta.db_table
_CELL = ("fiscal_year", "month", "school_type_id", "district_id")
# What one counted school-month adds to its cell (besides school_count 1); the bands apart.
_PLAIN = ("staff_count", "over_80h_count", "left_by_19_count", "leave_days_total", "leave_10plus_count")
_READ = ("school_id", "fiscal_year", "month", "status", *MonthlyReport.VALUE_FIELDS)


def _contribution(row: dict, groups: tuple[int, int]) -> tuple[tuple, dict] | None:
    """(cell, sums) a school-month adds to its rollup cell, or None if it is not counted."""
    if row["status"] not in MonthlyReport.COUNTED_STATUSES:
        return None
    sums = {"school_count": 1}
    for name in _PLAIN:
        value = row[name]
        sums[name] = Decimal(str(value)) if name == "leave_days_total" else int(value)
    for band in BANDS:
        value = row[band]
        given = value is not None
        sums[band] = int(value) if given else 0
        sums[f"{band[: -len('_count')]}_staff"] = int(row["staff_count"]) if given else 0
        sums[f"{band}_given"] = 1 if given else 0
    return (int(row["fiscal_year"]), int(row["month"]), *groups), sums


def _stored(pk) -> tuple[dict, tuple[int, int]] | None:
    """The school-month as stored (locked until commit on PostgreSQL) and its school's groups."""
    rows = MonthlyReport.objects.filter(pk=pk).order_by()
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        rows = rows.select_for_update(of=("self",))
    found = rows.values(*_READ, "school__school_type_id", "school__district_id").first()
    if found is None:
        return None
    return found, (found["school__school_type_id"], found["school__district_id"])


def _groups(school_id) -> tuple[int, int]:
    return School.objects.filter(pk=school_id).values_list("school_type_id", "district_id").get()


def _net(before, after) -> dict[tuple, dict]:
    """Per cell, what to add (negative: take away)."""
    cells: dict[tuple, dict] = {}
    for contribution, sign in ((before, -1), (after, 1)):
        if contribution is None:
            continue
        cell, sums = contribution
        net = cells.setdefault(cell, {})
        for name, value in sums.items():
            net[name] = net.get(name, 0) + sign * value
        if sign == 1:
            net["_adds_band"] = {band: sums[f"{band}_given"] for band in BANDS}
    return {cell: net for cell, net in cells.items() if any(v for k, v in net.items() if k[0] != "_")}


def _apply(cell: tuple, net: dict) -> None:
    """Add `net` to one rollup cell: an update, or an upsert where the cell may not exist yet."""
    staff_cols = {band: f"{band[: -len('_count')]}_staff" for band in BANDS}
    where = " AND ".join(f"{c} = %s" for c in _CELL)
    if net["school_count"] > 0:
        # A school enters the cell (which may not exist yet): insert it, or add to it.
        columns = [*_CELL, "school_count", *_PLAIN, *BANDS, *staff_cols.values()]
        values = [*cell, net["school_count"], *(net[n] for n in _PLAIN)]
        values += [net[band] if net[f"{band}_given"] > 0 else None for band in BANDS]
        values += [net[staff_cols[band]] for band in BANDS]
        sets = [f"{c} = {_TABLE}.{c} + excluded.{c}" for c in ("school_count", *_PLAIN, *staff_cols.values())]
        sets += [
            f"{b} = CASE WHEN excluded.{b} IS NULL THEN {_TABLE}.{b} "
            f"ELSE COALESCE({_TABLE}.{b}, 0) + excluded.{b} END"
            for b in BANDS
        ]
        sql = (
            f"INSERT INTO {_TABLE} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({', '.join(_CELL)}) DO UPDATE SET {', '.join(sets)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
        return
    # The school stays in the cell with other counts, or leaves it.
    sets = [f"{c} = {c} + %s" for c in ("school_count", *_PLAIN, *staff_cols.values())]
    params = [net["school_count"], *(net[n] for n in _PLAIN), *(net[staff_cols[b]] for b in BANDS)]
    for band in BANDS:
        adds = net.get("_adds_band", {}).get(band, 0)
        sets.append(
            f"{band} = CASE WHEN {band} IS NULL AND %s = 0 THEN NULL ELSE COALESCE({band}, 0) + %s END"
        )
        params += [adds, net[band]]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_TABLE} SET {', '.join(sets)} WHERE {where}", [*params, *cell])
        if cursor.rowcount != 1:
            # The cell is missing: the rollups were not what the school-months say. Rebuild its month.
            mark_stale({cell[:2]})
            return
        if net["school_count"] < 0:
            cursor.execute(f"DELETE FROM {_TABLE} WHERE {where} AND school_count = 0", list(cell))
            if cursor.rowcount:
                return
        for band in BANDS:
            if net[f"{band}_given"] < 0:
                # A school that gave the band left it: NULL if no school of the cell gives it now.
                # (Asked of the school-months only when the band's staff is down to 0.)
                staff = staff_cols[band]
                cursor.execute(f"SELECT {band}, {staff} FROM {_TABLE} WHERE {where}", list(cell))
                total, band_staff = cursor.fetchone()
                if band_staff == 0 and total == 0 and not _band_given(cell, band):
                    cursor.execute(f"UPDATE {_TABLE} SET {band} = NULL WHERE {where}", list(cell))


def _band_given(cell: tuple, band: str) -> bool:
    fy, month, school_type, district = cell
    return (
        MonthlyReport.objects.filter(
            fiscal_year=fy,
            month=month,
            school__school_type_id=school_type,
            school__district_id=district,
            status__in=MonthlyReport.COUNTED_STATUSES,
            **{f"{band}__isnull": False},
        )
        .order_by()
        .exists()
    )


def apply_delta(before, after) -> None:
    """Change the rollups from the `before` to the `after` contribution (either None), now."""
    cells = _net(before, after)
    if not cells:
        return
    with transaction.atomic(savepoint=False):
        _lock(None, *sorted({cell[:2] for cell in cells}), shared=True)
        for cell in sorted(cells):  # in order: two writers of the same cells cannot deadlock
            _apply(cell, cells[cell])
        changed()


def _plain_values(instance) -> bool:
    return all(
        value is None or isinstance(value, int | float | Decimal | str)
        for value in (getattr(instance, name, None) for name in (*_READ[1:],))
    )


@receiver(school_months_changed, sender=MonthlyReport)
def _school_months_changed(sender, months, **kwargs):
    mark_stale(months)
    changed()


@receiver(post_init, sender=MonthlyReport)
def _remember_month(sender, instance, **kwargs):
    instance._rollup_month = (instance.__dict__.get("fiscal_year"), instance.__dict__.get("month"))


@receiver(pre_save, sender=MonthlyReport)
def _school_month_saving(sender, instance, raw=False, **kwargs):
    instance._rollup_before = None if raw or instance.pk is None else _stored(instance.pk)


@receiver(post_save, sender=MonthlyReport)
def _school_month_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    stored = getattr(instance, "_rollup_before", None)
    instance._rollup_before = None
    old_month, instance._rollup_month = instance._rollup_month, (instance.fiscal_year, instance.month)
    if raw or not _plain_values(instance):  # fixtures, F() expressions: recompute the months instead
        mark_stale({old_month, (instance.fiscal_year, instance.month)})
        changed()
        return
    before = _contribution(*stored) if stored else None
    row = {name: getattr(instance, name) for name in _READ}
    if stored and update_fields is not None:  # only these were written; the rest is as stored
        written = set(update_fields)
        row = {
            name: row[name] if name in written or name.removesuffix("_id") in written else stored[0][name]
            for name in _READ
        }
    if stored and row["school_id"] == stored[0]["school_id"]:
        groups = stored[1]
    else:
        groups = _groups(row["school_id"])
    apply_delta(before, _contribution(row, groups))
    changed()


@receiver(pre_delete, sender=MonthlyReport)
def _school_month_deleting(sender, instance, **kwargs):
    instance._rollup_before = _stored(instance.pk) if instance.pk is not None else None


@receiver(post_delete, sender=MonthlyReport)
def _school_month_deleted(sender, instance, **kwargs):
    stored = getattr(instance, "_rollup_before", None)
    if stored:
        apply_delta(_contribution(*stored), None)
    changed()


@receiver(post_init, sender=School)
def _remember_groups(sender, instance, **kwargs):
    instance._rollup_groups = (instance.__dict__.get("school_type_id"), instance.__dict__.get("district_id"))


@receiver(post_save, sender=School)
def _school_saved(sender, instance, created, **kwargs):
    groups = (instance.school_type_id, instance.district_id)
    if not created and instance._rollup_groups != groups:
        reports = MonthlyReport.objects.filter(school=instance).order_by()
        mark_stale(set(reports.values_list("fiscal_year", "month").distinct()))
    instance._rollup_groups = groups


# Anything else the pages show (targets, events, published figures, measures, staff hours,
# stress results…) changes the data version too, when saved or deleted one by one.
_VERSIONED_APPS = {"metrics", "measures", "staff"}


@receiver(post_save)
@receiver(post_delete)
def _model_changed(sender, **kwargs):
    if sender._meta.app_label in _VERSIONED_APPS and sender is not MonthlyReport:
        changed()
