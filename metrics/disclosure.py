"""The disclosure layer: every figure that leaves the server, with its coverage and its audience's decision.

`aggregation` computes the figures; this module adds to each monthly figure the schools counted
of the schools expected and the staff counted, marks it provisional below the board's coverage
threshold, and decides for the audience whether it may be shown:

- board staff see everything;
- officials: a cell from fewer than 5 staff or fewer than 3 schools is suppressed;
- principals: a pooled group narrower than the city that contains their own school must hold at
  least 3 other schools with data; other groups follow the officials' rules; their own school's
  rows are theirs to see.

Complementary suppression works on the table every pooled group is made of — school type ×
district for each month (the monthly rollups). Any pooled group other than the whole city that
contains a type × district cell suppressed by the rules above is suppressed too, and a month
with one such cell gets a second one, so no suppressed cell can be recovered by subtracting shown
groups (by type, by district, any types pooled, the city) from one another. A year figure is
suppressed when any of its months is. Suppressed figures carry a reason code.

The same decisions cover figures that are not monthly: the stress-check scores (a year's cells,
respondents for staff: `stress_cells_frame`) and the per-staff aggregates of staff/ (their cells
built by the caller, `Table.of`). Such figures carry the pseudo-month `YEAR` (0).

The decisions are pure functions over DataFrames (`suppressed_cells`, `disclose_monthly`,
`disclose_groups`, `disclose_years`); `Audience.of`, `cells_frame`, `stress_cells_frame`,
`expected_frame` and `threshold` read the database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from metrics import aggregation

MIN_STAFF = 5
MIN_SCHOOLS = 3
MIN_OTHER_SCHOOLS = 3
DEFAULT_THRESHOLD = 80

BOARD, OFFICIAL, PRINCIPAL = "board", "official", "principal"

# Reason codes of a suppressed figure (the API's `suppressed`; files print X with a footnote).
FEW_STAFF = "few_staff"
FEW_SCHOOLS = "few_schools"
OWN_SCHOOL = "own_school_group"
COMPLEMENTARY = "complementary"
NOT_YOURS = "not_your_school"

CELL_COLUMNS = ["fiscal_year", "month", "school_type", "district", "schools", "staff"]
YEAR = 0  # the month of a figure that has none (a stress check, a staff member's year)
COVERAGE_COLUMNS = ["schools", "schools_expected", "staff", "provisional", "suppressed"]


@dataclass(frozen=True)
class Audience:
    """Who reads the figures: a role and, for a principal, their school's id, type and district."""

    role: str
    school_id: int | None = None
    school_type: str | None = None
    district: str | None = None

    @classmethod
    def of(cls, user) -> Audience:
        from metrics.models import School
        from reform import access

        role = access.role_of(user)
        if role is access.Role.BOARD:
            return cls(BOARD)
        if role is access.Role.PRINCIPAL and access.school_id_of(user) is not None:
            school = School.objects.select_related("school_type", "district").get(
                pk=access.school_id_of(user)
            )
            return cls(PRINCIPAL, school.pk, school.school_type.code, school.district.code)
        return cls(OFFICIAL)

    @property
    def protected(self) -> bool:
        return self.role != BOARD


BOARD_AUDIENCE = Audience(BOARD)


# --- reading the database ----------------------------------------------------------------------


def threshold() -> int:
    """The board's coverage threshold, percent of the schools expected (default 80)."""
    from metrics.models import ReportingDeadline

    return ReportingDeadline.current().coverage_threshold or DEFAULT_THRESHOLD


def cells_frame(*, fiscal_years: Collection[int]) -> pd.DataFrame:
    """The counted schools and staff per fiscal year, month, school type and district (the rollups)."""
    from metrics.models import MonthlyRollup

    rows = MonthlyRollup.objects.filter(fiscal_year__in=list(fiscal_years)).values_list(
        "fiscal_year", "month", "school_type__code", "district__code", "school_count", "staff_count"
    )
    df = pd.DataFrame.from_records(list(rows.order_by()), columns=CELL_COLUMNS)
    return df.astype({"fiscal_year": "int64", "month": "int64", "schools": "int64", "staff": "int64"})


