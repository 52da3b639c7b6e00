"""load_demo writes the demo city as the pages read it: the completeness page's on-time shares, each
month's history (submitted by the principal, approved by the board later), and nothing new on a
second run."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from demo.city import REPORTING_DUE_DAY
from demo.loader import load_demo
from metrics.entry.completeness import month_summaries
from metrics.entry.workflow import STATE_LABELS, month_history
from metrics.models import MonthlyReport, ReportingDeadline, School


def test_the_demo_due_day_is_the_boards_default():
    assert ReportingDeadline().due_day == REPORTING_DUE_DAY


@pytest.mark.django_db
def test_loaded_demo_city_submits_on_time_mostly_with_a_history(client):
    load_demo()
    schools = School.objects.filter(is_demo=True)
    assert schools.count() == 506
    fy2020 = month_summaries(fiscal_year=2020, schools=schools)
    assert [s.submitted_pct for s in fy2020] == [100.0] * 12
    assert all(70 <= s.on_time_pct <= 95 for s in fy2020), [s.on_time_pct for s in fy2020]
    fy2019 = month_summaries(fiscal_year=2019, schools=schools)
    assert all(70 <= s.on_time / s.submitted * 100 <= 95 for s in fy2019)

    report = MonthlyReport.objects.select_related("school").get(
        school__code="H03", fiscal_year=2020, month=12
    )
    entries = month_history(report)  # newest first
    assert [e.status for e in entries] == [str(STATE_LABELS[s]) for s in ("approved", "submitted")]
    approval, submission = entries
    assert submission.when == report.submitted_at < approval.when
    assert (submission.user, approval.user) == ("principal-H03", "board")
    assert (submission.version, approval.version, report.version) == (1, 2, 2)
    history = MonthlyReport.history.model.objects
    assert history.count() == 2 * MonthlyReport.objects.count()
    assert not history.filter(history_user__isnull=True).exists()

    client.force_login(User.objects.get(username="board"))
    page = client.get(reverse("metrics:board-completeness"), {"year": 2020})
    assert page.status_code == 200
    assert [s.on_time_pct for s in page.context["summaries"]] == [s.on_time_pct for s in fy2020]

    assert not load_demo().changed  # a second run changes nothing
    assert history.count() == 2 * MonthlyReport.objects.count()
