"""Plotly figures for the measures pages, as JSON-safe dicts for `json_script`."""

import json

import plotly.graph_objects as go

from reform.fiscal import fiscal_year_label

ACTUAL_COLOUR = "#0072B2"
PLANNED_COLOUR = "#E69F00"
COMPARISON_COLOUR = "#7b8794"
FONT = "Hiragino Kaku Gothic ProN, Noto Sans CJK JP, Meiryo, sans-serif"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def _json(fig: go.Figure) -> dict:
    figure = json.loads(fig.to_json())
    return {"data": figure["data"], "layout": figure["layout"], "config": CONFIG}


def _layout(fig: go.Figure, *, title: str, y_title: str, height: int = 320):
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 14}},
        font={"family": FONT, "size": 12},
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        plot_bgcolor="#ffffff",
        yaxis={"title": y_title, "gridcolor": "#e4e7eb", "rangemode": "tozero"},
    )


def kpi_figure(*, rows: list[dict], title: str, unit: str, labels: dict[str, str], lang: str) -> dict:
    """Actual and planned values of one KPI per fiscal year, as grouped bars.

    `rows`: dicts with `fiscal_year`, `actual` and `planned` (numbers or None).
    `labels`: the legend's names for "actual" and "planned".
    """
    x = [fiscal_year_label(r["fiscal_year"], lang) for r in rows]
    fig = go.Figure()
    for key, colour in (("actual", ACTUAL_COLOUR), ("planned", PLANNED_COLOUR)):
        values = [None if r[key] is None else float(r[key]) for r in rows]
        fig.add_trace(
            go.Bar(
                x=x,
                y=values,
                name=labels[key],
                marker={"color": colour, "pattern": {"shape": "/" if key == "planned" else ""}},
                text=[None if v is None else f"{v:,g}" for v in values],
                textposition="outside",
                hovertemplate=f"%{{y:,g}}{unit}",
            )
        )
    _layout(fig, title=title, y_title=unit)
    fig.update_layout(barmode="group", xaxis={"type": "category"})
    return _json(fig)


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
    fig = go.Figure()
    for g in groups:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[round(g["before"], 2), round(g["after"], 2)],
                name=g["name"],
                mode="lines+markers",
                line={"color": ACTUAL_COLOUR if g["adopting"] else COMPARISON_COLOUR, "width": 3},
                marker={"size": 9},
                hovertemplate=f"%{{y:.1f}}{unit}",
            )
        )
    if counterfactual is not None:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[round(counterfactual["before"], 2), round(counterfactual["after"], 2)],
                name=counterfactual["name"],
                mode="lines",
                line={"color": ACTUAL_COLOUR, "dash": "dot", "width": 2},
                hovertemplate=f"%{{y:.1f}}{unit}",
            )
        )
    _layout(fig, title=title, y_title=unit, height=380)
    fig.update_layout(xaxis={"type": "category"}, yaxis={"rangemode": "normal"})
    return _json(fig)