def stress_cells_frame(*, fiscal_years: Collection[int]) -> pd.DataFrame:
    """The schools with stress-check respondents and their respondents per fiscal year, school type and
    district (one grouped query), as cells of the month `YEAR`; the scores pool only these rows."""
    from django.db.models import Count, Sum

    from metrics.models import StressCheckResult

    rows = (
        StressCheckResult.objects.filter(fiscal_year__in=list(fiscal_years), respondents__gt=0)
        .values("fiscal_year", "school__school_type__code", "school__district__code")
        .annotate(schools=Count("id"), staff=Sum("respondents"))
        .order_by()
    )
    df = pd.DataFrame.from_records(
        [
            (
                r["fiscal_year"],
                YEAR,
                r["school__school_type__code"],
                r["school__district__code"],
                r["schools"],
                r["staff"],
            )
            for r in rows
        ],
        columns=CELL_COLUMNS,
    )
    return df.astype({"fiscal_year": "int64", "month": "int64", "schools": "int64", "staff": "int64"})


def expected_frame() -> pd.DataFrame:
    """The schools expected per school type and district (for now every school of the group)."""
    from django.db.models import Count

    from metrics.models import School

    rows = School.objects.values("school_type__code", "district__code").annotate(n=Count("id")).order_by()
    return pd.DataFrame(
        [(r["school_type__code"], r["district__code"], r["n"]) for r in rows],
        columns=["school_type", "district", "expected"],
    )


# --- the audience's decision on the type × district table ---------------------------------------


def _primary(cells: pd.DataFrame, audience: Audience) -> pd.Series:
    """Reason codes (or None) of the cells the rules suppress on their own."""
    reason = pd.Series([None] * len(cells), index=cells.index, dtype=object)
    if not audience.protected:
        return reason
    reason[cells["schools"] < MIN_SCHOOLS] = FEW_SCHOOLS
    reason[cells["staff"] < MIN_STAFF] = FEW_STAFF
    if audience.role == PRINCIPAL:
        own = (cells["school_type"] == audience.school_type) & (cells["district"] == audience.district)
        reason[own & (cells["schools"] - 1 < MIN_OTHER_SCHOOLS)] = OWN_SCHOOL
    return reason


def suppressed_cells(
    cells: pd.DataFrame, *, audience: Audience, city_types: dict[int, list[str]] | None = None
) -> pd.DataFrame:
    """`cells` (CELL_COLUMNS) with a `suppressed` reason column: the rules, then complementary cells.

    Every pooled group but the city that contains a suppressed cell is itself suppressed
    (`disclose_monthly`), so what is shown pools only cells that are shown, plus the city. The
    city minus the rest gives the sum of the suppressed cells; so when a month of the city (its
    pooled types, `city_types` per fiscal year; all types when not given) holds exactly one
    suppressed cell, the smallest other cell (by staff) is suppressed with it.
    """
    out = cells.assign(suppressed=_primary(cells, audience))
    if not audience.protected or out["suppressed"].isna().all():
        return out
    for (fy, _month), month in out.groupby(["fiscal_year", "month"], sort=False):
        lines = [month.index]
        if city_types is not None and fy in city_types:
            lines.append(month.index[month["school_type"].isin(city_types[fy])])
        for line in lines:
            hidden = out.loc[line, "suppressed"].notna()
            if hidden.sum() == 1 and (~hidden).any():
                partner = out.loc[line][~hidden.to_numpy()].sort_values(["staff", "schools"]).index[0]
                out.loc[partner, "suppressed"] = COMPLEMENTARY
    return out


