"""Forecasts of the year in progress, read from the school-months (metrics.dashboard.projection does the
arithmetic): for the dashboard's overview cards and indicator pages (a dashed, labelled
continuation), and for the board's forecast page (with the schools at risk of missing the leave
target).
"""

from dataclasses import dataclass, field

import pandas as pd
from django.utils.translation import gettext as _

from metrics import aggregation, rollups
from metrics.dashboard import projection as forecast
from metrics.dashboard.filters import available_years
from metrics.models import MonthlyReport
from metrics.services import excluded_months, months_frame
from reform.fiscal import FISCAL_MONTHS, fiscal_position, fiscal_year_label, month_label, months_label
from reform.i18n import active_language, is_english

FORECAST_CODES = ("overtime_80h", "left_by_19", "leave_10plus")
EARLIER_YEARS = 5  # the shape comes from at most this many earlier years


def _pct(value: float) -> str:
    return f"{aggregation.round_half_up(value, 1):.1f}%"


def is_cumulative(code: str) -> bool:
    return aggregation.INDICATORS[code].cumulative


def earlier_years(fiscal_year: int, available: list[int] | None = None) -> list[int]:
    """The years whose shape a forecast of `fiscal_year` uses: the latest earlier ones with data.

    `available`: the years with data, newest first, when the caller has them (the dashboard's filters)."""
    years = available_years() if available is None else sorted(available, reverse=True)
    return [y for y in years if y < fiscal_year][:EARLIER_YEARS]


@dataclass
class History:
    """The rollups a request's forecasts stand on, read in one query: the earlier years (and, for the
    board's forecast page, the forecast year itself), pooled per type, district and month. Every
    indicator, card and chart of the request takes its values from here, so a page reads the earlier
    years once however many forecasts it shows."""

    fiscal_year: int
    years: list[int]  # the earlier years, newest first
    frame: pd.DataFrame  # rollup rows of `years` (and `fiscal_year` if read with it)
    memo: dict = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        fiscal_year: int,
        *,
        available: list[int] | None = None,
        district: str | None = None,
        with_year: bool = False,
    ) -> "History":
        years = earlier_years(fiscal_year, available)
        read = [fiscal_year, *years] if with_year else years
        if read:
            frame = rollups.pooled_frame(fiscal_years=read, numerator="over_80h_count")
            if district:
                frame = frame[frame["district"] == district]
        else:
            frame = pd.DataFrame(columns=rollups.FRAME_COLUMNS)
        return cls(fiscal_year=fiscal_year, years=years, frame=frame)

    def monthly(self, code: str, *, types=None) -> dict[int, dict[int, float]]:
        """The pooled "all" value of `code` per fiscal year and month (types: None = the full-year types)."""
        key = ("all", code, tuple(types) if types else None)
        if key not in self.memo:
            self.memo[key] = _by_year(self.frame, code=code, types=types)
        return self.memo[key]

    def by_type(self, code: str) -> dict[str, dict[int, dict[int, float]]]:
        """Each school type's value of `code` per earlier year and month."""
        key = ("type", code)
        if key not in self.memo:
            earlier = self.frame[self.frame["fiscal_year"].isin(self.years)]
            shapes: dict[str, dict[int, dict[int, float]]] = {}
            if not earlier.empty:
                values = aggregation.monthly_values(earlier, indicator=code, group_by="school_type")
                for row in values.dropna(subset=["value"]).itertuples(index=False):
                    shapes.setdefault(row.group, {}).setdefault(int(row.fiscal_year), {})[int(row.month)] = (
                        float(row.value)
                    )
            self.memo[key] = shapes
        return self.memo[key]


def _by_year(frame: pd.DataFrame, *, code: str, types=None) -> dict[int, dict[int, float]]:
    out: dict[int, dict[int, float]] = {}
    if frame.empty:
        return out
    values = aggregation.monthly_values(frame, indicator=code, types=types)
    for row in values.dropna(subset=["value"]).itertuples(index=False):
        out.setdefault(int(row.fiscal_year), {})[int(row.month)] = float(row.value)
    return out


def neutralised(earlier: dict[int, dict[int, float]], excluded) -> dict[int, dict[int, float]]:
    """Earlier years with the months of events left out of the average (the March 2020 closure)
    replaced by the year's mean over its other months: an ordinary month, so that a one-off does not
    become part of the shape. Only for indicators whose year figure is a mean."""
    out = {}
    for year, values in earlier.items():
        odd = {m for m in values if (year, m) in excluded}
        rest = [v for m, v in values.items() if m not in odd]
        mean = sum(rest) / len(rest) if rest else None
        out[year] = {m: (mean if m in odd else v) for m, v in values.items()}
    return out


