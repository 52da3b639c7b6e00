from django import template
from django.utils.translation import get_language

from reform.fiscal import fiscal_year_label, month_label

register = template.Library()


@register.filter
def fiscal_year(value):
    """2020 → 令和2年度（FY2020） in Japanese, FY2020 in English."""
    if value in (None, ""):
        return ""
    return fiscal_year_label(int(value), get_language() or "ja")


@register.filter
def month_name(value):
    """4 → 4月 in Japanese, Apr in English."""
    return month_label(int(value), get_language() or "ja")


@register.filter
def circled(value):
    """1 → ①: the report's way of numbering indicators."""
    return "①②③④⑤⑥⑦⑧⑨⑩"[int(value) - 1]
