"""Imports never lose data: an absent column leaves the stored value alone, numbers are checked
against the database's range in the preview, a row with no values is skipped, and the template
offers only months that are open."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from metrics.entry import workflow
from metrics.imports.monthly import import_monthly, monthly_template_rows
from metrics.models import MonthlyReport, School
from tests.factories import MonthlyReportFactory

pytestmark = pytest.mark.django_db

WITHOUT_BANDS = (
    "school_code,fiscal_year,month,staff_count,over_80h_count,left_by_19_count,"
    "leave_days_total,leave_10plus_count"
)
FULL = (
    "school_code,fiscal_year,month,staff_count,over_80h_count,left_by_19_count,"
    "over_45h_count,over_100h_count,leave_days_total,leave_10plus_count"
)


def _run(text, *, dry_run=False):
    with translation.override("en"):
        return import_monthly(
            text.encode(), schools=School.objects.all(), status="submitted", user=None, dry_run=dry_run
        )


def _snapshot():
    return list(MonthlyReport.objects.order_by("pk").values())


def test_an_absent_optional_column_leaves_the_stored_value_alone(school_a):
    MonthlyReportFactory(school=school_a, month=4, status="submitted", over_45h_count=6, over_100h_count=1)
    outcome = _run(f"{WITHOUT_BANDS}\nA001,2020,4,21,2,15,10,0\n")
    assert outcome.error_count == 0 and outcome.updated == 1
    report = MonthlyReport.objects.get()
    assert (report.staff_count, report.over_45h_count, report.over_100h_count) == (21, 6, 1)
    assert report.version == 2


def test_a_present_empty_optional_cell_clears_it(school_a):
    MonthlyReportFactory(school=school_a, month=4, status="submitted", over_45h_count=6, over_100h_count=1)
    assert _run(f"{FULL}\nA001,2020,4,20,2,15,,,10,0\n").error_count == 0
    report = MonthlyReport.objects.get()
    assert (report.over_45h_count, report.over_100h_count) == (None, None)


def test_a_kept_value_that_breaks_a_rule_is_a_row_error(school_a):
    MonthlyReportFactory(school=school_a, month=4, status="submitted", over_45h_count=3, over_100h_count=1)
    before = _snapshot()
    outcome = _run(f"{WITHOUT_BANDS}\nA001,2020,4,20,5,15,10,0\n")
    assert outcome.error_count == 1
    assert outcome.errors[0].row == 2 and "fewer than staff over 80 h" in outcome.errors[0].message
    assert _snapshot() == before


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_count_beyond_the_database_range_is_a_row_error_in_the_preview(school_a, dry_run):
    outcome = _run(f"{FULL}\nA001,2020,4,2147483648,2,15,,,10,0\n", dry_run=dry_run)
    assert [(e.row, e.message) for e in outcome.errors] == [(2, "must be at most 2,147,483,647")]
    assert not MonthlyReport.objects.exists()
    assert _run(f"{FULL}\nA001,2020,4,2147483647,2,15,,,10,0\n").error_count == 0


def test_a_row_with_a_school_and_month_but_no_values_is_skipped(school_a):
    outcome = _run(f"{FULL}\nA001,2020,4,20,2,15,,,10,0\nA001,2020,5,,,,,,,\n")
    assert (outcome.error_count, outcome.created, outcome.skipped) == (0, 1, 1)
    assert list(MonthlyReport.objects.values_list("month", flat=True)) == [4]


def test_the_template_offers_only_open_months(school_a):
    assert len(monthly_template_rows(school=school_a, fiscal_year=2020, english=True)) == 13
    ahead = workflow.current_fiscal_year() + 1
    assert monthly_template_rows(school=school_a, fiscal_year=ahead, english=True) == [
        monthly_template_rows(school=school_a, fiscal_year=2020, english=True)[0]
    ]


def test_the_schools_own_template_with_one_month_filled_imports(client, principal_a, school_a):
    MonthlyReportFactory(school=school_a, month=4, status="draft")
    client.force_login(principal_a)
    year = workflow.current_fiscal_year()
    MonthlyReportFactory(school=school_a, fiscal_year=year, month=4, status="draft")
    raw = client.get(reverse("metrics:entry-template") + f"?year={year}").content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) - 1 == sum(
        workflow.month_has_started(year, m) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
    )
    outcome = import_monthly(
        raw, schools=School.objects.filter(pk=school_a.pk), status="submitted", user=principal_a
    )
    assert outcome.error_count == 0, outcome.errors
    assert (outcome.updated, outcome.skipped) == (1, len(rows) - 2)


# --- CSV dialect problems: a message naming the row, never a server error ------------------------------

JA = "学校コード,年度,月,対象教職員数,80時間超,19時までに退勤,年休取得日数合計,年休10日以上"


def test_old_mac_line_endings_are_read(school_a):
    outcome = _run(f"{JA}\rA001,2020,4,20,2,15,10,0\r")
    assert (outcome.error_count, outcome.created) == (0, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f'{JA}\nA001,2020,4,20,2,15,10,0\nA001,2020,5,"20,2,15,10,0\n', "Row 3 opens a quote"),
        (f"{JA}\nA001,2020,4,{'1' * 200_000},2,15,10,0\n", "Row 2 cannot be read as CSV"),
        (f"{JA}\nA001,2020,4,20,2,15,10,0,9,9\n", "Row 2 has 10 fields, more than the header's 8."),
    ],
    ids=["unterminated-quote", "field-over-limit", "more-fields-than-header"],
)
def test_a_csv_dialect_problem_is_refused_naming_the_row(school_a, text, message):
    from metrics.imports.pipeline import ImportFileError

    with pytest.raises(ImportFileError, match=message):
        _run(text)
    assert not MonthlyReport.objects.exists()


def test_a_dialect_problem_on_the_page_is_a_message_not_a_server_error(client, board, school_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(board)
    upload = SimpleUploadedFile("bad.csv", f"{JA}\nA001,2020,4,20,2,15,10,0,9,9\n".encode())
    response = client.post(reverse("metrics:board-import"), {"file": upload, "status": "submitted"})
    assert response.status_code == 200
    assert "2行目" in response.content.decode()
    assert not MonthlyReport.objects.exists()


# --- the confirm imports against the versions the preview read ---------------------------------------


def _preview(client, raw, status="submitted"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("metrics:board-import"), {"file": SimpleUploadedFile("april.csv", raw), "status": status}
    )
    assert response.context["confirm"] is not None, response.context["outcome"].errors
    return response.context["confirm"]["token"].value()


def _history_count():
    return MonthlyReport.history.count()


def test_a_month_changed_between_preview_and_confirm_refuses_the_whole_import(
    client, board, principal_a, school_a, school_b, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    april = MonthlyReportFactory(school=school_a, month=4, status="submitted", staff_count=20)
    client.force_login(board)
    token = _preview(
        client,
        f"{JA}\nA001,2020,4,21,2,15,10,0\nB001,2020,4,30,2,15,10,0\nA001,2020,5,22,2,15,10,0\n".encode(),
    )
    # Meanwhile the principal submits April with another count, and saves May for the first time.
    april.staff_count = 25
    workflow.save_month(report=april, submit=True, user=principal_a, seen_version=1)
    may = MonthlyReport(school=school_a, fiscal_year=2020, month=5, **_counts(staff_count=26))
    workflow.save_month(report=may, submit=True, user=principal_a, seen_version=0)
    before, history = _snapshot(), _history_count()

    response = client.post(
        reverse("metrics:board-import"), {"token": token, "status": "submitted"}, follow=True
    )
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "プレビューの後に別の人が変更したため、何も取り込んでいません" in message
    assert "2行目（A001、令和2年度（FY2020） 4月）" in message, message
    assert "4行目（A001、令和2年度（FY2020） 5月）" in message
    assert "principal-a" in message and "対象教職員数 20 → 25" in message
    assert "B001" not in message  # unchanged since the preview, so not named
    assert _snapshot() == before and _history_count() == history


def test_the_confirm_also_refuses_a_month_the_preview_found_unchanged(board, principal_a, school_a):
    from metrics.imports.pipeline import ImportConflict

    april = MonthlyReportFactory(school=school_a, month=4, status="submitted", **_counts())
    raw = f"{JA}\nA001,2020,4,20,2,15,10,0\nA001,2020,5,22,2,15,10,0\n".encode()
    schools = School.objects.all()
    with translation.override("en"):
        preview = import_monthly(raw, schools=schools, status="submitted", user=board, dry_run=True)
        assert (preview.created, preview.unchanged) == (1, 1)
        assert preview.seen == {"versions": [[school_a.pk, 2020, 4, 1], [school_a.pk, 2020, 5, None]]}
        april.staff_count = 24
        workflow.save_month(report=april, submit=True, user=principal_a, seen_version=1)
        before = _snapshot()
        with pytest.raises(ImportConflict) as refused:
            import_monthly(raw, schools=schools, status="submitted", user=board, seen=preview.seen)
    message = str(refused.value)
    assert message.startswith("Some months in the file were changed by someone else after the preview")
    assert "row 2 (A001, FY2020 Apr): " in message and "by principal-a (Form)" in message
    assert "staff counted 20 → 24" in message and "row 3" not in message
    assert _snapshot() == before


def test_a_confirm_with_nothing_changed_since_the_preview_imports(
    client, board, school_a, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    MonthlyReportFactory(school=school_a, month=4, status="submitted", **_counts())
    client.force_login(board)
    token = _preview(client, f"{JA}\nA001,2020,4,21,2,15,10,0\nA001,2020,5,22,2,15,10,0\n".encode())
    assert [p.name.endswith((".csv", ".seen.json")) for p in tmp_path.rglob("*") if p.is_file()] == [True] * 2
    response = client.post(reverse("metrics:board-import"), {"token": token, "status": "submitted"})
    assert response.status_code == 302
    assert dict(MonthlyReport.objects.values_list("month", "staff_count")) == {4: 21, 5: 22}
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # the file and its versions are gone


def test_a_long_list_of_changed_months_names_the_first_five(board, school_a):
    from metrics.imports.pipeline import ImportConflict

    rows = "".join(f"A001,2020,{m},20,2,15,10,0\n" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3))
    raw = f"{JA}\n{rows}".encode()
    with translation.override("en"):
        preview = import_monthly(raw, schools=School.objects.all(), status="submitted", dry_run=True)
        for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3):
            MonthlyReportFactory(school=school_a, month=month, status="submitted")
        with pytest.raises(ImportConflict, match=r"row 6 \(A001, FY2020 Aug\)") as refused:
            import_monthly(raw, schools=School.objects.all(), status="submitted", seen=preview.seen)
    assert "row 7 " not in str(refused.value) and str(refused.value).endswith("; and 7 more")
    assert MonthlyReport.history.count() == 12  # the factories' only


def _counts(**changed):
    counts = {
        "staff_count": 20,
        "over_80h_count": 2,
        "left_by_19_count": 15,
        "over_45h_count": None,
        "over_100h_count": None,
        "leave_days_total": 10,
        "leave_10plus_count": 0,
    }
    return {**counts, **changed}
