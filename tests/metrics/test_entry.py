"""The principal's pages: home, the month form and its workflow, history, the CSV template."""

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from metrics.entry import workflow
from metrics.models import MonthlyReport
from tests.factories import MonthlyReportFactory, SchoolFactory, user_with_role

COUNTS = {
    "staff_count": "20",
    "over_80h_count": "2",
    "left_by_19_count": "15",
    "over_45h_count": "5",
    "over_100h_count": "1",
    "leave_days_total": "30.5",
    "leave_10plus_count": "1",
}


def _month_url(fiscal_year=2020, month=5):
    return reverse("metrics:entry-month", args=[fiscal_year, month])


def _version(school, month=5):
    """The stored version of the school-month (0 when not started), as the form carries it."""
    report = MonthlyReport.objects.filter(school=school, fiscal_year=2020, month=month).first()
    return report.version if report else 0


def _snapshot():
    return list(MonthlyReport.objects.order_by("pk").values())


# --- the form and the workflow ---------------------------------------------------------------------


def test_saving_a_draft_then_submitting(client, principal_a, school_a):
    client.force_login(principal_a)
    response = client.post(_month_url(), {**COUNTS, "draft": "1"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get(school=school_a, fiscal_year=2020, month=5)
    assert (report.status, report.submitted_at) == ("draft", None)
    assert report.leave_days_total == Decimal("30.5")

    client.post(
        _month_url(), {**COUNTS, "left_by_19_count": "16", "submit": "1", "version": _version(school_a)}
    )
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.submitted_at is not None
    assert report.left_by_19_count == 16


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("over_80h_count", "21", "cannot exceed the staff counted (20)"),
        ("left_by_19_count", "-1", "greater than or equal to 0"),
        ("staff_count", "abc", "Enter a whole number"),
        ("over_45h_count", "1", "cannot be fewer than staff over 80 h (2)"),
        ("over_100h_count", "3", "cannot exceed staff over 80 h (2)"),
        ("leave_10plus_count", "", "before submitting"),
        ("leave_days_total", "-2", "Leave days cannot be negative"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(client, principal_a, field, value, message):
    client.force_login(principal_a)
    before = _snapshot()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(_month_url(), {**COUNTS, field: value, "submit": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert _snapshot() == before


def test_errors_are_in_japanese_by_default(client, principal_a):
    client.force_login(principal_a)
    response = client.post(_month_url(), {**COUNTS, "over_80h_count": "21", "submit": "1"})
    assert "対象教職員数（20）を超えることはできません" in " ".join(
        response.context["form"].errors["over_80h_count"]
    )


def test_an_approved_month_is_read_only(client, principal_a, school_a):
    report = MonthlyReportFactory(school=school_a, fiscal_year=2020, month=5, status="approved")
    client.force_login(principal_a)
    page = client.get(_month_url())
    assert page.context["read_only"] is True
    assert all(f.disabled for f in page.context["form"].fields.values())
    assert b'name="submit"' not in page.content
    before = _snapshot()
    response = client.post(_month_url(), {**COUNTS, "staff_count": "30", "submit": "1"})
    assert response.status_code == 200
    assert _snapshot() == before
    report.refresh_from_db()
    assert report.staff_count == 20


def test_a_returned_month_shows_the_comment_and_can_be_resubmitted(client, principal_a, school_a):
    MonthlyReportFactory(
        school=school_a,
        fiscal_year=2020,
        month=5,
        status="returned",
        review_comment="職員数を確認してください",
    )
    client.force_login(principal_a)
    assert "職員数を確認してください" in client.get(_month_url()).content.decode()
    assert (
        "職員数を確認してください"
        in client.get(reverse("metrics:entry-home") + "?year=2020").content.decode()
    )
    client.post(_month_url(), {**COUNTS, "submit": "1", "version": _version(school_a)})
    assert MonthlyReport.objects.get(school=school_a, month=5).status == "submitted"


def test_a_month_not_yet_started_cannot_be_entered(client, principal_a):
    client.force_login(principal_a)
    next_year = workflow.current_fiscal_year() + 1
    assert client.get(_month_url(next_year, 4)).status_code == 404
    assert client.get(_month_url(2020, 13)).status_code == 404


def test_board_approves_then_returns(board, school_a):
    report = MonthlyReportFactory(school=school_a, fiscal_year=2020, month=5, status="submitted")
    workflow.approve(report=report, user=board)
    assert report.status == "approved"
    with translation.override("en"), pytest.raises(ValidationError, match="has been approved"):
        workflow.approve(report=report, user=board)
    workflow.return_month(report=report, comment="数値を確認", user=board)
    report.refresh_from_db()
    assert (report.status, report.review_comment) == ("returned", "数値を確認")


def test_returning_needs_a_comment(board, school_a):
    report = MonthlyReportFactory(school=school_a, fiscal_year=2020, month=5, status="submitted")
    with translation.override("en"), pytest.raises(ValidationError, match="Say what the school should check"):
        workflow.return_month(report=report, comment="  ", user=board)
    report.refresh_from_db()
    assert report.status == "submitted"


def test_drafts_cannot_be_approved_in_bulk(board, school_a, school_b):
    draft = MonthlyReportFactory(school=school_a, fiscal_year=2020, month=5, status="draft")
    submitted = MonthlyReportFactory(school=school_b, fiscal_year=2020, month=5, status="submitted")
    assert workflow.approve_many(reports=MonthlyReport.objects.all(), user=board) == 1
    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert (draft.status, submitted.status) == ("draft", "approved")


# --- audit -----------------------------------------------------------------------------------------


def test_history_records_who_when_source_and_before_after(client, principal_a, board, school_a):
    client.force_login(principal_a)
    client.post(_month_url(), {**COUNTS, "submit": "1"})
    client.post(_month_url(), {**COUNTS, "staff_count": "22", "submit": "1", "version": _version(school_a)})
    report = MonthlyReport.objects.get(school=school_a, month=5)
    workflow.approve_many(reports=MonthlyReport.objects.filter(pk=report.pk), user=board)

    with translation.override("en"):
        entries = workflow.month_history(report)
        assert [(e.user, e.source) for e in entries] == [
            ("board-user", "Board review"),
            ("principal-a", "Form"),
            ("principal-a", "Form"),
        ]
        assert [(str(a), b, c) for a, b, c in entries[1].changes] == [("staff counted", 20, 22)]
        assert [(str(a), str(b), str(c)) for a, b, c in entries[0].changes] == [
            ("status", "Submitted", "Approved")
        ]
        assert ("staff counted", None, 20) in [(str(a), b, c) for a, b, c in entries[2].changes]

    client.force_login(board)
    with translation.override("ja"):
        page = client.get(reverse("metrics:report-history", args=[report.pk])).content.decode()
    assert "principal-a" in page and "board-user" in page
    assert "20 → 22" in page


# --- home ------------------------------------------------------------------------------------------


def test_home_lists_the_twelve_months_with_their_state(client, principal_a, school_a):
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="approved")
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=5, status="draft")
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=6, status="returned", review_comment="x")
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=7, status="submitted")
    client.force_login(principal_a)
    response = client.get(reverse("metrics:entry-home") + "?year=2020")
    states = [m.state for m in response.context["months"]]
    assert states[:5] == ["approved", "draft", "returned", "submitted", "not_started"]
    assert len(states) == 12
    page = response.content.decode()
    for label in ("承認済", "下書き", "差戻し", "提出済", "未入力"):
        assert label in page


def test_home_compares_the_school_with_its_type_and_the_city(client, principal_a, school_a):
    other = SchoolFactory(school_type=school_a.school_type)
    junior = SchoolFactory(school_type=__import__("tests.factories").factories.school_type("junior_high"))
    # school A: 2/20 = 10 %; same type pooled with `other` (6/20): 8/40 = 20 %; city adds 10/20 → 18/60 = 30 %
    MonthlyReportFactory(school=school_a, month=4, over_80h_count=2, status="approved")
    MonthlyReportFactory(school=other, month=4, over_80h_count=6, over_45h_count=6, status="submitted")
    MonthlyReportFactory(school=junior, month=4, over_80h_count=10, over_45h_count=10, status="approved")
    MonthlyReportFactory(school=school_a, month=5, over_80h_count=20, over_45h_count=20, status="draft")
    client.force_login(principal_a)
    figures = client.get(reverse("metrics:entry-home") + "?year=2020").context["figures"]
    overtime = next(f for f in figures if f["code"] == "overtime_80h")
    by_key = {s["key"]: s for s in overtime["series"]}
    assert by_key["school"]["months"][:2] == [10.0, None]  # the draft May does not count
    assert by_key["type"]["months"][0] == 20.0
    assert by_key["city"]["months"][0] == 30.0
    assert by_key["school"]["year"] == 10.0
    assert {f["code"] for f in figures} >= {"overtime_80h", "left_by_19", "leave_10plus"}


def test_home_query_count_does_not_grow_with_months(
    client, principal_a, school_a, django_assert_max_num_queries
):
    client.force_login(principal_a)
    client.get(reverse("metrics:entry-home") + "?year=2020")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("metrics:entry-home") + "?year=2020")
    for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3):
        MonthlyReportFactory(school=school_a, month=month, status="submitted")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("metrics:entry-home") + "?year=2020")
    assert len(many) == len(few)
    assert len(many) <= 20


