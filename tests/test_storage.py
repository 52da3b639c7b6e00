"""Uploads held for preview and report exports go through Django's storage: the file system, and the
S3 backend (django-storages) against moto's S3-compatible server started here on 127.0.0.1."""

import socket

import boto3
import pytest
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.urls import reverse

from metrics.imports import uploads
from reports import jobs
from reports.models import ReportExport
from tests.reports.data import make_report_data

pytestmark = pytest.mark.django_db
BUCKET = "reform-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def storage(request, settings, tmp_path):
    """The default storage as the file system or as an S3 bucket on the moto server."""
    settings.MEDIA_ROOT = tmp_path / "media"
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_server")
        s3 = boto3.resource(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        bucket = s3.Bucket(BUCKET)
        if not bucket.creation_date:
            bucket.create()
        bucket.objects.all().delete()
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint,
                    "file_overwrite": False,
                    **CREDENTIALS,
                },
            },
        }
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        }
    yield request.param
    assert not (request.param == "s3" and (tmp_path / "media").exists()), "S3 wrote to the file system"


def _request(user):
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().post("/imports/")
    request.user, request.session = user, SessionStore()
    return request


def test_uploads_round_trip_and_are_capped_per_user(storage, board, official):
    request = _request(board)
    tokens = [
        uploads.keep(request, f"a\n{n}\n".encode(), f"{n}.csv") for n in range(uploads.MAX_PER_USER + 2)
    ]
    kept = [t for t in tokens if uploads.kept(request, t) is not None]
    assert kept == tokens[-uploads.MAX_PER_USER :]  # the oldest went first
    assert uploads.kept(request, tokens[-1]).raw == f"a\n{uploads.MAX_PER_USER + 1}\n".encode()
    other = _request(official)
    assert uploads.kept(other, uploads.keep(other, b"b\n1\n", "b.csv")) is not None  # a cap of its own
    assert len(default_storage.listdir(f"imports/{board.pk}")[1]) == uploads.MAX_PER_USER
    uploads.discard(request, tokens[-1])
    assert len(default_storage.listdir(f"imports/{board.pk}")[1]) == uploads.MAX_PER_USER - 1


def test_a_report_export_is_saved_and_downloaded_through_the_storage(storage, client, official, monkeypatch):
    make_report_data()
    export = ReportExport.objects.create(
        requested_by=official, fiscal_year=2020, format="csv", audience="official"
    )
    jobs.run_export(export_id=export.pk)  # what the Celery task calls
    export.refresh_from_db()
    assert export.status == ReportExport.Status.DONE, export.error
    assert default_storage.exists(export.file.name)
    client.force_login(official)
    response = client.get(reverse("reports:export-download", args=[export.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with default_storage.open(export.file.name, "rb") as file:
        assert body == file.read() and len(body) > 100
    response = client.get(f"/api/v1/exports/{export.pk}/download/")
    assert response.status_code == 200
    default_storage.delete(export.file.name)
    assert client.get(reverse("reports:export-download", args=[export.pk])).status_code == 404
