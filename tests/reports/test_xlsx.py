from io import BytesIO

from openpyxl import load_workbook

from reports.builder import ReportOptions
from reports.output import render_report


def _workbook(audience):
    return load_workbook(BytesIO(render_report(options=ReportOptions(2020, 2019, audience), fmt="xlsx")))


def _row(ws, label):
    for row in ws.iter_rows(values_only=True):
        if row and row[0] == label:
            return row
    raise AssertionError(f"no row {label!r} in {ws.title}")


def test_board_workbook_has_a_sheet_per_indicator_measures_and_schools(report_data):
    wb = _workbook("board")
    assert wb.sheetnames == [
        "表紙",
        "① 80時間超",
        "② 19時退勤",
        "③ ストレスチェック",
        "④ 年休10日以上",
        "④ 年休平均日数",
        "取組",
        "学校別",
    ]
    assert wb["表紙"]["A2"].value == "令和2年度（FY2020）"
    ws = wb["① 80時間超"]
    assert _row(ws, "全校種 R2")[1:13] == (18.2,) * 12
    assert _row(ws, "小学校 R2")[1] == 10.0
    assert _row(ws, "特別支援学校 R2")[1] == 33.3
    rows = list(ws.iter_rows(values_only=True))
    coverage = rows[[r[0] for r in rows].index("提出校数／対象校数") + 2]  # caption, header, 全校種 R2
    assert coverage[0] == "全校種 R2" and coverage[1:13] == ("3/3",) * 12
    year = _row(ws, "全校種")  # the year-figure table: FY2020, FY2019, change
    assert year[1:4] == (18.2, 24.2, -6.0)
    measures = wb["取組"]
    measure = _row(measures, "1 学校業務の適正化、精査・精選")
    assert measure[3] == "プール清掃業務の委託" and measure[4] == "【拡充】"
    assert "196 → 440 校" in measure[8]
    schools = list(wb["学校別"].iter_rows(values_only=True))
    assert schools[0][:2] == ("学校コード", "学校名")
    assert len(schools) == 1 + 3 * 12
    # code, name, type, district, year, month, status, then every stored count, then the two shares
    row = schools[-12]
    assert row[:7] == ("RC01", "報告C特別支援学校", "特別支援学校", "西部方面", 2020, 4, "承認済")
    assert row[7:] == (3, 1, 2, 1, 0, 3, 0, 33.3, 66.7)


def test_official_workbook_has_no_school_rows_and_marks_small_cells(report_data):
    wb = _workbook("official")
    assert "学校別" not in wb.sheetnames
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert "RA01" not in row and "報告A小学校" not in row
    ws = wb["① 80時間超"]
    assert _row(ws, "特別支援学校 R2")[1:13] == ("X",) * 12
    assert _row(ws, "特別支援学校")[1:4] == ("X", "X", "—")
    assert _row(ws, "全校種 R2")[1] == 18.2
    assert _row(wb["③ ストレスチェック"], "特別支援学校")[2:] == ("X", "X", "X", "X")
