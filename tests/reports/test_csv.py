import csv
import io

import pytest
from django.utils import translation

from reports.builder import ReportError, ReportOptions
from reports.output import render_report


def _rows(audience):
    content = render_report(options=ReportOptions(2020, 2019, audience), fmt="csv")
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _find(rows, **wanted):
    hits = [r for r in rows if all(r[k] == str(v) for k, v in wanted.items())]
    assert len(hits) == 1, wanted
    return hits[0]


def test_csv_has_tidy_columns_and_pooled_values(report_data):
    rows = _rows("board")
    assert list(rows[0]) == [
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
    assert _find(rows, indicator="overtime_80h", fiscal_year=2020, month=4, group="all") == {
        "indicator": "overtime_80h",
        "fiscal_year": "2020",
        "month": "4",
        "group_kind": "all",
        "group": "all",
        "value": "18.2",
        "numerator": "6",
        "denominator": "33",
        "suppressed": "0",
    }
    assert _find(rows, indicator="overtime_80h", fiscal_year=2019, month=3, group="all")["value"] == "24.2"
    elementary = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=7, group="elementary")
    assert (elementary["group_kind"], elementary["value"]) == ("type", "10.0")
    district = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=7, group="d1")
    assert (district["group_kind"], district["value"], district["denominator"]) == ("district", "16.7", "30")
    special = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=7, group="special_needs")
    assert (special["value"], special["suppressed"]) == ("33.3", "0"), "board reports are not suppressed"
    stress = _find(rows, indicator="stress_total", fiscal_year=2020, group="all")
    assert (stress["month"], stress["value"], stress["denominator"]) == ("", "95.0", "33")


def test_official_csv_suppresses_cells_from_fewer_than_5_staff(report_data):
    rows = _rows("official")
    special = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=7, group="special_needs")
    assert (special["value"], special["numerator"], special["denominator"], special["suppressed"]) == (
        "",
        "",
        "",
        "1",
    )
    district = _find(rows, indicator="left_by_19", fiscal_year=2019, month=4, group="d2")
    assert (district["value"], district["suppressed"]) == ("", "1")
    stress = _find(rows, indicator="stress_support", fiscal_year=2020, group="special_needs")
    assert (stress["value"], stress["denominator"], stress["suppressed"]) == ("", "", "1")
    # Large groups are untouched.
    assert _find(rows, indicator="overtime_80h", fiscal_year=2020, month=4, group="all")["value"] == "18.2"


def test_a_year_without_data_is_refused_with_its_name(report_data):
    with translation.override("ja"), pytest.raises(ReportError, match="令和12年度"):
        render_report(options=ReportOptions(2030, None, "official"), fmt="csv")


def test_csv_and_excel_write_names_that_start_a_formula_as_text(report_data):
    from io import BytesIO

    from openpyxl import load_workbook

    from metrics.models import District

    District.objects.filter(code="d1").update(name_ja='=HYPERLINK("http://evil")')
    rows = _rows("board")
    names = {r["group"] for r in rows} | {r.get("group_name", "") for r in rows}
    assert not any(str(n).startswith("=") for n in names)
    book = load_workbook(BytesIO(render_report(options=ReportOptions(2020, 2019, "board"), fmt="xlsx")))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert not any(c.data_type == "f" for c in row), sheet.title
