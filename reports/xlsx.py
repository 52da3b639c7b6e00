"""The report as an Excel workbook (openpyxl): a sheet per indicator (monthly table by type, staff
counted, year figures, footnotes), the stress check, the measures, and for board staff a per-school sheet.
Figures are numbers rounded as published (one decimal); a suppressed cell holds the mark instead.
Written in openpyxl's write-only mode (rows streamed in order): several times faster for the per-school
sheet's thousands of rows."""

from functools import partial
from io import BytesIO

import pandas as pd
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from metrics import aggregation
from reform.fiscal import FISCAL_MONTHS, short_era_label
from reform.spreadsheet import neutral_cells
from reports.builder import (
    DEMO_MARK,
    SCHOOL_COLUMNS,
    SUPPRESSED,
    IndicatorSection,
    Progress,
    Report,
    coverage_cell,
    demo_banner,
    no_progress,
    school_months,
)

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="EEF2F5")
WRAP = Alignment(wrap_text=True, vertical="top")
DEMO_FONT = Font(bold=True, size=13, color="C00000")
SHEET_NAMES = {
    "overtime_80h": "① 80時間超",
    "left_by_19": "② 19時退勤",
    "leave_10plus": "④ 年休10日以上",
    "leave_avg_days": "④ 年休平均日数",
}
STRESS_SHEET = "③ ストレスチェック"


def _append(ws, row) -> None:
    """Every row goes through here: text a spreadsheet would run as a formula is written as text."""
    ws.append(neutral_cells(row))


def _demo_row(ws, report: Report) -> None:
    """Reports made from the demo city's data say so in their first row."""
    if report.demo:
        _append(ws, [_styled(ws, demo_banner(), font=DEMO_FONT)])


def _number(value):
    return None if value is None or pd.isna(value) else aggregation.round_half_up(float(value), 1)


def _styled(ws, value, *, font=None, fill=None, number_format=None, alignment=None):
    cell = WriteOnlyCell(ws, value=value)
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if alignment:
        cell.alignment = alignment
    return cell


def _header(ws, values: list) -> list:
    return [_styled(ws, v, font=BOLD, fill=HEADER_FILL) for v in values]


def _figure(ws, value):
    """A published figure: a number with one decimal, or the text it stands as (— or the mark)."""
    if isinstance(value, str):
        return value
    return _styled(ws, value, number_format="0.0")


def _indicator_sheet(wb: Workbook, report: Report, section: IndicatorSection) -> None:
    ws = wb.create_sheet(SHEET_NAMES[section.code])
    ws.column_dimensions["A"].width = 22
    for i in range(2, 15):
        ws.column_dimensions[get_column_letter(i)].width = 9
    _demo_row(ws, report)
    _append(ws, [_styled(ws, section.title, font=TITLE)])
    _append(ws, [f"{report.year_label}　{section.target_label}"])
    tables = (
        (_("Monthly figures"), "value"),
        (_("Staff counted"), "denominator"),
        (_("Schools reported / expected"), "schools"),
    )
    for caption, column in tables:
        _append(ws, [])
        _append(ws, [_styled(ws, caption, font=BOLD)])
        _append(ws, _header(ws, ["", *report.months_header]))
        for y in report.options.years:
            year = section.monthly[section.monthly["fiscal_year"] == y]
            for group in year["group"].drop_duplicates():
                g = year[year["group"] == group].set_index("month")
                row = [f"{report.group_names.get(group, group)} {short_era_label(y)}"]
                for m in FISCAL_MONTHS:
                    if m not in g.index:
                        row.append(None)
                    elif g.at[m, "suppressed"]:
                        row.append(SUPPRESSED)
                    elif column == "value":
                        row.append(_figure(ws, _number(g.at[m, "value"])))
                    elif column == "schools":
                        row.append(coverage_cell(g.loc[m]))
                    else:
                        row.append(int(g.at[m, "denominator"]))
                _append(ws, row)
    _append(ws, [])
    _append(ws, [_styled(ws, _("Year figures"), font=BOLD)])
    two_years = len(report.year_headers) == 2
    _append(ws, _header(ws, ["", *report.year_headers, *([_("Change")] if two_years else []), _("Notes")]))
    for table_row in section.year_rows:
        row = [table_row["group"]]
        for cell in table_row["cells"]:
            value = cell["value"]
            row.append(_figure(ws, value if value in ("—", SUPPRESSED) else float(value.rstrip("%"))))
        if two_years:
            change = table_row["change"]
            row.append(_figure(ws, float(change) if change != "—" else change))
        row.append(" ".join(c["marks"] for c in table_row["cells"] if c["marks"]))
        _append(ws, row)
    _append(ws, [])
    for note in [*section.footnotes, *report.notes]:
        _append(ws, [note])


