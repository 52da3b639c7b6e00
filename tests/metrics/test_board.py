"""The board's pages: completeness with its shares and due day, the missing list, review."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metrics.entry import completeness
from metrics.models import MonthlyReport, ReportingDeadline, School
from tests.factories import DistrictFactory, MonthlyReportFactory, SchoolFactory, school_type


def _at(day: str) -> datetime.datetime:
    """Noon of `day` in the board's time zone."""
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T12:00"))


@pytest.fixture
def four_schools(school_a, school_b):
    """A and B (elementary, district d1), a junior high in d2, and an elementary in d2."""
    junior = SchoolFactory(
        code="J001", school_type=school_type("junior_high"), district=DistrictFactory(code="d2")
    )
    other = SchoolFactory(code="E777", district=DistrictFactory(code="d2"))
    return school_a, school_b, junior, other


def test_shares_submitted_and_on_time(four_schools):
    a, b, junior, other = four_schools
    ReportingDeadline.objects.create(due_day=10)
    # April 2020 is due on 10 May 2020
    MonthlyReportFactory(school=a, month=4, status="approved", submitted_at=_at("2020-05-10"))
    MonthlyReportFactory(school=b, month=4, status="submitted", submitted_at=_at("2020-05-11"))
    MonthlyReportFactory(school=junior, month=4, status="draft")
    MonthlyReportFactory(school=other, month=4, status="returned", submitted_at=_at("2020-05-01"))
    april = completeness.month_summaries(fiscal_year=2020, schools=School.objects.all())[0]
    assert (april.month, april.due_date) == (4, datetime.date(2020, 5, 10))
    assert (april.schools, april.submitted, april.on_time) == (4, 2, 1)
    assert (april.submitted_pct, april.on_time_pct) == (50.0, 25.0)


def test_the_due_day_moves_on_time(four_schools):
    a, b, *_ = four_schools
    MonthlyReportFactory(school=b, month=4, status="submitted", submitted_at=_at("2020-05-11"))
    ReportingDeadline.objects.create(due_day=15)
    assert completeness.month_summaries(fiscal_year=2020, schools=School.objects.all())[0].on_time == 1


def test_december_is_due_in_january_of_the_next_year(db):
    assert ReportingDeadline(due_day=10).due_date(2020, 12) == datetime.date(2021, 1, 10)
    assert ReportingDeadline(due_day=10).due_date(2020, 3) == datetime.date(2021, 4, 10)


def test_completeness_page_filters_by_type_and_district(client, board, four_schools):
    client.force_login(board)
    page = client.get(reverse("metrics:board-completeness") + "?year=2020&school_type=elementary&district=d2")
    assert [r.school.code for r in page.context["rows"]] == ["E777"]
    assert page.context["summaries"][0].schools == 1
    page = client.get(reverse("metrics:board-completeness") + "?year=2020&school_type=elementary")
    assert [r.school.code for r in page.context["rows"]] == ["A001", "B001", "E777"]


def test_completeness_page_shows_states_in_japanese(client, board, four_schools):
    a, b, *_ = four_schools
    MonthlyReportFactory(school=a, month=4, status="approved", submitted_at=_at("2020-05-01"))
    MonthlyReportFactory(school=b, month=4, status="returned")
    client.force_login(board)
    response = client.get(reverse("metrics:board-completeness") + "?year=2020")
    row_a = next(r for r in response.context["rows"] if r.school == a)
    assert row_a.states[0] == ("approved", "承認済")
    assert row_a.states[1][1] == "未入力"
    page = response.content.decode()
    assert "差戻し" in page and "25.0%" in page


def test_completeness_query_count_does_not_grow_with_schools(client, board, four_schools):
    client.force_login(board)
    url = reverse("metrics:board-completeness") + "?year=2020"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for school in SchoolFactory.create_batch(15):
        MonthlyReportFactory(school=school, month=4, status="submitted", submitted_at=_at("2020-05-02"))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_setting_an_invalid_due_day_says_why_and_changes_nothing(client, board):
    ReportingDeadline.objects.create(due_day=10)
    client.force_login(board)
    response = client.post(reverse("metrics:board-deadline"), {"due_day": 31}, follow=True)
    assert "提出期限" in response.content.decode()
    assert [str(m) for m in response.context["messages"]][0].startswith("提出期限：")
    assert ReportingDeadline.current().due_day == 10
    assert ReportingDeadline.objects.count() == 1


def test_setting_the_due_day_records_who(client, board):
    client.force_login(board)
    client.post(reverse("metrics:board-deadline"), {"due_day": 12})
    deadline = ReportingDeadline.current()
    assert (deadline.due_day, deadline.updated_by) == (12, board)


# --- the missing list -------------------------------------------------------------------------------


def test_missing_list_export(client, board, four_schools, principal_a):
    a, b, junior, other = four_schools
    principal_a.email = "a@example.jp"
    principal_a.save()
    for school in (b, junior, other):
        MonthlyReportFactory(school=school, month=4, status="submitted", submitted_at=_at("2020-05-02"))
    MonthlyReportFactory(school=a, month=4, status="draft")
    client.force_login(board)
    response = client.get(reverse("metrics:board-missing") + "?year=2020&month=4")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["学校コード", "学校", "校種"]
    assert len(rows) == 2
    assert rows[1][0] == "A001"
    assert rows[1][5:7] == ["4月", "下書き"]
    assert rows[1][-2:] == ["principal-a", "a@example.jp"]


