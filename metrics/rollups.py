"""Monthly rollups: the counted school-months summed per fiscal year, month, school type and district.

Pooled figures (all schools, a type, a district) only need sums of counts, so the series endpoint
reads these few rows (types x districts x months) instead of every school-month: at national size
that is a few thousand rows a year instead of 400,000.

Kept current: saving or deleting a school-month (signals) and the bulk writes of
`MonthlyReportQuerySet` mark their months stale; a school moved to another type or district marks
all its months. Stale months are recomputed from the school-months when the transaction commits
(in autocommit, at once). `manage.py refresh_rollups` rebuilds everything.
"""

from collections.abc import Iterable

import pandas as pd
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, When
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from metrics.models import MonthlyReport, MonthlyRollup, School
from metrics.models.school_months import EVERY_MONTH, school_months_changed

# Optional bands: their denominator is the staff of the schools that gave them.
BANDS = ("over_45h_count", "over_100h_count")
COUNTS = ("over_80h_count", "left_by_19_count", "leave_10plus_count", "leave_days_total", *BANDS)
FRAME_COLUMNS = [
    "school_id",
    "school_type",
    "district",
    "fiscal_year",
    "month",
    "staff_count",
    "over_80h_count",
    "left_by_19_count",
    "over_45h_count",
    "over_100h_count",
    "leave_days_total",
    "leave_10plus_count",
]
_PENDING = "_reform_rollups_pending"


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
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # one refresh at a time: no duplicate cells
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('metrics_monthlyrollup'))")
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
        "staff_count",
        "over_80h_count",
        "left_by_19_count",
        "over_45h_count",
        "over_100h_count",
        "leave_days_total",
        "leave_10plus_count",
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


@receiver(school_months_changed, sender=MonthlyReport)
def _school_months_changed(sender, months, **kwargs):
    mark_stale(months)


@receiver(post_init, sender=MonthlyReport)
def _remember_month(sender, instance, **kwargs):
    instance._rollup_month = (instance.__dict__.get("fiscal_year"), instance.__dict__.get("month"))


@receiver(post_save, sender=MonthlyReport)
def _school_month_saved(sender, instance, **kwargs):
    mark_stale({instance._rollup_month, (instance.fiscal_year, instance.month)})
    instance._rollup_month = (instance.fiscal_year, instance.month)


@receiver(post_delete, sender=MonthlyReport)
def _school_month_deleted(sender, instance, **kwargs):
    mark_stale({(instance.fiscal_year, instance.month)})


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
