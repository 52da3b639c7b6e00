"""The per-staff pages' pooled figures (cap counts by type, district and the city; the survey bands)
leave through metrics.disclosure: coverage on each, officials' small and complementary cells withheld,
a principal their own school's staff only."""

import itertools

import numpy as np
import pytest
from django.urls import reverse

from staff.imports import import_staff_hours
from tests.factories import DistrictFactory, SchoolFactory, school_type, user_with_role
from tests.staff.helpers import counted, csv_bytes, school_month

pytestmark = pytest.mark.django_db

TYPES = ["elementary", "high"]
DISTRICTS = ["d1", "east"]
CELLS = list(itertools.product(TYPES, DISTRICTS))


@pytest.fixture
def city(db):
    """d1: four elementary and two high schools; east: four elementary and three high; five staff each
    in April 2020 (per-staff rows, so the school-months with their bands are derived too)."""
    schools = {}
    for district in DISTRICTS:
        d = DistrictFactory(code=district, name_ja=f"{district}地区")
        for kind, n in (("elementary", 4), ("high", 2 if district == "d1" else 3)):
            schools[(kind, district)] = [
                SchoolFactory(school_type=school_type(kind), district=d, code=f"{district[0]}{kind[0]}{i}")
                for i in range(n)
            ]
    rows = [row for group in schools.values() for school in group for row in school_month(school, 4)]
    import_staff_hours(csv_bytes(rows))
    counted()
    return schools


def _vector(row_group, by):
    return [
        int(
            row_group == "all"
            or (by == "school_type" and kind == row_group)
            or (by == "district" and d == row_group)
        )
        for kind, d in CELLS
    ]


def _recoverable(shown, cell) -> bool:
    target = [int(c == cell) for c in CELLS]
    shown = np.array(shown, dtype=float)
    return np.linalg.matrix_rank(np.vstack([shown, target])) == np.linalg.matrix_rank(shown)


def _caps_tables(client, user):
    client.force_login(user)
    response = client.get(reverse("staff:caps"), {"year": 2020})
    assert response.status_code == 200
    return response.context["tables"], response.content.decode()


def test_officials_cap_counts_withhold_small_and_complementary_groups(client, city, official, board):
    tables, page = _caps_tables(client, official)
    shown = []
    for (_title, rows), by in zip(tables, ("school_type", "district"), strict=True):
        by_group = {row["group"]: row for row in rows}
        assert set(by_group) == {"all", *(TYPES if by == "school_type" else DISTRICTS)}
        for group, row in by_group.items():
            if row["suppressed"]:
                assert row["staff_count"] is None and set(row["counts"]) == {None}
            else:
                shown.append(_vector(group, by))
        assert not by_group["all"]["suppressed"] and by_group["all"]["staff_count"] == 65
        assert by_group["all"]["coverage"] == "提出 13/13校・教職員 65人"
    # high × d1 is two schools: withheld, and with it every group that holds it or its partner.
    hidden = {row["group"] for _t, rows in tables for row in rows if row["suppressed"]}
    assert hidden == {"high", "d1", "east"}
    assert not _recoverable(shown, ("high", "d1"))
    assert "＊" in page and "テスト第" not in page  # no school rows
    board_tables, _page = _caps_tables(client, board)
    assert not any(row["suppressed"] for _t, rows in board_tables for row in rows)
    assert [title for title, _rows in board_tables][-1] == "学校別"


def test_a_principal_sees_their_own_schools_staff_only(client, city):
    own = city[("high", "d1")][0]
    tables, page = _caps_tables(client, user_with_role("p", "principal", school=own))
    ((_title, rows),) = tables
    assert [(row["group"], row["staff_count"], row["suppressed"]) for row in rows] == [(own.code, 5, False)]
    assert "65" not in page  # no pooled figure of the city


def test_officials_bands_withhold_what_would_give_a_small_cell_away(client, city, official, board):
    client.force_login(official)
    page = client.get(reverse("staff:bands"), {"year": 2020})
    blocks = {block["name"]: block["lines"] for block in page.context["blocks"]}
    april = 0

    def cells(name):
        return {label: line[april] for label, line, _share in blocks[name]}

    assert cells("全校種")["対象教職員数"] == 65 and cells("全校種")["提出校数／対象校数"] == "13/13"
    assert cells("小学校")["対象教職員数"] == 40
    high = next(name for name in blocks if name not in ("全校種", "小学校"))
    assert {value for label, value in cells(high).items() if label != "提出校数／対象校数"} == {"＊"}
    client.force_login(board)
    blocks = {
        b["name"]: b["lines"] for b in client.get(reverse("staff:bands"), {"year": 2020}).context["blocks"]
    }
    assert {label: line[april] for label, line, _share in blocks[high]}["対象教職員数"] == 25
