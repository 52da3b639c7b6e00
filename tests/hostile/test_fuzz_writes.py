"""Fuzzing the three ways a school-month is written (issue 12, "Bad input"): the principal's month
form, the API write (create, and PATCH with If-Match) and the CSV import (preview, then confirm).

Hypothesis draws field values (huge and negative numbers, floats, digits of other scripts, empty
cells, text, NUL bytes) and CSV files (headers from the accepted aliases plus junk, UTF-8 / CP932 /
garbage bytes, line endings, quotes, extra fields). Every answer must be below 500, and an answer
that refuses the input must leave the school-months and their history as they were.

The client is built once per test and the examples run inside it (`given` on an inner function), so
the database fixtures are not shared across examples behind hypothesis's back; the examples of a
test share one transaction, and each compares the database before and after itself.
"""

import json

import hypothesis
import pytest
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from metrics.imports.monthly import MONTHLY_COLUMNS
from metrics.models import MonthlyReport
from tests.factories import MonthlyReportFactory

pytestmark = pytest.mark.django_db

# A few dozen examples per way in: about 15 s of CPU for the whole file (two cores shared by many).
FUZZ = hypothesis.settings(
    max_examples=30,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
VALUE_FIELDS = list(MonthlyReport.VALUE_FIELDS)
HOSTILE_TEXT = [
    "",
    " ",
    "-1",
    "-0",
    "0",
    "2147483647",
    "2147483648",
    "9" * 25,
    "1e309",
    "1e3",
    "nan",
    "inf",
    "-inf",
    "0x10",
    "1,200",
    "1_000",
    "１２",  # full-width digits
    "١٢",  # Arabic-Indic digits
    "²",
    "二十",
    "12\x00",
    "\x00",
    "1.5",
    "0.05",
    "99999999.9",
    "100000000",
    "'\"<script>",
    "=1+1",
]
# A hostile cell: the list above, numbers of every size and sign, floats and any text.
HOSTILE_CELL = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(repr),
    st.text(max_size=12),
)
# A hostile JSON value for the API: the same, and NaN / infinities, nulls, booleans, lists, objects.
JSON_VALUE = st.one_of(
    HOSTILE_CELL,
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
STATES = ["draft", "submitted", "approved", "returned", "", "deleted", "\x00"]


@st.composite
def month_values(draw, hostile=HOSTILE_CELL) -> dict:
    """A month's counts that pass the checks, then up to three of them replaced by `hostile` values
    and sometimes one left out: so that many examples reach the write and many are refused."""
    staff = draw(st.integers(1, 60))
    over_80 = draw(st.integers(0, staff))
    values = {
        "staff_count": staff,
        "over_80h_count": over_80,
        "left_by_19_count": draw(st.integers(0, staff - over_80)),
        "over_45h_count": draw(st.one_of(st.none(), st.integers(over_80, staff))),
        "over_100h_count": draw(st.one_of(st.none(), st.integers(0, over_80))),
        "leave_days_total": draw(st.integers(0, 4000)) / 2,
        "leave_10plus_count": draw(st.integers(0, staff)),
    }
    rnd = draw(st.randoms(use_true_random=True))
    hostile_count = rnd.choice([0, 0, 0, 0, 1, 1, 2, 3])
    for name in draw(st.lists(st.sampled_from(VALUE_FIELDS), min_size=hostile_count, max_size=hostile_count)):
        values[name] = draw(hostile)
    if _now_and_then(rnd, 8):
        values.pop(draw(st.sampled_from(VALUE_FIELDS)))
    return values


def _now_and_then(rnd, one_in: int) -> bool:
    """True about once in `one_in` calls. The odds come from a `random.Random` that hypothesis
    seeds (and replays): its own draws favour the ends of a range, which would break most files."""
    return rnd.random() < 1 / one_in


def _text(value) -> str:
    return "" if value is None else str(value)


def _state():
    """The school-months and their history, to compare before and after a refused write."""
    return (
        list(MonthlyReport.objects.order_by("pk").values()),
        MonthlyReport.history.count(),
    )


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- the month form ------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", [4, 5])  # a month already saved, and one not started
def test_the_month_form_never_answers_a_server_error(principal_a, school_a, month):
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="draft")
    client = _client(principal_a)
    url = reverse("metrics:entry-month", args=[2020, month])

    @FUZZ
    @given(
        values=month_values(),
        version=st.one_of(st.just("current"), st.none(), st.sampled_from(HOSTILE_TEXT)),
        action=st.sampled_from(["draft", "submit", "submit", None]),
        reason=st.one_of(st.none(), st.text(max_size=20)),
    )
    def post(values, version, action, reason):
        stored = MonthlyReport.objects.filter(school=school_a, fiscal_year=2020, month=month).first()
        current = stored.version if stored else 0
        data = {name: _text(value) for name, value in values.items()}
        if version is not None:
            data["version"] = str(current) if version == "current" else version
        if action is not None:
            data[action] = "1"
        if reason is not None:
            data["quality_reason"] = reason
        before = _state()
        response = client.post(url, data)
        assert response.status_code < 500, (data, response.status_code)
        if response.status_code != 302:  # the form again, with its errors: nothing saved
            assert _state() == before, data

    post()


