import datetime

from reform import fiscal


def test_era_labels():
    assert fiscal.era_label(2020) == "令和2年度"
    assert fiscal.era_label(2019) == "令和元年度"
    assert fiscal.era_label(2018) == "平成30年度"
    assert fiscal.short_era_label(2020) == "R2"
    assert fiscal.fiscal_year_label(2020) == "令和2年度（FY2020）"
    assert fiscal.fiscal_year_label(2020, "en") == "FY2020"


def test_months_run_april_to_march():
    assert fiscal.FISCAL_MONTHS[0] == 4 and fiscal.FISCAL_MONTHS[-1] == 3
    assert fiscal.calendar_year(2020, 3) == 2021
    assert fiscal.calendar_year(2020, 4) == 2020
    assert fiscal.fiscal_year_of(datetime.date(2021, 3, 31)) == 2020
    assert fiscal.fiscal_year_of(datetime.date(2021, 4, 1)) == 2021


def test_months_label():
    assert fiscal.months_label([9, 10, 11, 12, 1, 2, 3]) == "9月～3月"
    assert fiscal.months_label([3, 9, 10, 11, 12, 1, 2], "en") == "Sep–Mar"
    assert fiscal.months_label([3, 9, 1], "en") == "Sep, Jan, Mar"
    assert fiscal.months_label([4, 5, 7]) == "4月～5月、7月"
    assert fiscal.months_label(fiscal.FISCAL_MONTHS) == "4月～3月"
    assert fiscal.months_label(fiscal.FISCAL_MONTHS, full_year_label=False) == ""
    assert fiscal.months_label([]) == ""
