"""The report as an A4 PDF: charts drawn as SVG by kaleido (Chromium), the page laid out by WeasyPrint.

Fonts are the system's Noto Sans CJK JP (Debian fonts-noto-cjk), found through fontconfig and
embedded (subset) by WeasyPrint, so the file shows the same on every machine.
"""

import base64
import logging
from contextlib import contextmanager

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from reports.builder import DEMO_MARK, Progress, Report, ReportError, demo_banner, no_progress

CHART_WIDTH_PX = 900
CHART_HEIGHT_PX = 400  # with its tables and notes, an indicator fills its pages (A4)

# WeasyPrint logs every layout step and kaleido every browser tab at INFO: too much for a worker's log.
for _name in ("weasyprint.progress", "kaleido", "choreographer", "logistro"):
    logging.getLogger(_name).setLevel(logging.WARNING)


_server_users = 0


@contextmanager
def chart_server():
    """kaleido's sync server for the length of one job: Chromium starts once (a few seconds), then each
    chart takes a fraction of a second. MathJax is off: its default is a CDN, and no chart uses TeX.
    Re-entrant: write_report opens it before gathering the data, so Chromium boots meanwhile."""
    global _server_users
    import kaleido
    from choreographer.browsers.chromium import Chromium

    if _server_users == 0:
        # Checked first: the server starts Chromium in a thread, where a missing browser would leave
        # the first chart waiting for ever instead of failing.
        if Chromium.find_browser(skip_local=False) is None:
            raise ReportError(
                _("Chromium is needed to draw the PDF's charts but was not found on the server.")
            )
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    _server_users += 1
    try:
        yield
    finally:
        _server_users -= 1
        if _server_users == 0:
            kaleido.stop_sync_server(silence_warnings=True)


def svg_data_uri(figure: dict, *, width: int = CHART_WIDTH_PX, height: int = CHART_HEIGHT_PX) -> str:
    """A plotly figure dict (metrics.dashboard.charts) as an SVG data URI, drawn by the kaleido server."""
    import kaleido
    import plotly.graph_objects as go  # here, not at the top: the web process never draws a chart

    layout = {**figure["layout"], "width": width, "height": height}
    svg = kaleido.calc_fig_sync(
        go.Figure(figure["data"], layout), opts={"format": "svg", "width": width, "height": height}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render_pdf(report: Report, *, progress: Progress = no_progress) -> bytes:
    from weasyprint import HTML

    # One stress chart, all types: the types' scores are in the table below it.
    stress_charts = report.stress_charts[:1]
    total = len([s for s in report.indicators if s.figure]) + len(stress_charts)
    done = 0

    def step():
        nonlocal done
        done += 1
        progress("charts", 30 + 45 * done // total)

    progress("charts", 30)
    with chart_server():
        sections = []
        for section in report.indicators:
            svg = svg_data_uri(section.figure) if section.figure else None
            if section.figure:
                step()
            sections.append({"section": section, "svg": svg})
        stress = []
        for chart in stress_charts:
            stress.append({**chart, "svg": svg_data_uri(chart["figure"])})
            step()
    progress("layout", 80)
    html = render_to_string(
        "reports/annual_report.html",
        {
            "report": report,
            "sections": sections,
            "stress": stress,
            "demo_mark": DEMO_MARK,
            "demo_banner": demo_banner(),
        },
    )
    return HTML(string=html).write_pdf()
