"""The history of an import is written from the ids the import just wrote: a row per created or
changed school-month (the channel 'import', who, the values after), none for an unchanged one, and
no statement that picks the rows by their timestamps (which scanned the whole table)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from metrics.entry import workflow
from metrics.imports import monthly
from metrics.models import MonthlyReport, School
from tests.factories import MonthlyReportFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "school_code,fiscal_year,month,staff_count,over_80h_count,left_by_19_count,"
    "over_45h_count,over_100h_count,leave_days_total,leave_10plus_count"
)
TRACKED = [*MonthlyReport.VALUE_FIELDS, "status", "version", "school_id", "fiscal_year", "month"]


def _import(text, user):
    with translation.override("en"):
        return monthly.import_monthly(
            text.encode(), schools=School.objects.all(), status="submitted", user=user, source_name="may.csv"
        )


def test_each_created_and_changed_month_gets_one_history_row_as_written(board, school_a, school_b):
    changed = MonthlyReportFactory(school=school_a, month=4, status="submitted")
    same = MonthlyReportFactory(school=school_b, month=4, status="submitted")
    outcome = _import(
        f"{HEADER}\nA001,2020,4,21,2,15,6,1,10,0\nB001,2020,4,20,2,15,6,1,10,0\nA001,2020,5,30,3,20,,,12.5,1\n",
        board,
    )
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 1, 1)
    created = MonthlyReport.objects.get(school=school_a, month=5)

    records = MonthlyReport.history.filter(history_change_reason="import: may.csv").order_by("history_type")
    assert [(r.id, r.history_type) for r in records] == [(created.pk, "+"), (changed.pk, "~")]
    assert {r.history_user_id for r in records} == {board.pk}
    assert len({r.history_date for r in records}) == 1
    for record in records:  # the history row holds what the table now holds
        stored = MonthlyReport.objects.get(pk=record.id)
        assert [getattr(record, n) for n in TRACKED] == [getattr(stored, n) for n in TRACKED]
    assert not same.history.filter(history_change_reason__startswith="import").exists()

    with translation.override("en"):
        [latest, first] = workflow.month_history(changed)
    assert (latest.source, latest.detail, latest.user, latest.version) == (
        "CSV import",
        "may.csv",
        "board-user",
        2,
    )
    assert latest.changes == [("staff counted", 20, 21)]
    with translation.override("en"):
        [entry] = workflow.month_history(created)
        changes = [(label, before, str(after)) for label, before, after in entry.changes]
    assert (entry.source, entry.user, entry.status) == ("CSV import", "board-user", "Submitted")
    assert ("staff counted", None, "30") in changes and ("status", None, "Submitted") in changes


def test_rows_sharing_the_imports_timestamps_get_no_history(board, school_a, school_b, monkeypatch):
    """A month outside the file stamped with the very time of the import (the old copy picked rows by
    created_at / updated_at) gets no history row."""
    moment = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    other = MonthlyReportFactory(school=school_b, month=6, status="submitted")
    MonthlyReport.objects.filter(pk=other.pk).update(created_at=moment, updated_at=moment)
    MonthlyReportFactory(school=school_a, month=4, status="submitted")
    before = other.history.count()
    outcome = _import(f"{HEADER}\nA001,2020,4,21,2,15,6,1,10,0\nA001,2020,5,20,2,15,6,1,10,0\n", board)
    assert (outcome.created, outcome.updated) == (1, 1)
    assert other.history.count() == before
    assert MonthlyReport.history.filter(history_change_reason="import: may.csv").count() == 2


def test_the_import_picks_no_rows_by_timestamp(board, school_a):
    MonthlyReportFactory(school=school_a, month=4, status="submitted")
    with CaptureQueriesContext(connection) as queries:
        outcome = _import(f"{HEADER}\nA001,2020,4,21,2,15,6,1,10,0\nA001,2020,5,20,2,15,6,1,10,0\n", board)
    assert outcome.written
    history_table = MonthlyReport.history.model._meta.db_table
    statements = [q["sql"] for q in queries.captured_queries]
    copies = [sql for sql in statements if re.match(f'INSERT INTO "?{history_table}"? ', sql)]
    assert len(copies) == 2  # created, changed
    for sql in copies:
        where = sql.rpartition(" WHERE ")[2]
        assert re.fullmatch(r"(id = ANY\(.*\)|id IN \([0-9, ]+\))", where, re.S), where
    timestamp_filter = re.compile(r"WHERE[^;]*\b(created_at|updated_at)\b", re.I)
    assert [sql for sql in statements if timestamp_filter.search(sql)] == []
