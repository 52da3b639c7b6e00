"""Data-quality checks (metrics/quality.py): each rule catches its case and passes normal data, the
demo city raises no more than the documented handful, the principal's form, the write path on any
channel, the board's review and its follow-up page."""

import math

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from time_machine import travel

from demo import city as demo_city
from metrics import quality
from metrics.entry import workflow
from metrics.imports.monthly import import_monthly
from metrics.models import MonthlyReport, QualityFlag, School
from reform.fiscal import FISCAL_MONTHS
from tests.factories import MonthlyReportFactory, SchoolFactory

NORMAL = {
    "staff_count": 20,
    "over_80h_count": 2,
    "left_by_19_count": 15,
    "over_45h_count": 6,
    "over_100h_count": 1,
    "leave_days_total": 40,
    "leave_10plus_count": 1,
}


def _rules(flags):
    return {(f.rule, f.field) for f in flags}


# --- the pure rules ---------------------------------------------------------------------------------


def test_cumulative_leave_cannot_go_down_within_the_year():
    context = quality.MonthContext(
        leave_before={"leave_days_total": 45, "leave_10plus_count": 2}, leave_before_month=10
    )
    flags = quality.month_flags(NORMAL, context)
    assert _rules(flags) == {("leave_decrease", "leave_days_total"), ("leave_decrease", "leave_10plus_count")}
    assert flags[0].params == {"value": 40, "previous": 45, "month": 10}
    grown = quality.MonthContext(leave_before={"leave_days_total": 30, "leave_10plus_count": 1})
    assert quality.month_flags(NORMAL, grown) == []
    assert quality.month_flags(NORMAL, quality.MonthContext()) == []  # April: nothing before


@pytest.mark.parametrize(
    ("before", "now", "flagged"),
    [(20, 15, True), (20, 26, True), (20, 24, False), (20, 20, False), (5, 6, False), (8, 5, True)],
)
def test_a_staff_count_changing_by_more_than_a_fifth_is_flagged(before, now, flagged):
    context = quality.MonthContext(previous={"staff_count": before})
    flags = quality.month_flags({**NORMAL, "staff_count": now, "leave_10plus_count": 0}, context)
    assert (("staff_change", "staff_count") in _rules(flags)) is flagged


def _outlier_context(*, history_median=0.0):
    peers = quality.Spread(median=10.0, mad=2.5, mean_ad=3.0, count=20)
    history = quality.Spread(median=history_median, mad=2.0, mean_ad=2.0, count=7)
    return quality.MonthContext(peers={"over_80h_count": peers}, history={"over_80h_count": history})


def test_a_share_far_from_the_type_and_the_school_s_past_is_flagged():
    flags = quality.month_flags({**NORMAL, "over_80h_count": 9, "over_45h_count": 9}, _outlier_context())
    assert _rules(flags) == {("outlier", "over_80h_count")}
    assert flags[0].params["value"] == 45  # 9 of 20 staff, against a type median of 10 %
    assert flags[0].params["type_median"] == 10


def test_a_share_near_the_type_or_usual_for_the_school_passes():
    assert quality.month_flags({**NORMAL, "over_80h_count": 3}, _outlier_context()) == []
    # Far from the type, but this school is always about 35 points above it.
    always_high = _outlier_context(history_median=35.0)
    assert quality.month_flags({**NORMAL, "over_80h_count": 9, "over_45h_count": 9}, always_high) == []


def test_too_little_history_or_too_few_peers_leaves_the_outlier_rule_out():
    short = _outlier_context()
    short.history["over_80h_count"] = quality.Spread(0.0, 2.0, 2.0, quality.MIN_HISTORY - 1)
    assert quality.month_flags({**NORMAL, "over_80h_count": 9, "over_45h_count": 9}, short) == []


def test_mad_zero_falls_back_to_the_mean_absolute_deviation_then_to_the_minimum_gap():
    fallback = quality.Spread(median=0.0, mad=0.0, mean_ad=2.0, count=10)
    assert quality.robust_score(5.0, fallback) == pytest.approx(5.0 / (1.253314 * 2.0))
    flat = quality.Spread(median=0.0, mad=0.0, mean_ad=0.0, count=10)
    assert quality.robust_score(0.0, flat) == 0.0
    assert math.isinf(quality.robust_score(1.0, flat))
    # Every other school and every earlier month at 0 %: one staff of 20 over 100 h (5 %) is under
    # the minimum gap, ten (50 %) are flagged.
    context = quality.MonthContext(peers={"over_100h_count": flat}, history={"over_100h_count": flat})
    one = {**NORMAL, "over_80h_count": 10, "over_45h_count": 10, "over_100h_count": 1}
    assert quality.month_flags(one, context) == []
    ten = {**one, "over_100h_count": 10}
    assert _rules(quality.month_flags(ten, context)) == {("outlier", "over_100h_count")}


