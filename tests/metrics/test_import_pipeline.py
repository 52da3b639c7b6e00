"""The shared import pipeline: encodings, header aliases in both languages, row errors naming row and
column, the kept uploads' storage round trip and ownership, the page flow and the commands' helpers."""

from decimal import Decimal

import pandas as pd
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from metrics.imports import pipeline, uploads
from metrics.imports.pipeline import Checker, Columns, ImportFileError, RowError
from metrics.models import Indicator, MonthlyReport, PublishedFigure
from tests.factories import user_with_role
from tests.measures.conftest import plan  # noqa: F401  (the measures fixture, for the adoption page)

COLUMNS = Columns(
    {
        "school_code": ("学校コード", "school code"),
        "fiscal_year": ("年度", "fiscal year"),
        "note": ("備考",),
    },
    optional={"note"},
)


# --- decoding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "学校コード,年度\nA001,2020\n".encode(),
        "学校コード,年度\nA001,2020\n".encode("utf-8-sig"),
        "学校コード,年度\nA001,2020\n".encode("cp932"),
        "学校コード,年度\nA001,2020\n".encode("shift_jis"),
    ],
    ids=["utf-8", "utf-8 with BOM", "cp932", "shift_jis"],
)
def test_each_encoding_reads_the_same(raw):
    assert pipeline.decode(raw) == "学校コード,年度\nA001,2020\n"
    table = pipeline.read(raw, COLUMNS)
    assert table.frame.to_dict("records") == [{"school_code": "A001", "fiscal_year": "2020", "note": ""}]


def test_undecodable_and_oversized_files_are_refused():
    with translation.override("en"):
        with pytest.raises(ImportFileError, match="neither UTF-8 nor Shift_JIS"):
            pipeline.decode(b"\xef\xbb\xbfA\x81")  # a lone lead byte: neither
        with pytest.raises(ImportFileError, match="larger than 5 MB"):
            pipeline.decode(b"a" * (pipeline.MAX_BYTES + 1))
    assert pipeline.decode(b"a" * (pipeline.MAX_BYTES + 1), max_bytes=None)  # the commands' case


# --- headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["学校コード,年度", "school_code,fiscal_year", "School Code,Fiscal Year", " 学校コード , 年度 "],
)
def test_headers_in_either_language_map_to_the_canonical_names(header):
    table = pipeline.read_table(f"{header},学校名\nA001,2020,第1小\n", COLUMNS)
    assert list(table.frame.columns) == ["school_code", "fiscal_year", "note"]
    assert table.frame.loc[2, "school_code"] == "A001"
    assert table.labels["school_code"] == header.split(",")[0].strip()  # messages name it as the file does


def test_missing_columns_are_named_in_the_users_language():
    with translation.override("ja"), pytest.raises(ImportFileError, match="列がありません：年度"):
        pipeline.read_table("学校コード\nA001\n", COLUMNS)
    with translation.override("en"), pytest.raises(ImportFileError, match="Missing columns: fiscal_year"):
        pipeline.read_table("学校コード\nA001\n", COLUMNS)


def test_empty_files_blank_lines_and_ragged_rows():
    with translation.override("en"), pytest.raises(ImportFileError, match="empty"):
        pipeline.read_table("", COLUMNS)
    table = pipeline.read_table("学校コード,年度\nA001,2020,,\n\nB001\n", COLUMNS)
    assert table.frame.index.tolist() == [2, 4]  # line numbers; the blank line 3 is skipped
    assert table.frame.loc[4].tolist() == ["B001", "", ""]
    # Empty cells past the header (Excel's trailing commas) are fine; a value there is refused.
    with translation.override("en"), pytest.raises(ImportFileError, match="Row 2 has 3 fields"):
        pipeline.read_table("学校コード,年度\nA001,2020,extra\n", COLUMNS)


# --- row errors ----------------------------------------------------------------------------------------


