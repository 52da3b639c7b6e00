"""The annual report's exports through the API: who may ask, see and download; bad requests."""

import pytest

from reports.models import ReportExport
from tests.reports.data import make_report_data

URL = "/api/v1/exports/"


@pytest.fixture
def data(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_report_data()


def _ask(client, user, **payload):
    client.force_login(user)
    return client.post(
        URL,
        {"fiscal_year": 2020, "compare_year": 2019, "format": "csv", **payload},
        content_type="application/json",
    )


def test_official_asks_follows_and_downloads_an_aggregates_only_csv(
    client, data, official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the job is enqueued on commit
        response = _ask(client, official)
    assert response.status_code == 201
    body = response.json()
    assert body["audience"] == "official" and body["requested_by"] == official.username
    # Without a broker the job ran in-process once the request committed.
    detail = client.get(f"{URL}{body['id']}/").json()
    assert detail["status"] == "done" and detail["percent"] == 100
    download = client.get(detail["download_url"])
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert text.startswith("indicator,")
    kinds = {line.split(",")[3] for line in text.splitlines()[1:] if line}
    assert kinds == {"all", "type", "district"}  # aggregates only: no per-school rows


def test_principals_and_anonymous_cannot_export(client, data, principal_a):
    assert client.get(URL).status_code in (401, 403)
    assert _ask(client, principal_a).status_code == 403
    assert not ReportExport.objects.exists()


def test_an_official_cannot_see_a_board_export(client, data, board, official):
    board_export = _ask(client, board).json()
    client.force_login(official)
    assert client.get(f"{URL}{board_export['id']}/").status_code == 404
    assert client.get(f"{URL}{board_export['id']}/download/").status_code == 404
    assert client.get(URL).json()["count"] == 0


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"fiscal_year": 1990}, "fiscal_year"),
        ({"format": "docx"}, "format"),
        ({"compare_year": 2020}, "compare_year"),
        ({"fiscal_year": "abc"}, "fiscal_year"),
    ],
)
def test_bad_requests_name_the_field(client, data, board, payload, field):
    response = _ask(client, board, **payload)
    assert response.status_code == 400
    assert field in str(response.json())
    assert not ReportExport.objects.exists()
