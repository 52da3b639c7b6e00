"""School-months: principals write their own school's open months, board staff all; officials none."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from rest_framework.test import APIClient

from api.models import SystemAccount
from api.tokens import issue_token
from metrics.models import MonthlyReport

NEW_MONTH = {
    "fiscal_year": 2020,
    "month": 5,
    "staff_count": 30,
    "over_80h_count": 3,
    "left_by_19_count": 20,
    "over_45h_count": 9,
    "over_100h_count": 1,
    "leave_days_total": "12.5",
    "leave_10plus_count": 0,
    "status": "draft",
}


# The version a school-month has when first written; writes send it back as If-Match.
IF_V1 = {"HTTP_IF_MATCH": '"1"'}


def detail(report):
    return reverse("api:school-month-detail", args=[report.pk])


@pytest.mark.parametrize(
    "role, sees", [("principal_a", {"a"}), ("principal_b", {"b"}), ("official", set()), ("board", {"a", "b"})]
)
def test_who_sees_which_school_months(api, users, month_a, month_b, role, sees):
    client = api(users[role])
    listing = client.get(reverse("api:school-month-list"))
    assert listing.status_code == 200
    assert {row["id"] for row in listing.json()["results"]} == {
        {"a": month_a, "b": month_b}[k].pk for k in sees
    }
    assert client.get(detail(month_a)).status_code == (200 if "a" in sees else 404)
    assert client.get(detail(month_b)).status_code == (200 if "b" in sees else 404)


def test_anonymous_cannot_read_school_months(api, month_a):
    assert api().get(reverse("api:school-month-list")).status_code == 401
    assert api().get(detail(month_a)).status_code == 401


def test_principal_creates_and_updates_own_month(api, principal_a, school_a):
    client = api(principal_a)
    created = client.post(
        reverse("api:school-month-list"), {**NEW_MONTH, "school": school_a.pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    report = MonthlyReport.objects.get(pk=created.json()["id"])
    assert (report.school, report.staff_count, report.status) == (school_a, 30, "draft")
    submitted = client.patch(
        detail(report), {"status": "submitted", "over_80h_count": 4}, format="json", **IF_V1
    )
    assert submitted.status_code == 200
    report.refresh_from_db()
    assert (report.status, report.over_80h_count) == ("submitted", 4)
    assert report.submitted_at is not None
    assert report.history.first().history_user == principal_a


def test_principal_cannot_write_another_school(api, principal_a, school_b, month_b):
    client = api(principal_a)
    created = client.post(
        reverse("api:school-month-list"), {**NEW_MONTH, "school": school_b.pk}, format="json"
    )
    assert created.status_code == 400
    assert created.json()["errors"][0]["field"] == "school"
    assert client.patch(detail(month_b), {"staff_count": 99}, format="json").status_code == 404
    assert client.delete(detail(month_b)).status_code == 403
    month_b.refresh_from_db()
    assert month_b.staff_count == 20
    assert not MonthlyReport.objects.filter(school=school_b, month=5).exists()


def test_principal_cannot_change_an_approved_month(api, principal_a, month_a):
    month_a.status = "approved"
    month_a.save()
    response = api(principal_a).patch(detail(month_a), {"staff_count": 25}, format="json", **IF_V1)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"
    assert response.json()["errors"][0]["reason"] == gettext(
        "This month has been approved; ask the board to return it first."
    )
    month_a.refresh_from_db()
    assert month_a.staff_count == 20


def test_principal_cannot_approve_or_comment(api, principal_a, month_a):
    client = api(principal_a)
    response = client.patch(detail(month_a), {"status": "approved"}, format="json", **IF_V1)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"
    response = client.patch(detail(month_a), {"review_comment": "OK"}, format="json", **IF_V1)
    assert response.json()["errors"][0]["field"] == "review_comment"


def test_board_approves_and_returns_any_school(api, board, month_b):
    response = api(board).patch(
        detail(month_b), {"status": "returned", "review_comment": "確認"}, format="json", **IF_V1
    )
    assert response.status_code == 200
    month_b.refresh_from_db()
    assert (month_b.status, month_b.review_comment) == ("returned", "確認")
    assert api(board).delete(detail(month_b)).status_code == 204


def test_official_cannot_write(api, official, school_a, month_a):
    client = api(official)
    payload = {**NEW_MONTH, "school": school_a.pk}
    assert client.post(reverse("api:school-month-list"), payload, format="json").status_code == 403
    assert client.patch(detail(month_a), {"staff_count": 1}, format="json").status_code == 403


def test_writes_use_the_model_validation(api, principal_a, school_a):
    bad = {
        **NEW_MONTH,
        "school": school_a.pk,
        "over_80h_count": 31,
        "over_100h_count": 2,
        "over_45h_count": 2,
    }
    response = api(principal_a).post(reverse("api:school-month-list"), bad, format="json")
    assert response.status_code == 400
    fields = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert set(fields) == {"over_80h_count", "over_45h_count"}
    assert "30" in fields["over_80h_count"]  # names the staff counted
    assert response.json()["detail"]


def test_duplicate_month_is_a_400(api, principal_a, school_a, month_a):
    payload = {**NEW_MONTH, "school": school_a.pk, "month": month_a.month}
    response = api(principal_a).post(reverse("api:school-month-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] is None


def test_filters_and_ordering(api, board, school_a, month_a, month_b):
    from tests.factories import MonthlyReportFactory

    later = MonthlyReportFactory(school=school_a, fiscal_year=2020, month=6)
    client = api(board)
    rows = client.get(reverse("api:school-month-list"), {"school": school_a.pk, "ordering": "-month"}).json()
    assert [r["id"] for r in rows["results"]] == [later.pk, month_a.pk]
    rows = client.get(reverse("api:school-month-list"), {"month": 4, "status": "submitted"}).json()
    assert {r["id"] for r in rows["results"]} == {month_a.pk, month_b.pk}


def test_token_authenticates_a_principal_system(principal_a, month_a, month_b):
    SystemAccount.objects.create(user=principal_a)
    _token, key = issue_token(user=principal_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(detail(month_a)).status_code == 200
    assert client.get(detail(month_b)).status_code == 404
    assert client.patch(detail(month_a), {"staff_count": 21}, format="json", **IF_V1).status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(detail(month_a)).status_code == 401


def test_session_writes_need_the_csrf_token(principal_a, month_a):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(principal_a)
    assert client.get(detail(month_a)).status_code == 200
    response = client.patch(detail(month_a), {"staff_count": 21}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_api_writes_are_recorded_as_from_the_api(api, users, school_a):
    client = api(users["principal_a"])
    response = client.post(
        reverse("api:school-month-list"), {**NEW_MONTH, "school": school_a.pk}, format="json"
    )
    assert response.status_code == 201
    report = MonthlyReport.objects.get(pk=response.json()["id"])
    assert report.history.latest().history_change_reason == "api"


def test_a_month_that_has_not_started_is_refused(api, users, school_a):
    client = api(users["board"])
    future = {**NEW_MONTH, "school": school_a.pk, "fiscal_year": 2099, "month": 4}
    response = client.post(reverse("api:school-month-list"), future, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["reason"]) for e in response.json()["errors"]] == [
        ("month", "この月はまだ始まっていません。")
    ]
    assert not MonthlyReport.objects.filter(fiscal_year=2099).exists()
