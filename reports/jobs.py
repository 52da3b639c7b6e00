"""Export jobs: a user's request becomes a ReportExport row and a Celery task; the task builds the file.

The file is built in memory, saved through Django's storage (settings.STORAGES["default"]: the file
system under MEDIA_ROOT, or S3 shared by several web servers) as exports/…, and only then attached to
the row: a job that dies half-way leaves no file to download. Downloads read it back through the
storage. A worker killed in the middle is retried once (the task's `retry_on_worker_lost`); if it
dies again, or the whole worker vanishes, the export is marked failed (the task_failure signal, or
`sweep_stale_exports`).
"""

import logging
import secrets
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reform import access
from reports.builder import ReportError, ReportOptions, is_demo_data
from reports.models import ReportExport
from reports.output import render_report

logger = logging.getLogger(__name__)

EXPORT_DIR = "exports"
STALE_AFTER = timedelta(minutes=10)  # a running job reports progress every few seconds
NEVER_STARTED_AFTER = timedelta(days=1)
STAGES = {
    "": gettext_lazy("Waiting for a worker"),
    "starting": gettext_lazy("Starting"),
    "loading": gettext_lazy("Reading the data"),
    "figures": gettext_lazy("Computing the figures"),
    "measures": gettext_lazy("Collecting the measures"),
    "charts": gettext_lazy("Drawing the charts"),
    "layout": gettext_lazy("Laying out the pages"),
    "tables": gettext_lazy("Writing the sheets"),
    "schools": gettext_lazy("Writing the per-school sheet"),
    "saving": gettext_lazy("Saving the file"),
    "done": gettext_lazy("Done"),
}
BROKER_DOWN = gettext_lazy(
    "The task queue (Redis) cannot be reached, so the export was not started. The rest of the "
    "dashboard keeps working; please try again later or tell the system administrator."
)
WORKER_LOST = gettext_lazy(
    "The worker building this report stopped (it may have been restarted or run out of memory). "
    "Please ask for the export again."
)


def request_export(*, user, fiscal_year: int, compare_year: int | None, fmt: str) -> ReportExport:
    """Records the request and queues its task once the row is committed. If the queue cannot be
    reached the export comes back failed with BROKER_DOWN as its error; without a broker (the embedded
    default) the task has run in-process by the time this returns."""
    audience = access.report_audience_of(user)
    if audience is None:
        raise PermissionError("this user cannot export reports")
    with transaction.atomic():
        export = ReportExport.objects.create(
            requested_by=user,
            fiscal_year=fiscal_year,
            compare_year=compare_year,
            format=fmt,
            audience=audience,
        )
        transaction.on_commit(partial(enqueue_export, export_id=export.pk))
    export.refresh_from_db()
    return export


def enqueue_export(*, export_id: int) -> None:
    from kombu.exceptions import OperationalError

    from reports.tasks import build_report_export

    try:
        # A short retry policy: a user is waiting for the page.
        build_report_export.apply_async(
            (export_id,),
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        )
    except (OperationalError, OSError):
        logger.exception("could not queue report export %s", export_id)
        _finish(export_id, status=ReportExport.Status.FAILED, error=str(BROKER_DOWN))


def queue_was_down(export: ReportExport) -> bool:
    """The export failed because its task could not be queued (the API answers 503 for it)."""
    return export.status == ReportExport.Status.FAILED and export.error == str(BROKER_DOWN)


def _update(export_id: int, **fields) -> int:
    return ReportExport.objects.filter(pk=export_id).update(**fields)


def _finish(export_id: int, *, status: str, error: str = "", file: str = "") -> None:
    now = timezone.now()
    fields = {"status": status, "error": error, "finished_at": now, "heartbeat_at": now}
    if status == ReportExport.Status.DONE:
        fields.update(stage="done", percent=100, file=file)
    _update(export_id, **fields)


def export_path(name: str) -> Path:
    """Where the file system storage keeps `name` (only for sweeping its leftovers)."""
    return Path(settings.MEDIA_ROOT) / name


