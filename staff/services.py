"""Per-staff rows → the school-month counts, the caps, the survey bands and the interview list.

Queries and writes live here; the arithmetic is in caps, bands, derive and forecast. Whoever calls
these has already decided who may see what (reform.access); the functions that return per-staff
rows take a queryset already narrowed by `restrict`. Pooled figures (cap counts by type, district
and the city; the survey bands) leave through metrics.disclosure, with their coverage and the
audience's decision, as every figure of the dashboard does.
"""

from dataclasses import dataclass, field

import pandas as pd
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from metrics import disclosure
from metrics import services as metric_services
from metrics.entry import workflow
from metrics.models import MonthlyReport, School
from reform import fiscal
from staff import bands, caps, derive
from staff.models import PhysicianInterview, StaffMonth

DERIVED_FIELDS = derive.COUNT_FIELDS


def _position(column: str) -> str:
    """SQL for a month's place in the fiscal year (April 0 … March 11), the same on both databases."""
    return f"(({column} + 8) %% 12)"  # "%%": the SQL goes through the driver's parameter formatting


def derived_counts(*, scope_sql: str, params: list) -> pd.DataFrame:
    """School-month counts derived in the database from the staff rows chosen by `scope_sql` (a
    condition on the alias `a`), by the rules of `derive.school_month_counts` (tested to agree).

    Leave since April sums each staff member's rows of the fiscal year up to the month.
    """
    table = StaffMonth._meta.db_table
    sql = f"""
        SELECT a.school_id, a.fiscal_year, a.month, COUNT(*),
               SUM(CASE WHEN a.overtime_hours > 80 THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.weekday_overtime_hours <= {derive.LEFT_BY_19_HOURS} THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.overtime_hours > 45 THEN 1 ELSE 0 END),
               SUM(CASE WHEN a.overtime_hours > 100 THEN 1 ELSE 0 END),
               SUM(l.leave_since_april),
               SUM(CASE WHEN l.leave_since_april >= {derive.LEAVE_DAYS_WANTED} THEN 1 ELSE 0 END)
        FROM {table} a JOIN (
            SELECT a.id, ROUND(SUM(b.leave_days), 2) AS leave_since_april
            FROM {table} a JOIN {table} b
              ON b.fiscal_year = a.fiscal_year AND b.staff_code = a.staff_code
             AND {_position("b.month")} <= {_position("a.month")}
            WHERE {scope_sql}
            GROUP BY a.id
        ) l ON l.id = a.id
        GROUP BY a.school_id, a.fiscal_year, a.month
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=derive.KEY + list(DERIVED_FIELDS))
    for name in DERIVED_FIELDS:
        if name == "leave_days_total":
            frame[name] = pd.to_numeric(frame[name]).astype("float64").round(1)
        else:
            frame[name] = pd.to_numeric(frame[name]).astype("int64")
    return frame


def derived_for_year(*, fiscal_year: int, school_ids=None) -> pd.DataFrame:
    """Derived counts of every school-month of `fiscal_year` with staff rows (or of `school_ids`)."""
    scope, params = "a.fiscal_year = %s", [fiscal_year]
    if school_ids is not None:
        ids = [int(i) for i in school_ids] or [0]
        scope += f" AND a.school_id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    return derived_counts(scope_sql=scope, params=params)


@dataclass
class Reconciliation:
    """School-months keyed by (school code, fiscal year, month)."""

    filled: list[tuple] = field(default_factory=list)
    differing: list[tuple] = field(default_factory=list)
    matching: list[tuple] = field(default_factory=list)


def _reports_for(derived: pd.DataFrame) -> dict[tuple, dict]:
    if derived.empty:
        return {}
    fields = ["id", "school_id", "fiscal_year", "month", "status", *DERIVED_FIELDS]
    reports = MonthlyReport.objects.filter(
        fiscal_year__in=sorted(set(derived["fiscal_year"])), month__in=sorted(set(derived["month"]))
    ).values(*fields)
    return {(r["school_id"], r["fiscal_year"], r["month"]): r for r in reports}


def reconcile_after_import(*, covered_table: str, user=None, source_name: str = "") -> Reconciliation:
    """After an import: derive the counts of every school-month it can have changed (the covered
    months and, for the leave since April, the later months of the same fiscal years), fill each
    missing school-month as submitted, and sort the rest into matching and differing. A stored
    school-month is never changed here."""
    scope = (
        f"EXISTS (SELECT 1 FROM (SELECT fiscal_year, MIN({_position('month')}) AS first_position "
        f"FROM {covered_table} GROUP BY fiscal_year) c WHERE c.fiscal_year = a.fiscal_year "
        f"AND {_position('a.month')} >= c.first_position)"
    )
    derived = derived_counts(scope_sql=scope, params=[])
    reports = _reports_for(derived)
    codes = dict(School.objects.filter(pk__in=set(derived["school_id"])).values_list("id", "code"))
    result, to_create = Reconciliation(), []
    for row in derived.to_dict("records"):
        key = (int(row["school_id"]), int(row["fiscal_year"]), int(row["month"]))
        label = (codes[key[0]], key[1], key[2])
        report = reports.get(key)
        if report is None:
            values = {name: row[name] for name in DERIVED_FIELDS}
            values["leave_days_total"] = round(float(values["leave_days_total"]), 1)
            to_create.append(
                MonthlyReport(
                    school_id=key[0],
                    fiscal_year=key[1],
                    month=key[2],
                    **values,
                )
            )
            result.filled.append(label)
        elif derive.differences(row, report):
            result.differing.append(label)
        else:
            result.matching.append(label)
    if to_create:
        workflow.create_months(
            to_create,
            target=MonthlyReport.Status.SUBMITTED,
            user=user,
            source=workflow.SOURCE_STAFF_HOURS,
            detail=source_name,
        )
    return result


@dataclass
class ReconciledMonth:
    """One school-month with staff rows: what they give, what is stored, and how they differ."""

    school: School
    fiscal_year: int
    month: int
    derived: dict
    report: dict | None
    differences: list[tuple[str, object, object]]

    @property
    def state(self) -> str:
        if self.report is None:
            return "missing"
        return "differs" if self.differences else "matches"


def reconciliation(*, fiscal_year: int, schools) -> list[ReconciledMonth]:
    """Every school-month of `schools` (a queryset already narrowed to the user) in `fiscal_year`
    that has staff rows, with the stored counts and their differences, school by school."""
    schools = {s.pk: s for s in schools.select_related("school_type")}
    derived = derived_for_year(fiscal_year=fiscal_year, school_ids=list(schools))
    reports = _reports_for(derived)
    found = []
    for row in derived.to_dict("records"):
        key = (int(row["school_id"]), int(row["fiscal_year"]), int(row["month"]))
        report = reports.get(key)
        found.append(
            ReconciledMonth(
                school=schools[key[0]],
                fiscal_year=key[1],
                month=key[2],
                derived={name: row[name] for name in DERIVED_FIELDS},
                report=report,
                differences=derive.differences(row, report) if report else [],
            )
        )
    found.sort(key=lambda r: (r.school.code, fiscal.fiscal_position(r.month)))
    return found


def fill_missing_months(*, fiscal_year: int, user=None) -> int:
    """Create every school-month of `fiscal_year` that has staff rows but no record (as submitted)."""
    derived = derived_for_year(fiscal_year=fiscal_year)
    reports = _reports_for(derived)
    to_create = []
    for row in derived.to_dict("records"):
        key = (int(row["school_id"]), int(row["fiscal_year"]), int(row["month"]))
        if key not in reports:
            values = {name: row[name] for name in DERIVED_FIELDS}
            to_create.append(
                MonthlyReport(
                    school_id=key[0],
                    fiscal_year=key[1],
                    month=key[2],
                    **values,
                )
            )
    return workflow.create_months(
        to_create, target=MonthlyReport.Status.SUBMITTED, user=user, source=workflow.SOURCE_STAFF_HOURS
    )


# --- physician interviews ------------------------------------------------------------------------------

INTERVIEW_HOURS = 80


def sync_interviews(*, covered_table: str) -> int:
    """A physician-interview record for each staff-month over 80 h in the covered school-months that
    has none; existing records take the month's current hours and school. Returns records created."""
    table, interviews = StaffMonth._meta.db_table, PhysicianInterview._meta.db_table
    covered = (
        f"EXISTS (SELECT 1 FROM {covered_table} c WHERE c.school_id = t.school_id "
        "AND c.fiscal_year = t.fiscal_year AND c.month = t.month)"
    )
    same = "i.fiscal_year = t.fiscal_year AND i.month = t.month AND i.staff_code = t.staff_code"
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {interviews} AS i SET overtime_hours = t.overtime_hours, school_id = t.school_id, "
            f"updated_at = %s FROM {table} t WHERE {same} AND {covered} "
            "AND (i.overtime_hours <> t.overtime_hours OR i.school_id <> t.school_id)",
            [now],
        )
        cursor.execute(
            f"INSERT INTO {interviews} (school_id, fiscal_year, month, staff_code, overtime_hours, "
            "follow_up, created_at, updated_at) "
            f"SELECT t.school_id, t.fiscal_year, t.month, t.staff_code, t.overtime_hours, '', %s, %s "
            f"FROM {table} t WHERE t.overtime_hours > {INTERVIEW_HOURS} AND {covered} "
            f"AND NOT EXISTS (SELECT 1 FROM {interviews} i WHERE {same})",
            [now, now],
        )
        return max(cursor.rowcount, 0)