# --- many months: a hand-built frame and the demo city -------------------------------------------------


def _frame(schools=8, months=FISCAL_MONTHS[:9]):
    rows = []
    for school in range(1, schools + 1):
        for i, month in enumerate(months):
            rows.append(
                {
                    "school_id": school,
                    "school_type": 1,
                    "fiscal_year": 2020,
                    "month": month,
                    **NORMAL,
                    "over_80h_count": 2 + (school + i) % 2,
                    "left_by_19_count": 15 - (school + i) % 3,
                    "leave_days_total": 5.0 * (i + 1) + school % 3,
                    "leave_10plus_count": 0,
                }
            )
    return pd.DataFrame(rows)


def test_a_normal_frame_raises_no_flag():
    assert all(flags == [] for flags in quality.frame_flags(_frame()).values())


def test_a_frame_catches_each_rule():
    frame = _frame()
    december = frame["month"].eq(12)
    frame.loc[december & frame["school_id"].eq(1), ["over_80h_count", "over_45h_count"]] = 18
    frame.loc[december & frame["school_id"].eq(2), "leave_days_total"] = 1.0
    frame.loc[december & frame["school_id"].eq(3), "staff_count"] = 30
    found = quality.frame_flags(frame, [(s, 2020, 12) for s in (1, 2, 3, 4)])
    assert ("outlier", "over_80h_count") in _rules(found[(1, 2020, 12)])
    assert ("leave_decrease", "leave_days_total") in _rules(found[(2, 2020, 12)])
    assert ("staff_change", "staff_count") in _rules(found[(3, 2020, 12)])
    assert found[(4, 2020, 12)] == []


@pytest.fixture(scope="module")
def demo_months():
    return demo_city.generate().months


def test_the_demo_city_raises_no_more_than_the_documented_handful(demo_months):
    flags = [f for found in quality.frame_flags(demo_months).values() for f in found]
    assert len(flags) <= quality.DEMO_FALSE_FLAGS
    assert {f.rule for f in flags} <= {"outlier"}


def test_errors_put_into_the_demo_city_are_caught(demo_months):
    months = demo_months.copy()
    row = months.index[
        months["school_code"].eq("E010") & months["fiscal_year"].eq(2020) & months["month"].eq(11)
    ][0]
    staff = months.at[row, "staff_count"]
    months.loc[row, ["over_80h_count", "over_45h_count"]] = staff  # everyone over 80 h
    months.loc[row, "leave_days_total"] = 1.0  # leave typed as this month's, not since April
    months.loc[row, "staff_count"] = staff * 2
    key = (int(months.at[row, "school_id"]), 2020, 11)
    assert _rules(quality.frame_flags(months, [key])[key]) >= {
        ("outlier", "over_80h_count"),
        ("leave_decrease", "leave_days_total"),
        ("staff_change", "staff_count"),
    }


# --- the database: the form, every channel, the board ----------------------------------------------------


@pytest.fixture
def small_city(school_a):
    """Eight elementary schools: school A with April–October 2020 submitted, the others to November."""
    schools = [school_a, *(SchoolFactory() for _ in range(7))]
    for s, school in enumerate(schools):
        for i, month in enumerate(FISCAL_MONTHS[: 7 if school == school_a else 8]):
            MonthlyReportFactory(
                school=school,
                fiscal_year=2020,
                month=month,
                status="submitted",
                over_80h_count=2 + (s + i) % 2,
                left_by_19_count=15 - (s + i) % 3,
                leave_days_total=5 * (i + 1) + s % 3,
                leave_10plus_count=0,
            )
    return schools


FLAGGED = {
    **NORMAL,
    "over_80h_count": 18,
    "over_45h_count": 18,
    "leave_days_total": 20,
    "leave_10plus_count": 0,
}
FINE = {**NORMAL, "leave_days_total": 40, "leave_10plus_count": 0}
NOVEMBER = ("metrics:entry-month", [2020, 11])


