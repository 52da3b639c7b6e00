"""The report as CSV: tidy long rows, one per indicator, fiscal year, month (empty for a year's figure),
group and variant. UTF-8 with a byte-order mark, so Excel opens the Japanese right.

Columns (COLUMNS):

- indicator, fiscal_year, month (1–12; empty for a year figure and the yearly stress check),
  group_kind (all / type / district), group (its code), excluding_events (1 for a year figure
  without the months of events excluded from the average, beside the main figure);
- value (rounded as published), numerator, denominator (staff counted; respondents for the stress
  check), suppressed (1 when the cell is withheld from the report's audience: its value is
  SUPPRESSED ("X"), its counts are blank and `note` gives the footnote);
- months (a year figure's months with data, in fiscal order, e.g. "4 5 6 7 8 9 10 11 12 1 2 3"),
  schools, schools_expected, staff (a month's coverage: schools reported of those expected, staff
  counted), provisional (速報値 below the board's coverage threshold; for a year figure when any
  of its months is);
- source (this export, or a published figure's own source for years without school data), note.

The columns indicator, fiscal_year, group, month, value, source, note and excluding_events are
`import_published`'s, so the file imports back as published figures (district rows and suppressed
cells are skipped there, with a message). A file made from demo data has a last column DEMO_MARK,
header and cells (the importers ignore it).

`render_schools_csv` writes the board's per-school rows (builder.SCHOOL_COLUMNS, the monthly import's
headers), which import back with the monthly import.
"""

import csv
from decimal import Decimal
from io import StringIO

import pandas as pd
from django.utils.translation import gettext as _

from metrics import aggregation
from reform.spreadsheet import neutral_row
from reports.builder import (
    DEMO_MARK,
    SCHOOL_COLUMNS,
    SUPPRESSED,
    Progress,
    Report,
    ReportError,
    ReportOptions,
    is_demo_data,
    no_progress,
    school_months,
)

COLUMNS = [
    "indicator",
    "fiscal_year",
    "month",
    "group_kind",
    "group",
    "excluding_events",
    "value",
    "numerator",
    "denominator",
    "suppressed",
    "months",
    "schools",
    "schools_expected",
    "staff",
    "provisional",
    "source",
    "note",
]


def _blank(value, digits: int | None = None):
    if value is None or pd.isna(value):
        return ""
    if digits is not None:
        return f"{aggregation.round_half_up(float(value), digits):.{digits}f}"
    return int(value) if float(value).is_integer() else round(float(value), 1)


def _months(months) -> str:
    return " ".join(str(int(m)) for m in months) if isinstance(months, list | tuple) else ""


def _provisional(flag) -> str:
    return _("Provisional") if bool(flag) else ""


def _kind(group: str, kind: str) -> str:
    return "all" if group == aggregation.ALL else kind


class _Rows:
    """Builds one row at a time from named cells, in COLUMNS order."""

    def __init__(self, report: Report):
        self.source = _("Annual report export of %(date)s (school data)") % {
            "date": report.generated_at.strftime("%Y-%m-%d")
        }
        self.suppressed_note = report.suppressed_note

    def row(self, *, suppressed: bool = False, **cells) -> list:
        cells.setdefault("source", self.source)
        cells.setdefault("excluding_events", 0)
        if suppressed:
            cells.update(
                value=SUPPRESSED,
                numerator="",
                denominator="",
                schools="",
                staff="",
                note=self.suppressed_note,
            )
        cells["suppressed"] = int(suppressed)
        return [cells.get(c, "") for c in COLUMNS]


def _monthly_rows(report: Report, build: _Rows):
    for section in report.indicators:
        for kind, frame in (("type", section.monthly), ("district", section.districts)):
            for r in frame.to_dict("records"):
                yield build.row(
                    suppressed=bool(r["suppressed"]),
                    indicator=section.code,
                    fiscal_year=r["fiscal_year"],
                    month=r["month"],
                    group_kind=_kind(r["group"], kind),
                    group=r["group"],
                    value=_blank(r["value"], 1),
                    numerator=_blank(r["numerator"]),
                    denominator=_blank(r["denominator"]),
                    schools=_blank(r.get("schools")),
                    schools_expected=_blank(r.get("schools_expected")),
                    staff=_blank(r.get("staff")),
                    provisional=_provisional(r.get("provisional")),
                )


def _year_rows(report: Report, build: _Rows):
    """Each year figure and its exclusion variant (school data), then the published figures of the
    years and groups without school data."""
    for section in report.indicators:
        if section.year is None:
            continue
        for r in section.year.to_dict("records"):
            common = {
                "indicator": section.code,
                "fiscal_year": int(r["fiscal_year"]),
                "group_kind": _kind(r["group"], "type"),
                "group": r["group"],
                "provisional": _provisional(r.get("provisional")),
            }
            hidden = bool(r["suppressed"])
            yield build.row(
                suppressed=hidden, value=_blank(r["value"], 1), months=_months(r["months"]), **common
            )
            variant = r["months_excluding_events"]
            if isinstance(variant, list) and (hidden or not pd.isna(r["value_excluding_events"])):
                yield build.row(
                    suppressed=hidden,
                    excluding_events=1,
                    value=_blank(r["value_excluding_events"], 1),
                    months=_months(variant),
                    note="" if hidden else _("Without the months of events excluded from the average."),
                    **common,
                )
    for (code, fiscal_year, group, excluding), figure in sorted(report.published.items()):
        yield build.row(
            indicator=code,
            fiscal_year=fiscal_year,
            group_kind=_kind(group, "type"),
            group=group,
            excluding_events=int(excluding),
            value=_blank(figure.value, 1),
            source=figure.source,
            note=figure.note,
        )


def _stress_rows(report: Report, build: _Rows):
    for r in report.stress_rows:
        yield build.row(
            suppressed=bool(r["suppressed"]),
            indicator=r["indicator"],
            fiscal_year=r["fiscal_year"],
            group_kind=_kind(r["group"], "type"),
            group=r["group"],
            value=_blank(r["value"], 1),
            denominator=_blank(r["respondents"]),
            schools=_blank(r["schools"]),
            schools_expected=_blank(r["schools_expected"]),
            staff=_blank(r["respondents"]),
            provisional=_provisional(r["provisional"]),
        )


def rows(report: Report):
    """The tidy rows, as lists in COLUMNS order: monthly figures, year figures, stress scores."""
    build = _Rows(report)
    yield from _monthly_rows(report, build)
    yield from _year_rows(report, build)
    yield from _stress_rows(report, build)


def _write(header: list, body, *, demo: bool) -> bytes:
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(neutral_row([*header, *([DEMO_MARK] if demo else [])]))
    for row in body:
        writer.writerow(neutral_row([*row, *([DEMO_MARK] if demo else [])]))
    return buffer.getvalue().encode("utf-8-sig")


def render_csv(report: Report, *, progress: Progress = no_progress) -> bytes:
    return _write(COLUMNS, rows(report), demo=report.demo)


def _school_cell(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, Decimal):
        return f"{value:.1f}"
    return value


def render_schools_csv(options: ReportOptions, *, progress: Progress = no_progress) -> bytes:
    """The board's per-school CSV: every counted school-month of the year, every stored column, under the
    monthly import's headers (it imports back as it is)."""
    if not options.per_school:
        raise ReportError(_("Per-school rows are for board staff only."))
    progress("schools", 40)
    frame = school_months(options.fiscal_year)
    header = [str(label) for _c, label in SCHOOL_COLUMNS]
    body = ([_school_cell(v) for v in row] for row in frame.itertuples(index=False, name=None))
    return _write(header, body, demo=is_demo_data())
