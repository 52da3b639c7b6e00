"""Exports made from the demo city's data say デモデータ on the cover, in a header row and in the file
name; the board's and the officials' files have different names."""

import csv
import io
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from metrics.models import School
from reports import jobs
from reports.builder import DEMO_MARK, ReportError, ReportOptions, build_report, demo_banner
from reports.models import ReportExport
from reports.output import render_report

PAGE = reverse("reports:exports")


@pytest.fixture
def demo(report_data):
    School.objects.update(is_demo=True)  # what load_demo writes
    return report_data


@pytest.fixture
def ask(client, monkeypatch, media_root):
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda func, using=None, robust=False: func())

    def post(user, fmt):
        client.force_login(user)
        response = client.post(PAGE, {"fiscal_year": 2020, "compare_year": 2019, "format": fmt}, follow=True)
        assert response.status_code == 200
        return ReportExport.objects.filter(requested_by=user, format=fmt).order_by("-pk").first()

    return post


def _csv(fmt, audience="board"):
    text = render_report(options=ReportOptions(2020, 2019, audience), fmt=fmt).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_files_of_demo_data_carry_the_mark_in_the_header_row_and_every_row(demo):
    for fmt, audience in (("csv", "board"), ("csv", "official"), ("schools", "board")):
        rows = _csv(fmt, audience)
        assert rows[0][-1] == DEMO_MARK, fmt
        assert all(row[-1] == DEMO_MARK for row in rows[1:]), fmt


def test_csv_files_of_real_data_have_no_mark(report_data):
    assert DEMO_MARK not in _csv("csv")[0] and DEMO_MARK not in _csv("schools")[0]


def test_the_workbook_of_demo_data_says_so_on_the_cover_and_atop_every_sheet(demo):
    wb = load_workbook(BytesIO(render_report(options=ReportOptions(2020, 2019, "board"), fmt="xlsx")))
    for ws in wb.worksheets:
        if ws.title == "学校別":
            assert ws["A1"].value == "学校コード" and list(ws.iter_rows(values_only=True))[0][-1] == DEMO_MARK
        else:
            assert ws["A1"].value.startswith(DEMO_MARK), ws.title
    assert wb["表紙"]["A3"].value == "令和2年度（FY2020）"


def test_the_pdf_cover_of_demo_data_says_so(demo):
    with translation.override("ja"):
        report = build_report(ReportOptions(2020, 2019, "official"))
        html = render_to_string(
            "reports/annual_report.html",
            {
                "report": report,
                "sections": [{"section": s, "svg": None} for s in report.indicators],
                "stress": [],
                "demo_mark": DEMO_MARK,
                "demo_banner": demo_banner(),
            },
        )
    cover = html[html.index('<section class="cover">') : html.index("</section>")]
    assert '<div class="demo">デモデータ：' in cover
    assert f'@top-left {{ content: "{DEMO_MARK}"' in html  # every page's header
    report.demo = False
    with translation.override("ja"):
        html = render_to_string(
            "reports/annual_report.html",
            {"report": report, "sections": [], "stress": [], "demo_mark": DEMO_MARK, "demo_banner": ""},
        )
    assert DEMO_MARK not in html


def test_download_names_say_the_audience_demo_data_and_the_per_school_file(
    client, ask, demo, board, official
):
    names = {}
    for user, fmt in ((board, "csv"), (official, "csv"), (board, "schools"), (board, "xlsx")):
        export = ask(user, fmt)
        assert (export.status, export.demo) == ("done", True), export.error
        download = client.get(reverse("reports:export-download", args=[export.pk]))
        names[(export.audience, fmt)] = download["Content-Disposition"]
        assert export.file.name.startswith(f"exports/{export.download_name.rsplit('.', 1)[0]}-")
    assert 'filename="annual-report-FY2020-board-demo.csv"' in names[("board", "csv")]
    assert 'filename="annual-report-FY2020-official-demo.csv"' in names[("official", "csv")]
    assert 'filename="annual-report-FY2020-board-demo-schools.csv"' in names[("board", "schools")]
    assert 'filename="annual-report-FY2020-board-demo.xlsx"' in names[("board", "xlsx")]
    School.objects.update(is_demo=False)
    export = ask(official, "csv")
    assert export.download_name == "annual-report-FY2020-official.csv" and not export.demo


def test_only_board_staff_are_offered_the_per_school_csv(client, ask, report_data, board, official):
    client.force_login(official)
    choices = [c[0] for c in client.get(PAGE).context["form"].fields["format"].choices]
    assert "schools" not in choices
    assert ask(official, "schools") is None, "refused by the form: no export"
    client.force_login(board)
    assert "schools" in [c[0] for c in client.get(PAGE).context["form"].fields["format"].choices]
    # An official's request that gets past the page (the API) builds nothing and says why.
    options = ReportOptions(2020, None, "official")
    with translation.override("ja"), pytest.raises(ReportError, match="教育委員会の職員だけ"):
        render_report(options=options, fmt="schools")