def _post(client, values, **extra):
    version = MonthlyReport.objects.filter(fiscal_year=2020, month=11, school__code="A001").first()
    data = {**{k: str(v) for k, v in values.items()}, "version": version.version if version else 0, **extra}
    return client.post(reverse(NOVEMBER[0], args=NOVEMBER[1]), data)


def test_the_principal_sees_the_flags_on_a_draft_and_needs_a_reason_to_submit(
    client, principal_a, small_city
):
    client.force_login(principal_a)
    response = _post(client, FLAGGED, draft="1")
    assert response.status_code == 302 and response["Location"].endswith("/entry/2020/11/")
    page = client.get(response["Location"]).content.decode()
    assert 'id="quality-flags"' in page and 'name="quality_reason"' in page
    # No other school's figure: a type's median is one school's exact share.
    assert "対象職員の90%で、今月の同じ校種の他校とも" in page and "中央値" not in page

    response = _post(client, FLAGGED, submit="1")  # no reason: nothing submitted
    assert response.status_code == 200
    assert "error-quality_reason" in response.content.decode()
    assert MonthlyReport.objects.get(school__code="A001", month=11).status == "draft"
    assert not QualityFlag.objects.exists()

    response = _post(client, FLAGGED, submit="1", quality_reason="A school trip week; checked twice.")
    assert response.status_code == 302
    report = MonthlyReport.objects.get(school__code="A001", month=11)
    assert report.status == "submitted"
    flags = {(f.rule, f.field): f for f in report.quality_flags.all()}
    assert {("outlier", "over_80h_count"), ("leave_decrease", "leave_days_total")} <= set(flags)
    assert {f.reason for f in flags.values()} == {"A school trip week; checked twice."}
    assert {f.state for f in flags.values()} == {"open"}
    assert {f.reason_by for f in flags.values()} == {principal_a}


def test_a_normal_month_shows_no_flag_and_needs_no_reason(client, principal_a, small_city):
    client.force_login(principal_a)
    response = _post(client, FINE, submit="1")
    assert response.status_code == 302
    assert MonthlyReport.objects.get(school__code="A001", month=11).status == "submitted"
    assert not QualityFlag.objects.exists()
    page = client.get(reverse(NOVEMBER[0], args=NOVEMBER[1])).content.decode()
    assert 'name="quality_reason"' not in page


def test_a_corrected_resubmission_marks_the_flags_corrected(client, principal_a, small_city):
    client.force_login(principal_a)
    _post(client, FLAGGED, submit="1", quality_reason="Checked.")
    _post(client, FINE, submit="1")
    states = set(QualityFlag.objects.values_list("state", flat=True))
    assert states == {"corrected"}
    assert QualityFlag.objects.filter(state_by__isnull=False).count() == 0


@pytest.mark.parametrize("source", [workflow.SOURCE_API, workflow.SOURCE_REVIEW])
def test_flags_are_recorded_on_any_channel_of_the_write_path(board, small_city, source):
    report = MonthlyReport(school=small_city[0], fiscal_year=2020, month=11, **FLAGGED)
    workflow.apply_transition(report, target="submitted", user=board, source=source, seen_version=0)
    assert ("outlier", "over_80h_count") in set(report.quality_flags.values_list("rule", "field"))


def test_values_changed_while_approving_are_checked_again(board, small_city):
    report = MonthlyReport(school=small_city[0], fiscal_year=2020, month=11, **FINE)
    workflow.apply_transition(
        report, target="submitted", user=board, source=workflow.SOURCE_API, seen_version=0
    )
    assert not report.quality_flags.exists()
    for name, value in FLAGGED.items():
        setattr(report, name, value)
    workflow.apply_transition(
        report, target="approved", user=board, source=workflow.SOURCE_API, seen_version=1
    )
    assert ("leave_decrease", "leave_days_total") in set(report.quality_flags.values_list("rule", "field"))


def test_bulk_created_months_record_their_flags(board, small_city):
    report = MonthlyReport(school=small_city[0], fiscal_year=2020, month=11, **FLAGGED)
    workflow.create_months([report], target="approved", user=board, source=workflow.SOURCE_STAFF_HOURS)
    assert QualityFlag.objects.filter(report__school=small_city[0], rule="leave_decrease").exists()