def indicator_forecast(
    *, code: str, current: dict[int, float], earlier: dict[int, dict[int, float]]
) -> forecast.Forecast | None:
    """The year figure (① ②) or March-end value (④) expected from `current` and the earlier years."""
    if is_cumulative(code):
        return forecast.cumulative_forecast(current, earlier)
    return forecast.mean_year_forecast(current, earlier)


def forecast_series(*, name: str, result: forecast.Forecast, current: dict[int, float]) -> dict:
    """A dashed series from the last observed month through the expected months, for charts.monthly_figure."""
    last = result.last_observed
    values = []
    for month in FISCAL_MONTHS:
        if month == last:
            values.append(current[last])
        elif fiscal_position(month) > fiscal_position(last):
            values.append(result.expected_months.get(month))
        else:
            values.append(None)
    return {"name": name, "group": "all", "months": FISCAL_MONTHS, "values": values, "dashed": True}


def describe(code: str, result: forecast.Forecast, years: list[int]) -> str:
    """One sentence: what is forecast, its range, and what it rests on."""
    what = _("Expected March-end value") if is_cumulative(code) else _("Expected year figure")
    return _(
        "%(what)s (forecast): %(value)s, range %(low)s–%(high)s; from %(months)s of this year and the "
        "shape of %(years)s. A forecast, not a result."
    ) % {
        "what": what,
        "value": _pct(result.value),
        "low": _pct(result.low),
        "high": _pct(result.high),
        "months": months_label(result.observed_months, active_language()),
        "years": "・".join(fiscal_year_label(y, active_language()) for y in sorted(years)),
    }


def card_text(code: str, result: forecast.Forecast) -> str:
    label = _("March-end forecast") if is_cumulative(code) else _("Year forecast")
    return f"{label}: {_pct(result.value)} ({_pct(result.low)}–{_pct(result.high)})"


# --- the dashboard's hook ---------------------------------------------------------------------------------


def for_dashboard(ctx, code: str, monthly: pd.DataFrame) -> dict | None:
    """The forecast the dashboard shows for indicator `code` when the chosen year is in progress
    (its "all" line has no March yet): {"series", "row" (for the monthly table), "note", "card"}; else None.

    `ctx` is the dashboard's Context (filters, memo); `monthly` the chosen year's monthly values with
    a `group` column, as the dashboard computed them. The earlier years are read once per request
    (`dashboard_history`), whichever cards and charts forecast.
    """
    if code not in FORECAST_CODES or not ctx.filters.fiscal_year:
        return None
    rows = monthly[(monthly["group"] == aggregation.ALL) & monthly["value"].notna()]
    current = {int(m): float(v) for m, v in zip(rows["month"], rows["value"], strict=True)}
    if not current or 3 in current:
        return None
    return ctx.cached(("staff-forecast", code), lambda: _dashboard_forecast(ctx, code, current))


def dashboard_history(ctx) -> History:
    """The earlier years for the dashboard's chosen year and district, read once per request (in `ctx`)."""
    f = ctx.filters
    return ctx.cached(
        ("forecast-history", f.fiscal_year, f.district),
        lambda: History.load(f.fiscal_year, available=f.available_years, district=f.district),
    )


def _dashboard_forecast(ctx, code: str, current: dict[int, float]) -> dict | None:
    f = ctx.filters
    earlier = dashboard_history(ctx).monthly(code, types=f.chosen_types or None)
    if not is_cumulative(code):
        earlier = neutralised(earlier, ctx.excluded)
    result = indicator_forecast(code=code, current=current, earlier=earlier)
    if result is None:
        return None
    name = _("All types %(year)s forecast") % {
        "year": f"FY{f.fiscal_year}" if is_english() else f"R{f.fiscal_year - 2018}"
    }
    return {
        "series": forecast_series(name=name, result=result, current=current),
        "row": {
            "label": name,
            "cells": [
                _pct(result.expected_months[m]) if m in result.expected_months else "" for m in FISCAL_MONTHS
            ],
        },
        "note": describe(code, result, list(result.scenarios)),
        "card": card_text(code, result),
    }


# --- the board's forecast page ------------------------------------------------------------------------


@dataclass
class IndicatorOutlook:
    code: str
    current: dict[int, float]  # the months up to "as of"
    actual: dict[int, float]  # every month of the year (more than `current` when looking back)
    result: forecast.Forecast | None
    years: list[int]

    @property
    def actual_value(self) -> float | None:
        """The year's real figure when it is complete (to judge an earlier forecast by)."""
        if len(self.actual) < 12:
            return None
        if is_cumulative(self.code):
            return self.actual[3]
        return sum(self.actual.values()) / 12