def interview_state(record: PhysicianInterview) -> str:
    """Where a record stands: "to_notify", "notified" (waiting for a request or not asked), "requested"
    (interview to arrange), "interviewed" (follow-up to record), "done"."""
    if record.interview_on and record.follow_up.strip():
        return "done"
    if record.interview_on:
        return "interviewed"
    if record.requested_on:
        return "requested"
    if record.notified_on:
        return "notified"
    return "to_notify"


# --- the caps ---------------------------------------------------------------------------------------------


def _staff_rows(sql_filter: str, params: list) -> pd.DataFrame:
    table = StaffMonth._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT school_id, fiscal_year, month, staff_code, overtime_hours, weekday_overtime_hours, "
            f"leave_days FROM {table} WHERE {sql_filter}",
            params,
        )
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(
        rows,
        columns=[
            "school_id",
            "fiscal_year",
            "month",
            "staff_code",
            "overtime_hours",
            "weekday_overtime_hours",
            "leave_days",
        ],
    )
    for column in ("overtime_hours", "weekday_overtime_hours", "leave_days"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


def staff_years(*, fiscal_year: int, school_ids=None) -> pd.DataFrame:
    """One row per staff member with rows in `fiscal_year`: their school (the latest month's), the
    twelve months' hours, leave days since April, and the caps (caps.cap_frame) including the
    2–6-month averages that start in the previous year's last five months.

    With `school_ids`, only staff whose latest school is one of them (a principal's own staff).
    """
    where, params = "fiscal_year IN (%s, %s)", [fiscal_year - 1, fiscal_year]
    if school_ids is not None:
        ids = [int(i) for i in school_ids] or [0]
        where += (
            f" AND staff_code IN (SELECT staff_code FROM {StaffMonth._meta.db_table} WHERE fiscal_year = %s"
            f" AND school_id IN ({', '.join(['%s'] * len(ids))}))"
        )
        params += [fiscal_year, *ids]
    rows = _staff_rows(where, params)
    current = rows[rows["fiscal_year"] == fiscal_year]
    if current.empty:
        return pd.DataFrame()
    current = current.assign(position=current["month"].map(fiscal.fiscal_position))
    latest = current.sort_values("position").groupby("staff_code").tail(1).set_index("staff_code")
    hours = current.pivot(index="staff_code", columns="month", values="overtime_hours")
    before = rows[rows["fiscal_year"] == fiscal_year - 1]
    previous = (
        before.pivot(index="staff_code", columns="month", values="overtime_hours") if len(before) else None
    )
    table = caps.cap_frame(hours, previous)
    table["school_id"] = latest["school_id"].astype("int64")
    table["latest_month"] = latest["month"].astype("int64")
    table["leave_days"] = current.groupby("staff_code")["leave_days"].sum()
    for month in fiscal.FISCAL_MONTHS:
        table[f"h{month}"] = hours[month] if month in hours.columns else float("nan")
    if school_ids is not None:
        table = table[table["school_id"].isin(list(school_ids))]
    return table.sort_index()


def schools_frame() -> pd.DataFrame:
    """School id → code, name, type and district codes and names (for grouping and labels)."""
    rows = School.objects.select_related("school_type", "district")
    return pd.DataFrame.from_records(
        [
            {
                "school_id": s.pk,
                "code": s.code,
                "name": s.name,
                "school_type": s.school_type.code,
                "type_name": s.school_type.name,
                "district": s.district.code,
                "district_name": s.district.name,
            }
            for s in rows
        ],
        columns=["school_id", "code", "name", "school_type", "type_name", "district", "district_name"],
    ).set_index("school_id")


def staff_cells(table: pd.DataFrame, *, fiscal_year: int, schools: pd.DataFrame) -> pd.DataFrame:
    """The staff of `table` (from `staff_years`) per school type and district of their school, as the
    disclosure layer's cells (month `disclosure.YEAR`): schools with staff and staff counted."""
    if table.empty:
        return pd.DataFrame(columns=disclosure.CELL_COLUMNS)
    located = pd.DataFrame(
        {
            "school_id": table["school_id"].to_numpy(),
            "school_type": table["school_id"].map(schools["school_type"]).to_numpy(),
            "district": table["school_id"].map(schools["district"]).to_numpy(),
        }
    )
    cells = (
        located.groupby(["school_type", "district"], as_index=False)
        .agg(schools=("school_id", "nunique"), staff=("school_id", "size"))
        .assign(fiscal_year=fiscal_year, month=disclosure.YEAR)
    )
    return cells[disclosure.CELL_COLUMNS]


CAP_COLUMNS = [*caps.RULES, "any_special"]


def cap_counts(
    table: pd.DataFrame, *, by: str, schools: pd.DataFrame, decisions: disclosure.Table, fiscal_year: int
) -> list[dict]:
    """Staff breaking each cap, by "school_type", "district" or "school", after an "all" row.

    `table` from `staff_years`, `schools` from `schools_frame`, `decisions` the disclosure layer's
    table of `staff_cells`. Pooled rows ("all", a type, a district) carry their coverage and the
    audience's decision: a withheld row has its counts None and `suppressed` True (`reason` says why).
    School rows are offered only to board staff and to a principal for their own school."""
    if table.empty:
        return []
    key = {"school_type": "school_type", "district": "district", "school": "code"}[by]
    names = {"school_type": "type_name", "district": "district_name", "school": "name"}[by]
    groups = table["school_id"].map(schools[key])
    overall = caps.breach_counts(table).assign(fiscal_year=fiscal_year, month=disclosure.YEAR)
    counts = caps.breach_counts(table, group=groups).assign(fiscal_year=fiscal_year, month=disclosure.YEAR)
    columns = ["fiscal_year", "month", "group", "staff_count", *CAP_COLUMNS]
    blank = ["staff_count", *CAP_COLUMNS]
    overall = disclosure.disclose_groups(
        overall, table=decisions, group_by=None, types=None, columns=columns, blank=blank
    )
    if by == "school":
        counts = counts.assign(schools=1, schools_expected=1, staff=counts["staff_count"], provisional=False)
        counts["suppressed"] = None
    else:
        counts = disclosure.disclose_groups(
            counts, table=decisions, group_by=by, types=None, columns=columns, blank=blank
        )
    labels = dict(zip(schools[key], schools[names], strict=False))
    order = {
        code: i for i, code in enumerate(schools.sort_values(["school_type", "code"])[key].drop_duplicates())
    }
    out = []
    for record in pd.concat([overall, counts], ignore_index=True).to_dict("records"):
        reason = record["suppressed"] if isinstance(record["suppressed"], str) else None
        out.append(
            {
                "group": record["group"],
                "label": labels.get(record["group"], record["group"]),
                "is_all": record["group"] == "all",
                "staff_count": None if reason else int(record["staff_count"]),
                "counts": [None if reason else int(record[r]) for r in CAP_COLUMNS],
                "suppressed": reason is not None,
                "reason": reason,
                "schools": int(record["schools"]),
                "schools_expected": int(record["schools_expected"]),
                "provisional": bool(record["provisional"]),
            }
        )
    out.sort(key=lambda r: (not r["is_all"], order.get(r["group"], 0), r["group"]))
    return out


# --- the MEXT survey bands --------------------------------------------------------------------------------


BAND_COLUMNS = ["staff_count", *bands.BANDS, *(f"{b}_pct" for b in bands.BANDS)]


def band_cells(*, fiscal_year: int) -> pd.DataFrame:
    """The counted school-months that give both optional bands, per month, school type and district (one
    grouped query): schools and staff, as the disclosure layer's cells."""
    rows = (
        MonthlyReport.objects.filter(
            fiscal_year=fiscal_year,
            status__in=MonthlyReport.COUNTED_STATUSES,
            over_45h_count__isnull=False,
            over_100h_count__isnull=False,
        )
        .values("month", "school__school_type__code", "school__district__code")
        .annotate(schools=Count("id"), staff=Sum("staff_count"))
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        [
            (
                fiscal_year,
                r["month"],
                r["school__school_type__code"],
                r["school__district__code"],
                r["schools"],
                r["staff"],
            )
            for r in rows
        ],
        columns=disclosure.CELL_COLUMNS,
    )
    return frame.astype({"fiscal_year": "int64", "month": "int64", "schools": "int64", "staff": "int64"})


def band_table(*, fiscal_year: int, audience: disclosure.Audience) -> pd.DataFrame:
    """The survey's band shares by school type and month (and "all", the city) from the counted
    school-months that give both optional bands, with their coverage and `audience`'s decision
    (metrics.disclosure): a withheld cell has its counts and shares NaN, `suppressed` True and its
    reason code in `reason`."""
    months = metric_services.months_frame(fiscal_years=[fiscal_year])
    shares = bands.band_shares(bands.band_counts_from_months(months)).drop(columns="suppressed")
    shares = shares.assign(fiscal_year=fiscal_year)
    decisions = disclosure.Table.of(band_cells(fiscal_year=fiscal_year), audience=audience)
    columns = ["fiscal_year", "month", "group", *BAND_COLUMNS]
    pooled = shares["group"] == bands.ALL
    out = pd.concat(
        [
            disclosure.disclose_groups(
                shares[pooled], table=decisions, group_by=None, types=None, columns=columns, blank=[]
            ),
            disclosure.disclose_groups(
                shares[~pooled],
                table=decisions,
                group_by="school_type",
                types=None,
                columns=columns,
                blank=[],
            ),
        ],
        ignore_index=True,
    )
    out["reason"] = out["suppressed"]
    out["suppressed"] = out["reason"].notna()
    out[BAND_COLUMNS] = out[BAND_COLUMNS].astype("float64").where(~out["suppressed"], float("nan"))
    return out


def band_coverage(*, fiscal_year: int) -> tuple[int, int]:
    """(school-months with both bands, counted school-months) in `fiscal_year`."""
    counted = MonthlyReport.objects.filter(fiscal_year=fiscal_year, status__in=MonthlyReport.COUNTED_STATUSES)
    return (
        counted.filter(over_45h_count__isnull=False, over_100h_count__isnull=False).count(),
        counted.count(),
    )
