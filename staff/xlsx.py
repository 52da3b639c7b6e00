"""The MEXT survey's band table as an Excel workbook, laid out to copy into the survey form:
one block per school type (and all types), the four bands as rows, April → March as columns."""

import io

import pandas as pd
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from metrics.aggregation import round_half_up
from reform.fiscal import FISCAL_MONTHS, month_label
from reform.spreadsheet import neutral_workbook
from staff.bands import BANDS

SUPPRESSED = "＊"
HEADER_FILL = PatternFill("solid", fgColor="E4E7EB")


def band_labels() -> dict[str, str]:
    return {
        "up_to_45": _("45 h or less"),
        "45_to_80": _("Over 45 h, up to 80 h"),
        "80_to_100": _("Over 80 h, up to 100 h"),
        "over_100": _("Over 100 h"),
    }


def band_workbook(*, table: pd.DataFrame, groups: list[tuple[str, str]], title: str, lang: str) -> bytes:
    """`table` from services.band_table; `groups` (code, name) in the order to show. Shares in % with
    one decimal (rounded half up, as published); a suppressed cell holds ＊. A second sheet holds
    the staff counts behind the shares."""
    book = Workbook()
    shares = book.active
    shares.title = _("Shares (%)")[:31]
    counts = book.create_sheet(_("Staff counts")[:31])
    labels = band_labels()
    months = [month_label(m, lang) for m in FISCAL_MONTHS]
    for sheet, suffix in ((shares, "_pct"), (counts, "")):
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([_("Shares of staff by monthly overtime (時間外在校等時間), pooled over schools.")])
        for code, name in groups:
            rows = table[table["group"] == code].set_index("month")
            sheet.append([])
            sheet.append([name, _("Band"), *months])
            for cell in sheet[sheet.max_row]:
                cell.font, cell.fill = Font(bold=True), HEADER_FILL
            sheet.append(
                [name, _("Staff counted"), *(_cell(rows, m, "staff_count", 0) for m in FISCAL_MONTHS)]
            )
            for band in BANDS:
                sheet.append(
                    [
                        name,
                        labels[band],
                        *(_cell(rows, m, band + suffix, 1 if suffix else 0) for m in FISCAL_MONTHS),
                    ]
                )
        sheet.column_dimensions["A"].width = 16
        sheet.column_dimensions["B"].width = 24
        for i in range(3, 15):
            sheet.column_dimensions[get_column_letter(i)].width = 8
        for row in sheet.iter_rows(min_row=4):
            for cell in row[2:]:
                cell.alignment = Alignment(horizontal="right")
                if isinstance(cell.value, float):
                    cell.number_format = "0.0"
    neutral_workbook(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(rows: pd.DataFrame, month: int, column: str, digits: int):
    if month not in rows.index:
        return None
    row = rows.loc[month]
    if bool(row["suppressed"]):
        return SUPPRESSED
    value = row[column]
    if pd.isna(value):
        return None
    return round_half_up(float(value), 1) if digits else int(value)
