"""One rule for a school-month's state: every channel (the form, the board's review, the API, the
per-staff fill) allows exactly the moves of `workflow.TRANSITIONS` to exactly the roles listed there."""

import itertools

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from metrics.entry import workflow
from metrics.imports.monthly import import_monthly
from metrics.models import MonthlyReport, School
from tests.factories import MonthlyReportFactory

Status = MonthlyReport.Status
STATES = [workflow.NOT_STARTED, *Status.values]
TARGETS = list(Status.values)
MOVES = list(itertools.product(STATES, TARGETS))
VALUES = {
    "staff_count": 30,
    "over_80h_count": 3,
    "left_by_19_count": 20,
    "over_45h_count": 9,
    "over_100h_count": 1,
    "leave_days_total": "12.5",
    "leave_10plus_count": 0,
}


def allowed(current, target, role) -> bool:
    return role in workflow.TRANSITIONS.get((current, target), ())


def month_in(state, school, month=5):
    """A school-month in `state` (None for a month not started)."""
    if state == workflow.NOT_STARTED:
        return None
    comment = "直してください" if state == Status.RETURNED else ""
    return MonthlyReportFactory(
        school=school, fiscal_year=2020, month=month, status=state, review_comment=comment
    )


def stored(school, month=5):
    return MonthlyReport.objects.filter(school=school, fiscal_year=2020, month=month).first()


def test_the_table_is_what_the_workflow_promises():
    board, principal = workflow.access.Role.BOARD, workflow.access.Role.PRINCIPAL
    # Principals save drafts and submit; only the board approves and returns.
    assert allowed(workflow.NOT_STARTED, Status.SUBMITTED, principal)
    assert allowed(Status.RETURNED, Status.SUBMITTED, principal)
    assert not allowed(Status.SUBMITTED, Status.APPROVED, principal)
    assert allowed(Status.SUBMITTED, Status.APPROVED, board)
    # Nobody approves a draft or a returned month, and an approved month is locked until returned.
    for role in (board, principal):
        assert not allowed(Status.DRAFT, Status.APPROVED, role)
        assert not allowed(Status.RETURNED, Status.APPROVED, role)
        assert not allowed(Status.APPROVED, Status.APPROVED, role)
        assert not allowed(Status.APPROVED, Status.SUBMITTED, role)
        assert not allowed(Status.APPROVED, Status.DRAFT, role)


@pytest.mark.parametrize("current, target", MOVES)
def test_a_return_needs_a_comment_and_errors_name_the_field(board, current, target):
    error = workflow.transition_error(current=current, target=target, user=board)
    if not allowed(current, target, workflow.access.Role.BOARD):
        assert list(error.message_dict) == ["status"]
    elif target == Status.RETURNED:  # a returned month always says why
        assert list(error.message_dict) == ["comment"]
        assert workflow.transition_error(current=current, target=target, user=board, comment="確認を") is None
    else:
        assert error is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["board", "principal_a"])
@pytest.mark.parametrize("current, target", MOVES)
def test_api(request, school_a, role, current, target):
    user = request.getfixturevalue(role)
    report = month_in(current, school_a)
    client = APIClient()
    client.force_authenticate(user)
    body = {**VALUES, "status": target, "review_comment": "確認してください" if role == "board" else ""}
    if report is None:
        response = client.post(
            reverse("api:school-month-list"),
            {**body, "school": school_a.pk, "fiscal_year": 2020, "month": 5},
            format="json",
        )
    else:
        if role != "board":
            body.pop("review_comment")
        response = client.patch(
            reverse("api:school-month-detail", args=[report.pk]),
            body,
            format="json",
            HTTP_IF_MATCH=f'"{report.version}"',
        )
    ok = allowed(current, target, workflow.access.role_of(user))
    assert (response.status_code < 300) == ok, response.content
    after = stored(school_a)
    if ok:
        assert after.status == target and after.staff_count == 30
        assert after.history.first().history_change_reason == workflow.SOURCE_API
    else:
        assert (after.status if after else workflow.NOT_STARTED) == current
        assert after is None or after.staff_count == 20


@pytest.mark.django_db
@pytest.mark.parametrize("current", STATES)
@pytest.mark.parametrize("submit", [False, True])
def test_form(client, principal_a, school_a, current, submit):
    report = month_in(current, school_a)
    client.force_login(principal_a)
    url = reverse("metrics:entry-month", args=[2020, 5])
    version = report.version if report else 0
    client.post(url, {**VALUES, "version": version, **({"submit": "1"} if submit else {})})
    target = Status.SUBMITTED if submit else Status.DRAFT
    after = stored(school_a)
    if allowed(current, target, workflow.access.Role.PRINCIPAL):
        assert (after.status, after.staff_count) == (target, 30)
    else:
        assert (after.status if after else workflow.NOT_STARTED) == current
        assert after is None or after.staff_count == 20


@pytest.mark.django_db
@pytest.mark.parametrize("current", STATES[1:])
@pytest.mark.parametrize("action", ["approve", "return"])
def test_review(client, board, school_a, current, action):
    report = month_in(current, school_a)
    client.force_login(board)
    url = reverse("metrics:board-review-detail", args=[report.pk])
    client.post(url, {"action": action, "comment": "人数を確認してください", "version": report.version})
    target = Status.APPROVED if action == "approve" else Status.RETURNED
    report.refresh_from_db()
    ok = allowed(current, target, workflow.access.Role.BOARD)
    assert report.status == (target if ok else current)


@pytest.mark.django_db
@pytest.mark.parametrize("current", STATES[1:])
def test_bulk_approval_approves_only_what_may_be_approved(board, school_a, current):
    month_in(current, school_a)
    approved = workflow.approve_many(reports=MonthlyReport.objects.all(), user=board)
    assert approved == int(allowed(current, Status.APPROVED, workflow.access.Role.BOARD))


@pytest.mark.django_db
def test_the_per_staff_fill_creates_months_only_as_the_table_allows(principal_a, school_a):
    with pytest.raises(workflow.ValidationError):
        workflow.create_months(
            [MonthlyReport(school=school_a, fiscal_year=2020, month=5, **VALUES)],
            target=Status.APPROVED,
            user=principal_a,
            source=workflow.SOURCE_STAFF_HOURS,
        )
    assert not MonthlyReport.objects.exists()
    created = workflow.create_months(
        [MonthlyReport(school=school_a, fiscal_year=2020, month=5, **VALUES)],
        target=Status.SUBMITTED,
        user=None,  # the command line acts with the board's authority
        source=workflow.SOURCE_STAFF_HOURS,
    )
    assert created == 1 and stored(school_a).submitted_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["board", "principal_a"])
@pytest.mark.parametrize("current, target", [m for m in MOVES if m[1] != Status.RETURNED])
def test_import(request, school_a, role, current, target):
    user = request.getfixturevalue(role)
    month_in(current, school_a)
    header = "school_code,fiscal_year,month," + ",".join(VALUES)
    row = "A001,2020,5," + ",".join(str(v) for v in VALUES.values())
    outcome = import_monthly(
        f"{header}\n{row}\n".encode(),
        schools=School.objects.restrict(user),
        status=target,
        user=user,
    )
    ok = allowed(current, target, workflow.access.role_of(user))
    assert outcome.written == ok
    after = stored(school_a)
    assert (after.status if after else workflow.NOT_STARTED) == (target if ok else current)
