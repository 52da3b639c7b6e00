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


def fiscal_position(month: int) -> int:
    """Index of a calendar month in the fiscal year (April = 0 … March = 11)."""
    return (int(month) - 4) % 12


def fiscal_order(months) -> list[int]:
    """Distinct months sorted April … March."""
    return sorted({int(m) for m in months}, key=fiscal_position)


def fiscal_months_between(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    """(fiscal year, month) pairs touched by a date range, inclusive, in order."""
    pairs = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        pairs.append((fiscal_year_of(datetime.date(year, month, 1)), month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return pairs


def months_label(months, lang: str = "ja", *, full_year_label: bool = True) -> str:
    """Months in fiscal order as runs: [9 … 3] → 9月～3月 / Sep–Mar; [4, 5, 7] → 4月～5月、7月.

    No months give ""; a whole April–March year gives "" unless `full_year_label`.
    """
    ordered = fiscal_order(months)
    if not ordered or (len(ordered) == 12 and not full_year_label):
        return ""
    runs: list[list[int]] = []
    for m in ordered:
        if runs and fiscal_position(m) == fiscal_position(runs[-1][-1]) + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    english = lang.startswith("en")
    dash, comma = ("–", ", ") if english else ("～", "、")
    return comma.join(
        month_label(r[0], lang)
        if len(r) == 1
        else f"{month_label(r[0], lang)}{dash}{month_label(r[-1], lang)}"
        for r in runs
    )
