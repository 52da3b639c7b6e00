import os
from datetime import timedelta

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import timezone

from reports import jobs
from reports.models import ReportExport
from tests.factories import user_with_role

PAGE = reverse("reports:exports")


@pytest.fixture
def ask(client, monkeypatch):
    """Posts the export form as `user` and follows to the page. Requests are not wrapped in a
    transaction, so in production the task is queued as soon as the row is saved; the test's own
    transaction would hold that back, so here the on-commit callback runs at once."""
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda func, using=None, robust=False: func())

    def post(user, fmt="csv", year=2020, compare=2019):
        client.force_login(user)
        return client.post(
            PAGE, {"fiscal_year": year, "compare_year": compare or "", "format": fmt}, follow=True
        )

    return post


def _export(user, **fields):
    return ReportExport.objects.create(
        requested_by=user,
        fiscal_year=2020,
        format="csv",
        audience=fields.pop("audience", "official"),
        **fields,
    )


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_principals_cannot_export_or_see_exports(client, report_data, principal_a, official, media_root):
    export = _export(official, status="done", file="exports/x.csv")
    client.force_login(principal_a)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"fiscal_year": 2020, "format": "csv"}).status_code == 404
    assert client.get(reverse("reports:export-status", args=[export.pk])).status_code == 404
    assert client.get(reverse("reports:export-download", args=[export.pk])).status_code == 404
    assert ReportExport.objects.count() == 1


def test_an_official_exports_in_process_without_a_broker_and_downloads(
    client, ask, report_data, official, media_root
):
    response = ask(official)
    assert "報告ができました" in response.content.decode()
    export = ReportExport.objects.get()
    assert (export.status, export.percent, export.audience, export.requested_by) == (
        "done",
        100,
        "official",
        official,
    )
    assert (media_root / export.file.name).is_file()
    page = response.content.decode()
    assert "official-user" in page and reverse("reports:export-download", args=[export.pk]) in page
    status = client.get(reverse("reports:export-status", args=[export.pk])).json()
    assert status["finished"] and status["download_url"].endswith(f"/{export.pk}/download/")
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert 'filename="annual-report-FY2020-official.csv"' in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf") and b"overtime_80h,2020,4,all,all,0,18.2,6,33,0," in content
    assert b",special_needs,0,X,,,1," in content, "officials' files are suppressed"


def test_the_media_folder_is_not_served_as_such(client, ask, report_data, official, media_root, settings):
    settings.DEBUG = True
    ask(official)
    export = ReportExport.objects.get()
    assert client.get(f"/media/{export.file.name}").status_code == 404


def test_officials_see_officials_exports_but_not_the_boards(
    client, ask, report_data, official, board, media_root
):
    ask(board, fmt="xlsx")
    board_export = ReportExport.objects.get()
    assert board_export.audience == "board"
    other = user_with_role("other-official", "official")
    ask(other)
    theirs = ReportExport.objects.get(requested_by=other)

    client.force_login(official)
    page = client.get(PAGE).content.decode()
    assert "other-official" in page and "board-user" not in page
    for name in ("reports:export-status", "reports:export-download"):
        assert client.get(reverse(name, args=[board_export.pk])).status_code == 404
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 200

    client.force_login(board)
    assert client.get(reverse("reports:export-download", args=[theirs.pk])).status_code == 200


def test_a_failing_job_shows_why(client, ask, report_data, official, media_root, monkeypatch):
    def broken(report, **kwargs):
        raise ValueError("no room left on the page")

    monkeypatch.setitem(jobs.render_report.__globals__["RENDERERS"], "csv", broken)
    response = ask(official)
    export = ReportExport.objects.get()
    assert export.status == "failed" and not export.file
    assert "報告を作成できませんでした：ValueError: no room left on the page" in response.content.decode()
    assert not list((media_root / "exports").glob("*")), "no file, not even a temporary one"
    assert client.get(reverse("reports:export-download", args=[export.pk])).status_code == 404


def test_a_year_without_data_fails_with_a_message(
    report_data, official, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = jobs.request_export(user=official, fiscal_year=2030, compare_year=None, fmt="pdf")
    export.refresh_from_db()
    assert (export.status, export.error) == ("failed", "令和12年度（FY2030）のデータがありません。")


def test_the_form_refuses_the_same_year_twice(client, ask, report_data, official, media_root):
    response = ask(official, year=2020, compare=2020)
    assert response.status_code == 200 and not ReportExport.objects.exists()
    assert "比較する年度は別の年度を選ぶか" in response.content.decode()


@pytest.fixture
def broker_down():
    """A broker address where nothing listens: Redis is down."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:1/0"
    _reset_connections()
    yield
    conf.task_always_eager, conf.broker_url = saved
    _reset_connections()


def _reset_connections():
    current_app.pool.force_close_all()
    current_app._pool = None
    current_app.amqp._producer_pool = None


def test_redis_down_is_said_clearly_and_nothing_else_stops(
    client, ask, report_data, official, media_root, broker_down
):
    response = ask(official)
    page = response.content.decode()
    assert "タスクキュー（Redis）に接続できないため" in page
    export = ReportExport.objects.get()
    assert export.status == "failed" and "Redis" in export.error
    assert client.get(reverse("metrics:home")).status_code == 200
    assert client.get(reverse("metrics:indicator", args=["overtime_80h"])).status_code == 200


def test_the_sweep_fails_jobs_whose_worker_vanished(report_data, official, media_root):
    old = timezone.now() - jobs.STALE_AFTER - timedelta(minutes=1)
    lost = _export(official, status="running", heartbeat_at=old)
    alive = _export(official, status="running", heartbeat_at=timezone.now())
    waiting = _export(official, status="queued")
    folder = media_root / "exports"
    folder.mkdir(parents=True)
    leftover = folder / ".annual-report-FY2020-1-ab.csv.part"
    leftover.write_bytes(b"half")
    os.utime(leftover, (old.timestamp(), old.timestamp()))
    assert jobs.sweep_stale_exports() == 1
    lost.refresh_from_db()
    assert lost.status == "failed" and "ワーカーが停止しました" in lost.error
    assert ReportExport.objects.get(pk=alive.pk).status == "running"
    assert ReportExport.objects.get(pk=waiting.pk).status == "queued"
    assert not leftover.exists()


def test_a_redelivered_message_for_a_settled_job_does_nothing(report_data, official, media_root):
    export = _export(official, status="failed", error="lost")
    assert jobs.run_export(export_id=export.pk) is None
    assert ReportExport.objects.get(pk=export.pk).error == "lost"
