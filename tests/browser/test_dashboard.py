"""The dashboard as a board member sees it in Chromium, on the small test city (tests/browser/city.py)."""

from pathlib import Path

import pytest

from reform.fiscal import FISCAL_MONTHS
from tests.browser import city

PAGES = {
    "/": None,
    "/indicators/overtime_80h/": [
        "全校種 令和2年度",
        "小学校 令和2年度",
        "中学校 令和2年度",
        "特別支援学校 令和2年度",
        "高等学校 令和2年度",
        "全校種 令和元年度",
    ],
    "/indicators/left_by_19/": ["全校種 令和2年度", "小学校 令和2年度"],
    "/indicators/stress/": ["総合健康リスク", "量・コントロール", "周囲の支援"],
    "/indicators/leave/": ["全校種 令和2年度", "小学校 令和2年度"],
    "/schools/E001/": None,
}


def test_pages_draw_their_charts_without_errors_or_outside_requests(visit):
    visit.login("board")
    for path, expected in PAGES.items():
        visit.open(path)
        assert visit.page.locator(".js-plotly-plot").count() >= 1, path
        if expected:
            names = visit.trace_names()
            for name in expected:
                assert name in names, (path, names)
    assert visit.errors == []
    assert visit.hosts <= {"127.0.0.1", "localhost"}, visit.hosts


def test_filters_change_the_chart_and_stay_in_the_url(visit):
    visit.login("board")
    visit.open("/indicators/overtime_80h/")
    assert len(visit.trace_names()) == 10  # all + 4 types, for FY2020 and FY2019
    visit.page.select_option("#f-compare", "")
    visit.page.check("input[name=type][value=junior_high]")
    visit.page.click(".filters button[type=submit]")
    visit.page.wait_for_selector(".js-plotly-plot")
    assert visit.trace_names() == ["中学校 令和2年度"]  # no 「全校種」 line: it would be the same
    assert "type=junior_high" in visit.page.url and "compare=" in visit.page.url
    # The chart draws the chosen type's figures: the city's junior-high schools, month by month.
    drawn = visit.page.eval_on_selector("[data-figure]", "el => el.data[0].y")
    expected = [city.monthly_share("junior_high", 2020, m) for m in FISCAL_MONTHS]
    assert drawn == pytest.approx(expected, abs=0.051)
    assert visit.errors == []


def test_language_switch_changes_labels(visit):
    visit.login("board")
    visit.open("/indicators/overtime_80h/")
    assert visit.page.locator("h1").inner_text().startswith("指標①")
    visit.page.click("button[value=en]")
    visit.page.wait_for_selector(".js-plotly-plot")
    assert visit.page.locator("h1").inner_text().startswith("Indicator①")
    assert "All types FY2020" in visit.trace_names()
    ticks = visit.page.eval_on_selector("[data-figure]", "el => el.layout.xaxis.ticktext")
    assert ticks[0] == "Apr" and ticks[-1] == "Mar"


def test_a_chart_downloads_its_picture_and_its_numbers(visit):
    visit.login("board")
    visit.open("/indicators/overtime_80h/?year=2020&compare=")
    bar = visit.page.locator('[data-downloads="chart-main"]')
    bar.wait_for()
    downloads = {}
    for format in ("png", "svg", "csv"):
        with visit.page.expect_download() as info:
            bar.locator(f'button[data-format="{format}"]').click()
        downloads[format] = Path(info.value.path()).read_bytes()
        assert info.value.suggested_filename.endswith(f".{format}")
    assert downloads["png"].startswith(b"\x89PNG")
    assert b"<svg" in downloads["svg"][:500]
    rows = downloads["csv"].decode("utf-8-sig").splitlines()
    # the table under the chart, as the page shows it: a row per group, with its coverage row
    assert rows[1].split(",")[1] == "4月", rows[:3]
    all_types = next(r for r in rows if r.startswith("全校種 令和2年度,"))
    expected = [f"{city.monthly_share(None, 2020, m):.1f}%" for m in FISCAL_MONTHS]
    assert all_types.split(",")[1:] == expected
    assert any("提出校数" in r for r in rows)
    assert visit.errors == []


def test_official_sees_aggregates_but_no_school(visit):
    visit.login("official")
    visit.open("/indicators/overtime_80h/")
    response = visit.page.goto(f"{visit.base_url}/schools/E001/")
    assert response.status == 404


def test_pages_without_charts_break_no_content_security_policy(visit):
    """Forms, the export page, the token page, the API docs and the error pages: the policy of
    reform.middleware (no inline scripts or styles, this site only) is met; the `visit` fixture
    fails on any violation, here and in every browser test."""
    response = visit.page.goto(f"{visit.base_url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    visit.login("board")
    visit.page.wait_for_load_state()
    for path in ("/reports/annual/", "/api/tokens/", "/api/docs/", "/board/review/", "/no-such-page/"):
        visit.page.goto(f"{visit.base_url}{path}")
        visit.page.wait_for_load_state("networkidle")
        assert visit.reported_csp_violations() == [], path
    assert visit.page.locator("#swagger-ui").count() == 0  # the last page was the 404
    visit.page.goto(f"{visit.base_url}/api/docs/")
    visit.page.wait_for_selector(".swagger-ui .info")
    assert visit.csp_violations == []
    assert visit.hosts <= {"127.0.0.1", "localhost"}, visit.hosts