def test_missing_list_covers_every_started_month_without_a_month_filter(school_a):
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="approved")
    missing = completeness.missing_months(fiscal_year=2020, schools=School.objects.all())
    assert [m.month for m in missing] == [5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    assert all(m.state == "not_started" for m in missing)


# --- review -------------------------------------------------------------------------------------------


def test_review_lists_submitted_months_by_default(client, board, four_schools):
    a, b, junior, _other = four_schools
    MonthlyReportFactory(school=a, month=4, status="submitted")
    MonthlyReportFactory(school=b, month=4, status="approved")
    MonthlyReportFactory(school=junior, month=5, status="submitted")
    client.force_login(board)
    page = client.get(reverse("metrics:board-review") + "?year=2020")
    assert [r.school.code for r in page.context["page"]] == ["A001", "J001"]
    page = client.get(reverse("metrics:board-review") + "?year=2020&status=&month=4")
    assert [r.school.code for r in page.context["page"]] == ["A001", "B001"]


def test_review_query_count_does_not_grow_with_rows(client, board, four_schools):
    client.force_login(board)
    url = reverse("metrics:board-review") + "?year=2020"
    MonthlyReportFactory(school=four_schools[0], month=4, status="submitted")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for school in four_schools[1:]:
        MonthlyReportFactory(school=school, month=4, status="submitted")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_bulk_approve_approves_the_selected_submitted_months(client, board, four_schools):
    a, b, junior, _other = four_schools
    first = MonthlyReportFactory(school=a, month=4, status="submitted")
    second = MonthlyReportFactory(school=b, month=4, status="submitted")
    draft = MonthlyReportFactory(school=junior, month=4, status="draft")
    client.force_login(board)
    response = client.post(
        reverse("metrics:board-bulk-approve"),
        {
            "report": [f"{first.pk}:{first.version}", f"{draft.pk}:{draft.version}"],
            "query": "year=2020",
            "confirm": "1",
        },
        follow=True,
    )
    assert "1件の月を承認しました" in response.content.decode()
    statuses = dict(MonthlyReport.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "approved", second.pk: "submitted", draft.pk: "draft"}


def test_bulk_approve_with_nothing_selected_says_so(client, board, four_schools):
    MonthlyReportFactory(school=four_schools[0], month=4, status="submitted")
    client.force_login(board)
    response = client.post(reverse("metrics:board-bulk-approve"), {}, follow=True)
    assert "承認する提出済の月を1つ以上選んでください" in response.content.decode()
    assert MonthlyReport.objects.get().status == "submitted"


def test_returning_without_a_comment_is_refused(client, board, school_a):
    report = MonthlyReportFactory(school=school_a, month=4, status="submitted")
    client.force_login(board)
    response = client.post(
        reverse("metrics:board-review-detail", args=[report.pk]), {"action": "return", "comment": ""}
    )
    assert response.status_code == 200
    assert "comment" in response.context["return_form"].errors
    report.refresh_from_db()
    assert (report.status, report.review_comment) == ("submitted", "")


def test_approving_a_draft_is_refused_with_a_message(client, board, school_a):
    report = MonthlyReportFactory(school=school_a, month=4, status="draft")
    client.force_login(board)
    response = client.post(
        reverse("metrics:board-review-detail", args=[report.pk]),
        {"action": "approve", "version": report.version},
    )
    assert "承認できるのは提出済の月だけです" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "draft"


def test_returned_month_reaches_the_principal(client, board, principal_a, school_a):
    report = MonthlyReportFactory(school=school_a, month=4, status="approved")
    client.force_login(board)
    client.post(
        reverse("metrics:board-review-detail", args=[report.pk]),
        {"action": "return", "comment": "4月の職員数を確認", "version": report.version},
    )
    client.force_login(principal_a)
    months = client.get(reverse("metrics:entry-home") + "?year=2020").context["months"]
    assert (months[0].state, months[0].report.review_comment) == ("returned", "4月の職員数を確認")
    assert months[0].editable


def test_months_still_ahead_are_not_shown_as_missing(client, board, school_a):
    from metrics.entry.workflow import current_fiscal_year

    client.force_login(board)
    year = current_fiscal_year() + 1
    response = client.get(reverse("metrics:board-completeness") + f"?year={year}")
    [row] = response.context["rows"]
    assert set(row.states) == {("not_open", "—")}
    assert all(s.submitted_pct is None for s in response.context["summaries"])


def test_approve_every_submitted_month_on_the_page(client, board, four_schools):
    a, b, junior, _other = four_schools
    first = MonthlyReportFactory(school=a, month=4, status="submitted")
    second = MonthlyReportFactory(school=b, month=4, status="submitted")
    returned = MonthlyReportFactory(school=junior, month=4, status="returned")
    client.force_login(board)
    page = client.get(reverse("metrics:board-review") + "?year=2020").content.decode()
    assert page.count('name="page_report"') == 2
    client.post(
        reverse("metrics:board-bulk-approve"),
        {"all": "1", "page_report": [f"{r.pk}:{r.version}" for r in (first, second)], "confirm": "1"},
    )
    statuses = dict(MonthlyReport.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "approved", second.pk: "approved", returned.pk: "returned"}
