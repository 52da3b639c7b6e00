"""Celery tasks of the metrics app. Each loads what it needs and calls one function."""

from celery import shared_task

from metrics.entry import completeness


@shared_task
def send_missing_month_reminders() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): email principals whose months are missing after the due day."""
    return completeness.send_reminders()