# --- template --------------------------------------------------------------------------------------


def test_template_has_a_row_per_month_with_what_is_stored(client, principal_a, school_a):
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, staff_count=33, over_45h_count=None)
    client.force_login(principal_a)
    response = client.get(reverse("metrics:entry-template") + "?year=2020")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["学校コード", "年度", "月", "対象教職員数"]
    assert len(rows) == 13
    assert rows[1][:4] == ["A001", "2020", "4", "33"]
    assert rows[1][6] == ""  # optional band left empty
    assert rows[2][3] == ""  # May not entered


def test_template_round_trips_through_the_import(client, principal_a, school_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="submitted")
    client.force_login(principal_a)
    raw = client.get(reverse("metrics:entry-template") + "?year=2020").content
    # keep the header and the stored April only: re-importing it changes nothing
    lines = raw.decode("utf-8").splitlines()[:2]
    response = client.post(
        reverse("metrics:entry-import"),
        {"file": SimpleUploadedFile("t.csv", "\n".join(lines).encode("utf-8")), "status": "submitted"},
    )
    outcome = response.context["outcome"]
    assert (outcome.errors, outcome.unchanged, outcome.changed) == ([], 1, False)


def test_live_check_script_and_messages_are_on_the_form(client, principal_a):
    client.force_login(principal_a)
    page = client.get(_month_url()).content.decode()
    assert "js/entry.js" in page
    assert 'id="entry-checks"' in page


def test_other_principal_cannot_open_history_of_school_a(client, school_a, school_b):
    report = MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4)
    client.force_login(user_with_role("principal-b2", "principal", school=school_b))
    assert client.get(reverse("metrics:report-history", args=[report.pk])).status_code == 404
