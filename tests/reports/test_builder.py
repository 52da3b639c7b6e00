from django.utils import translation

from reports.builder import ReportOptions, build_report


def _traces(audience):
    with translation.override("ja"):
        report = build_report(ReportOptions(2020, 2019, audience))
    figure = report.section("overtime_80h").figure
    return {trace["name"]: trace["y"] for trace in figure["data"]}, report


def test_the_chart_hides_cells_from_fewer_than_5_staff_for_officials(report_data):
    board, _ = _traces("board")
    official, report = _traces("official")
    assert board["特別支援学校 令和2年度"] == [33.33] * 12
    assert official["特別支援学校 令和2年度"] == [None] * 12
    assert official["全校種 令和2年度"] == board["全校種 令和2年度"] == [18.18] * 12
    year = report.section("overtime_80h").year_rows
    assert [c["value"] for c in year[3]["cells"]] == ["X", "X"] and year[3]["change"] == "—"
    assert any(note.startswith("X：対象の教職員") for note in report.notes)


def test_measures_keep_pillar_section_tag_results_plans_and_kpis(report_data):
    with translation.override("ja"):
        report = build_report(ReportOptions(2020, 2019, "official"))
    (pillar,) = report.pillars
    (section,) = pillar["sections"]
    (measure,) = section["measures"]
    assert (pillar["number"], section["number"], measure["number"], measure["tag"]) == (1, 1, "②", "【拡充】")
    assert (measure["results"], measure["plans"]) == ("プール清掃を外部に委託した。", "対象校を拡大する。")
    assert measure["kpis"] == [
        {
            "name": "プール清掃業務委託 実施校数",
            "unit": "校",
            "previous": "—",
            "actual": "196",
            "planned": "440",
        }
    ]
    assert report.commentary.startswith("令和2年度は")
