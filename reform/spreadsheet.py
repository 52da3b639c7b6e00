"""Text cells made safe for spreadsheets: no cell of an export is read as a formula.

OWASP's rule for CSV injection: a text cell starting with =, +, -, @, a tab or a carriage return
gets a leading single quote, so Excel and LibreOffice show it as text instead of running it.
Numbers stay numbers.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value):
    """`value`, with a quote in front when it is text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutral_row(row) -> list:
    return [neutral(v) for v in row]


def neutral_cells(row) -> list:
    """A row for openpyxl (values or cells) with its text made safe; for write-only sheets."""
    out = []
    for value in row:
        if hasattr(value, "value") and isinstance(value.value, str):
            value.value = neutral(value.value)
            out.append(value)
        else:
            out.append(neutral(value))
    return out


def neutral_workbook(book) -> None:
    """Every text cell of a workbook made safe (openpyxl takes text starting with = as a formula)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.value = "'" + cell.value
