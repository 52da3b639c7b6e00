"""Privacy: per-staff rows reach only board staff and the school's own principal; officials see
aggregates by type and district, from 5 staff up. Matrix: anonymous, principal A, principal B,
official, board."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from staff.imports import import_staff_hours
from staff.models import PhysicianInterview
from tests.factories import SchoolFactory
from tests.staff.helpers import counted, csv_bytes, school_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_data(school_a, school_b):
    """School A: 5 staff (two over 80 h in April); school B: 3 staff, a group too small for officials."""
    import_staff_hours(csv_bytes(school_month(school_a, 4) + school_month(school_b, 4, staff=3)))
    counted()


@pytest.fixture
def users(client, board, official, principal_a, principal_b):
    return {
        "anonymous": None,
        "principal_a": principal_a,
        "principal_b": principal_b,
        "official": official,
        "board": board,
    }


def get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


# page → expected status per role (302: to the login page; 404: as if the page did not exist)
MATRIX = {
    "staff:caps": {
        "anonymous": 302,
        "principal_a": 200,
        "principal_b": 200,
        "official": 200,
        "board": 200,
    },
    "staff:cap-list": {
        "anonymous": 302,
        "principal_a": 200,
        "principal_b": 200,
        "official": 404,
        "board": 200,
    },
    "staff:interviews": {
        "anonymous": 302,
        "principal_a": 200,
        "principal_b": 200,
        "official": 404,
        "board": 200,
    },
    "staff:reconcile": {
        "anonymous": 302,
        "principal_a": 200,
        "principal_b": 200,
        "official": 404,
        "board": 200,
    },
    "staff:bands": {
        "anonymous": 302,
        "principal_a": 404,
        "principal_b": 404,
        "official": 200,
        "board": 200,
    },
    "staff:bands-xlsx": {
        "anonymous": 302,
        "principal_a": 404,
        "principal_b": 404,
        "official": 200,
        "board": 200,
    },
    "metrics:forecast": {
        "anonymous": 302,
        "principal_a": 404,
        "principal_b": 404,
        "official": 404,
        "board": 200,
    },
    "staff:import": {
        "anonymous": 302,
        "principal_a": 404,
        "principal_b": 404,
        "official": 404,
        "board": 200,
    },
    "staff:template": {
        "anonymous": 302,
        "principal_a": 404,
        "principal_b": 404,
        "official": 404,
        "board": 200,
    },
}


@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ["anonymous", "principal_a", "principal_b", "official", "board"])
def test_who_may_open_each_page(client, staff_data, users, name, role):
    response = get(client, users[role], reverse(name) + "?year=2020")
    assert response.status_code == MATRIX[name][role]


def test_the_staff_list_shows_a_principal_only_their_own_staff(client, staff_data, users):
    own = get(client, users["principal_a"], reverse("staff:cap-list") + "?year=2020&all=1").content.decode()
    other = get(client, users["principal_b"], reverse("staff:cap-list") + "?year=2020&all=1").content.decode()
    board = get(client, users["board"], reverse("staff:cap-list") + "?year=2020&all=1").content.decode()
    assert "A001-2" in own and "B001-0" not in own
    assert "B001-0" in other and "A001-2" not in other
    assert "A001-2" in board and "B001-0" in board


def test_a_principal_cannot_pick_another_school_in_the_list(client, staff_data, users):
    page = get(client, users["principal_b"], reverse("staff:cap-list") + "?year=2020&all=1&school=A001")
    assert "A001-2" not in page.content.decode()


def test_interview_records_only_for_their_school_and_the_board(client, staff_data, users):
    record = PhysicianInterview.objects.get(staff_code="A001-2")
    url = reverse("staff:interview", args=[record.pk])
    assert {role: get(client, users[role], url).status_code for role in users} == {
        "anonymous": 302,
        "principal_a": 200,
        "principal_b": 404,
        "official": 404,
        "board": 200,
    }
    listing = get(client, users["principal_b"], reverse("staff:interviews") + "?year=2020").content.decode()
    assert "A001-2" not in listing


def test_the_principal_records_the_steps_and_the_history_keeps_who(client, staff_data, users):
    record = PhysicianInterview.objects.get(staff_code="A001-3")
    client.force_login(users["principal_a"])
    url = reverse("staff:interview", args=[record.pk])
    response = client.post(
        url,
        {
            "notified_on": "2020-05-08",
            "requested_on": "2020-05-10",
            "interview_on": "2020-05-25",
            "follow_up": "校務分掌を見直す",
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert str(record.interview_on) == "2020-05-25"
    assert record.history.first().history_user == users["principal_a"]
    # An interview before it was asked for is refused.
    response = client.post(url, {"requested_on": "2020-05-10", "interview_on": "2020-05-09"})
    assert response.status_code == 200 and "2020-05-25" == str(
        PhysicianInterview.objects.get(pk=record.pk).interview_on
    )


def test_interview_records_cannot_be_deleted_for_five_years(staff_data, school_a):
    import datetime

    old = PhysicianInterview.objects.get(staff_code="A001-2")  # April 2020 → kept until 30 April 2025
    assert str(old.keep_until) == "2025-04-30"
    with pytest.raises(ValidationError):
        old.check_deletable(today=datetime.date(2025, 4, 30))
    old.check_deletable(today=datetime.date(2025, 5, 1))  # after the five years it may go
    recent = PhysicianInterview.objects.create(
        school=school_a,
        fiscal_year=datetime.date.today().year - 1,
        month=4,
        staff_code="X1",
        overtime_hours=85,
    )
    with pytest.raises(ValidationError):
        recent.delete()
    with pytest.raises(ValidationError):
        PhysicianInterview.objects.filter(pk=recent.pk).delete()
    assert PhysicianInterview.objects.filter(pk=recent.pk).exists()


def test_officials_see_no_school_rows_nor_staff(client, staff_data, users):
    page = get(client, users["official"], reverse("staff:caps") + "?year=2020").content.decode()
    assert "テストA小学校" not in page and "テストB小学校" not in page  # no per-school rows
    assert "A001-" not in page and "B001-" not in page  # no staff ids
    assert ">8<" not in page  # two schools: even the city's total is withheld (fewer than 3 schools)
    import_staff_hours(csv_bytes(school_month(SchoolFactory(code="C001"), 4)))
    page = get(client, users["official"], reverse("staff:caps") + "?year=2020").content.decode()
    assert ">13<" in page  # the city's 13 staff of 3 schools, pooled
    assert "提出 3/3校・教職員 13人" in page  # with its coverage
    board_page = get(client, users["board"], reverse("staff:caps") + "?year=2020").content.decode()
    assert "テストA小学校" in board_page


def test_officials_caps_suppress_a_district_of_fewer_than_five_staff(client, users, school_a):
    other = SchoolFactory(code="C001", district__code="d2", district__name_ja="第2方面")
    import_staff_hours(csv_bytes(school_month(school_a, 4) + school_month(other, 4, staff=3)))
    page = get(client, users["official"], reverse("staff:caps") + "?year=2020").content.decode()
    district_table = page.split("第2方面")[1].split("</tr>")[0]
    assert "＊" in district_table  # 3 staff: not shown
    board = get(client, users["board"], reverse("staff:caps") + "?year=2020").content.decode()
    assert "＊" not in board.split("第2方面")[1].split("</tr>")[0]


def test_officials_band_excel_suppresses_small_groups(client, users, school_a):
    import io

    from openpyxl import load_workbook

    from tests.factories import school_type

    school_b = SchoolFactory(code="J001", school_type=school_type("junior_high"))
    others = [SchoolFactory(code=f"A00{n}") for n in (2, 3)]  # three elementary schools in all
    rows = [row for school in (school_a, *others) for row in school_month(school, 4)]
    import_staff_hours(csv_bytes(rows + school_month(school_b, 4, staff=3)))
    counted()

    def april_cells(user):
        response = get(client, users[user], reverse("staff:bands-xlsx") + "?year=2020")
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        april = 2  # columns: group, band, Apr, …
        return {
            kind: [row[april] for row in values if row[0] and kind in str(row[0]) and row[april] != "4月"]
            for kind in ("中学校", "小学校", "全")
        }

    official = april_cells("official")
    assert official["中学校"] and all(cell == "＊" for cell in official["中学校"])  # one school of 3 staff
    # The elementary schools would give the junior high school away (all types − elementary): withheld too.
    assert official["小学校"] and all(cell == "＊" for cell in official["小学校"])
    assert 18 in official["全"]  # the city, four schools and 18 staff, is shown
    board = april_cells("board")
    assert 3 in board["中学校"] and 15 in board["小学校"] and "＊" not in board["小学校"]
