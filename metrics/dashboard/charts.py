"""Plotly figures built from aggregation output, as plotly.js's JSON (plain dicts for `json_script`).

The figures are written as plain dicts, not through `plotly.graph_objects`: building and validating a
`go.Figure` took more of a page's time than the page's arithmetic, and its JSON carried plotly.py's
default template (about 7 KB per chart) that these charts do not need. What the template gave that
shows (the font colour, left-aligned hover labels, axes that make room for their labels, no grid or
zero lines where none is asked for) is written out in `_layout`. tests/metrics/test_charts.py builds
each kind of figure again with `go.Figure` (which rejects any invalid property) and checks that
plotly's own JSON of it is the same dict.

Each school type keeps one colour everywhere (Okabe–Ito palette, safe for colour
blindness); the comparison year is dashed; targets are dotted lines always in view.
"""

from reform.fiscal import FISCAL_MONTHS, fiscal_year_label, month_label

TYPE_COLOURS = {
    "all": "#000000",
    "elementary": "#0072B2",
    "junior_high": "#D55E00",
    "special_needs": "#009E73",
    "high": "#CC79A7",
    "school": "#E69F00",
}
TARGET_COLOUR = "#B3261E"
FONT = "Hiragino Kaku Gothic ProN, Noto Sans CJK JP, Meiryo, sans-serif"
FONT_COLOUR = "#2a3f5f"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def _figure(data: list[dict], layout: dict) -> dict:
    return {"data": data, "layout": layout, "config": CONFIG}


def _layout(*, title: str, y_title: str, height: int = 460) -> dict:
    """The layout every large chart shares (the caller adds its axes' ranges, shapes and the rest)."""
    return {
        "title": {"text": title, "x": 0, "font": {"size": 16}},
        "font": {"family": FONT, "size": 13, "color": FONT_COLOUR},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 90, "b": 50},
        "hovermode": "x unified",
        "hoverlabel": {"align": "left"},
        "legend": {"orientation": "h", "y": -0.15},
        "plot_bgcolor": "#ffffff",
        "xaxis": {"automargin": True, "showgrid": False, "zeroline": False},
        "yaxis": {
            "title": {"text": y_title},
            "automargin": True,
            "gridcolor": "#e4e7eb",
            "zeroline": True,
            "zerolinecolor": "#9aa5b1",
            "zerolinewidth": 2,
        },
    }


def _month_axis(lang: str, *, suffix: str = "") -> dict:
    """The x-axis of a monthly chart: April → March at positions 0–11."""
    return {
        "automargin": True,
        "tickmode": "array",
        "tickvals": list(range(12)),
        "ticktext": [month_label(m, lang) + suffix for m in FISCAL_MONTHS],
        "range": [-0.5, 11.5],
        "showgrid": False,
        "zeroline": False,
    }


def _target_line(target: float) -> dict:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": target,
        "y1": target,
        "line": {"color": TARGET_COLOUR, "dash": "dot", "width": 2},
    }


def _value(v, digits: int | None = 2) -> float | None:
    """A number as plotly.js's JSON takes it: a plain float (to `digits` decimals), None for a gap or NaN."""
    if v is None or v != v:
        return None
    return float(v) if digits is None else round(float(v), digits)


def _crosses(trace: dict, left: float, right: float, low: float, high: float) -> bool:
    """Whether a trace's markers or the segments between them enter the box [left, right] × [low, high]."""
    points = [(x, y) for x, y in zip(trace["x"], trace["y"], strict=True)]
    for (x0, y0), (x1, y1) in zip(points, points[1:] + [(None, None)], strict=True):
        if y0 is None:
            continue
        if left <= x0 <= right and low <= y0 <= high:
            return True
        if y1 is not None and x1 == x0 + 1 and max(x0, left) <= min(x1, right):
            if min(y0, y1) <= high and max(y0, y1) >= low:  # the segment passes through the band
                return True
    return False


def _target_annotation(data: list[dict], target: float, text: str, *, bottom: float, top: float) -> dict:
    """The target's label on its line where no data is drawn: above the line, else below it, at the
    first place from April (the label covers about two months); above the plot if none is free."""
    height = (top - bottom) * 0.09
    label = {"text": text, "showarrow": False, "font": {"color": TARGET_COLOUR}, "xanchor": "left"}
    for anchor, low, high in (("bottom", target, target + height), ("top", target - height, target)):
        if low < bottom or high > top:
            continue
        for start in range(11):
            left, right = start - 0.45, start + 1.6
            if not any(_crosses(trace, left, right, low, high) for trace in data):
                return {**label, "xref": "x", "x": left, "y": target, "yanchor": anchor}
    return {**label, "xref": "paper", "x": 0, "yref": "paper", "y": 1.14, "yanchor": "bottom"}


def _positions(months) -> list[int]:
    return [FISCAL_MONTHS.index(int(m)) for m in months]


