"""The reminder task: principals whose month is missing after the due day get one email about it."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail

from metrics import tasks
from metrics.entry import completeness
from metrics.models import Reminder, ReportingDeadline
from tests.factories import MonthlyReportFactory


@pytest.fixture
def outbox(db):
    """Django's locmem outbox, once the test environment (set up with the database) has made it."""
    mail.outbox.clear()
    return mail.outbox


@pytest.fixture
def principals(principal_a, principal_b):
    principal_a.email, principal_b.email = "a@school.example.jp", "b@school.example.jp"
    principal_a.save()
    principal_b.save()
    return principal_a, principal_b


def _freeze(time_machine, day):
    """Stop the clock at noon of `day` in the city's time zone: timezone.localdate() is then `day`."""
    noon = datetime.datetime.combine(day, datetime.time(12), zoneinfo.ZoneInfo(settings.TIME_ZONE))
    time_machine.move_to(noon, tick=False)


def test_the_task_emails_only_principals_with_a_missing_month(
    time_machine, outbox, principals, school_a, school_b
):
    ReportingDeadline.objects.create(due_day=10)
    _freeze(time_machine, datetime.date(2021, 5, 11))  # April 2021 was due on 10 May
    for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3):
        MonthlyReportFactory(school=school_a, fiscal_year=2020, month=month, status="approved")
        MonthlyReportFactory(school=school_b, fiscal_year=2020, month=month, status="approved")
    MonthlyReportFactory(school=school_a, fiscal_year=2021, month=4, status="submitted")
    MonthlyReportFactory(school=school_b, fiscal_year=2021, month=4, status="draft")

    assert tasks.send_missing_month_reminders.delay().get() == 1

    [mail] = outbox
    assert mail.to == ["b@school.example.jp"]
    assert "テストB小学校" in mail.subject
    assert "令和3年度（FY2021） 4月（下書き、期限 2021-05-10）" in mail.body
    assert settings.SITE_URL + "/entry/" in mail.body
    assert list(Reminder.objects.values_list("school__code", "fiscal_year", "month")) == [("B001", 2021, 4)]


def test_a_month_is_reminded_about_once(time_machine, outbox, principals, school_a):
    _freeze(time_machine, datetime.date(2021, 5, 11))
    completeness.send_reminders(day=datetime.date(2021, 5, 11))
    sent = len(outbox)
    assert sent == 2  # both schools: every month of the last year is missing
    assert completeness.send_reminders(day=datetime.date(2021, 5, 12)) == 0
    assert len(outbox) == sent


def test_nothing_is_sent_before_the_due_day(time_machine, outbox, principals, school_a, school_b):
    ReportingDeadline.objects.create(due_day=10)
    day = datetime.date(2020, 5, 10)  # April 2020 is due today: not yet overdue
    _freeze(time_machine, day)
    for school in (school_a, school_b):  # the months of FY2019 that were due before are all in
        for month in (5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3):
            MonthlyReportFactory(school=school, fiscal_year=2019, month=month, status="submitted")
    assert completeness.overdue_months(day)[-1] == (2019, 3)
    assert completeness.send_reminders(day=day) == 0
    assert outbox == []
    assert not Reminder.objects.exists()
    _freeze(time_machine, day + datetime.timedelta(days=1))
    assert completeness.send_reminders(day=day + datetime.timedelta(days=1)) == 2
    assert {m.to[0] for m in outbox} == {"a@school.example.jp", "b@school.example.jp"}


def test_principals_without_an_email_are_skipped_until_they_have_one(
    time_machine, outbox, principal_a, school_a
):
    day = datetime.date(2020, 5, 11)
    _freeze(time_machine, day)
    assert completeness.send_reminders(day=day) == 0
    assert not Reminder.objects.exists()
    principal_a.email = "a@school.example.jp"
    principal_a.save()
    assert completeness.send_reminders(day=day) == 1
    assert outbox[0].to == ["a@school.example.jp"]


def test_the_beat_schedule_runs_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-report-reminders"]
    assert entry["task"] == tasks.send_missing_month_reminders.name
