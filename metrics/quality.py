"""Data-quality checks of school-months: the rules, their thresholds, and where their context comes from.

DHIS2's validation rules (a value against another of the same unit) and its outlier detection
(a value against a robust spread of others) are the reference. A flag is not an error: the month
can still be submitted, with a reason, and the board follows each flag up (open → explained or
corrected, metrics.models.QualityFlag). The rules:

``leave_decrease``
    Leave days taken since April (`leave_days_total`) and staff with 10+ leave days
    (`leave_10plus_count`) count from April on, so neither may be lower than in the school's latest
    earlier counted month of the same fiscal year (April starts again from zero).

``staff_change``
    The staff counted differs from the previous calendar month's (counted, of the same school) by
    more than `STAFF_CHANGE_SHARE` of it and by at least `STAFF_CHANGE_MIN` staff (so that one
    person more or fewer at a very small school is no news). April is compared with March: staff
    move in April, but rarely by a fifth.

``outlier``
    A share of the staff counted (each count field) or the leave days per counted staff is far from
    BOTH
      * the other schools of its type in the same month: the modified z-score of Iglewicz and
        Hoaglin, M = 0.6745 · (x − median) / MAD over the type's counted months of that month
        (this one included), with `|M| > OUTLIER_SCORE` (3.5), from at least `MIN_PEERS` schools; and
      * the school's own earlier months of the same fiscal year: the same score of the month's
        distance from its type's median (x − type median) against that distance in the school's
        earlier counted months of the year (at least `MIN_HISTORY`, so the rule checks from
        October on), in the same direction.
    Both must fire: a month unlike its type but like the school's own past (a school that is
    always different) is not news, nor is a month unlike the school's past that its whole type
    shares (August, a closure). Taking the history as distances from the type's median is what lets
    the seasons, and the growth of the cumulative leave figures through the year, pass; taking it
    within the fiscal year is because staff and duties change each April (the demo city draws each
    school's position in its type anew each year, and with a history across years flags 90 months).
    Besides the scores, the value must be at least `SHARE_GAP_PCT` points (`LEAVE_DAYS_GAP` days
    per staff) away from the type's median and from what the school's past predicts (type median +
    its usual distance): with counts of a few staff a score alone is loud about small differences.
    When the MAD is 0 (half the values or more equal), the mean absolute deviation × 1.253314
    takes its place (IBM SPSS's convention; for normal data both estimate the same σ); when that
    is 0 too, every value away from the median scores infinitely and only the minimum gap decides.
    A month without enough history or peers is not checked by this rule (the others still apply).
    The staff count itself is left to `staff_change` (school sizes differ too much by type).

The demo city (demo.city, 12,099 school-months with no deliberate errors) raises
`DEMO_FALSE_FLAGS` (9) outlier flags under these rules, all in October–March, and none of the other
two rules (tests/metrics/test_quality.py). Two of the nine are figures a board would ask about
in real data too (a school where no one left by 19:00 and every staff member passed 45 h).

`month_flags` is the rules as a pure function of a month's values and its `MonthContext`;
`frame_flags` evaluates many months of a DataFrame at once (the demo city, imports);
`check_month` and `record_flags` read the context from the database and keep the flags.
"""

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics.models import MonthlyReport, QualityFlag
from reform import fiscal

# --- the rules' thresholds -------------------------------------------------------------------------

STAFF_CHANGE_SHARE = 0.20  # more than 20 % of the previous month's staff …
STAFF_CHANGE_MIN = 2  # … and at least 2 staff
OUTLIER_SCORE = 3.5  # |modified z-score| above this is an outlier (Iglewicz & Hoaglin 1993)
MAD_FACTOR = 0.6745  # the normal distribution's 0.75 quantile: 0.6745 · MAD estimates σ
MEAN_AD_FACTOR = 1.253314  # √(π/2): 1.253314 · mean absolute deviation estimates σ
MIN_PEERS = 5  # schools of the type with a value that month
MIN_HISTORY = 6  # earlier counted months of the same fiscal year
SHARE_GAP_PCT = 15.0  # a share must also be this many points away …
LEAVE_DAYS_GAP = 2.0  # … and leave days per staff this many days
# The most flags the demo city may raise (it has no deliberate errors); see the module docstring.
DEMO_FALSE_FLAGS = 9