def test_row_errors_name_row_and_column_in_row_order():
    table = pipeline.read_table("学校コード,年度\nA001,twenty\n,2020\nA001,1999\n", COLUMNS)
    frame = table.frame
    check = Checker(frame.index, columns=COLUMNS.names, labels=table.labels)
    with translation.override("en"):
        check.required(frame, ["school_code", "fiscal_year"])
        years = check.whole(frame, "fiscal_year", minimum=2000)
        errors = check.errors
        assert [str(e) for e in errors] == [
            "Row 2, 年度: “twenty” is not a whole number",
            "Row 3, 学校コード: a value is required",
            "Row 4, 年度: must be at least 2000",
        ]
    assert check.count == 3 and years.isna().tolist() == [True, False, True]  # NaN where in error
    with translation.override("ja"):
        assert str(RowError(3, "学校コード", "x")) == "3行目、学校コード：x"


def test_one_message_per_cell_duplicates_name_the_first_row_and_the_listed_errors_are_capped():
    frame = pd.DataFrame({"code": ["A", "A", "B", "A"]}, index=[2, 3, 4, 5])
    check = Checker(frame.index, max_listed=2)
    check.duplicates(frame[["code"]], "code", "same as row %(row)s")
    check.flag(frame["code"] == "A", "code", "never shown for a cell already in error")
    assert [(e.row, e.message) for e in check.errors] == [(2, "never shown for a cell already in error")] + [
        (3, "same as row 2")
    ]
    assert check.count == 3  # row 5 is counted, not listed


def test_numbers_as_people_write_them():
    values = pd.Series(["1,200", "+3", "１２", "4.5", "x", "", "45%"])
    assert pipeline.whole_numbers(values).tolist()[:3] == [1200, 3, 12]
    assert pipeline.whole_numbers(values).isna().tolist()[3:] == [True] * 4
    assert pipeline.numbers(values, percent=True).tolist()[3] == 4.5
    assert pipeline.numbers(values, percent=True).tolist()[6] == 45
    assert str(pipeline.decimals(values, percent=True)[3]) == "4.5"


# --- kept uploads: the storage round trip and who may confirm ----------------------------------------------


def _request(user, path="/imports/"):
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().post(path)
    request.user = user
    request.session = SessionStore()
    return request


