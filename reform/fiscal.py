"""Japanese fiscal years (April–March) and their labels.

FY2020 = 令和2年度 = R2 = April 2020 – March 2021. Months are calendar months
1–12, ordered April → March within a fiscal year.
"""

import datetime

FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
MONTH_NAMES_EN = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fiscal_year_of(day: datetime.date) -> int:
    """The fiscal year that `day` falls in (January–March belong to the previous year's)."""
    return day.year if day.month >= 4 else day.year - 1


def calendar_year(fiscal_year: int, month: int) -> int:
    """The calendar year of `month` within `fiscal_year`."""
    return fiscal_year if month >= 4 else fiscal_year + 1


def month_start(fiscal_year: int, month: int) -> datetime.date:
    return datetime.date(calendar_year(fiscal_year, month), month, 1)


def month_index(month: int) -> int:
    """Position 0–11 of a calendar month in the fiscal year (April = 0)."""
    return FISCAL_MONTHS.index(month)


def era_label(fiscal_year: int) -> str:
    """令和2年度 for 2020, 令和元年度 for 2019, 平成30年度 for 2018."""
    if fiscal_year >= 2019:
        era, number = "令和", fiscal_year - 2018
    else:
        era, number = "平成", fiscal_year - 1988
    return f"{era}{'元' if number == 1 else number}年度"


def short_era_label(fiscal_year: int) -> str:
    """R2 for 2020 (the report's own shorthand)."""
    return f"R{fiscal_year - 2018}" if fiscal_year >= 2019 else f"H{fiscal_year - 1988}"


def fiscal_year_label(fiscal_year: int, lang: str = "ja") -> str:
    """令和2年度 (FY2020) in Japanese, FY2020 in English."""
    if lang.startswith("en"):
        return f"FY{fiscal_year}"
    return f"{era_label(fiscal_year)}（FY{fiscal_year}）"


def month_label(month: int, lang: str = "ja") -> str:
    return MONTH_NAMES_EN[month] if lang.startswith("en") else f"{month}月"


def months_label(months, lang: str = "ja") -> str:
    """A run of fiscal months as 9月～3月 / Sep–Mar; empty for no months."""
    months = list(months)
    if not months:
        return ""
    ordered = sorted(months, key=month_index)
    first, last = ordered[0], ordered[-1]
    if first == last:
        return month_label(first, lang)
    sep = "–" if lang.startswith("en") else "～"
    return f"{month_label(first, lang)}{sep}{month_label(last, lang)}"