LEAVE_DECREASE = "leave_decrease"
STAFF_CHANGE = "staff_change"
OUTLIER = "outlier"
RULE_LABELS = {
    LEAVE_DECREASE: gettext_lazy("Cumulative leave went down"),
    STAFF_CHANGE: gettext_lazy("Staff count changed sharply"),
    OUTLIER: gettext_lazy("Far from the school's past and its type"),
}

CUMULATIVE_FIELDS = ("leave_days_total", "leave_10plus_count")
# What the outlier rule looks at: each count as a share of the staff counted (%), and the leave
# days per counted staff (days).
OUTLIER_FIELDS = (*MonthlyReport.COUNT_FIELDS, "leave_days_total")


def _gap(name: str) -> float:
    return LEAVE_DAYS_GAP if name == "leave_days_total" else SHARE_GAP_PCT


# --- the pure rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """One rule that fired on one field of a month, with the numbers its message shows."""

    rule: str
    field: str
    params: dict


@dataclass(frozen=True)
class Spread:
    """Where a set of values lies: median, median absolute deviation, mean absolute deviation, how many."""

    median: float
    mad: float
    mean_ad: float
    count: int


def spread(values: Iterable[float]) -> Spread | None:
    """The spread of the values that are not None or NaN (None if there are none)."""
    array = np.array([float(v) for v in values if v is not None], dtype=float)
    array = array[~np.isnan(array)]
    if not len(array):
        return None
    median = float(np.median(array))
    deviations = np.abs(array - median)
    return Spread(median, float(np.median(deviations)), float(deviations.mean()), len(array))


def robust_scale(of: Spread) -> float:
    """The spread's σ as the modified z-score estimates it: MAD / 0.6745, or when the MAD is 0 the
    mean absolute deviation × 1.253314 (0 when every value equals the median)."""
    if of.mad > 0:
        return of.mad / MAD_FACTOR
    return MEAN_AD_FACTOR * of.mean_ad


def robust_score(value: float, of: Spread) -> float:
    """The modified z-score of `value` against `of` (± infinity when every value equals the median)."""
    scale = robust_scale(of)
    if scale > 0:
        return (value - of.median) / scale
    return 0.0 if value == of.median else math.copysign(math.inf, value - of.median)


def quantity(values: Mapping, name: str) -> float | None:
    """What the outlier rule compares for `name`: its share of the staff counted (%), or for leave
    days the days per counted staff; None without a value or without staff."""
    value, staff = _number(values.get(name)), _number(values.get("staff_count"))
    if value is None or not staff:
        return None
    return value / staff if name == "leave_days_total" else 100 * value / staff


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


@dataclass
class MonthContext:
    """What a month is checked against.

    `previous`: the school's previous calendar month (counted), None if there is none;
    `leave_before`: its latest earlier counted month of the same fiscal year (None in April);
    `peers`: per outlier field, the spread of the type's counted months of this month;
    `history`: per outlier field, the spread of the school's earlier distances from its type's median.
    """

    previous: Mapping | None = None
    leave_before: Mapping | None = None
    leave_before_month: int | None = None
    peers: dict[str, Spread] = field(default_factory=dict)
    history: dict[str, Spread] = field(default_factory=dict)


def month_flags(values: Mapping, context: MonthContext) -> list[Flag]:
    """The flags of one month: `values` maps `MonthlyReport.VALUE_FIELDS` to numbers or None."""
    flags = []
    if context.leave_before is not None:
        for name in CUMULATIVE_FIELDS:
            now, before = _number(values.get(name)), _number(context.leave_before.get(name))
            if now is not None and before is not None and now < before:
                params = {"value": _shown(now), "previous": _shown(before)}
                flags.append(Flag(LEAVE_DECREASE, name, params | {"month": context.leave_before_month}))
    staff = _number(values.get("staff_count"))
    before = _number((context.previous or {}).get("staff_count"))
    if staff is not None and before is not None:
        change = abs(staff - before)
        if change >= STAFF_CHANGE_MIN and change > STAFF_CHANGE_SHARE * before:
            pct = 100 * (staff - before) / before if before else None
            params = {"value": _shown(staff), "previous": _shown(before), "change_pct": _shown(pct, 0)}
            flags.append(Flag(STAFF_CHANGE, "staff_count", params))
    for name in OUTLIER_FIELDS:
        flag = _outlier(name, quantity(values, name), context)
        if flag is not None:
            flags.append(flag)
    return flags


