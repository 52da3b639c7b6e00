"""Forecasts on constructed years whose answers can be checked by hand."""

import pytest

from metrics.dashboard.projection import Forecast, cumulative_forecast, leave_risk, mean_year_forecast

FLAT = {m: 9.0 for m in range(1, 13)}


def test_mean_forecast_follows_the_earlier_shape():
    # Earlier year: April 8, May 10, every other month 9 (mean over Apr–May 9).
    # This year: April 10, May 12 (mean 11) → each remaining month 11 + (9 − 9) = 11.
    earlier = {2019: FLAT | {4: 8.0, 5: 10.0}}
    result = mean_year_forecast({4: 10.0, 5: 12.0}, earlier)
    assert result.value == pytest.approx((10 + 12 + 10 * 11) / 12)
    assert result.expected_months[3] == pytest.approx(11.0)
    assert result.misfit == 0 and result.low == result.high == pytest.approx(result.value)


def test_mean_forecast_range_from_two_years_and_the_misfit():
    # Year A flat 9; year B flat 9 except March 21. This year April 10, May 12 (mean 11).
    # A: 10 remaining months at 11 → (22 + 110) / 12 = 11.0.
    # B: March at 11 + 12 = 23 → (22 + 99 + 23) / 12 = 12.0.
    # Misfit: A and B both predict 11 for April and May (their Apr/May are equal): residuals ±1 → RMS 1.
    # Widened by 1 × 10 / 12.
    earlier = {2018: dict(FLAT), 2019: FLAT | {3: 21.0}}
    result = mean_year_forecast({4: 10.0, 5: 12.0}, earlier)
    assert result.scenarios == {2018: pytest.approx(11.0), 2019: pytest.approx(12.0)}
    assert result.value == pytest.approx(11.5)
    assert result.misfit == pytest.approx(1.0)
    assert result.low == pytest.approx(11.0 - 10 / 12)
    assert result.high == pytest.approx(12.0 + 10 / 12)


def test_mean_forecast_needs_data_and_a_complete_earlier_year():
    assert mean_year_forecast({}, {2019: FLAT}) is None
    assert mean_year_forecast({4: 1.0}, {2019: {4: 1.0, 5: 2.0}}) is None  # incomplete earlier year
    assert (
        mean_year_forecast({m: 1.0 for m in range(1, 13)}, {2019: FLAT}) is None
    )  # nothing left to forecast


def test_mean_forecast_stays_within_0_and_100():
    result = mean_year_forecast({4: 1.0}, {2019: FLAT | {4: 40.0}})
    assert min(result.expected_months.values()) == 0.0  # 1 + 9 − 40 < 0 → 0


def test_cumulative_forecast_adds_the_earlier_gain_to_march():
    # October 10.0 now; the earlier year went from 12.0 in October to 60.0 in March: 10 + 48 = 58.
    earlier = {2019: {9: 4.0, 10: 12.0, 11: 20.0, 12: 30.0, 1: 40.0, 2: 50.0, 3: 60.0}}
    result = cumulative_forecast({9: 5.0, 10: 10.0}, earlier)
    assert result.value == pytest.approx(58.0)
    assert result.expected_months[11] == pytest.approx(18.0)
    # September: 10 + (4 − 12) = 2 expected, 5 observed → misfit 3; 5 months ahead / 2 observed → ±7.5
    assert result.misfit == pytest.approx(3.0)
    assert (result.low, result.high) == (pytest.approx(50.5), pytest.approx(65.5))


def test_cumulative_forecast_never_falls_below_the_value_so_far():
    result = cumulative_forecast(
        {10: 30.0}, {2019: {10: 50.0, 11: 40.0, 12: 45.0, 1: 46.0, 2: 47.0, 3: 48.0}}
    )
    assert result.value == pytest.approx(30.0)  # 30 + (48 − 50) = 28, but a cumulative share cannot fall


def test_no_cumulative_forecast_after_march_or_without_the_months_ahead():
    assert cumulative_forecast({3: 60.0}, {2019: {3: 60.0}}) is None
    assert cumulative_forecast({10: 10.0}, {2019: {10: 12.0, 3: 60.0}}) is None  # Nov–Feb missing


def test_leave_risk_against_the_target():
    def f(low, high):
        return Forecast(value=(low + high) / 2, low=low, high=high, expected_months={}, observed_months=(10,))

    assert leave_risk(forecast=f(100, 100), target=100) == "met"
    assert leave_risk(forecast=f(90, 100), target=100) == "at_risk"
    assert leave_risk(forecast=f(50, 70), target=100) == "short"
    assert leave_risk(forecast=None, target=100) == "unknown"