def open_export_file(export: ReportExport):
    """The built file of a finished export, opened from the storage, or None if it is not there."""
    name = export.file.name
    if export.status != ReportExport.Status.DONE or not name:
        return None
    try:
        return default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        return None


def run_export(*, export_id: int) -> str | None:
    """Builds an export's file and records the outcome; returns the final status (None: nothing to do).

    Never raises for a report that cannot be built: the error is recorded on the row for the user."""
    export = ReportExport.objects.filter(pk=export_id).first()
    if export is None or export.is_finished:
        return None  # deleted, or a redelivered message for a job already settled
    now = timezone.now()
    _update(
        export_id,
        status=ReportExport.Status.RUNNING,
        stage="starting",
        percent=0,
        error="",
        attempts=export.attempts + 1,
        started_at=now,
        heartbeat_at=now,
    )

    def progress(stage: str, percent: int) -> None:
        _update(export_id, stage=stage, percent=min(percent, 99), heartbeat_at=timezone.now())

    token = secrets.token_hex(4)
    export.demo = is_demo_data()  # the download's name says so (ReportExport.download_name)
    _update(export_id, demo=export.demo)
    stem = export.download_name.rsplit(".", 1)[0]
    name = f"{EXPORT_DIR}/{stem}-{export.pk}-{token}.{export.extension}"
    options = ReportOptions(
        fiscal_year=export.fiscal_year, compare_year=export.compare_year, audience=export.audience
    )
    try:
        content = render_report(options=options, fmt=export.format, progress=progress)
        progress("saving", 95)
        name = default_storage.save(name, ContentFile(content))
    except ReportError as exc:
        _finish(export_id, status=ReportExport.Status.FAILED, error=str(exc))
        return ReportExport.Status.FAILED
    except Exception as exc:
        logger.exception("report export %s failed", export_id)
        _finish(
            export_id,
            status=ReportExport.Status.FAILED,
            error=_("The report could not be built: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"},
        )
        return ReportExport.Status.FAILED
    _finish(export_id, status=ReportExport.Status.DONE, file=name)
    return ReportExport.Status.DONE


def mark_lost(*, export_id: int) -> None:
    """The worker running this export died and will not retry it."""
    ReportExport.objects.filter(pk=export_id).exclude(
        status__in=[ReportExport.Status.DONE, ReportExport.Status.FAILED]
    ).update(status=ReportExport.Status.FAILED, error=str(WORKER_LOST), finished_at=timezone.now())


def sweep_stale_exports(*, now=None) -> int:
    """Marks failed the exports whose worker vanished: running without a sign of life for STALE_AFTER,
    or queued for NEVER_STARTED_AFTER (the queue lost them). Removes temporary files they left behind.
    Returns how many were marked."""
    now = now or timezone.now()
    running = ReportExport.objects.filter(
        status=ReportExport.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    queued = ReportExport.objects.filter(
        status=ReportExport.Status.QUEUED, requested_at__lt=now - NEVER_STARTED_AFTER
    )
    count = 0
    for queryset in (running, queued):
        count += queryset.update(status=ReportExport.Status.FAILED, error=str(WORKER_LOST), finished_at=now)
    folder = export_path(EXPORT_DIR)
    if folder.is_dir():
        cutoff = (now - STALE_AFTER).timestamp()
        for leftover in folder.glob(".*.part"):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
    return count


def status_of(export: ReportExport) -> dict:
    """What the export page shows about a job while it runs (the JSON status endpoint)."""
    from django.urls import reverse

    return {
        "id": export.pk,
        "status": export.status,
        "status_label": export.get_status_display(),
        "stage": export.stage,
        "stage_label": str(STAGES.get(export.stage, export.stage)),
        "percent": export.percent,
        "error": export.error,
        "finished": export.is_finished,
        "download_url": reverse("reports:export-download", args=[export.pk])
        if export.status == ReportExport.Status.DONE
        else None,
    }