# --- figures with coverage and decision ----------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """What the decisions need: the counted cells (with their decision) and the schools expected."""

    cells: pd.DataFrame
    expected: pd.DataFrame
    audience: Audience
    threshold: int

    @classmethod
    def load(
        cls,
        *,
        fiscal_years: Collection[int],
        audience: Audience,
        city_types: dict[int, list[str]] | None = None,
    ) -> Table:
        """`city_types`: the types the city pools per fiscal year (default: `aggregation.full_year_types`)."""
        cells = cells_frame(fiscal_years=fiscal_years)
        if city_types is None:
            staffed = cells.rename(columns={"staff": "staff_count"})
            city_types = {fy: aggregation.full_year_types(staffed, fiscal_year=fy) for fy in fiscal_years}
        return cls.of(cells, audience=audience, city_types=city_types)

    @classmethod
    def of(
        cls, cells: pd.DataFrame, *, audience: Audience, city_types: dict[int, list[str]] | None = None
    ) -> Table:
        """The decisions on `cells` (CELL_COLUMNS, e.g. `stress_cells_frame`): every type of a month
        pooled into the city unless `city_types` says otherwise."""
        cells = suppressed_cells(cells, audience=audience, city_types=city_types)
        return cls(cells, expected_frame(), audience, threshold())


def _members(
    frame: pd.DataFrame, *, group_by: str | None, group: str, types: Collection[str] | None, district=None
):
    """Rows of `frame` (with school_type, district) that make up `group` (within `district` if given)."""
    keep = pd.Series(True, index=frame.index)
    if district is not None:
        keep &= frame["district"] == district
    if types is not None:
        keep &= frame["school_type"].isin(list(types))
    if group_by == "school_type":
        keep &= frame["school_type"] == group
    elif group_by == "district":
        keep &= frame["district"] == group
    return frame[keep]


def disclose_monthly(
    monthly: pd.DataFrame,
    *,
    table: Table,
    group_by: str | None,
    types: Collection[str] | None,
    full_year_types: dict[int, list[str]] | None = None,
    district: str | None = None,
) -> pd.DataFrame:
    """`monthly` (aggregation.monthly_values) with COVERAGE_COLUMNS; suppressed values set to None.

    `full_year_types` gives, per fiscal year, the types "all" pools when `types` is None. With
    `group_by` "school_id" a school's rows are shown to board staff and to its own principal only.
    `district` narrows every group to one district (the pages' district filter).
    """
    return disclose_groups(
        monthly,
        table=table,
        group_by=group_by,
        types=types,
        full_year_types=full_year_types,
        district=district,
        columns=aggregation.MONTH_COLUMNS,
        blank=["numerator", "denominator", "value"],
    )


def disclose_groups(
    frame: pd.DataFrame,
    *,
    table: Table,
    group_by: str | None,
    types: Collection[str] | None,
    columns: list[str],
    blank: list[str],
    full_year_types: dict[int, list[str]] | None = None,
    district: str | None = None,
) -> pd.DataFrame:
    """`frame` (rows of fiscal_year, month, group and `columns`) with COVERAGE_COLUMNS.

    Each row is the group `group` (all, a school type, a district or a school id, after `group_by`)
    pooled over `types` (None: every type, or `full_year_types` of the year) within `district`. A
    suppressed row loses `blank` and its staff count. Figures without a month use `YEAR`.
    """
    audience, cells = table.audience, table.cells
    records = []
    for row in frame.to_dict("records"):
        fy, month, group = int(row["fiscal_year"]), int(row["month"]), str(row["group"])
        if group_by == "school_id":
            mine = audience.role == BOARD or str(audience.school_id) == group
            records.append(
                {
                    **row,
                    "schools": 1,
                    "schools_expected": 1,
                    "staff": int(row["denominator"]),
                    "provisional": False,
                    "suppressed": None if mine else NOT_YOURS,
                }
            )
            continue
        group_types = types
        if group_by is None and types is None and full_year_types is not None:
            group_types = full_year_types.get(fy)
        month_cells = cells[(cells["fiscal_year"] == fy) & (cells["month"] == month)]
        members = _members(month_cells, group_by=group_by, group=group, types=group_types, district=district)
        expected = _members(
            table.expected, group_by=group_by, group=group, types=group_types, district=district
        )
        expected = int(expected["expected"].sum())
        schools, staff = int(members["schools"].sum()), int(members["staff"].sum())
        city = group_by is None and types is None and district is None
        records.append(
            {
                **row,
                "schools": schools,
                "schools_expected": expected,
                "staff": staff,
                "provisional": bool(expected and schools * 100 < table.threshold * expected),
                "suppressed": _decide(members, schools=schools, staff=staff, city=city, audience=audience),
            }
        )
    keep = [c for c in columns if c not in COVERAGE_COLUMNS]
    out = pd.DataFrame.from_records(records, columns=[*keep, *COVERAGE_COLUMNS])
    return _blank(out, [*blank, "staff"])


