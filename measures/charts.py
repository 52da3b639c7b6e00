"""Plotly figures for the measures pages, as plotly.js's JSON (plain dicts for `json_script`).

Written as plain dicts like metrics/dashboard/charts.py (which says why), without plotly.py's default
template; what of it shows is written out in `_layout` (and the hatching of the planned bars).
tests/metrics/test_charts.py checks each figure against plotly's own JSON of it.
"""

from reform.fiscal import fiscal_year_label

ACTUAL_COLOUR = "#0072B2"
PLANNED_COLOUR = "#E69F00"
COMPARISON_COLOUR = "#7b8794"
FONT = "Hiragino Kaku Gothic ProN, Noto Sans CJK JP, Meiryo, sans-serif"
FONT_COLOUR = "#2a3f5f"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def _figure(data: list[dict], layout: dict) -> dict:
    return {"data": data, "layout": layout, "config": CONFIG}


def _layout(*, title: str, y_title: str, height: int = 320) -> dict:
    """The layout both charts share; the x-axis is a category axis (fiscal years)."""
    return {
        "title": {"text": title, "x": 0, "font": {"size": 14}},
        "font": {"family": FONT, "size": 12, "color": FONT_COLOUR},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
        "hoverlabel": {"align": "left"},
        "legend": {"orientation": "h", "y": -0.2},
        "plot_bgcolor": "#ffffff",
        "xaxis": {"type": "category", "automargin": True, "showgrid": False, "zeroline": False},
        "yaxis": {
            "title": {"text": y_title},
            "automargin": True,
            "gridcolor": "#e4e7eb",
            "rangemode": "tozero",
            "zeroline": False,
        },
    }


def _number(v) -> float | None:
    return None if v is None or v != v else float(v)


def kpi_figure(*, rows: list[dict], title: str, unit: str, labels: dict[str, str], lang: str) -> dict:
    """Actual and planned values of one KPI per fiscal year, as grouped bars.

    `rows`: dicts with `fiscal_year`, `actual` and `planned` (numbers or None).
    `labels`: the legend's names for "actual" and "planned".
    """
    x = [fiscal_year_label(r["fiscal_year"], lang) for r in rows]
    data = []
    for key, colour in (("actual", ACTUAL_COLOUR), ("planned", PLANNED_COLOUR)):
        values = [_number(r[key]) for r in rows]
        data.append(
            {
                "type": "bar",
                "x": x,
                "y": values,
                "name": labels[key],
                "marker": {
                    "color": colour,
                    # "overlay": the hatching drawn over the bar's colour (plotly.js alone would
                    # draw it in the bar's colour on nothing).
                    "pattern": {
                        "shape": "/" if key == "planned" else "",
                        "fillmode": "overlay",
                        "size": 10,
                        "solidity": 0.2,
                    },
                },
                "text": [None if v is None else f"{v:,g}" for v in values],
                "textposition": "outside",
                "hovertemplate": f"%{{y:,g}}{unit}",
            }
        )
    return _figure(data, {**_layout(title=title, y_title=unit), "barmode": "group"})


def _line(
    name: str, x: list[str], before: float, after: float, line: dict, *, markers: bool, unit: str
) -> dict:
    return {
        "type": "scatter",
        "x": x,
        "y": [round(float(before), 2), round(float(after), 2)],
        "name": name,
        "mode": "lines+markers" if markers else "lines",
        "line": line,
        **({"marker": {"size": 9}} if markers else {}),
        "hovertemplate": f"%{{y:.1f}}{unit}",
    }


def effect_figure(
    *,
    before_year: int,
    after_year: int,
    groups: list[dict],
    counterfactual: dict | None,
    title: str,
    unit: str,
    lang: str,
) -> dict:
    """Each shown group's figure before and after adoption, as two-point lines.

    `groups`: dicts with `name`, `before`, `after`, `adopting` (bool). `counterfactual`:
    `name`, `before`, `after` — where the adopting group would be had it changed like
    the comparison group (dotted), or None.
    """
    x = [fiscal_year_label(before_year, lang), fiscal_year_label(after_year, lang)]
    data = [
        _line(
            g["name"],
            x,
            g["before"],
            g["after"],
            {"color": ACTUAL_COLOUR if g["adopting"] else COMPARISON_COLOUR, "width": 3},
            markers=True,
            unit=unit,
        )
        for g in groups
    ]
    if counterfactual is not None:
        data.append(
            _line(
                counterfactual["name"],
                x,
                counterfactual["before"],
                counterfactual["after"],
                {"color": ACTUAL_COLOUR, "dash": "dot", "width": 2},
                markers=False,
                unit=unit,
            )
        )
    layout = _layout(title=title, y_title=unit, height=380)
    layout["yaxis"]["rangemode"] = "normal"
    return _figure(data, layout)
