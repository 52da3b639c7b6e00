"""Demo per-staff months written through the real import (so a second run changes nothing), and
some progress on the physician-interview records so the list shows every stage."""

import datetime

from demo import staff as demo
from reform import fiscal
from reform.loading import LoadResult
from staff.imports import import_staff_hours
from staff.models import PhysicianInterview

DEMO_SCHOOLS = 20


def load_staff_demo(*, data, result: LoadResult, schools: int = DEMO_SCHOOLS, seed: int = 2020) -> None:
    """Staff rows for the first `schools` demo schools (by code), consistent with their school-months."""
    codes = sorted(data.schools["code"])[:schools]
    months = data.months[data.months["school_code"].isin(codes)]
    rows = demo.generate(months, seed=seed)
    outcome = import_staff_hours(rows.to_csv(index=False).encode(), max_bytes=None, source_name="demo")
    if outcome.error_count:
        raise ValueError(f"demo staff rows rejected: {outcome.errors[:3]}")
    result.count("staff months", created=outcome.created, updated=outcome.updated)
    _demo_interview_progress(result)


def _demo_interview_progress(result: LoadResult) -> None:
    """Untouched records of the demo schools get dates by a fixed pattern: most notified, some asking for
    an interview, some interviewed with a follow-up; the latest months stay open."""
    untouched = PhysicianInterview.objects.filter(
        school__is_demo=True, notified_on__isnull=True, requested_on__isnull=True, interview_on__isnull=True
    ).order_by("fiscal_year", "month", "staff_code")
    changed = []
    for n, record in enumerate(untouched):
        if record.fiscal_year == 2020 and record.month in (2, 3):  # the latest months stay open
            continue
        start = fiscal.month_start(record.fiscal_year, record.month)
        following = (start + datetime.timedelta(days=40)).replace(day=5)
        record.notified_on = following
        if n % 3 == 0:
            record.requested_on = following + datetime.timedelta(days=3)
            if n % 2 == 0:
                record.interview_on = following + datetime.timedelta(days=17)
                record.follow_up = (
                    "産業医面接済み。学年行事の分担を見直し、翌月の時間外在校等時間を確認する。"
                )
        changed.append(record)
    PhysicianInterview.objects.bulk_update(
        changed, ["notified_on", "requested_on", "interview_on", "follow_up"], batch_size=1000
    )
    result.count("physician interviews", updated=len(changed))