def test_imported_months_record_their_flags(board, small_city):
    header = ",".join(["school_code", "fiscal_year", "month", *FLAGGED])
    row = ",".join(["A001", "2020", "11", *(str(v) for v in FLAGGED.values())])
    with travel(timezone.datetime(2020, 12, 5, tzinfo=timezone.get_current_timezone()), tick=False):
        outcome = import_monthly(
            f"{header}\n{row}\n".encode(), schools=School.objects.all(), status="submitted", user=board
        )
    assert outcome.written, outcome
    flags = set(QualityFlag.objects.filter(report__school=small_city[0]).values_list("rule", "field"))
    assert ("leave_decrease", "leave_days_total") in flags and ("outlier", "over_80h_count") in flags


@pytest.fixture
def flagged_month(client, principal_a, small_city):
    client.force_login(principal_a)
    _post(client, FLAGGED, submit="1", quality_reason="A school trip week.")
    client.logout()
    return MonthlyReport.objects.get(school__code="A001", month=11)


def test_the_review_shows_shares_previous_month_and_flags_side_by_side(client, board, flagged_month):
    client.force_login(board)
    response = client.get(reverse("metrics:board-review-detail", args=[flagged_month.pk]))
    rows = {str(row["label"]): row for row in response.context["rows"]}
    over_80h = rows[str(MonthlyReport._meta.get_field("over_80h_count").verbose_name)]
    assert (over_80h["value"], over_80h["share"]) == (18, 90.0)
    assert over_80h["previous"] in (2, 3) and over_80h["previous_share"] in (10.0, 15.0)
    assert [f.rule for f in over_80h["flags"]] == ["outlier"]
    assert "A school trip week." in response.content.decode()


def test_the_board_lists_flagged_months_and_sets_their_follow_up(client, board, flagged_month):
    client.force_login(board)
    page = client.get(reverse("metrics:board-quality"), {"year": 2020})
    assert [r.pk for r in page.context["page"].object_list] == [flagged_month.pk]
    flag = flagged_month.quality_flags.get(rule="outlier", field="over_80h_count")
    response = client.post(
        reverse("metrics:board-quality-flag", args=[flag.pk]),
        {"state": "explained", "note": "Confirmed by phone.", "query": "year=2020"},
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.state, flag.note, flag.state_by) == ("explained", "Confirmed by phone.", board)
    assert flag.state_at is not None
    explained = client.get(reverse("metrics:board-quality"), {"year": 2020, "follow_up": "explained"})
    assert [r.pk for r in explained.context["page"].object_list] == [flagged_month.pk]
    flagged_month.quality_flags.exclude(pk=flag.pk).update(state="corrected")
    still_open = client.get(reverse("metrics:board-quality"), {"year": 2020})
    assert list(still_open.context["page"].object_list) == []


def test_a_refused_follow_up_changes_nothing(client, board, flagged_month):
    client.force_login(board)
    flag = flagged_month.quality_flags.first()
    client.post(reverse("metrics:board-quality-flag", args=[flag.pk]), {"state": "forgotten", "note": "x"})
    flag.refresh_from_db()
    assert (flag.state, flag.note) == ("open", "")


def test_a_principal_cannot_see_the_board_page_nor_set_a_follow_up(client, principal_a, flagged_month):
    client.force_login(principal_a)
    assert client.get(reverse("metrics:board-quality")).status_code == 404
    flag = flagged_month.quality_flags.first()
    response = client.post(reverse("metrics:board-quality-flag", args=[flag.pk]), {"state": "explained"})
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.state == "open"


def test_the_board_page_s_queries_do_not_grow_with_the_months(client, board, flagged_month, small_city):
    client.force_login(board)
    query = {"year": 2020, "follow_up": ""}
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("metrics:board-quality"), query)
    for school in small_city[1:6]:  # five more flagged months, of other schools
        report = MonthlyReport(school=school, fiscal_year=2020, month=12, **FLAGGED)
        workflow.apply_transition(
            report, target="submitted", user=board, source=workflow.SOURCE_API, seen_version=0
        )
    assert QualityFlag.objects.values("report").distinct().count() == 6
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("metrics:board-quality"), query)
    assert len(response.context["page"].object_list) == 6
    assert len(six) <= len(one)  # (the first request also warms per-process caches)
