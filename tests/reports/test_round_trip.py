"""Round trips (issue 12): what the board exports imports back and gives the same figures.

- The board's per-school CSV (format "schools") and the Excel's per-school sheet carry every stored
  column under the monthly import's headers; imported into an empty database they give the same
  school-months, and so the same report. The monthly import reads CSV only, so the sheet goes through
  a CSV written here from its cells.
- The aggregate CSV imports into `import_published`: every figure it shows becomes a published figure
  of the same value; district rows and suppressed cells are skipped with a message.
"""

import csv
import io
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from metrics.imports.monthly import import_monthly
from metrics.imports.published import import_published
from metrics.models import MonthlyReport, PublishedFigure, School
from metrics.rollups import refresh_rollups
from reform.fiscal import FISCAL_MONTHS
from reports.builder import ReportOptions
from reports.output import render_report
from tests.factories import DistrictFactory, MonthlyReportFactory, SchoolFactory, school_type

STORED = ["school__code", "fiscal_year", "month", "status", *MonthlyReport.VALUE_FIELDS]


@pytest.fixture
def city(db):
    """Six schools of three types in two districts over FY2020: counts that differ by school and month,
    leave days with a decimal, and months without the optional 45 h / 100 h counts."""
    districts = [DistrictFactory(code="n1", name_ja="北部"), DistrictFactory(code="s1", name_ja="南部")]
    schools = [
        SchoolFactory(code=f"RT{i:02d}", school_type=school_type(kind), district=districts[i % 2])
        for i, kind in enumerate(["elementary", "elementary", "junior_high", "junior_high", "high", "high"])
    ]
    for n, school in enumerate(schools):
        for i, month in enumerate(FISCAL_MONTHS):
            staff, over = 12 + 3 * n + i % 3, (n + i) % 5
            MonthlyReportFactory(
                school=school,
                fiscal_year=2020,
                month=month,
                staff_count=staff,
                over_80h_count=over,
                left_by_19_count=staff - 2 - n % 3,
                over_45h_count=None if (n + i) % 4 == 0 else over + 2,
                over_100h_count=None if (n + i) % 4 == 0 else min(i % 2, over),
                leave_days_total=Decimal(f"{staff * (i + 1) * 0.9:.1f}"),
                leave_10plus_count=0 if i < 8 else staff - n,
                status=MonthlyReport.Status.APPROVED,
            )
    refresh_rollups()
    return schools


def _stored() -> list[tuple]:
    return sorted(MonthlyReport.objects.values_list(*STORED))


def _wipe_months() -> None:
    MonthlyReport.objects.all().delete()
    refresh_rollups()
    assert not MonthlyReport.objects.exists()


def _import_months(raw: bytes):
    outcome = import_monthly(raw, schools=School.objects.all(), status=MonthlyReport.Status.APPROVED)
    assert (outcome.error_count, [str(e) for e in outcome.errors[:5]]) == (0, [])
    refresh_rollups()  # what committing the rows does outside a test transaction
    return outcome


def _report_csv(audience: str) -> list[dict]:
    content = render_report(options=ReportOptions(2020, None, audience), fmt="csv")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_per_school_csv_imports_back_into_an_empty_database_with_the_same_figures(city):
    before, figures = _stored(), _report_csv("board")
    raw = render_report(options=ReportOptions(2020, None, "board"), fmt="schools")
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:7] == ["学校コード", "学校名", "校種", "方面", "年度", "月", "状態"]
    assert header[7:] == [
        "対象教職員数",
        "80時間超",
        "19時までに退勤",
        "45時間超",
        "100時間超",
        "年休取得日数合計",
        "年休10日以上",
    ]
    assert any(m[7] is None for m in before) and any(m[-2] != int(m[-2]) for m in before)
    _wipe_months()
    outcome = _import_months(raw)
    assert (outcome.created, outcome.updated, outcome.skipped) == (6 * 12, 0, 0)
    assert _stored() == before, "every stored column, cell for cell"
    assert _report_csv("board") == figures, "and so every figure of the report"


def test_the_excel_per_school_sheet_imports_back_with_the_same_figures(city):
    before, figures = _stored(), _report_csv("board")
    book = load_workbook(BytesIO(render_report(options=ReportOptions(2020, None, "board"), fmt="xlsx")))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in book["学校別"].iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in row])
    _wipe_months()
    outcome = _import_months(buffer.getvalue().encode("utf-8"))
    assert outcome.created == 6 * 12
    assert _stored() == before
    assert _report_csv("board") == figures


def test_importing_the_per_school_csv_over_its_own_data_changes_nothing(city):
    raw = render_report(options=ReportOptions(2020, None, "board"), fmt="schools")
    outcome = _import_months(raw)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 6 * 12)


@pytest.mark.parametrize("audience", ["board", "official"])
def test_the_aggregate_csv_imports_as_published_figures(city, audience, tmp_path, capsys):
    rows = _report_csv(audience)
    raw = render_report(options=ReportOptions(2020, None, audience), fmt="csv")
    districts = [r for r in rows if r["group_kind"] == "district"]
    withheld = [r for r in rows if r["group_kind"] != "district" and r["value"] == "X"]
    figures = [r for r in rows if r["group_kind"] != "district" and r["value"] != "X"]
    assert districts and figures and (withheld or audience == "board")

    dry = import_published(raw, dry_run=True)
    assert dry.error_count == 0 and not PublishedFigure.objects.exists()
    outcome = import_published(raw)
    assert (outcome.error_count, outcome.skipped_districts, outcome.skipped_suppressed) == (
        0,
        len(districts),
        len(withheld),
    )
    assert list(outcome.result.lines()) == list(dry.result.lines()), "the dry run said what the import did"
    stored = {
        (f.indicator.code, f.fiscal_year, f.month, f.group, f.excluding_events): f
        for f in PublishedFigure.objects.select_related("indicator")
    }
    assert len(stored) == len(figures)
    for r in figures:
        month = int(r["month"]) if r["month"] else None
        figure = stored[
            (r["indicator"], int(r["fiscal_year"]), month, r["group"], r["excluding_events"] == "1")
        ]
        assert (figure.value, figure.source, figure.note) == (Decimal(r["value"]), r["source"], r["note"])

    # The command says what it left out and why; a second import changes nothing.
    path = tmp_path / "report.csv"
    path.write_bytes(raw)
    call_command("import_published", str(path))
    out = capsys.readouterr().out
    assert f"方面別の{len(districts)}行は取り込みませんでした" in out and "Nothing changed." in out
    if withheld:
        assert f"非表示のセル（X）{len(withheld)}件" in out


def test_published_figures_that_were_imported_show_again_in_the_export(city):
    """Year figures of a year without school data come back from the published figures unchanged."""
    raw = render_report(options=ReportOptions(2020, None, "board"), fmt="csv")
    import_published(raw)
    years = {
        (r["indicator"], r["group"], r["excluding_events"]): r["value"]
        for r in _report_csv("board")
        if r["month"] == "" and r["group_kind"] != "district"
    }
    PublishedFigure.objects.filter(month__isnull=False).delete()
    PublishedFigure.objects.update(fiscal_year=2018)  # as if 2018 had only its published report
    content = render_report(options=ReportOptions(2020, 2018, "board"), fmt="csv").decode("utf-8-sig")
    published = {
        (r["indicator"], r["group"], r["excluding_events"]): r["value"]
        for r in csv.DictReader(io.StringIO(content))
        if r["fiscal_year"] == "2018"
    }
    assert published == years