def _score(text: str):
    """A stress score as a number, or as the page writes it when it is marked (X, or 速報値)."""
    try:
        return float(text)
    except ValueError:
        return text


def _stress_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet(STRESS_SHEET)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 22
    _demo_row(ws, report)
    _append(ws, [_styled(ws, f"{_('Indicator')} ③ {_('Stress check')}", font=TITLE)])
    _append(ws, [])
    _append(ws, _header(ws, [_("Group"), _("Fiscal year"), _("Respondents"), *report.score_names]))
    for row in report.stress_table:
        scores = [_score(s["value"]) for s in row["scores"]]
        _append(ws, [row["group"], row["year"], row["respondents"], *[_figure(ws, s) for s in scores]])


def _measures_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("取組")
    for column, width in zip("ABCDEFGHIJ", (24, 24, 5, 30, 8, 10, 60, 40, 40, 40), strict=True):
        ws.column_dimensions[column].width = width
    _demo_row(ws, report)
    ws.freeze_panes = "A3" if report.demo else "A2"
    headers = [_("Pillar"), _("Section"), _("No."), _("Measure"), _("Tag"), _("Status"), _("Results")]
    _append(ws, _header(ws, [*headers, _("Plans"), _("KPIs"), _("Notes")]))
    for pillar in report.pillars:
        for section in pillar["sections"]:
            for m in section["measures"]:
                kpis = "\n".join(
                    f"{k['name']}: {k['previous']} → {k['actual']} → {k['planned']} {k['unit']}"
                    for k in m["kpis"]
                )
                notes = "\n".join(f"{n['kind']}: {n['text']}" for n in m["notes"])
                values = [
                    f"{pillar['number']} {pillar['title']}",
                    f"({section['number']}) {section['title']}",
                    m["number"],
                    m["title"],
                    m["tag"],
                    m["status"],
                    m["results"],
                    m["plans"],
                    kpis,
                    notes,
                ]
                _append(ws, [_styled(ws, v, alignment=WRAP) for v in values])


def _schools_sheet(wb: Workbook, report: Report) -> None:
    """Every school-month of the year (board staff only: officials' reports have no per-school rows),
    under the monthly import's headers (builder.SCHOOL_COLUMNS), then the two shares to read."""
    ws = wb.create_sheet("学校別")
    ws.column_dimensions["B"].width = 28
    ws.freeze_panes = "C2"
    shares = [_("Share over 80 h (%)"), _("Share leaving by 19:00 (%)")]
    # The demo mark is a last column (header and cells), so the sheet still imports as it is.
    demo = [DEMO_MARK] if report.demo else []
    _append(ws, _header(ws, [str(label) for _c, label in SCHOOL_COLUMNS] + shares + demo))
    frame = school_months(report.options.fiscal_year)
    for row in frame.to_dict("records"):
        staff, over, left = row["staff_count"], row["over_80h_count"], row["left_by_19_count"]
        share = [round(over / staff * 100, 1), round(left / staff * 100, 1)] if staff else [None, None]
        _append(ws, list(row.values()) + share + demo)


def render_xlsx(report: Report, *, progress: Progress = no_progress) -> bytes:
    wb = Workbook(write_only=True)
    cover = wb.create_sheet("表紙")
    cover.column_dimensions["A"].width = 120
    _demo_row(cover, report)
    _append(
        cover, [_styled(cover, _("Work-style reform plan: progress report"), font=Font(bold=True, size=14))]
    )
    _append(cover, [report.year_label])
    _append(
        cover,
        [_("Compared with %(year)s") % {"year": report.compare_label} if report.compare_label else None],
    )
    _append(cover, [])
    _append(cover, [_styled(cover, report.commentary, alignment=WRAP)])
    _append(cover, [])
    for note in report.notes:
        _append(cover, [note])
    progress("tables", 40)
    # In the report's numbering, ① ② ③ ④: each sheet's name starts with its circled number.
    sheets = [(SHEET_NAMES[s.code], partial(_indicator_sheet, wb, report, s)) for s in report.indicators]
    sheets.append((STRESS_SHEET, partial(_stress_sheet, wb, report)))
    for _name, write in sorted(sheets, key=lambda sheet: sheet[0][0]):
        write()
    _measures_sheet(wb, report)
    if report.options.per_school:
        progress("schools", 70)
        _schools_sheet(wb, report)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
