"""Exports neutralise text a spreadsheet would run as a formula (OWASP's CSV injection rule)."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from reform.spreadsheet import neutral, neutral_workbook
from tests.factories import MonthlyReportFactory, SchoolFactory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+81", "'+81"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("東小学校", "東小学校"),
        ("a=b", "a=b"),
        ("", ""),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_text_that_starts_a_formula_gets_a_quote(value, expected):
    assert neutral(value) == expected


def test_a_workbook_keeps_formula_text_as_text():
    book = openpyxl.Workbook()
    book.active.append(["=1+1", "@x", "plain", 3])
    neutral_workbook(book)
    out = io.BytesIO()
    book.save(out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    cells = next(sheet.iter_rows())
    assert [c.value for c in cells] == ["'=1+1", "'@x", "plain", 3]
    assert [c.data_type for c in cells] == ["s", "s", "s", "n"]


def test_the_missing_list_neutralises_school_names(client, board):
    school = SchoolFactory(code="Z001", name_ja='=HYPERLINK("http://evil")')
    MonthlyReportFactory(school=school, month=4, status="draft")
    client.force_login(board)
    response = client.get(reverse("metrics:board-missing") + "?year=2020&month=4")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
