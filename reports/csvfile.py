"""The report as CSV: tidy long rows, one per indicator, fiscal year, month and group.

Columns: indicator, fiscal_year, month, group_kind (all / type / district), group (its code), value
(rounded as published), numerator, denominator (staff counted; respondents for the stress check, which
is yearly, so its month is empty) and suppressed (1 when the cell came from fewer than 5 staff and its
numbers were removed). UTF-8 with a byte-order mark, so Excel opens the Japanese right.
"""

import csv
from io import StringIO

import pandas as pd

from metrics import aggregation
from reform.spreadsheet import neutral_row
from reports.builder import Progress, Report, no_progress

COLUMNS = [
    "indicator",
    "fiscal_year",
    "month",
    "group_kind",
    "group",
    "value",
    "numerator",
    "denominator",
    "suppressed",
]


def _blank(value, digits: int | None = None):
    if value is None or pd.isna(value):
        return ""
    if digits is not None:
        return f"{aggregation.round_half_up(float(value), digits):.{digits}f}"
    return int(value) if float(value).is_integer() else round(float(value), 1)


def rows(report: Report):
    """The tidy rows, as lists in COLUMNS order."""
    for section in report.indicators:
        for kind, frame in (("type", section.monthly), ("district", section.districts)):
            for r in frame.itertuples(index=False):
                group_kind = "all" if r.group == aggregation.ALL else kind
                yield [
                    section.code,
                    r.fiscal_year,
                    r.month,
                    group_kind,
                    r.group,
                    _blank(r.value, 1),
                    _blank(r.numerator),
                    _blank(r.denominator),
                    int(bool(r.suppressed)),
                ]
    for r in report.stress_rows:
        yield [
            r["indicator"],
            r["fiscal_year"],
            "",
            "all" if r["group"] == aggregation.ALL else "type",
            r["group"],
            _blank(r["value"], 1),
            "",
            _blank(r["respondents"]),
            int(r["suppressed"]),
        ]


def render_csv(report: Report, *, progress: Progress = no_progress) -> bytes:
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(neutral_row(row) for row in rows(report))
    return buffer.getvalue().encode("utf-8-sig")