def test_an_upload_round_trips_through_the_storage_and_is_removed(board, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    request = _request(board)
    token = uploads.keep(request, b"a,b\n1,2\n", "april.csv", options={"status": "approved"})
    path = request.session[uploads.SESSION_KEY][token]["path"]
    assert path.startswith(f"imports/{board.pk}/") and default_storage.exists(path)
    upload = uploads.kept(request, token)
    assert (upload.raw, upload.filename, upload.options) == (
        b"a,b\n1,2\n",
        "april.csv",
        {"status": "approved"},
    )
    uploads.discard(request, token)
    assert not default_storage.exists(path)
    assert uploads.kept(request, token) is None


def test_a_user_cannot_use_another_users_upload(board, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    request = _request(board)
    token = uploads.keep(request, b"a\n1\n", "a.csv")
    other = _request(user_with_role("board-2", "board"))
    other.session = request.session  # even with the same session
    assert uploads.kept(other, token) is None
    assert uploads.kept(_request(board, path="/elsewhere/"), token) is None  # nor on another page


def test_another_user_cannot_confirm_an_upload_on_the_page(client, board, school_a, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(board)
    url = reverse("metrics:board-import")
    raw = (
        "学校コード,年度,月,対象教職員数,80時間超,19時までに退勤,年休取得日数合計,年休10日以上\n"
        "A001,2020,4,20,2,15,10,0\n"
    )
    preview = client.post(url, {"file": SimpleUploadedFile("m.csv", raw.encode()), "status": "submitted"})
    token = preview.context["confirm"]["token"].value()
    other = client_for(user_with_role("board-2", "board"))
    response = other.post(url, {"token": token, "status": "submitted"}, follow=True)
    assert "もう一度アップロード" in response.content.decode()
    assert not MonthlyReport.objects.exists()
    assert client.post(url, {"token": token, "status": "submitted"}).status_code == 302
    assert MonthlyReport.objects.count() == 1


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_adoption_page_previews_and_confirms_with_its_option(client, board, plan, tmp_path, settings):  # noqa: F811
    from measures.models import Adoption
    from tests.factories import SchoolFactory

    settings.MEDIA_ROOT = tmp_path
    SchoolFactory(code="E001")
    client.force_login(board)
    url = reverse("measures:adoption-import", args=[plan["pool"].pk])
    file = SimpleUploadedFile("s.csv", "学校コード,年度\nE001,2020\n".encode())
    preview = client.post(url, {"file": file, "replace": "on", "action": "check"})
    confirm = preview.context["confirm"]
    assert confirm["replace"].value() is True and not Adoption.objects.exists()
    done = client.post(url, {"token": confirm["token"].value(), "replace": "True"})
    assert done.status_code == 302 and Adoption.objects.count() == 1
    assert [p for p in tmp_path.joinpath("imports").rglob("*") if p.is_file()] == []


# --- published figures and the commands ---------------------------------------------------------------------


def test_published_figures_import_once_and_report_bad_rows(db, tmp_path, capsys):
    indicator = Indicator.objects.first()
    path = tmp_path / "published.csv"
    path.write_bytes(f"指標,年度,校種,月,値,出典\n{indicator.code},2020,all,,45.5%,白書\n".encode("cp932"))
    call_command("import_published", str(path))
    call_command("import_published", str(path))
    assert "Nothing changed." in capsys.readouterr().out
    figure = PublishedFigure.objects.get()
    assert (figure.month, figure.value, figure.source) == (None, Decimal("45.5"), "白書")
    path.write_bytes(
        f"indicator,fiscal_year,group,month,value,source\n{indicator.code},2020,all,13,x,\n".encode()
    )
    with pytest.raises(CommandError, match="3 error"):
        call_command("import_published", str(path))
    assert "2行目、month" in capsys.readouterr().err


def test_published_variant_and_note_pass_the_dry_run_and_import(db, tmp_path, capsys):
    code = Indicator.objects.first().code
    path = tmp_path / "published.csv"
    path.write_text(
        "indicator,fiscal_year,group,month,value,source,note,excluding_events\n"
        f"{code},2019,all,,40.1,市報告,,\n"
        f"{code},2019,all,,38.2,市報告,3月を除く,1\n",
        encoding="utf-8",
    )
    call_command("import_published", str(path), "--dry-run")
    assert "2 would be created" in capsys.readouterr().out and not PublishedFigure.objects.exists()
    call_command("import_published", str(path))
    main, variant = PublishedFigure.objects.order_by("excluding_events")
    assert (main.value, main.excluding_events) == (Decimal("40.1"), False)
    assert (variant.value, variant.excluding_events, variant.note) == (Decimal("38.2"), True, "3月を除く")
    # A new note for an existing figure changes that figure; it is not a figure of its own.
    path.write_text(
        f"indicator,fiscal_year,group,month,value,source,note\n{code},2019,all,,40.1,市報告,確定値\n",
        encoding="utf-8",
    )
    call_command("import_published", str(path), "--dry-run")
    assert "1 would be updated" in capsys.readouterr().out
    call_command("import_published", str(path))
    assert PublishedFigure.objects.count() == 2
    assert PublishedFigure.objects.get(excluding_events=False).note == "確定値"


def test_what_the_preview_read_is_kept_beside_the_upload_and_goes_with_it(board, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    request = _request(board)
    seen = {"versions": [[1, 2020, 4, 3], [1, 2020, 5, None]]}
    tokens = [
        uploads.keep(request, b"a\n1\n", f"{n}.csv", seen=seen) for n in range(uploads.MAX_PER_USER + 1)
    ]
    assert uploads.kept(request, tokens[-1]).seen == seen
    assert uploads.kept(request, tokens[0]) is None  # over the cap: the file and what was read went
    files = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) == 2 * uploads.MAX_PER_USER
    assert {name.removesuffix(".csv").removesuffix(uploads.SEEN_SUFFIX) for name in files} == {
        name.removesuffix(".csv") for name in files if name.endswith(".csv")
    }
    seen_path = request.session[uploads.SESSION_KEY][tokens[-1]]["seen_path"]
    default_storage.delete(seen_path)
    assert uploads.kept(request, tokens[-1]) is None  # without what the preview read, no confirm
    uploads.discard(request, tokens[1])
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 2 * uploads.MAX_PER_USER - 3