def _outlier(name: str, value: float | None, context: MonthContext) -> Flag | None:
    peers, history = context.peers.get(name), context.history.get(name)
    if value is None or peers is None or history is None:
        return None
    if peers.count < MIN_PEERS or history.count < MIN_HISTORY:
        return None
    distance = value - peers.median  # from the type's median this month
    type_score = robust_score(value, peers)
    own_score = robust_score(distance, history)
    expected = peers.median + history.median  # what the school's past predicts
    if not (abs(type_score) > OUTLIER_SCORE and abs(own_score) > OUTLIER_SCORE):
        return None
    if (type_score > 0) != (own_score > 0):
        return None
    if abs(distance) < _gap(name) or abs(value - expected) < _gap(name):
        return None
    return Flag(
        OUTLIER,
        name,
        {
            "value": _shown(value),
            "type_median": _shown(peers.median),
            "expected": _shown(expected),
            "type_score": _shown(type_score),
            "own_score": _shown(own_score),
        },
    )


def _shown(value: float | None, places: int = 1):
    """A number for a flag's stored parameters (JSON): rounded, infinities as None."""
    if value is None or math.isinf(value):
        return None
    rounded = round(float(value), places)
    return int(rounded) if rounded == int(rounded) else rounded


def flag_message(flag, *, peers: bool = True) -> str:
    """A flag (a `Flag` or a stored `QualityFlag`) in words, in the active language. `peers=False`
    (what a principal reads) leaves out the type's median and the value the school's past predicts:
    both come from other schools' rows, and a median is one of them, exactly."""
    params = flag.params
    label = MonthlyReport._meta.get_field(flag.field).verbose_name
    if flag.rule == LEAVE_DECREASE:
        return _(
            "%(field)s went down from %(previous)s (%(month)s) to %(value)s; it counts from April "
            "and cannot go down within the year."
        ) % {
            "field": label,
            "previous": params.get("previous"),
            "month": fiscal.month_label(params["month"], _language()) if params.get("month") else "—",
            "value": params.get("value"),
        }
    if flag.rule == STAFF_CHANGE:
        return _(
            "%(field)s changed from %(previous)s last month to %(value)s (%(change)s%%), more than "
            "%(limit)s%% in one month."
        ) % {
            "field": label,
            "previous": params.get("previous"),
            "value": params.get("value"),
            "change": "—" if params.get("change_pct") is None else f"{params['change_pct']:+}",
            "limit": round(100 * STAFF_CHANGE_SHARE),
        }
    if not peers:
        if flag.field == "leave_days_total":
            text = _(
                "Leave days per staff (%(value)s) are far from the other schools of this type this "
                "month and from what this school's past months suggest."
            )
        else:
            text = _(
                "%(field)s is %(value)s%% of the staff counted, far from the other schools of this "
                "type this month and from what this school's past months suggest."
            )
        return text % {"field": label, "value": params.get("value")}
    if flag.field == "leave_days_total":
        text = _(
            "Leave days per staff (%(value)s) are far from the other schools of this type this month "
            "(median %(type_median)s) and from what this school's past months suggest (about "
            "%(expected)s)."
        )
    else:
        text = _(
            "%(field)s is %(value)s%% of the staff counted, far from the other schools of this type "
            "this month (median %(type_median)s%%) and from what this school's past months suggest "
            "(about %(expected)s%%)."
        )
    return text % {"field": label, **{k: params.get(k) for k in ("value", "type_median", "expected")}}


def _language() -> str:
    from reform.i18n import active_language

    return active_language()


# --- many months at once: a DataFrame ---------------------------------------------------------------

Key = tuple[int, int, int]  # (school id, fiscal year, month)


def _position(fiscal_year, month):
    """Months counted from April of year 0, so that consecutive months differ by one."""
    return fiscal_year * 12 + (month - 4) % 12


