"""Celery tasks of the annual-report exports (found by Celery's autodiscovery)."""

from celery import shared_task
from celery.signals import task_failure

from reports import jobs


@shared_task(acks_late=True, retry_on_worker_lost=True, max_retries=1, default_retry_delay=2)
def build_report_export(export_id: int) -> str | None:
    """Build one export's file. A worker killed mid-way is retried once (the job starts over), then
    the export is marked failed by `export_worker_lost` below."""
    return jobs.run_export(export_id=export_id)


@shared_task
def sweep_stale_report_exports() -> int:
    """Every few minutes (CELERY_BEAT_SCHEDULE): fail exports whose worker vanished."""
    return jobs.sweep_stale_exports()


@task_failure.connect(sender=build_report_export)
def export_worker_lost(sender=None, task_id=None, exception=None, args=None, **kwargs):
    """Sent by the worker's main process when the process running the task died and will not retry:
    run_export records every other failure itself."""
    if args:
        jobs.mark_lost(export_id=args[0])