def load_history(fiscal_year: int, *, available: list[int] | None = None) -> History:
    """What the board's forecast page reads for `fiscal_year`, in one query: the year and its earlier
    years (city-wide). Pass it to `outlook_cards` and `school_rows` so that they share it."""
    return History.load(fiscal_year, available=available, with_year=True)


def outlooks(
    *, fiscal_year: int, as_of: int | None, history: History | None = None
) -> list[IndicatorOutlook]:
    """Forecasts of ① ② ④ for `fiscal_year` from its months up to `as_of` (None: all it has).
    Looking back at a finished year shows what the forecast would have said then, beside the result.
    `history`: from `load_history(fiscal_year)` (read here when not given)."""
    read = history or load_history(fiscal_year)
    excluded = excluded_months()
    found = []
    for code in FORECAST_CODES:
        by_year = dict(read.monthly(code))
        actual = by_year.pop(fiscal_year, {})
        if not is_cumulative(code):
            by_year = neutralised(by_year, excluded)
        current = {
            m: v for m, v in actual.items() if as_of is None or fiscal_position(m) <= fiscal_position(as_of)
        }
        result = indicator_forecast(code=code, current=current, earlier=by_year)
        found.append(IndicatorOutlook(code, current, actual, result, sorted(by_year)))
    return found


def latest_month(fiscal_year: int) -> int | None:
    """The latest month of `fiscal_year` with counted school-months."""
    months = months_frame(fiscal_years=[fiscal_year])["month"]
    return max((int(m) for m in months.unique()), key=fiscal_position, default=None)


@dataclass
class SchoolLeaveOutlook:
    school_id: int
    staff_count: int
    share_now: float
    result: forecast.Forecast | None
    status: str

    @property
    def staff_short(self) -> int | None:
        """Staff expected to end the year with fewer than 10 leave days."""
        if self.result is None:
            return None
        return round(self.staff_count * (100 - self.result.value) / 100)


def leave_outlooks(
    *, fiscal_year: int, as_of: int, target: float | None, school_ids=None, history: History | None = None
) -> list[SchoolLeaveOutlook]:
    """Each school's expected March-end share of staff with 10+ leave days, from its months up to
    `as_of` and the shape of its school type in the earlier years; worst first.

    A school without a school-month at `as_of` is left out (nothing to start from). `history`: the
    earlier years' rollups (`load_history(fiscal_year)`; read here when not given)."""
    shapes = (history or History.load(fiscal_year)).by_type("leave_10plus")
    qs = MonthlyReport.objects.all()
    if school_ids is not None:
        qs = qs.filter(school_id__in=list(school_ids))
    months = months_frame(fiscal_years=[fiscal_year], queryset=qs)
    months = months[months["month"].map(fiscal_position) <= fiscal_position(as_of)]
    found = []
    for (school_id, school_type), rows in months.groupby(["school_id", "school_type"], sort=False):
        staffed = rows[rows["staff_count"] > 0]
        latest = staffed[staffed["month"] == as_of]
        if latest.empty:
            continue
        path = dict(
            zip(staffed["month"], staffed["leave_10plus_count"] / staffed["staff_count"] * 100, strict=True)
        )
        result = forecast.cumulative_forecast(path, shapes.get(school_type, {}))
        found.append(
            SchoolLeaveOutlook(
                school_id=int(school_id),
                staff_count=int(latest["staff_count"].iloc[0]),
                share_now=float(path[as_of]),
                result=result,
                status=forecast.leave_risk(forecast=result, target=target),
            )
        )
    found.sort(key=lambda o: (o.result is None, o.result.value if o.result else 0, o.school_id))
    return found


def default_as_of(fiscal_year: int, months: list[int], history: History) -> int | None:
    """The month the forecast page opens on: the latest with a forecast to show (a finished year's
    March has none, its result being in), else the latest month."""
    for month in reversed(months):
        if any(o.result is not None for o in outlooks(fiscal_year=fiscal_year, as_of=month, history=history)):
            return month
    return months[-1] if months else None


def month_choices(fiscal_year: int) -> list[tuple[int, str]]:
    months = months_frame(fiscal_years=[fiscal_year])["month"].unique()
    return [(m, month_label(m, active_language())) for m in FISCAL_MONTHS if m in set(int(x) for x in months)]


