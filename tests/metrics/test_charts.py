import json
import os
import subprocess
import sys
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.conf import settings
from plotly.utils import PlotlyJSONEncoder

from measures import charts as measures_charts
from metrics.dashboard import charts


def _series(group="all", values=None, dashed=False):
    values = values or [5.0] * 12
    return {
        "name": group,
        "group": group,
        "months": [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3],
        "values": values,
        "dashed": dashed,
    }


def test_monthly_figure_has_a_trace_per_series_and_the_comparison_dashed():
    fig = charts.monthly_figure(
        series=[_series(), _series("elementary"), _series("all", dashed=True)],
        target=0,
        target_label="目標 ≤ 0%",
        events=[],
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
    )
    assert [t["name"] for t in fig["data"]] == ["all", "elementary", "all"]
    assert fig["data"][0]["line"]["dash"] == "solid"
    assert fig["data"][2]["line"]["dash"] == "dash"
    assert fig["data"][1]["line"]["color"] == charts.TYPE_COLOURS["elementary"]


def test_target_line_is_always_in_view_even_at_zero():
    fig = charts.monthly_figure(
        series=[_series(values=[10.0] * 12)],
        target=0,
        target_label="目標",
        events=[],
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
    )
    lines = [s for s in fig["layout"]["shapes"] if s["type"] == "line"]
    assert lines and lines[0]["y0"] == 0
    low, high = fig["layout"]["yaxis"]["range"]
    assert low <= 0 < 10 < high


def test_target_above_data_extends_the_axis():
    fig = charts.monthly_figure(
        series=[_series(values=[40.0] * 12)],
        target=100,
        target_label="目標",
        events=[],
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
    )
    assert fig["layout"]["yaxis"]["range"][1] >= 100


def test_events_are_bands_with_labels_over_their_months():
    events = [
        {"label": "一斉臨時休業", "first": 4, "last": 5},
        {"label": "緊急事態宣言", "first": 1, "last": 3},
    ]
    fig = charts.monthly_figure(
        series=[_series()],
        target=None,
        target_label="",
        events=events,
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
    )
    bands = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    assert [(b["x0"], b["x1"]) for b in bands] == [(-0.45, 1.45), (8.55, 11.45)]
    labels = {a["text"] for a in fig["layout"]["annotations"]}
    assert {"一斉臨時休業", "緊急事態宣言"} <= labels


def test_month_axis_follows_the_language():
    fig_ja = charts.monthly_figure(
        series=[_series()],
        target=None,
        target_label="",
        events=[],
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
    )
    fig_en = charts.monthly_figure(
        series=[_series()],
        target=None,
        target_label="",
        events=[],
        title="t",
        y_title="%",
        unit="%",
        lang="en",
    )
    assert fig_ja["layout"]["xaxis"]["ticktext"][0] == "4月"
    assert fig_en["layout"]["xaxis"]["ticktext"][0] == "Apr"
    assert fig_en["layout"]["xaxis"]["ticktext"][-1] == "Mar"


def test_gaps_stay_gaps():
    values = [None] * 5 + [10.0] * 7
    fig = charts.monthly_figure(
        series=[_series(values=values)],
        target=None,
        target_label="",
        events=[],
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
    )
    assert fig["data"][0]["y"][:5] == [None] * 5


def test_stress_figure_has_three_scores_and_the_national_line():
    rows = [
        {"fiscal_year": 2019, "a": 104.0, "b": 106.0, "c": 98.0},
        {"fiscal_year": 2020, "a": 99.0, "b": 103.0, "c": 96.0},
    ]
    fig = charts.stress_figure(
        rows=rows, score_names={"a": "総合", "b": "量", "c": "支援"}, title="t", lang="ja"
    )
    assert [t["name"] for t in fig["data"]] == ["総合", "量", "支援"]
    assert fig["data"][0]["x"] == ["令和元年度（FY2019）", "令和2年度（FY2020）"]
    assert fig["layout"]["shapes"][0]["y0"] == 100
    # the labels stay clear of the national line: inside the bars, and its key above the plot
    assert {t["textposition"] for t in fig["data"]} == {"inside"}
    assert [(a["yref"], a["y"]) for a in fig["layout"]["annotations"]] == [("paper", 1.0)]


def test_sparkline_is_static():
    fig = charts.sparkline(values=[1.0, None, 3.0], target=0)
    assert fig["config"]["staticPlot"] is True
    assert fig["data"][0]["y"] == [1.0, None, 3.0]


# --- the dicts are plotly.js's JSON, as plotly itself would write it -----------------------------------

MONTHS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]