def monthly_figure(
    *,
    series: list[dict],
    target: float | None,
    target_label: str,
    events: list[dict],
    title: str,
    y_title: str,
    unit: str,
    lang: str,
    month_suffix: str = "",
) -> dict:
    """Monthly lines April → March.

    `series`: dicts with `name`, `group` (colour key), `months`, `values` (None for a
    gap), `dashed` (the comparison year). `events`: dicts with `label`, `first` and
    `last` (calendar months, inclusive). The y-axis always includes 0 and the target.
    """
    data = []
    highest = 0.0
    for s in series:
        values = [_value(v) for v in s["values"]]
        highest = max([highest, *[v for v in values if v is not None]])
        data.append(
            {
                "type": "scatter",
                "x": _positions(s["months"]),
                "y": values,
                "name": s["name"],
                "mode": "lines+markers",
                "line": {
                    "color": TYPE_COLOURS.get(s["group"], "#555555"),
                    "dash": "dash" if s.get("dashed") else "solid",
                    "width": 3 if s["group"] == "all" else 2,
                },
                "marker": {"size": 5 if s.get("dashed") else 7},
                "opacity": 0.65 if s.get("dashed") else 1,
                "hovertemplate": f"%{{y:.1f}}{unit}",
                "connectgaps": False,
            }
        )
    top = max(highest, target or 0) * 1.15 or 1
    shapes, annotations = [], []
    if target is not None:
        shapes.append(_target_line(target))
        annotations.append(_target_annotation(data, target, target_label, bottom=min(0, target), top=top))
    for i, event in enumerate(events):
        first, last = FISCAL_MONTHS.index(event["first"]), FISCAL_MONTHS.index(event["last"])
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": first - 0.45,
                "x1": last + 0.45,
                "y0": 0,
                "y1": 1,
                "fillcolor": "#7b8794",
                "opacity": 0.10,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "x": (first + last) / 2,
                "y": 1.0 + (0.07 if i % 2 else 0.0),
                "yref": "paper",
                "yanchor": "bottom",
                "text": event["label"],
                "showarrow": False,
                "font": {"size": 10, "color": "#52606d"},
            }
        )
    layout = _layout(title=title, y_title=y_title)
    layout["margin"]["t"] = 120
    layout["yaxis"]["range"] = [min(0, target or 0), top]
    layout["xaxis"] = _month_axis(lang, suffix=month_suffix)
    return _figure(data, {**layout, "shapes": shapes, "annotations": annotations})


def sparkline(
    *, values: list[float | None], target: float | None, group: str = "all", labels: list[str] | None = None
) -> dict:
    """A small static trend line with no axes, for the overview cards; `labels` (one per point, e.g.
    a year and its value) are written beside the points, for a line of few points."""
    present = [v for v in values if v is not None]
    low, high = min([*present, target or 0, 0]), max([*present, target or 0])
    pad = (high - low) * (0.45 if labels else 0.1) or 1
    shapes = []
    if target is not None:
        shapes.append({**_target_line(target), "line": {"color": TARGET_COLOUR, "dash": "dot", "width": 1}})
    return {
        "data": [
            {
                "type": "scatter",
                "x": list(range(len(values))),
                "y": [_value(v) for v in values],
                "mode": "lines+markers",
                "line": {"color": TYPE_COLOURS.get(group, "#000"), "width": 2},
                "marker": {"size": 4},
                "hoverinfo": "skip",
                **(
                    {
                        "mode": "lines+markers+text",
                        "text": labels,
                        "textposition": ["top right", *["top left"] * (len(labels) - 1)],
                        "textfont": {"size": 11, "color": FONT_COLOUR},
                    }
                    if labels
                    else {}
                ),
            }
        ],
        "layout": {
            "height": 90,
            "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
            "showlegend": False,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False, "range": [low - pad, high + pad]},
            "plot_bgcolor": "#ffffff",
            "shapes": shapes,
        },
        "config": {"staticPlot": True, "displayModeBar": False, "responsive": True},
    }


def stress_figure(*, rows: list[dict], score_names: dict[str, str], title: str, lang: str) -> dict:
    """The three stress scores per fiscal year as grouped bars against the national 100.

    `rows`: dicts with `fiscal_year` and one value per key of `score_names`.
    """
    palette = ["#0072B2", "#D55E00", "#009E73"]
    years = [fiscal_year_label(r["fiscal_year"], lang) for r in rows]
    data = [
        {
            "type": "bar",
            "x": years,
            "y": [_value(r[key], None) for r in rows],
            "name": name,
            "marker": {"color": colour},
            # Inside the bars' tops: labels above them would meet the national line at 100.
            "text": [f"{r[key]:.1f}" if _value(r[key]) is not None else "" for r in rows],
            "textposition": "inside",
            "insidetextanchor": "end",
            "hovertemplate": "%{y:.1f}",
        }
        for colour, (key, name) in zip(palette, score_names.items(), strict=False)
    ]
    national = "全国平均 100" if lang == "ja" else "National average 100"
    values = [v for r in rows for k in score_names if (v := _value(r[k], None)) is not None]
    layout = _layout(title=title, y_title="")
    layout["yaxis"]["range"] = [min([80, *values]) - 5, max([110, *values]) + 5]
    layout.update(
        barmode="group",
        hovermode="closest",
        shapes=[_target_line(100)],
        annotations=[
            {  # a key above the plot, clear of the bars: the line itself is drawn across the plot
                "text": f"┈┈ {national}",
                "xref": "paper",
                "x": 1,
                "xanchor": "right",
                "yref": "paper",
                "y": 1.0,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"color": TARGET_COLOUR},
            }
        ],
    )
    return _figure(data, layout)