def frame_flags(frame: pd.DataFrame, targets: Iterable[Key] | None = None) -> dict[Key, list[Flag]]:
    """The flags of the months `targets` (default: every row) among the school-months of `frame`.

    `frame` holds the counted school-months the targets are checked against, the targets included
    with their values: columns school_id, school_type, fiscal_year, month and
    `MonthlyReport.VALUE_FIELDS`, one row per school-month. Returns {key: flags} for every target
    found in `frame`.
    """
    f = frame[["school_id", "school_type", "fiscal_year", "month", *MonthlyReport.VALUE_FIELDS]].copy()
    for name in MonthlyReport.VALUE_FIELDS:
        f[name] = pd.to_numeric(f[name], errors="coerce").astype(float)
    f["pos"] = _position(f["fiscal_year"], f["month"])
    f = f.sort_values(["school_id", "pos"]).reset_index(drop=True)
    staff = f["staff_count"].where(f["staff_count"] > 0)
    groups = f.groupby(["school_type", "pos"], sort=False).ngroup()  # one grouping for every column
    for name in OUTLIER_FIELDS:
        q = f[name] / staff if name == "leave_days_total" else 100 * f[name] / staff
        median = q.groupby(groups).transform("median")
        deviation = (q - median).abs()
        f[f"q_{name}"] = q
        f[f"med_{name}"] = median
        f[f"mad_{name}"] = deviation.groupby(groups).transform("median")
        f[f"mean_{name}"] = deviation.groupby(groups).transform("mean")
        f[f"n_{name}"] = q.groupby(groups).transform("count")
        f[f"dist_{name}"] = q - median
    same_school = f["school_id"].eq(f["school_id"].shift())
    previous_ok = same_school & f["pos"].eq(f["pos"].shift() + 1)
    f["prev_staff"] = f["staff_count"].shift().where(previous_ok)
    # The latest earlier month of the same fiscal year with each cumulative value.
    same_year = same_school & f["fiscal_year"].eq(f["fiscal_year"].shift())
    for name in CUMULATIVE_FIELDS:
        f[f"before_{name}"] = f[name].shift().where(same_year)
    f["before_month"] = f["month"].shift().where(same_year)

    if targets is None:
        chosen = f
    else:
        wanted = pd.MultiIndex.from_tuples(list(targets), names=["school_id", "fiscal_year", "month"])
        index = pd.MultiIndex.from_frame(f[["school_id", "fiscal_year", "month"]])
        chosen = f[index.isin(wanted)]
    keys = zip(chosen["school_id"], chosen["fiscal_year"], chosen["month"], strict=True)
    result: dict[Key, list[Flag]] = {(int(s), int(y), int(m)): [] for s, y, m in keys}
    chosen = chosen[_may_fire(chosen)]
    history = _history_spreads(f, chosen)
    columns = list(chosen.columns)
    at = {name: i for i, name in enumerate(columns)}
    for row_number, row in zip(chosen.index, chosen.itertuples(index=False, name=None), strict=True):
        values = {name: row[at[name]] for name in MonthlyReport.VALUE_FIELDS}
        before_month = row[at["before_month"]]
        has_before = not math.isnan(before_month)
        context = MonthContext(
            previous={"staff_count": row[at["prev_staff"]]},
            leave_before={n: row[at[f"before_{n}"]] for n in CUMULATIVE_FIELDS} if has_before else None,
            leave_before_month=int(before_month) if has_before else None,
            peers={
                name: Spread(
                    row[at[f"med_{name}"]],
                    row[at[f"mad_{name}"]],
                    row[at[f"mean_{name}"]],
                    row[at[f"n_{name}"]],
                )
                for name in OUTLIER_FIELDS
                if not math.isnan(row[at[f"med_{name}"]])
            },
            history=history.get(row_number, {}),
        )
        key = (int(row[at["school_id"]]), int(row[at["fiscal_year"]]), int(row[at["month"]]))
        result[key] = month_flags(values, context)
    return result


def _may_fire(rows: pd.DataFrame) -> pd.Series:
    """Rows where some rule may fire: a necessary condition of each rule, computed for all rows at
    once (with a margin), so that `month_flags` runs only where it can find something."""
    margin = 0.99
    may = pd.Series(False, index=rows.index)
    for name in CUMULATIVE_FIELDS:
        may |= rows[name] < rows[f"before_{name}"]
    change = (rows["staff_count"] - rows["prev_staff"]).abs()
    may |= (change >= STAFF_CHANGE_MIN * margin) & (change > STAFF_CHANGE_SHARE * margin * rows["prev_staff"])
    for name in OUTLIER_FIELDS:
        scale = (rows[f"mad_{name}"] / MAD_FACTOR).where(
            rows[f"mad_{name}"] > 0, MEAN_AD_FACTOR * rows[f"mean_{name}"]
        )
        distance = (rows[f"q_{name}"] - rows[f"med_{name}"]).abs()
        far = (distance > OUTLIER_SCORE * margin * scale) & (distance >= _gap(name) * margin)
        may |= far & (rows[f"n_{name}"] >= MIN_PEERS)
    return may


