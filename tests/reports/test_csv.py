import csv
import io
from datetime import date

import pytest
from django.utils import translation

from metrics.models import Event, Indicator, MonthlyReport, PublishedFigure
from metrics.rollups import refresh_rollups
from reports.builder import ReportError, ReportOptions
from reports.csvfile import COLUMNS
from reports.output import render_report
from tests.factories import MonthlyReportFactory, SchoolFactory


def _rows(audience, compare=2019):
    content = render_report(options=ReportOptions(2020, compare, audience), fmt="csv")
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _find(rows, **wanted):
    hits = [r for r in rows if all(r[k] == str(v) for k, v in wanted.items())]
    assert len(hits) == 1, wanted
    return hits[0]


SOURCE = "年次報告の出力"


def test_csv_has_tidy_columns_and_pooled_values(report_data):
    rows = _rows("board")
    assert list(rows[0]) == COLUMNS
    row = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=4, group="all")
    assert row["source"].startswith(SOURCE)
    assert {k: v for k, v in row.items() if k != "source"} == {
        "indicator": "overtime_80h",
        "fiscal_year": "2020",
        "month": "4",
        "group_kind": "all",
        "group": "all",
        "excluding_events": "0",
        "value": "18.2",
        "numerator": "6",
        "denominator": "33",
        "suppressed": "0",
        "months": "",
        "schools": "3",
        "schools_expected": "3",
        "staff": "33",
        "provisional": "",
        "note": "",
    }
    assert _find(rows, indicator="overtime_80h", fiscal_year=2019, month=3, group="all")["value"] == "24.2"
    elementary = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=7, group="elementary")
    assert (elementary["group_kind"], elementary["value"]) == ("type", "10.0")
    district = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=7, group="d1")
    assert (district["group_kind"], district["value"], district["denominator"]) == ("district", "16.7", "30")
    assert (district["schools"], district["schools_expected"]) == ("2", "2")
    special = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=7, group="special_needs")
    assert (special["value"], special["suppressed"]) == ("33.3", "0"), "board reports are not suppressed"
    stress = _find(rows, indicator="stress_total", fiscal_year=2020, group="all")
    assert (stress["month"], stress["value"], stress["denominator"]) == ("", "95.0", "33")


def test_csv_has_year_figures_with_months_covered_and_the_exclusion_variant(report_data):
    Event.objects.create(
        label_ja="休校", start_date=date(2020, 5, 1), end_date=date(2020, 5, 31), exclude_from_average=True
    )
    rows = _rows("board")
    year = _find(rows, indicator="overtime_80h", fiscal_year=2020, month="", group="all", excluding_events=0)
    assert (year["value"], year["months"]) == ("18.2", "4 5 6 7 8 9 10 11 12 1 2 3")
    variant = _find(
        rows, indicator="overtime_80h", fiscal_year=2020, month="", group="all", excluding_events=1
    )
    assert (variant["value"], variant["months"]) == ("18.2", "4 6 7 8 9 10 11 12 1 2 3")
    assert variant["note"] == "平均から除く行事の月を除いた値です。"
    assert not [r for r in rows if r["fiscal_year"] == "2019" and r["excluding_events"] == "1"]
    leave = _find(rows, indicator="leave_10plus", fiscal_year=2019, month="", group="junior_high")
    assert (leave["value"], leave["group_kind"]) == ("100.0", "type")
    # Every monthly and stress row exists; the year rows are the Excel's (all types and each type).
    assert {r["group_kind"] for r in rows if r["month"] == "" and r["indicator"] == "left_by_19"} == {
        "all",
        "type",
    }


def test_csv_marks_provisional_months_and_their_year_figures(report_data):
    # A fourth school (elementary) that reported April only: 3 of 4 schools (75 %) the other months.
    late = SchoolFactory(
        code="RD01", school_type=report_data["A"].school_type, district=report_data["A"].district
    )
    MonthlyReportFactory(school=late, fiscal_year=2020, month=4, status=MonthlyReport.Status.SUBMITTED)
    refresh_rollups()
    rows = _rows("board")
    may = _find(rows, indicator="left_by_19", fiscal_year=2020, month=5, group="all")
    assert (may["schools"], may["schools_expected"], may["staff"], may["provisional"]) == (
        "3",
        "4",
        "33",
        "速報値",
    )
    april = _find(rows, indicator="left_by_19", fiscal_year=2020, month=4, group="all")
    assert (april["schools"], april["schools_expected"], april["provisional"]) == ("4", "4", "")
    year = _find(rows, indicator="left_by_19", fiscal_year=2020, month="", group="all", excluding_events=0)
    assert year["provisional"] == "速報値"
    assert (
        _find(rows, indicator="left_by_19", fiscal_year=2019, month=4, group="all")["provisional"] == "速報値"
    )


def test_csv_has_published_figures_of_years_without_school_data(report_data):
    indicator = Indicator.objects.get(code="overtime_80h")
    for excluding, value in ((False, "40.1"), (True, "38.2")):
        PublishedFigure.objects.create(
            indicator=indicator,
            fiscal_year=2018,
            group="all",
            value=value,
            source="市報告",
            note="確定値",
            excluding_events=excluding,
        )
    PublishedFigure.objects.create(indicator=indicator, fiscal_year=2020, group="all", value=1, source="x")
    rows = _rows("board", compare=2018)
    main = _find(rows, indicator="overtime_80h", fiscal_year=2018, group="all", excluding_events=0)
    variant = _find(rows, indicator="overtime_80h", fiscal_year=2018, group="all", excluding_events=1)
    assert (main["value"], main["source"], main["note"], main["month"]) == ("40.1", "市報告", "確定値", "")
    assert variant["value"] == "38.2"
    # A year with school data shows the school data's figure, not the published one.
    year = _find(rows, indicator="overtime_80h", fiscal_year=2020, month="", group="all", excluding_events=0)
    assert year["value"] == "18.2" and year["source"].startswith(SOURCE)


def test_official_csv_writes_withheld_cells_as_x_with_the_footnote(report_data):
    rows = _rows("official")
    special = _find(rows, indicator="overtime_80h", fiscal_year=2020, month=7, group="special_needs")
    assert (special["value"], special["numerator"], special["denominator"], special["suppressed"]) == (
        "X",
        "",
        "",
        "1",
    )
    assert (special["schools"], special["staff"], special["schools_expected"]) == ("", "", "1")
    assert special["note"].startswith("X：対象の教職員")
    district = _find(rows, indicator="left_by_19", fiscal_year=2019, month=4, group="d2")
    assert (district["value"], district["suppressed"]) == ("X", "1")
    year = _find(rows, indicator="overtime_80h", fiscal_year=2020, month="", group="special_needs")
    assert (year["value"], year["suppressed"]) == ("X", "1")
    stress = _find(rows, indicator="stress_support", fiscal_year=2020, group="special_needs")
    assert (stress["value"], stress["denominator"], stress["suppressed"]) == ("X", "", "1")
    # Large groups are untouched.
    assert _find(rows, indicator="overtime_80h", fiscal_year=2020, month=4, group="all")["value"] == "18.2"
    assert _find(rows, indicator="overtime_80h", fiscal_year=2020, month="", group="all")["value"] == "18.2"


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
