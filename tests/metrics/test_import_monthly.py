"""The monthly CSV import: encodings, headers, per-row errors (nothing written), idempotence, limits,
dry run, audit, the board's page with its preview and confirmation, and the command."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from metrics.entry import workflow
from metrics.imports import monthly as imports
from metrics.imports.monthly import import_monthly
from metrics.imports.pipeline import ImportFileError
from metrics.models import MonthlyReport, School
from tests.factories import MonthlyReportFactory, SchoolFactory

EN_HEADER = (
    "school_code,fiscal_year,month,staff_count,over_80h_count,left_by_19_count,"
    "over_45h_count,over_100h_count,leave_days_total,leave_10plus_count"
)
JA_HEADER = (
    "学校コード,年度,月,対象教職員数,80時間超,19時までに退勤,45時間超,100時間超,年休取得日数合計,年休10日以上"
)
ROW_A4 = "A001,2020,4,20,2,15,6,1,10.5,0"
ROW_B4 = "B001,2020,4,30,3,20,,,12,1"


def _csv(*rows, header=EN_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _run(raw, *, dry_run=False, status="submitted", user=None, schools=None):
    with translation.override("en"):
        return import_monthly(
            raw,
            schools=schools if schools is not None else School.objects.all(),
            status=status,
            user=user,
            source_name="test.csv",
            dry_run=dry_run,
        )


def _snapshot():
    return list(MonthlyReport.objects.order_by("pk").values())


@pytest.fixture
def schools(school_a, school_b):
    return school_a, school_b


# --- encodings and headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        _csv(ROW_A4, ROW_B4),
        b"\xef\xbb\xbf" + _csv(ROW_A4, ROW_B4),
        _csv(ROW_A4, ROW_B4, header=JA_HEADER).decode().encode("utf-8-sig"),
        _csv(ROW_A4, ROW_B4, header=JA_HEADER).decode().encode("cp932"),
    ],
    ids=["utf-8", "utf-8 with BOM", "japanese headers with BOM", "shift_jis"],
)
def test_encodings_and_headers(schools, raw):
    outcome = _run(raw)
    assert outcome.errors == []
    assert (outcome.created, outcome.written) == (2, True)
    a = MonthlyReport.objects.get(school__code="A001", fiscal_year=2020, month=4)
    assert (a.staff_count, a.over_45h_count, a.leave_days_total, a.status) == (
        20,
        6,
        Decimal("10.5"),
        "submitted",
    )
    b = MonthlyReport.objects.get(school__code="B001")
    assert (b.over_45h_count, b.over_100h_count) == (None, None)


def test_optional_columns_may_be_left_out(schools):
    header = (
        "school_code,fiscal_year,month,staff_count,over_80h_count,left_by_19_count,"
        "leave_days_total,leave_10plus_count"
    )
    outcome = _run(_csv("A001,2020,4,20,2,15,10,0", header=header))
    assert outcome.errors == [] and outcome.created == 1


def test_missing_required_columns_are_named_in_japanese(schools):
    raw = _csv("A001,2020,4", header="学校コード,年度,月")
    with translation.override("ja"), pytest.raises(ImportFileError, match="対象教職員数"):
        import_monthly(raw, schools=School.objects.all(), status="submitted")
    assert not MonthlyReport.objects.exists()


# --- bad rows: message per row and column, nothing written -----------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("Z999,2020,4,20,2,15,6,1,10,0", "school_code", "unknown school code “Z999”"),
        ("A001,2020,4,20,21,15,,,10,0", "over_80h_count", "cannot exceed the staff counted (20)"),
        ("A001,2020,13,20,2,15,6,1,10,0", "month", "the month must be between 1 and 12"),
        ("A001,1999,4,20,2,15,6,1,10,0", "fiscal_year", "the fiscal year must be between 2000 and 2100"),
        ("A001,2020,4,twenty,2,15,6,1,10,0", "staff_count", "“twenty” is not a whole number"),
        ("A001,2020,4,20,2,15,6,1,ten,0", "leave_days_total", "“ten” is not a number"),
        ("A001,2020,4,20,2,15,6,1,10.25,0", "leave_days_total", "at most one decimal place"),
        ("A001,2020,4,20,2,-1,6,1,10,0", "left_by_19_count", "must be at least 0"),
        ("A001,2020,4,20,2,15,1,,10,0", "over_45h_count", "cannot be fewer than staff over 80 h (2)"),
        ("A001,2020,4,20,2,15,6,3,10,0", "over_100h_count", "cannot exceed staff over 80 h (2)"),
        ("A001,2020,4,20,2,15,6,1,10,", "leave_10plus_count", "a value is required"),
        ("A001,2099,4,20,2,15,6,1,10,0", "month", "this month has not started yet"),
    ],
)
def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_written(schools, row, column, message):
    existing = MonthlyReportFactory(school=schools[1], fiscal_year=2020, month=5)
    before = _snapshot()
    outcome = _run(_csv(ROW_B4, row))
    assert [(e.row, e.column) for e in outcome.errors] == [(3, column)]
    assert message in outcome.errors[0].message
    with translation.override("en"):
        assert str(outcome.errors[0]).startswith("Row 3, ")
    assert not outcome.written
    assert _snapshot() == before
    assert MonthlyReport.objects.get() == existing


def test_a_duplicate_row_names_the_first(schools):
    outcome = _run(_csv(ROW_A4, ROW_B4, ROW_A4))
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (4, "school_code", "the same school and month already appear in row 2")
    ]
    assert not MonthlyReport.objects.exists()


def test_a_locked_month_cannot_be_changed(schools):
    MonthlyReportFactory(school=schools[0], fiscal_year=2020, month=4, status="approved", staff_count=25)
    before = _snapshot()
    outcome = _run(_csv(ROW_A4, ROW_B4))
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "month")]
    assert "has been approved" in outcome.errors[0].message
    assert _snapshot() == before


def test_an_approved_month_imported_unchanged_is_not_an_error(schools):
    MonthlyReportFactory(
        school=schools[0],
        fiscal_year=2020,
        month=4,
        status="approved",
        over_45h_count=6,
        leave_days_total="10.5",
    )
    outcome = _run(_csv(ROW_A4), status="submitted")
    assert (outcome.errors, outcome.unchanged, outcome.created) == ([], 1, 0)
    assert MonthlyReport.objects.get().status == "approved"


def test_errors_are_in_japanese_for_japanese_users(schools):
    with translation.override("ja"):
        outcome = import_monthly(
            _csv("Z999,2020,4,20,2,15,6,1,10,0", header=JA_HEADER),
            schools=School.objects.all(),
            status="submitted",
        )
        assert str(outcome.errors[0]) == "2行目、学校コード：学校コード「Z999」は登録されていません"


def test_columns_are_named_as_the_file_names_them(schools):
    outcome = _run(_csv("A001,2020,4,20,21,15,,,10,0", header=JA_HEADER))
    assert outcome.errors[0].column == "80時間超"


def test_every_bad_row_is_reported(schools):
    outcome = _run(_csv("Z1,2020,4,20,2,15,6,1,10,0", ROW_A4, "Z2,2020,4,20,2,15,6,1,10,0"))
    assert [e.row for e in outcome.errors] == [2, 4]


# --- idempotence, updates, dry run, audit ------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_the_second_time(schools, board):
    raw = _csv(ROW_A4, ROW_B4)
    first = _run(raw, user=board)
    snapshot = _snapshot()
    history = MonthlyReport.history.count()
    second = _run(raw, user=board)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert _snapshot() == snapshot
    assert MonthlyReport.history.count() == history


def test_changed_rows_are_updated_with_before_and_after_in_the_history(schools, board):
    _run(_csv(ROW_A4, ROW_B4), user=board)
    outcome = _run(_csv("A001,2020,4,22,2,15,6,1,10.5,0", ROW_B4), user=board)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 1)
    report = MonthlyReport.objects.get(school__code="A001")
    assert report.staff_count == 22
    with translation.override("en"):
        entries = workflow.month_history(report)
    assert entries[0].user == "board-user"
    assert (entries[0].source, entries[0].detail) == ("CSV import", "test.csv")
    assert [(str(a), b, c) for a, b, c in entries[0].changes] == [("staff counted", 20, 22)]


def test_a_returned_month_is_resubmitted_by_import(schools):
    MonthlyReportFactory(
        school=schools[0],
        fiscal_year=2020,
        month=4,
        status="returned",
        over_45h_count=6,
        leave_days_total="10.5",
    )
    outcome = _run(_csv(ROW_A4))
    assert outcome.updated == 1
    assert [c[0] for c in outcome.preview[0].changes] == ["status"]
    assert MonthlyReport.objects.get().status == "submitted"


def test_dry_run_previews_and_writes_nothing(schools):
    MonthlyReportFactory(school=schools[0], fiscal_year=2020, month=4, staff_count=25)
    before = _snapshot()
    outcome = _run(_csv(ROW_A4, ROW_B4), dry_run=True)
    assert (outcome.created, outcome.updated, outcome.written) == (1, 1, False)
    plans = {p.school_code: p for p in outcome.preview}
    assert plans["B001"].action == "create"
    assert ("staff counted", 25, 20) in [(str(a), b, c) for a, b, c in plans["A001"].changes]
    assert _snapshot() == before


# --- limits --------------------------------------------------------------------------------------


def test_files_over_5_mb_are_refused(schools):
    raw = _csv(ROW_A4) + b"#" * (5 * 1024 * 1024)
    with pytest.raises(ImportFileError, match="larger than 5 MB"):
        _run(raw)
    assert not MonthlyReport.objects.exists()


def test_more_rows_than_schools_times_12_are_refused(schools):
    rows = [f"A001,2019,{m},20,2,15,6,1,10,0" for m in range(1, 13)] + [
        f"B001,2019,{m},20,2,15,6,1,10,0" for m in range(1, 13)
    ]
    with pytest.raises(ImportFileError, match="at most 24"):
        _run(_csv(*rows, "A001,2020,4,20,2,15,6,1,10,0"))
    assert not MonthlyReport.objects.exists()


def test_a_principal_may_import_at_most_twelve_rows(schools):
    rows = [f"A001,2019,{m},20,2,15,6,1,10,0" for m in range(1, 13)]
    with pytest.raises(ImportFileError, match="at most 12"):
        _run(_csv(*rows, ROW_A4), schools=School.objects.filter(code="A001"))


# --- the pages ----------------------------------------------------------------------------------


def _upload(client, url, raw, status="submitted"):
    return client.post(url, {"file": SimpleUploadedFile("ic-card.csv", raw), "status": status})


def test_board_import_previews_then_imports_on_confirmation(client, board, schools, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(board)
    url = reverse("metrics:board-import")
    preview = _upload(client, url, _csv(ROW_A4, ROW_B4), status="approved")
    assert preview.context["outcome"].created == 2
    assert not MonthlyReport.objects.exists()
    confirm = preview.context["confirm"]
    done = client.post(url, {"token": confirm["token"].value(), "status": "approved"})
    assert done.status_code == 302
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {"approved"}
    assert [p for p in tmp_path.joinpath("imports").rglob("*") if p.is_file()] == []
    # the token is spent: confirming again imports nothing and says so
    again = client.post(url, {"token": confirm["token"].value(), "status": "approved"}, follow=True)
    assert "もう一度アップロード" in again.content.decode()


def test_a_token_from_another_session_is_refused(client, board, schools, tmp_path, settings):
    from tests.factories import user_with_role

    settings.MEDIA_ROOT = tmp_path
    client.force_login(board)
    preview = _upload(client, reverse("metrics:board-import"), _csv(ROW_A4))
    token = preview.context["confirm"]["token"].value()
    client.force_login(user_with_role("board-2", "board"))
    client.post(reverse("metrics:board-import"), {"token": token, "status": "submitted"})
    assert not MonthlyReport.objects.exists()


def test_board_page_shows_row_errors_and_writes_nothing(client, board, schools):
    client.force_login(board)
    response = _upload(client, reverse("metrics:board-import"), _csv(ROW_A4, "Z999,2020,4,20,2,15,6,1,10,0"))
    page = response.content.decode()
    assert "学校コード「Z999」は登録されていません" in page
    assert response.context["confirm"] is None
    assert not MonthlyReport.objects.exists()


def test_board_page_rejects_a_file_that_is_not_a_monthly_csv(client, board, schools):
    client.force_login(board)
    response = _upload(client, reverse("metrics:board-import"), b"\x89PNG\r\n\x1a\n\xff\xfe\xfd")
    [message] = response.context["form"].errors["file"]
    assert message.startswith("列がありません：学校コード, 年度, 月, 対象教職員数")
    assert not MonthlyReport.objects.exists()


def test_principal_import_saves_drafts_when_asked(client, principal_a, schools, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(principal_a)
    url = reverse("metrics:entry-import")
    preview = _upload(client, url, _csv(ROW_A4), status="draft")
    client.post(url, {"token": preview.context["confirm"]["token"].value(), "status": "draft"})
    report = MonthlyReport.objects.get()
    assert (report.school.code, report.status, report.submitted_at) == ("A001", "draft", None)


def test_principal_cannot_choose_the_approved_state(client, principal_a, schools, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(principal_a)
    url = reverse("metrics:entry-import")
    response = _upload(client, url, _csv(ROW_A4), status="approved")
    assert "status" in response.context["form"].errors
    preview = _upload(client, url, _csv(ROW_A4), status="submitted")
    client.post(url, {"token": preview.context["confirm"]["token"].value(), "status": "approved"})
    assert not MonthlyReport.objects.exists()


# --- the command -----------------------------------------------------------------------------------


def test_command_imports_and_dry_runs(schools, tmp_path, capsys):
    path = tmp_path / "months.csv"
    path.write_bytes(_csv(ROW_A4, ROW_B4, header=JA_HEADER).decode().encode("cp932"))
    call_command("import_monthly", str(path), "--dry-run")
    assert "2 created" in capsys.readouterr().out
    assert not MonthlyReport.objects.exists()
    call_command("import_monthly", str(path))
    assert MonthlyReport.objects.count() == 2
    call_command("import_monthly", str(path))
    assert "0 created, 0 changed, 2 unchanged" in capsys.readouterr().out


def test_command_prints_row_errors_and_fails(schools, tmp_path, capsys):
    path = tmp_path / "months.csv"
    path.write_bytes(_csv(ROW_A4, "Z999,2020,4,20,2,15,6,1,10,0", "A001,2020,5,20,21,15,,,10,0"))
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_monthly", str(path))
    err = capsys.readouterr().err
    assert "Z999" in err and "3" in err
    assert not MonthlyReport.objects.exists()


def test_command_exits_non_zero_for_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_monthly", str(tmp_path / "nope.csv"))


def test_many_schools_are_validated_with_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    SchoolFactory.create_batch(60)
    rows = [f"{s.code},2020,4,20,2,15,6,1,10,0" for s in School.objects.all()]
    with django_assert_max_num_queries(4):
        outcome = _run(_csv(*rows), dry_run=True)
    assert outcome.created == 60


def test_template_header_matches_the_aliases():
    assert all(
        imports.MONTHLY_ALIASES[h.lower()] == c
        for h, c in zip(imports.MONTHLY_TEMPLATE_HEADER_JA, imports.MONTHLY_COLUMNS, strict=True)
    )


def test_imported_rows_read_back_like_form_rows(schools, board, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from metrics.models import MonthlyRollup

    with django_capture_on_commit_callbacks(execute=True):
        _run(_csv(ROW_A4, ROW_B4), user=board)
    report = MonthlyReport.objects.get(school__code="A001")
    assert report.submitted_at is not None and report.submitted_at <= timezone.now()
    assert (
        MonthlyReport.objects.filter(submitted_at__lte=timezone.now(), created_at=report.created_at).count()
        == 2
    )
    record = report.history.get()
    assert (record.history_type, record.history_user, record.staff_count) == ("+", board, 20)
    assert record.history_date == report.created_at
    # the import keeps the monthly rollups current (they pool the counted months)
    rollup = MonthlyRollup.objects.get(fiscal_year=2020, month=4)
    assert (rollup.school_count, rollup.staff_count) == (2, 50)