def _history_spreads(f: pd.DataFrame, chosen: pd.DataFrame) -> dict[int, dict[str, Spread]]:
    """For each chosen row (by its index in `f`): per outlier field, the spread of the school's
    distances from its type's median in its earlier months of the same fiscal year (with a value)."""
    found: dict[int, dict[str, Spread]] = {}
    if chosen.empty:
        return found
    for name in OUTLIER_FIELDS:
        wide = f.pivot(index="school_id", columns="pos", values=f"dist_{name}")
        for pos, rows in chosen.groupby("pos"):
            window = [p for p in range(pos - pos % 12, pos) if p in wide.columns]
            if not window:
                continue
            block = wide.loc[rows["school_id"].to_numpy(), window].to_numpy(dtype=float)
            counts = (~np.isnan(block)).sum(axis=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # rows without any history
                median = np.nanmedian(block, axis=1)
                deviations = np.abs(block - median[:, None])
                mad = np.nanmedian(deviations, axis=1)
                mean_ad = np.nanmean(deviations, axis=1)
            for i, row_number in enumerate(rows.index):
                if counts[i]:
                    found.setdefault(row_number, {})[name] = Spread(
                        float(median[i]), float(mad[i]), float(mean_ad[i]), int(counts[i])
                    )
    return found


# --- the database: context, checks and the kept flags ------------------------------------------------


def _window(fiscal_year: int, month: int) -> list[tuple[int, int]]:
    """The months a month is checked against, and itself: April of its fiscal year to the month,
    and the calendar month before (March of the year before, for April's staff)."""
    pos = _position(fiscal_year, month)
    return [(p // 12, fiscal.FISCAL_MONTHS[p % 12]) for p in range(min(pos - pos % 12, pos - 1), pos + 1)]


def _months_q(pairs: Iterable[tuple[int, int]]) -> Q:
    by_year: dict[int, set[int]] = {}
    for fiscal_year, month in pairs:
        by_year.setdefault(fiscal_year, set()).add(month)
    which = Q(pk__in=[])
    for fiscal_year, months in by_year.items():
        which |= Q(fiscal_year=fiscal_year, month__in=sorted(months))
    return which


def load_frame(*, type_ids: Iterable[int], months: Iterable[tuple[int, int]]) -> pd.DataFrame:
    """The counted school-months of schools of `type_ids` in `months` ((fiscal year, month) pairs)."""
    rows = (
        MonthlyReport.objects.filter(
            _months_q(months),
            school__school_type__in=list(type_ids),
            status__in=MonthlyReport.COUNTED_STATUSES,
        )
        .order_by()
        .values_list(
            "school_id", "school__school_type_id", "fiscal_year", "month", *MonthlyReport.VALUE_FIELDS
        )
    )
    columns = ["school_id", "school_type", "fiscal_year", "month", *MonthlyReport.VALUE_FIELDS]
    return pd.DataFrame.from_records(
        [[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows], columns=columns
    )


def values_of(report: MonthlyReport) -> dict:
    return {name: getattr(report, name) for name in MonthlyReport.VALUE_FIELDS}


def check_month(report: MonthlyReport) -> list[Flag]:
    """The flags `report`'s values (saved or not, in any state) would raise, against the counted
    months stored: what the principal sees while entering."""
    months = _window(report.fiscal_year, report.month)
    frame = load_frame(type_ids=[report.school.school_type_id], months=months)
    key = (report.school_id, report.fiscal_year, report.month)
    own = frame["school_id"].eq(key[0]) & frame["fiscal_year"].eq(key[1]) & frame["month"].eq(key[2])
    row = {
        "school_id": key[0],
        "school_type": report.school.school_type_id,
        "fiscal_year": key[1],
        "month": key[2],
        **{k: (None if v is None else float(v)) for k, v in values_of(report).items()},
    }
    frame = pd.concat([frame[~own], pd.DataFrame([row], columns=frame.columns)], ignore_index=True)
    return frame_flags(frame, [key]).get(key, [])


def _stored_months(keys: set[Key]) -> dict[Key, tuple[int, int, int]]:
    """{key: (id, version, school type id)} of the stored school-months among `keys` (read by month,
    not by a list of ids, which a national import would make too long for one query)."""
    rows = MonthlyReport.objects.filter(_months_q({(fy, m) for _s, fy, m in keys})).values_list(
        "school_id", "fiscal_year", "month", "pk", "version", "school__school_type_id"
    )
    return {(s, fy, m): rest for s, fy, m, *rest in rows if (s, fy, m) in keys}


def flags_for_months(keys: Iterable[Key]) -> dict[Key, list[Flag]]:
    """The flags of stored school-months (keys), each against the counted months stored."""
    keys = set(keys)
    return _flags_of(keys, _stored_months(keys)) if keys else {}


def _flags_of(keys: set[Key], stored: dict[Key, tuple[int, int, int]]) -> dict[Key, list[Flag]]:
    months = {pair for _s, fy, m in keys for pair in _window(fy, m)}
    frame = load_frame(type_ids={type_id for _pk, _v, type_id in stored.values()}, months=months)
    return frame_flags(frame, keys)


def should_record(current: str, target: str) -> bool:
    """Whether a change of state brings values into the figures, so that its flags are recorded:
    a submission, or the board loading a month straight as approved (not the approval of a
    submitted month, whose values were checked on submission)."""
    counted = MonthlyReport.COUNTED_STATUSES
    return target == MonthlyReport.Status.SUBMITTED or (target in counted and current not in counted)


def record_flags(keys: Iterable[Key], *, reason: str = "", user=None) -> None:
    """Check stored school-months (keys) and keep their flags: a new flag opens; one that fires again
    keeps its follow-up (reopened if it was corrected, or if it was explained and its value changed);
    one that no longer fires becomes corrected. `reason` (the principal's) is kept on every flag that
    fires. Every channel's submission comes here through the write path (metrics.entry.workflow)."""
    keys = set(keys)
    if not keys:
        return
    months = _stored_months(keys)
    fired = _flags_of(keys, months)
    reports = {key: (pk, version) for key, (pk, version, _type) in months.items()}
    ids = {pk for pk, _v in reports.values()}
    stored: dict[int, dict[tuple[str, str], QualityFlag]] = {}
    in_months = MonthlyReport.objects.filter(_months_q({(fy, m) for _s, fy, m in keys}))
    for flag in QualityFlag.objects.filter(report__in=in_months.values("pk")):
        if flag.report_id in ids:
            stored.setdefault(flag.report_id, {})[(flag.rule, flag.field)] = flag
    now = timezone.now()
    reason = (reason or "").strip()
    user = user if user is not None and user.is_authenticated else None
    to_create, to_update = [], []
    for key, (pk, version) in reports.items():
        kept = stored.get(pk, {})
        for flag in fired.get(key, []):
            old = kept.pop((flag.rule, flag.field), None)
            if old is None:
                to_create.append(
                    QualityFlag(
                        report_id=pk,
                        rule=flag.rule,
                        field=flag.field,
                        params=flag.params,
                        version=version,
                        reason=reason,
                        reason_by=user if reason else None,
                    )
                )
                continue
            changed = old.params.get("value") != flag.params.get("value")
            State = QualityFlag.State
            if old.state == State.CORRECTED or (changed and old.state == State.EXPLAINED):
                old.state, old.state_by, old.state_at = State.OPEN, None, now
            if reason:
                old.reason, old.reason_by = reason, user
            old.params, old.version = flag.params, version
            to_update.append(old)
        for old in kept.values():  # no longer fires: the figure was corrected
            if old.state != QualityFlag.State.CORRECTED:
                old.state, old.state_by, old.state_at = QualityFlag.State.CORRECTED, None, now
                old.version = version
                to_update.append(old)
    QualityFlag.objects.bulk_create(to_create, batch_size=1000)
    for flag in to_update:
        flag.updated_at = now
    QualityFlag.objects.bulk_update(
        to_update,
        ["state", "state_by", "state_at", "reason", "reason_by", "params", "version", "updated_at"],
        batch_size=1000,
    )


def set_follow_up(flag: QualityFlag, *, state: str, note: str, user) -> QualityFlag:
    """The board's follow-up of a flag: its state and note, with who and when."""
    flag.state, flag.note = state, note.strip()
    flag.state_by, flag.state_at = user, timezone.now()
    flag.save(update_fields=["state", "note", "state_by", "state_at", "updated_at"])
    return flag


def previous_month(fiscal_year: int, month: int) -> tuple[int, int]:
    """(fiscal year, month) of the calendar month before (March of the year before, for April)."""
    pos = _position(fiscal_year, month) - 1
    return pos // 12, fiscal.FISCAL_MONTHS[pos % 12]


def share(values: Mapping, name: str) -> float | None:
    """The share of the staff counted of a count field (%), the leave days per counted staff for
    leave days, rounded to one decimal; None for the staff count, without a value or without staff."""
    if name not in OUTLIER_FIELDS:
        return None
    found = quantity(values, name)
    return None if found is None else round(found, 1)