FIGURES = {
    "monthly": lambda: charts.monthly_figure(
        series=[
            _series(values=[None, 1.234, *[5.0] * 10]),
            _series("elementary", values=[float("nan"), *[4.0] * 11]),
            _series("all", dashed=True),
        ],
        target=3.0,
        target_label="目標 ≤ 3%",
        events=[{"label": "一斉臨時休業", "first": 4, "last": 5}, {"label": "宣言", "first": 1, "last": 3}],
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
        month_suffix="末",
    ),
    "sparkline": lambda: charts.sparkline(values=[1.0, None, 3.0], target=2.0, group="elementary"),
    "stress": lambda: charts.stress_figure(
        rows=[
            {"fiscal_year": 2019, "a": 104.0, "b": 106.25, "c": float("nan")},
            {"fiscal_year": 2020, "a": 99.0, "b": 103.0, "c": 96.0},
        ],
        score_names={"a": "総合", "b": "量", "c": "支援"},
        title="t",
        lang="en",
    ),
    "kpi": lambda: measures_charts.kpi_figure(
        rows=[
            {"fiscal_year": 2019, "actual": Decimal("12.5"), "planned": None},
            {"fiscal_year": 2020, "actual": None, "planned": 1500},
        ],
        title="t",
        unit="件",
        labels={"actual": "実績", "planned": "計画"},
        lang="ja",
    ),
    "effect": lambda: measures_charts.effect_figure(
        before_year=2019,
        after_year=2021,
        groups=[
            {"name": "導入校", "before": 10.123, "after": 8.0, "adopting": True},
            {"name": "未導入校", "before": 9.0, "after": 9.5, "adopting": False},
        ],
        counterfactual={"name": "導入しなかった場合", "before": 10.123, "after": 10.6},
        title="t",
        unit="%",
        lang="en",
    ),
}


def _strict_json(value):
    """`value` as the page's JSON reads it back (no NaN, no tuples, no numpy)."""
    return json.loads(json.dumps(value, cls=PlotlyJSONEncoder, allow_nan=False))


@pytest.mark.parametrize("kind", FIGURES)
def test_figure_dict_is_what_plotly_itself_writes(kind):
    spec = FIGURES[kind]()
    assert set(spec) == {"data", "layout", "config"}
    assert "template" not in spec["layout"]
    # go.Figure validates every property (an unknown or ill-typed one raises) and normalises the
    # rest (e.g. a string title to {"text": …}); its JSON, without its default template, must be the dict.
    figure = go.Figure({"data": spec["data"], "layout": spec["layout"]}).to_plotly_json()
    figure["layout"].pop("template", None)
    assert _strict_json(figure) == _strict_json({"data": spec["data"], "layout": spec["layout"]})
    assert _strict_json(spec) == spec  # already JSON: json_script writes it as it is


def test_nan_and_decimal_become_json_numbers_or_gaps():
    monthly, stress, kpi = FIGURES["monthly"](), FIGURES["stress"](), FIGURES["kpi"]()
    assert monthly["data"][0]["y"][:2] == [None, 1.23]
    assert monthly["data"][1]["y"][0] is None
    assert stress["data"][2]["y"] == [None, 96.0] and stress["data"][2]["text"] == ["", "96.0"]
    assert stress["data"][1]["y"] == [106.25, 103.0]  # the scores as they are; the labels round
    assert kpi["data"][0]["y"] == [12.5, None] and type(kpi["data"][0]["y"][0]) is float


def test_request_path_does_not_import_plotly():
    """The web process builds figures as dicts; only the PDF export (in a worker) loads plotly."""
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import metrics.dashboard.views, measures.views, staff.views, reports.views; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', 'kaleido')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "reform.settings", "SECRET_KEY": "test-only"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_the_target_label_sits_where_no_data_is_drawn():
    # ①: target 0 %, the April–September shares close above it; the label must not cover them.
    values = [0.4, 0.6, 0.5, 0.3, 0.2, 0.4, 9.0, 10.0, 9.5, 9.0, 8.5, 9.0]
    fig = charts.monthly_figure(
        series=[_series(values=values)],
        target=0,
        target_label="目標 ≤ 0.0%",
        events=[],
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
    )
    [label] = [a for a in fig["layout"]["annotations"] if a["text"] == "目標 ≤ 0.0%"]
    assert label["xref"] == "x" and label["yanchor"] == "bottom"
    top = fig["layout"]["yaxis"]["range"][1]
    left, right, low, high = label["x"], label["x"] + 2.05, 0, top * 0.09
    assert not charts._crosses(fig["data"][0], left, right, low, high)
    assert left > 0  # not over April, where the data sits on the line


def test_the_target_label_goes_above_the_plot_when_the_data_covers_its_line():
    values = [5.0, 0.0] * 6  # crossing the target line everywhere
    fig = charts.monthly_figure(
        series=[_series(values=values)],
        target=2.5,
        target_label="目標",
        events=[],
        title="t",
        y_title="%",
        unit="%",
        lang="ja",
    )
    [label] = [a for a in fig["layout"]["annotations"] if a["text"] == "目標"]
    assert (label["xref"], label.get("yref")) == ("paper", "paper")
