"""Template filters every page shares: fiscal years, month names, circled numbers, counts."""

from django import template

from reform.fiscal import fiscal_year_label, month_label
from reform.i18n import active_language, circled

register = template.Library()


@register.filter
def fiscal_year(value):
    """2020 → 令和2年度（FY2020） in Japanese, FY2020 in English."""
    if value in (None, ""):
        return ""
    return fiscal_year_label(int(value), active_language())


@register.filter
def month_name(value):
    """4 → 4月 in Japanese, Apr in English."""
    return month_label(int(value), active_language())


@register.filter(name="circled")
def circled_filter(value):
    """3 → ③: the report's way of numbering indicators and measures."""
    try:
        return circled(int(value))
    except (TypeError, ValueError):
        return ""


@register.filter
def count(value):
    """18192 → 18,192: whole numbers with thousands separators; anything else (None, 「X」) as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value
