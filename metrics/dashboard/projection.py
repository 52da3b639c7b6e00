"""Year-end forecasts from the months so far and the shape of earlier years (pure; no Django).

Two kinds of indicator:

- a monthly share whose year figure is the mean of its months (① over 80 h, ② left by 19:00).
  Each complete earlier year lends its shape: its months' distances from its own mean over the
  months observed this year. This year's remaining months are this year's mean so far plus those
  distances, and the year figure is the mean of the twelve months (observed and expected).
- a cumulative share read at March end (④ staff with 10+ leave days). Each earlier year lends its
  gain from the latest observed month to each later month; the March-end value is this year's
  latest value plus that gain.

Every earlier year gives one scenario; the forecast is their mean. The range runs from the lowest
to the highest scenario, widened by how far this year has strayed from the earlier shapes so far
(`misfit`, the root mean square of the observed months' distance from each shape), scaled by how
much of the year is still to come: × remaining months / 12 for a mean (each expected month may be
that far off, and is one twelfth of the year), × months ahead / months observed for a cumulative
value. Values stay within `bounds` (0–100 %); a cumulative value never falls below the latest one.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from reform.fiscal import FISCAL_MONTHS, fiscal_position


@dataclass(frozen=True)
class Forecast:
    """An expected year figure (or March-end value) with its range."""

    value: float
    low: float
    high: float
    expected_months: dict[int, float]  # calendar month → expected value, for the months not observed
    observed_months: tuple[int, ...]
    scenarios: dict[int, float] = field(default_factory=dict)  # earlier fiscal year → its scenario
    misfit: float = 0.0

    @property
    def last_observed(self) -> int:
        return max(self.observed_months, key=fiscal_position)


def _clip(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def _present(values: Mapping[int, float | None]) -> dict[int, float]:
    return {int(m): float(v) for m, v in values.items() if v is not None and not math.isnan(float(v))}


def mean_year_forecast(
    current: Mapping[int, float | None],
    earlier: Mapping[int, Mapping[int, float | None]],
    *,
    bounds: tuple[float, float] = (0.0, 100.0),
) -> Forecast | None:
    """The expected year figure (mean of twelve monthly values) of a year in progress.

    `current`: calendar month → value for the months observed so far. `earlier`: fiscal year →
    (calendar month → value); only years with all twelve months are used. None when nothing is
    observed, the year is complete, or no earlier year is complete.

    Example: this year April 10, May 12 (mean 11); an earlier year April 8, May 10 (mean 9) and 9
    in every other month: each remaining month is expected at 11 + (9 − 9) = 11, so the year
    figure is (10 + 12 + 10 × 11) / 12 = 11.0; misfit 0 (both months sit on the shape).
    """
    observed = _present(current)
    remaining = [m for m in FISCAL_MONTHS if m not in observed]
    if not observed or not remaining:
        return None
    years = {y: _present(v) for y, v in earlier.items()}
    years = {y: v for y, v in years.items() if len(v) == 12}
    if not years:
        return None
    level = sum(observed.values()) / len(observed)
    scenarios, expected, squared = {}, {m: [] for m in remaining}, []
    for year, values in sorted(years.items()):
        their_level = sum(values[m] for m in observed) / len(observed)
        predicted = {m: _clip(level + values[m] - their_level, bounds) for m in remaining}
        scenarios[year] = (sum(observed.values()) + sum(predicted.values())) / 12
        for m in remaining:
            expected[m].append(predicted[m])
        squared += [(observed[m] - (level + values[m] - their_level)) ** 2 for m in observed]
    misfit = math.sqrt(sum(squared) / len(squared))
    widen = misfit * len(remaining) / 12
    return Forecast(
        value=sum(scenarios.values()) / len(scenarios),
        low=_clip(min(scenarios.values()) - widen, bounds),
        high=_clip(max(scenarios.values()) + widen, bounds),
        expected_months={m: sum(v) / len(v) for m, v in expected.items()},
        observed_months=tuple(sorted(observed, key=fiscal_position)),
        scenarios=scenarios,
        misfit=misfit,
    )


def cumulative_forecast(
    current: Mapping[int, float | None],
    earlier: Mapping[int, Mapping[int, float | None]],
    *,
    bounds: tuple[float, float] = (0.0, 100.0),
) -> Forecast | None:
    """The expected March-end value of a cumulative share (e.g. staff with 10+ leave days).

    `current` and `earlier` as for `mean_year_forecast`; an earlier year is used when it has the
    latest observed month and every month after it. None when nothing is observed, March is
    already observed, or no earlier year can be used.

    Example: this year October 10.0; an earlier year October 12.0 and March 60.0: March is expected
    at 10.0 + 48.0 = 58.0.
    """
    observed = _present(current)
    if not observed or 3 in observed:
        return None
    latest = max(observed, key=fiscal_position)
    ahead = [m for m in FISCAL_MONTHS if fiscal_position(m) > fiscal_position(latest)]
    years = {y: _present(v) for y, v in earlier.items()}
    years = {y: v for y, v in years.items() if all(m in v for m in (latest, *ahead))}
    if not years:
        return None
    now = observed[latest]
    floor = (max(now, bounds[0]), bounds[1])
    scenarios, expected, squared = {}, {m: [] for m in ahead}, []
    for year, values in sorted(years.items()):
        predicted = {m: _clip(now + values[m] - values[latest], floor) for m in ahead}
        scenarios[year] = predicted[3]
        for m in ahead:
            expected[m].append(predicted[m])
        squared += [
            (observed[m] - (now + values[m] - values[latest])) ** 2
            for m in observed
            if m != latest and m in values
        ]
    misfit = math.sqrt(sum(squared) / len(squared)) if squared else 0.0
    widen = misfit * len(ahead) / len(observed)
    return Forecast(
        value=sum(scenarios.values()) / len(scenarios),
        low=_clip(min(scenarios.values()) - widen, floor),
        high=_clip(max(scenarios.values()) + widen, floor),
        expected_months={m: sum(v) / len(v) for m, v in expected.items()},
        observed_months=tuple(sorted(observed, key=fiscal_position)),
        scenarios=scenarios,
        misfit=misfit,
    )


def leave_risk(*, forecast: Forecast | None, target: float | None) -> str:
    """Where a March-end leave forecast stands against the target: "met" (the low end reaches it),
    "at_risk" (only the high end reaches it), "short" (even the high end falls short), or
    "unknown" (no forecast or no target)."""
    if forecast is None or target is None:
        return "unknown"
    if forecast.low >= target:
        return "met"
    if forecast.high >= target:
        return "at_risk"
    return "short"