# --- the API write -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["principal", "board"])
def test_the_api_write_never_answers_a_server_error(principal_a, board, school_a, role):
    existing = MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="submitted")
    client = _client(principal_a if role == "principal" else board)
    detail = reverse("api:school-month-detail", args=[existing.pk])

    @FUZZ
    @given(
        values=month_values(hostile=JSON_VALUE),
        month=st.sampled_from([5, 6, 7, 8, 9, 10, 11, 12, None]),
        hostile_month=JSON_VALUE,
        status=st.sampled_from(["draft", "submitted", "draft", "submitted", None]),
        hostile_status=st.one_of(st.sampled_from(STATES), JSON_VALUE),
        create=st.booleans(),
        if_match=st.one_of(st.just("current"), st.none(), st.sampled_from(HOSTILE_TEXT)),
    )
    def write(values, month, hostile_month, status, hostile_status, create, if_match):
        body = {**values, "status": hostile_status if status is None else status}
        headers = {}
        if create:
            month = hostile_month if month is None else month
            body.update({"school": school_a.pk, "fiscal_year": 2020, "month": month})
        elif if_match is not None:
            current = MonthlyReport.objects.get(pk=existing.pk).version
            headers["HTTP_IF_MATCH"] = f'"{current}"' if if_match == "current" else if_match
        content = json.dumps(body)  # NaN and Infinity as Python writes them
        before = _state()
        if create:
            response = client.post(reverse("api:school-month-list"), content, content_type="application/json")
        else:
            response = client.patch(detail, content, content_type="application/json", **headers)
        assert response.status_code < 500, (body, headers, response.status_code)
        if response.status_code >= 300:
            assert _state() == before, body

    write()


# --- the import ----------------------------------------------------------------------------------------

JUNK_HEADERS = ["", "備考", "note", "学校コード ", "MONTH", "\x00", "staff,count", '"quoted"', "=cmd"]


@st.composite
def csv_files(draw) -> bytes:
    """A monthly CSV: each column under one of its accepted names (an optional one sometimes left
    out, now and then a required one too), junk columns, the columns sometimes shuffled; rows of
    school A001 or B001 (now and then another code), months of 2020 (now and then a hostile one),
    counts from `month_values`; now and then a cell quoted, left with an open quote or broken by a
    line break, a row with extra or missing fields; a line ending; an encoding (or garbage bytes)."""
    rnd = draw(st.randoms(use_true_random=True))
    columns = [
        canonical
        for canonical in MONTHLY_COLUMNS
        if not _now_and_then(rnd, 3 if canonical in MonthlyReport.OPTIONAL_FIELDS else 100)
    ]
    if _now_and_then(rnd, 4):
        columns = draw(st.permutations(columns))
    header = [draw(st.sampled_from([c, *MONTHLY_COLUMNS[c]])) for c in columns]
    junk = draw(st.lists(st.sampled_from(JUNK_HEADERS), max_size=2)) if _now_and_then(rnd, 4) else []
    rows = []
    for month in draw(st.lists(st.sampled_from([4, 5, 6, 7]), min_size=1, max_size=3, unique=True)):
        given = {
            "school_code": draw(st.sampled_from(["A001", "A001", "B001", "A001", "Z999", "a001", ""])),
            "fiscal_year": draw(HOSTILE_CELL) if _now_and_then(rnd, 15) else "2020",
            "month": draw(HOSTILE_CELL) if _now_and_then(rnd, 15) else str(month),
            **{name: _text(value) for name, value in draw(month_values()).items()},
        }
        cells = [given.get(c, "") for c in columns] + [draw(HOSTILE_CELL) for _ in junk]
        if _now_and_then(rnd, 12):
            cells += draw(st.lists(HOSTILE_CELL, min_size=1, max_size=2))  # more fields than the header
        if _now_and_then(rnd, 12):
            cells = cells[: draw(st.integers(0, len(cells)))]  # fewer
        rows.append(cells)
    lines = [header + junk, *rows]
    if _now_and_then(rnd, 4):  # one cell quoted, left with an open quote, or broken by a line break
        line = draw(st.sampled_from(lines))
        if line:
            at = draw(st.integers(0, len(line) - 1))
            line[at] = draw(
                st.sampled_from(
                    ['"' + line[at].replace('"', '""') + '"', '"' + line[at], line[at] + "\n", '"a""b,c"']
                )
            )
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = ending.join(",".join(line) for line in lines) + ending
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932", "cp932", "utf-8"]))
    if _now_and_then(rnd, 6):  # garbage bytes somewhere
        raw = text.encode("utf-8")
        cut = draw(st.integers(0, len(raw)))
        return raw[:cut] + draw(st.binary(min_size=1, max_size=40)) + raw[cut:]
    return text.encode(encoding, errors="replace")


@pytest.mark.parametrize("role", ["principal", "board"])
def test_the_import_never_answers_a_server_error(
    principal_a, board, school_a, school_b, role, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="draft")
    MonthlyReportFactory(school=school_b, fiscal_year=2020, month=4, status="approved")
    user = principal_a if role == "principal" else board
    client = _client(user)
    url = reverse("metrics:entry-import" if role == "principal" else "metrics:board-import")
    statuses = ["draft", "submitted"] if role == "principal" else ["submitted", "approved"]

    @FUZZ
    @given(
        raw=csv_files(),
        status=st.one_of(st.sampled_from(statuses), st.sampled_from(statuses), st.sampled_from(STATES)),
    )
    def upload(raw, status):
        before = _state()
        preview = client.post(url, {"file": SimpleUploadedFile("fuzz.csv", raw), "status": status})
        assert preview.status_code < 500, raw
        assert _state() == before, raw  # the preview writes nothing
        confirm = preview.context["confirm"] if preview.status_code == 200 else None
        if confirm is None:
            return
        done = client.post(url, {"token": confirm["token"].value(), "status": status}, follow=True)
        assert done.status_code < 500, raw
        refused = [m for m in done.context["messages"] if m.level == message_levels.ERROR]
        if refused:
            assert _state() == before, (raw, refused)
        else:
            assert _state() != before, raw

    upload()