def _decide(members: pd.DataFrame, *, schools: int, staff: int, city: bool, audience: Audience) -> str | None:
    if not audience.protected:
        return None
    if audience.role == PRINCIPAL and not city:
        own = (members["school_type"] == audience.school_type) & (members["district"] == audience.district)
        if own.any() and schools - 1 < MIN_OTHER_SCHOOLS:
            return OWN_SCHOOL
    if schools < MIN_SCHOOLS:
        return FEW_SCHOOLS
    if staff < MIN_STAFF:
        return FEW_STAFF
    if not city and members["suppressed"].notna().any():
        return COMPLEMENTARY
    return None


def _blank(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Suppressed rows lose `columns`: values become NaN (the frames stay numeric), counts None."""
    hidden = frame["suppressed"].notna()
    for column in columns:
        if column.startswith("value"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64").where(~hidden)
        else:
            frame[column] = frame[column].astype(object).where(~hidden, None)
    return frame


def disclose_years(years: pd.DataFrame, monthly: pd.DataFrame) -> pd.DataFrame:
    """`years` (aggregation.year_figures) with the decision and coverage of their months.

    A year figure is suppressed when any month of its group is (the months shown and the mean would
    give it away), and provisional when any of its months is; `months_provisional` lists those.
    """
    records = []
    for row in years.to_dict("records"):
        mine = monthly[
            (monthly["fiscal_year"] == row["fiscal_year"]) & (monthly["group"] == str(row["group"]))
        ]
        reasons = mine["suppressed"].dropna()
        provisional = sorted(int(m) for m in mine.loc[mine["provisional"].astype(bool), "month"])
        records.append(
            {
                **row,
                "provisional": bool(provisional),
                "months_provisional": provisional,
                "suppressed": reasons.iloc[0] if len(reasons) else None,
            }
        )
    columns = [*aggregation.YEAR_COLUMNS, "provisional", "months_provisional", "suppressed"]
    out = pd.DataFrame.from_records(records, columns=columns)
    return _blank(out, ["value", "value_excluding_events"])


def month_coverage(*, fiscal_years: Collection[int]) -> pd.DataFrame:
    """The city's schools counted per fiscal year and month, of all schools, and whether that reaches the
    threshold (columns fiscal_year, month, schools, schools_expected, reached)."""
    cells = cells_frame(fiscal_years=fiscal_years)
    expected = int(expected_frame()["expected"].sum())
    out = cells.groupby(["fiscal_year", "month"], as_index=False)["schools"].sum()
    out["schools_expected"] = expected
    out["reached"] = out["schools"] * 100 >= threshold() * expected
    return out


def default_fiscal_year(candidates: Collection[int]) -> int | None:
    """The latest of `candidates` whose coverage reaches the threshold in at least one month (a year
    with published figures only counts as covered); the latest candidate when none does."""
    if not candidates:
        return None
    coverage = month_coverage(fiscal_years=candidates)
    with_data = set(coverage["fiscal_year"].tolist())
    reached = set(coverage.loc[coverage["reached"], "fiscal_year"].tolist())
    eligible = [y for y in candidates if y in reached or y not in with_data]
    return max(eligible) if eligible else max(candidates)