def _status_labels() -> dict[str, str]:
    return {
        "met": _("On track"),
        "at_risk": _("At risk"),
        "short": _("Expected to fall short"),
        "unknown": _("No forecast"),
    }


def outlook_cards(
    *, fiscal_year: int, as_of: int, targets: dict, history: History | None = None
) -> list[dict]:
    """① ② ④ for the forecast page: the forecast and its range, the result when the year is over,
    a chart (months so far solid, the forecast dashed, later actual months when looking back) and
    its numbers as a table. `history`: from `load_history(fiscal_year)`, shared with `school_rows`."""
    from metrics.dashboard import charts
    from metrics.models import Indicator

    indicators = {i.code: i for i in Indicator.objects.filter(code__in=FORECAST_CODES)}
    lang = active_language()
    short = f"FY{fiscal_year}" if is_english() else f"R{fiscal_year - 2018}"
    cards = []
    for outlook in outlooks(fiscal_year=fiscal_year, as_of=as_of, history=history):
        indicator = indicators.get(outlook.code)
        if indicator is None:
            continue
        target = targets.get(outlook.code)
        series = [
            {
                "name": _("%(year)s so far") % {"year": short},
                "group": "all",
                "months": FISCAL_MONTHS,
                "values": [outlook.current.get(m) for m in FISCAL_MONTHS],
            }
        ]
        if outlook.result is not None:
            series.append(
                forecast_series(
                    name=_("%(year)s forecast") % {"year": short},
                    result=outlook.result,
                    current=outlook.current,
                )
            )
        later = {m: v for m, v in outlook.actual.items() if m not in outlook.current}
        if later:
            series.append(
                {
                    "name": _("%(year)s actual, after the forecast") % {"year": short},
                    "group": "school",
                    "months": FISCAL_MONTHS,
                    "values": [later.get(m) for m in FISCAL_MONTHS],
                }
            )
        expected = outlook.result.expected_months if outlook.result else {}
        cards.append(
            {
                "indicator": indicator,
                "code": outlook.code,
                "result": outlook.result,
                "value": _pct(outlook.result.value) if outlook.result else "—",
                "range": f"{_pct(outlook.result.low)}–{_pct(outlook.result.high)}" if outlook.result else "",
                "label": _("Expected March-end value")
                if is_cumulative(outlook.code)
                else _("Expected year figure"),
                "note": describe(outlook.code, outlook.result, outlook.years) if outlook.result else "",
                "actual": _pct(outlook.actual_value) if outlook.actual_value is not None else "",
                "met": indicator.meets(aggregation.round_half_up(outlook.result.value), target)
                if outlook.result
                else None,
                "figure": charts.monthly_figure(
                    series=series,
                    target=float(target) if target is not None else None,
                    target_label=_("Target %(value)s") % {"value": _pct(float(target))}
                    if target is not None
                    else "",
                    events=[],
                    title=indicator.name,
                    y_title=_("Share of staff (%)"),
                    unit="%",
                    lang=lang,
                ),
                "rows": [
                    {
                        "label": _("So far"),
                        "cells": [
                            _pct(outlook.current[m]) if m in outlook.current else "" for m in FISCAL_MONTHS
                        ],
                    },
                    {
                        "label": _("Forecast"),
                        "cells": [_pct(expected[m]) if m in expected else "" for m in FISCAL_MONTHS],
                    },
                    *(
                        [
                            {
                                "label": _("Actual"),
                                "cells": [_pct(later[m]) if m in later else "" for m in FISCAL_MONTHS],
                            }
                        ]
                        if later
                        else []
                    ),
                ],
            }
        )
    return cards


def school_rows(*, fiscal_year: int, as_of: int, target, history: History | None = None) -> list[dict]:
    """Schools by their expected March-end share with 10+ leave days, worst first, for the board.
    `history`: from `load_history(fiscal_year)`, shared with `outlook_cards`."""
    from metrics.models import School

    target = float(target) if target is not None else None
    outlooks_ = leave_outlooks(fiscal_year=fiscal_year, as_of=as_of, target=target, history=history)
    schools = School.objects.select_related("school_type", "district").in_bulk(
        [o.school_id for o in outlooks_]
    )
    labels = _status_labels()
    return [
        {
            "school": schools[o.school_id],
            "staff_count": o.staff_count,
            "share_now": _pct(o.share_now),
            "forecast": _pct(o.result.value) if o.result else "—",
            "range": f"{_pct(o.result.low)}–{_pct(o.result.high)}" if o.result else "",
            "staff_short": o.staff_short,
            "status": o.status,
            "status_label": labels[o.status],
        }
        for o in outlooks_
    ]
