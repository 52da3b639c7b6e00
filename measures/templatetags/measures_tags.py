"""Filters for the measures pages: KPI figures and changes, and user text (fiscal years and circled
numbers come from reform_tags)."""

import re
from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from metrics.aggregation import round_half_up

register = template.Library()

# A line starting with one of these marks is an item of a simple list.
LIST_MARK = re.compile(r"^\s*(?:[・･•○●◯◆◇■□\-*]|\d+[.)）])\s*")


@register.filter
def figure(value):
    """A KPI figure without trailing zeros: 196.00 → 196, 2.50 → 2.5, 1234 → 1,234."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


@register.filter
def signed(value):
    """A change with its sign: +11, −3, ±0."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    text = figure(abs(number))
    if number > 0:
        return f"+{text}"
    if number < 0:
        return f"−{text}"
    return "±0"


@register.filter
def points(value):
    """A computed figure rounded half up to one decimal; — when there is none."""
    if value is None:
        return "—"
    return f"{round_half_up(value, 1):.1f}"


@register.filter
def signed_points(value):
    """A difference in points with its sign: +1.2, −0.4."""
    if value is None:
        return "—"
    rounded = round_half_up(value, 1)
    if rounded > 0:
        return f"+{rounded:.1f}"
    if rounded < 0:
        return f"−{abs(rounded):.1f}"
    return "±0.0"


@register.filter
def rich_text(value):
    """User text as HTML: paragraphs at blank lines, line breaks kept, lines starting with
    ・, -, ○ … as a bullet list. Everything is escaped; no HTML from the text is ever kept."""
    if not value:
        return ""
    html = []
    for block in re.split(r"\n\s*\n", str(value).replace("\r\n", "\n").strip()):
        lines = [line for line in block.split("\n") if line.strip()]
        items, paragraph = [], []
        for line in lines:
            if LIST_MARK.match(line):
                if paragraph:
                    html.append("<p>" + "<br>".join(paragraph) + "</p>")
                    paragraph = []
                items.append(escape(LIST_MARK.sub("", line, count=1).strip()))
            elif items and line.startswith((" ", "　")):
                items[-1] += "<br>" + escape(line.strip())
            else:
                if items:
                    html.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
                    items = []
                paragraph.append(escape(line.strip()))
        if items:
            html.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
        if paragraph:
            html.append("<p>" + "<br>".join(paragraph) + "</p>")
    return mark_safe("".join(html))  # every piece of user text above went through escape()
