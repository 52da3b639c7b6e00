"""No silent overwrite: every school-month carries a version; a form, review, API write or import
against an older version (or a first save that loses the race) is refused, naming what changed and
who changed it, and nothing is written."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from metrics.entry import workflow
from metrics.imports import monthly
from metrics.models import MonthlyReport
from tests.factories import MonthlyReportFactory

pytestmark = pytest.mark.django_db

COUNTS = {
    "staff_count": "20",
    "over_80h_count": "2",
    "left_by_19_count": "15",
    "over_45h_count": "",
    "over_100h_count": "",
    "leave_days_total": "30.5",
    "leave_10plus_count": "1",
}
CHANGED_SINCE = "この月は開いた後に変更されたため、保存していません"


def _month_url():
    return reverse("metrics:entry-month", args=[2020, 5])


def _snapshot():
    return list(MonthlyReport.objects.order_by("pk").values())


def test_every_write_raises_the_version(client, principal_a, board, school_a):
    client.force_login(principal_a)
    client.post(_month_url(), {**COUNTS, "version": 0, "draft": "1"})
    report = MonthlyReport.objects.get()
    assert report.version == 1
    client.post(_month_url(), {**COUNTS, "version": 1, "submit": "1"})
    report.refresh_from_db()
    assert (report.status, report.version) == ("submitted", 2)
    workflow.approve_many(reports=MonthlyReport.objects.all(), user=board, versions={report.pk: 2})
    report.refresh_from_db()
    assert (report.status, report.version) == ("approved", 3)
    assert report.history.first().version == 3


def test_a_stale_form_is_refused_naming_the_change_and_who(client, principal_a, board, school_a):
    report = MonthlyReportFactory(school=school_a, month=5, status="submitted")
    client.force_login(principal_a)
    seen = client.get(_month_url()).context["form"]["version"].value()
    assert seen == 1
    workflow.return_month(report=report, comment="職員数を確認", user=board, seen_version=1)
    before = _snapshot()
    response = client.post(_month_url(), {**COUNTS, "staff_count": "25", "version": seen, "submit": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert CHANGED_SINCE in page
    assert "board-user" in page and "差戻し" in page
    assert _snapshot() == before


def test_a_form_without_a_version_does_not_overwrite_a_stored_month(client, principal_a, school_a):
    MonthlyReportFactory(school=school_a, month=5, status="draft")
    client.force_login(principal_a)
    before = _snapshot()
    response = client.post(_month_url(), {**COUNTS, "staff_count": "25", "submit": "1"})
    assert CHANGED_SINCE in response.content.decode()
    assert _snapshot() == before


def test_the_board_cannot_approve_values_changed_after_it_opened_the_month(
    client, principal_a, board, school_a
):
    report = MonthlyReportFactory(school=school_a, month=5, status="submitted")
    client.force_login(board)
    page = client.get(reverse("metrics:board-review-detail", args=[report.pk])).content.decode()
    assert 'name="version" value="1"' in page
    changed = MonthlyReport.objects.get(pk=report.pk)
    changed.staff_count = 30
    workflow.save_month(report=changed, submit=True, user=principal_a, seen_version=1)
    before = _snapshot()
    response = client.post(
        reverse("metrics:board-review-detail", args=[report.pk]),
        {"action": "approve", "version": 1},
        follow=True,
    )
    text = response.content.decode()
    assert CHANGED_SINCE in text and "principal-a" in text and "20 → 30" in text
    assert _snapshot() == before


def test_bulk_approval_leaves_months_changed_since_the_list(client, principal_a, board, school_a, school_b):
    fresh = MonthlyReportFactory(school=school_a, month=5, status="submitted")
    stale = MonthlyReportFactory(school=school_b, month=5, status="submitted")
    stale.version = 2
    stale.save()
    client.force_login(board)
    values = [f"{fresh.pk}:1", f"{stale.pk}:1"]
    confirm = client.post(reverse("metrics:board-bulk-approve"), {"report": values})
    assert "提出済の1件の月を承認します" in confirm.content.decode()
    assert MonthlyReport.objects.filter(status="approved").count() == 0
    response = client.post(
        reverse("metrics:board-bulk-approve"), {"report": values, "confirm": "1"}, follow=True
    )
    text = response.content.decode()
    assert "1件の月を承認しました" in text and "選択した月のうち1件は承認していません" in text
    statuses = dict(MonthlyReport.objects.values_list("pk", "status"))
    assert statuses == {fresh.pk: "approved", stale.pk: "submitted"}


def test_the_review_status_filter_shows_what_it_says(client, board, school_a, school_b):
    MonthlyReportFactory(school=school_a, month=5, status="submitted")
    MonthlyReportFactory(school=school_b, month=5, status="draft")
    client.force_login(board)
    default = client.get(reverse("metrics:board-review") + "?year=2020")
    assert default.context["filters"]["status"].value() == "submitted"
    assert len(default.context["page"].object_list) == 1
    every = client.get(reverse("metrics:board-review") + "?year=2020&status=")
    assert every.context["filters"]["status"].value() == ""
    assert len(every.context["page"].object_list) == 2


# --- the API: ETag / If-Match ------------------------------------------------------------------------


def _detail(report):
    return reverse("api:school-month-detail", args=[report.pk])


def test_the_api_sends_an_etag_and_needs_it_back(principal_a, board, school_a):
    report = MonthlyReportFactory(school=school_a, month=5, status="draft")
    client = APIClient()
    client.force_authenticate(principal_a)
    got = client.get(_detail(report))
    assert got["ETag"] == '"1"' and got.json()["version"] == 1
    before = _snapshot()
    missing = client.patch(_detail(report), {"staff_count": 25}, format="json")
    assert missing.status_code == 412 and "If-Match" in missing.json()["detail"]
    assert _snapshot() == before

    workflow.save_month(report=MonthlyReport.objects.get(), submit=True, user=board, seen_version=1)
    before = _snapshot()
    stale = client.patch(_detail(report), {"staff_count": 25}, format="json", HTTP_IF_MATCH=got["ETag"])
    assert stale.status_code == 412
    assert CHANGED_SINCE in stale.json()["detail"] and "board-user" in stale.json()["detail"]
    assert _snapshot() == before

    fresh = client.get(_detail(report))["ETag"]
    saved = client.patch(_detail(report), {"staff_count": 25}, format="json", HTTP_IF_MATCH=fresh)
    assert saved.status_code == 200 and saved["ETag"] == '"3"'
    assert MonthlyReport.objects.get().staff_count == 25


# --- concurrent first saves ---------------------------------------------------------------------------


@pytest.fixture
def rival_first_save(monkeypatch, school_a):
    """Another first save of 2020-05 lands between this writer's read and its insert.

    One connection stands in for two here, so the rival row goes when the refused save's
    transaction rolls back; the threaded test below races two real connections on PostgreSQL."""
    real = workflow._locked_stored

    def read_then_lose(report):
        found = real(report)
        if found is None and not MonthlyReport.objects.exists():
            MonthlyReportFactory(school=school_a, month=5, status="draft", staff_count=40)
        return found

    monkeypatch.setattr(workflow, "_locked_stored", read_then_lose)


def test_a_form_first_save_that_loses_the_race_gets_the_conflict_message(
    client, principal_a, school_a, rival_first_save
):
    client.force_login(principal_a)
    response = client.post(_month_url(), {**COUNTS, "version": 0, "submit": "1"})
    assert response.status_code == 200
    assert CHANGED_SINCE in response.content.decode()
    assert not MonthlyReport.objects.filter(staff_count=20).exists()


def test_an_api_create_that_loses_the_race_is_a_409(principal_a, school_a, rival_first_save):
    client = APIClient()
    client.force_authenticate(principal_a)
    body = {
        **{k: v or None for k, v in COUNTS.items()},
        "school": school_a.pk,
        "fiscal_year": 2020,
        "month": 5,
    }
    response = client.post(reverse("api:school-month-list"), body, format="json")
    assert response.status_code == 409
    assert CHANGED_SINCE in response.json()["detail"]
    assert not MonthlyReport.objects.filter(staff_count=20).exists()


def test_an_import_that_loses_the_race_imports_nothing(monkeypatch, board, school_a):
    real = monthly._existing_months

    def read_then_lose(schools, pairs):
        found = real(schools, pairs)
        MonthlyReportFactory(school=school_a, month=5, status="submitted", staff_count=40)
        return found

    monkeypatch.setattr(monthly, "_existing_months", read_then_lose)
    raw = (
        "学校コード,年度,月,対象教職員数,80時間超,19時までに退勤,年休取得日数合計,年休10日以上\n"
        "A001,2020,5,20,2,15,30.5,1\n"
    ).encode()
    with pytest.raises(monthly.ImportFileError, match="別の人がこれらの月のいずれかを保存"):
        monthly.import_monthly(raw, schools=school_a.__class__.objects.all(), status="submitted", user=board)
    assert MonthlyReport.objects.get().staff_count == 40


def test_an_import_does_not_overwrite_a_month_changed_while_it_ran(monkeypatch, board, school_a):
    report = MonthlyReportFactory(school=school_a, month=5, status="submitted")
    real = monthly._existing_months

    def read_then_change(schools, pairs):
        found = real(schools, pairs)
        MonthlyReport.objects.filter(pk=report.pk).update(staff_count=40, version=2)
        return found

    monkeypatch.setattr(monthly, "_existing_months", read_then_change)
    raw = (
        "学校コード,年度,月,対象教職員数,80時間超,19時までに退勤,年休取得日数合計,年休10日以上\n"
        "A001,2020,5,21,2,15,30.5,1\n"
    ).encode()
    with pytest.raises(monthly.ImportFileError):
        monthly.import_monthly(raw, schools=school_a.__class__.objects.all(), status="submitted", user=board)
    report.refresh_from_db()
    assert (report.staff_count, report.version) == (40, 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections writing at once need PostgreSQL"
)
def test_two_threads_saving_the_first_version_at_once(principal_a, school_a):
    """Two real transactions race to create 2020-05: one wins, the other gets the conflict."""
    barrier, outcomes = threading.Barrier(2), []

    def save(staff):
        try:
            barrier.wait()
            report = MonthlyReport(
                school=school_a,
                fiscal_year=2020,
                month=5,
                staff_count=staff,
                over_80h_count=1,
                left_by_19_count=1,
                leave_days_total=1,
                leave_10plus_count=0,
            )
            workflow.save_month(report=report, submit=True, user=principal_a, seen_version=0)
            outcomes.append("saved")
        except workflow.VersionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    for _round in range(5):
        MonthlyReport.objects.all().delete()
        outcomes.clear()
        threads = [threading.Thread(target=save, args=(n,)) for n in (20, 30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["conflict", "saved"]
        assert MonthlyReport.objects.count() == 1


# --- partial drafts, the school's until submitted ------------------------------------------------------


def test_a_draft_may_be_partial_but_submitting_needs_every_required_value(client, principal_a, school_a):
    client.force_login(principal_a)
    partial = {**dict.fromkeys(COUNTS, ""), "staff_count": "20", "version": 0}
    assert client.post(_month_url(), {**partial, "draft": "1"}).status_code == 302
    report = MonthlyReport.objects.get()
    assert (report.status, report.staff_count, report.over_80h_count) == ("draft", 20, None)
    before = _snapshot()
    response = client.post(_month_url(), {**partial, "version": 1, "submit": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "提出する前に" in str(errors["over_80h_count"]) and "over_45h_count" not in errors
    assert _snapshot() == before


def test_the_database_refuses_an_incomplete_counted_month(school_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReport.objects.create(
            school=school_a, fiscal_year=2020, month=5, staff_count=20, status="submitted"
        )


def test_the_board_sees_that_a_draft_exists_not_its_values(client, board, principal_a, school_a):
    report = MonthlyReportFactory(school=school_a, month=5, status="draft", staff_count=37)
    client.force_login(board)
    listing = client.get(reverse("metrics:board-review") + "?year=2020&status=draft").content.decode()
    assert "下書き" in listing and ">37<" not in listing
    detail = client.get(reverse("metrics:board-review-detail", args=[report.pk])).content.decode()
    assert ">37<" not in detail
    history = client.get(reverse("metrics:report-history", args=[report.pk])).content.decode()
    assert "→ 37" not in history and "下書き：提出されるまで" in history
    api = APIClient()
    api.force_authenticate(board)
    assert api.get(_detail(report)).json()["staff_count"] is None
    api.force_authenticate(principal_a)
    assert api.get(_detail(report)).json()["staff_count"] == 37
    client.force_login(principal_a)
    assert "→ 37" in client.get(reverse("metrics:report-history", args=[report.pk])).content.decode()
