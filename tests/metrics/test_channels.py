"""Every channel shows the same figures to the same reader: the indicator page's table, the API series
and the report's cells for ① ② ④; the stress page's table, chart and card and the report's stress
table for ③; and no grouping that the pages and the API offer lets a principal (or an official)
subtract their way to a withheld type × district cell (metrics.disclosure)."""

import itertools
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.http import QueryDict
from django.urls import reverse
from rest_framework.test import APIClient

from metrics import rollups
from metrics.dashboard import pages
from metrics.dashboard.filters import parse_filters
from metrics.disclosure import Audience
from metrics.models import SchoolType, StressCheckResult
from tests.factories import DistrictFactory, MonthlyReportFactory, SchoolFactory, school_type, user_with_role

FY = 2024
TYPES = ["elementary", "high"]
DISTRICTS = ["d1", "east"]
CELLS = list(itertools.product(TYPES, DISTRICTS))
TYPE_SUBSETS = [None, ["elementary"], ["high"], ["elementary", "high"]]


@pytest.fixture
def city(db):
    """d1: four elementary and two high schools; east: four elementary and three high schools. FY2024:
    every school reports April; in May the elementary schools of d1 and one high school of east. Every
    school has a stress check of 20 respondents in FY2024."""
    schools = {}
    for district in DISTRICTS:
        d = DistrictFactory(code=district)
        for kind, n in (("elementary", 4), ("high", 2 if district == "d1" else 3)):
            schools[(kind, district)] = [
                SchoolFactory(school_type=school_type(kind), district=d, code=f"{district}-{kind}-{i}")
                for i in range(n)
            ]
    for i, school in enumerate(s for group in schools.values() for s in group):
        MonthlyReportFactory(
            school=school,
            fiscal_year=FY,
            month=4,
            staff_count=10 + i,
            over_80h_count=1 + i % 5,
            left_by_19_count=5 + i % 3,
            leave_days_total=20 + i,
            leave_10plus_count=i % 4,
            status="submitted",
        )
        StressCheckResult.objects.create(
            school=school,
            fiscal_year=FY,
            respondents=20,
            total_health_risk=Decimal(90 + i),
            workload_control=Decimal(95 + i % 7),
            support=Decimal(100 - i % 5),
        )
    for school in [*schools[("elementary", "d1")], schools[("high", "east")][0]]:
        MonthlyReportFactory(
            school=school,
            fiscal_year=FY,
            month=5,
            staff_count=12,
            over_80h_count=2,
            left_by_19_count=5,
            leave_days_total=30,
            leave_10plus_count=1,
            status="approved",
        )
    rollups.refresh_rollups()
    return schools


def _user(role, city):
    if role == "principal":  # of one of the two high schools of d1
        return user_with_role("p", "principal", school=city[("high", "d1")][0])
    return user_with_role(role[0], role)


def _api(user, indicator="overtime_80h", **params):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse("api:series"), {"indicator": indicator, "fiscal_year": FY, **params})
    assert response.status_code == 200, response.json()
    return response.json()["monthly"]


def _type_names():
    return {"全校種": "all", **{t.name: t.code for t in SchoolType.objects.all()}}


def _page_table(client, user, code="overtime_80h", **params):
    """The indicator page's monthly table as the reader gets it: (group, month) → cell text."""
    client.force_login(user)
    path = "leave" if code == "leave_10plus" else code
    response = client.get(reverse("metrics:indicator", args=[path]), {"year": FY, "compare": "", **params})
    assert response.status_code == 200
    rows = response.context["page"]["share_rows" if code == "leave_10plus" else "monthly_rows"]
    names, months = _type_names(), [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    table = {}
    for row in rows:
        if row.get("coverage"):
            continue
        group = names[row["label"].rsplit(" ", 1)[0]]
        table.update({(group, m): c for m, c in zip(months, row["cells"], strict=True) if c != "—"})
    return table


def _agrees(text: str, row: dict) -> bool:
    """A table cell says what the API row says: X when withheld, else the value (速報値 when provisional)."""
    if row["suppressed"] is not None:
        return text == pages.SUPPRESSED and row["value"] is None and row["numerator"] is None
    return text.startswith(pages._fmt(row["value"])) and (("速報値" in text) == row["provisional"])


@pytest.mark.parametrize("code", ["overtime_80h", "left_by_19", "leave_10plus"])
@pytest.mark.parametrize("role", ["board", "official", "principal"])
def test_the_indicator_table_the_api_and_the_report_agree_cell_for_cell(city, client, role, code):
    from reports.builder import ReportOptions, build_report

    user = _user(role, city)
    for district in (None, *DISTRICTS):
        params = {"district": district} if district else {}
        table = _page_table(client, user, code, **params)
        if district is None:
            api = _api(user, code) + _api(user, code, grouping="school_type")
        else:  # the page's district filter against the API's district grouping, one type at a time
            api = [
                {**r, "group": kind}
                for kind in TYPES
                for r in _api(user, code, grouping="district", type=[kind])
                if r["group"] == district
            ]
        assert table.keys() >= {(r["group"], r["month"]) for r in api}
        for r in api:
            assert _agrees(table[(r["group"], r["month"])], r), (district, r)
    if role == "principal":
        return  # principals export no reports
    report = build_report(ReportOptions(FY, None, role), tables_only=True).section(code)
    by_api = {
        (r["group"], r["month"]): r for r in _api(user, code) + _api(user, code, grouping="school_type")
    }
    by_api |= {(r["group"], r["month"]): r for r in _api(user, code, grouping="district")}
    cells = pd.concat([report.monthly, report.districts], ignore_index=True).to_dict("records")
    assert {(r["group"], r["month"]) for r in cells} == set(by_api)
    for r in cells:
        shown = by_api[(r["group"], r["month"])]
        assert bool(r["suppressed"]) == (shown["suppressed"] is not None), r
        if not r["suppressed"]:
            assert r["value"] == pytest.approx(shown["value"]), r
    # The small city withholds something from an official; board staff see every cell.
    assert any(bool(r["suppressed"]) for r in cells) == (role == "official")


def test_coverage_and_provisional_marks_on_the_page(city, client, board):
    table = _page_table(client, board)
    assert "速報値" in table[("all", 5)] and "速報値" not in table[("all", 4)]  # May: 5 of 13 schools
    client.force_login(board)
    page = client.get(reverse("metrics:indicator", args=["overtime_80h"]), {"year": FY, "compare": ""})
    body = page.content.decode()
    assert "提出 5/13校・教職員 60人" in page.context["page"]["caption"]  # the chart's caption: May
    assert "5/13・60" in body  # the table's coverage row
    cards = client.get(reverse("metrics:home"), {"year": FY, "compare": ""}).content.decode()
    assert "提出 5/13校・教職員 60人（速報値）" in cards
    assert "提出 13/13校・回答者 260人" in cards  # the stress card: schools and respondents


def _stress_table(client, user, **params):
    client.force_login(user)
    response = client.get(
        reverse("metrics:indicator", args=["stress"]), {"year": FY, "compare": "", **params}
    )
    assert response.status_code == 200
    page = response.context["page"]
    names = _type_names()
    table = {names[row["group"]]: row for row in page["table"]}
    chart = {
        names[c["title"]]: [y for trace in c["figure"]["data"] for y in trace["y"]] for c in page["charts"]
    }
    return table, chart


@pytest.mark.parametrize("role", ["board", "official", "principal"])
def test_the_stress_table_chart_card_and_report_agree(city, client, role):
    from reports.builder import ReportOptions, build_report

    user = _user(role, city)
    table, chart = _stress_table(client, user)
    assert set(table) == {"all", "elementary", "high"}
    # Official and principal: high d1 (two schools) is withheld, high east with it, so every group
    # holding either; the city and the elementary schools are shown.
    withheld = {"high"} if role != "board" else set()
    for group, row in table.items():
        assert (row["suppressed"] is not None) == (group in withheld), group
        if group in withheld:
            assert row["respondents_text"] == "X" and all(s["value"] == "X" for s in row["scores"])
            assert all(y is None for y in chart[group])  # a gap in the chart
        else:
            assert "X" not in [s["value"] for s in row["scores"]]
            assert all(y is not None for y in chart[group])
    assert table["all"]["respondents_text"] == "260"
    client.force_login(user)
    if role != "principal":
        cards = client.get(reverse("metrics:home"), {"year": FY, "compare": ""}).context["cards"]
        stress_card = next(c for c in cards if c["url_code"] == "stress")
        assert stress_card["latest"] == table["all"]["scores"][0]["value"]
        report = build_report(ReportOptions(FY, None, role))
        assert len(report.stress_table) == len(table)
        for row in report.stress_table:  # the PDF / Excel stress table: the page's, as the reader sees it
            mine = next(r for r in table.values() if r["group"] == row["group"])
            assert [s["value"] for s in row["scores"]] == [s["value"] for s in mine["scores"]]


@pytest.mark.parametrize("role", ["board", "official"])
def test_the_csv_stress_rows_agree_with_the_stress_page(city, client, role):
    from reports.builder import ReportOptions, build_report

    table, _chart = _stress_table(client, _user(role, city))
    report = build_report(ReportOptions(FY, None, role), tables_only=True)
    assert {row["group"] for row in report.stress_rows} == set(table)
    for row in report.stress_rows:
        mine = table[row["group"]]
        assert row["suppressed"] == (mine["suppressed"] is not None), row
        if row["suppressed"]:
            assert row["value"] is None and row["respondents"] is None
        else:
            score = mine["scores"][list(pages.STRESS_LABELS.values()).index(row["indicator"])]["value"]
            assert score == pages._fmt(row["value"], "index")


# --- differencing ---------------------------------------------------------------------------------------


def _vector(kinds, district=None):
    """The type × district cells a group pools, as a 0/1 vector."""
    return [int(k in kinds and (district is None or d == district)) for k, d in CELLS]


def _recoverable(shown: list[list[int]], cell) -> bool:
    """Whether the cell's counts follow from the shown groups' (the cell is in their span)."""
    target = [int(c == cell) for c in CELLS]
    shown = np.array(shown, dtype=float)
    return np.linalg.matrix_rank(np.vstack([shown, target])) == np.linalg.matrix_rank(shown)


def _api_groups(user, month):
    shown = []
    for grouping, types in itertools.product(("all", "school_type", "district"), TYPE_SUBSETS):
        for r in _api(user, grouping=grouping, **({"type": types} if types else {})):
            if r["month"] != month:
                continue
            if r["suppressed"] is not None:
                assert r["numerator"] is None and r["denominator"] is None and r["staff"] is None
                continue
            kinds = types or TYPES
            if grouping == "school_type":
                kinds = [r["group"]]
            shown.append(_vector(kinds, r["group"] if grouping == "district" else None))
    return shown


def _page_groups(user, month):
    """Every pooled monthly figure the indicator pages (any district, any types) show `user`."""
    shown = []
    for district, types in itertools.product((None, *DISTRICTS), TYPE_SUBSETS):
        query = QueryDict(mutable=True)
        query.update({"year": str(FY), "compare": ""})
        if district:
            query["district"] = district
        query.setlist("type", types or [])
        ctx = pages.load_context(parse_filters(query), audience=Audience.of(user))
        for r in pages.monthly_frame(ctx, "overtime_80h", FY).to_dict("records"):
            if r["month"] == month and not isinstance(r["suppressed"], str):
                kinds = (types or TYPES) if r["group"] == "all" else [r["group"]]
                shown.append(_vector(kinds, district))
    return shown


def _stress_groups(user):
    shown = []
    for district, types in itertools.product((None, *DISTRICTS), TYPE_SUBSETS):
        query = QueryDict(mutable=True)
        query.update({"year": str(FY), "compare": ""})
        if district:
            query["district"] = district
        query.setlist("type", types or [])
        ctx = pages.load_context(parse_filters(query), audience=Audience.of(user))
        for r in pages.stress_frame_disclosed(ctx).to_dict("records"):
            if not isinstance(r["suppressed"], str):
                kinds = (types or TYPES) if r["group"] == "all" else [r["group"]]
                shown.append(_vector(kinds, district))
    return shown


def _school_page_groups(client, user, school):
    """The school page's pooled rows (its type, the city) that are shown: as vectors."""
    client.force_login(user)
    page = client.get(reverse("metrics:school", args=[school.code]), {"year": FY}).context["page"]
    shown = []
    for chart in page["charts"][:1]:
        pooled = [row for row in chart["rows"][1:] if not row.get("coverage")]
        for row, kinds in zip(pooled, ([school.school_type.code], TYPES), strict=True):
            if row["cells"][0] not in ("X", "—"):
                shown.append(_vector(kinds))
    return shown


@pytest.mark.parametrize("month", [4, 5])
def test_a_principal_cannot_difference_the_other_high_school_of_their_district(city, client, month):
    own, other = city[("high", "d1")]
    principal = _user("principal", city)
    shown = _api_groups(principal, month) + _page_groups(principal, month)
    shown += _school_page_groups(client, principal, own)
    assert shown  # the city at least
    assert not _recoverable(shown, ("high", "d1"))
    # The school page shows the principal their own school's months, and no other school's.
    client.force_login(principal)
    page = client.get(reverse("metrics:school", args=[own.code]), {"year": FY}).context["page"]
    assert page["charts"][0]["rows"][0]["cells"][0] not in ("X", "—")
    assert client.get(reverse("metrics:school", args=[other.code])).status_code == 404
    assert not _recoverable(_stress_groups(principal), ("high", "d1"))


def test_an_official_cannot_difference_a_small_cell_on_any_channel(city, official):
    shown = _api_groups(official, 4) + _page_groups(official, 4)
    assert not _recoverable(shown, ("high", "d1"))
    assert not _recoverable(_stress_groups(official), ("high", "d1"))


def test_board_staff_see_every_cell(city, board):
    shown = _api_groups(board, 4) + _page_groups(board, 4)
    assert all(_recoverable(shown, cell) for cell in CELLS)


def test_the_api_marks_published_years_and_the_overview_shows_them(city, client, board, official):
    from metrics.models import Indicator, PublishedFigure

    for code, value in (("overtime_80h", "40.1"), ("stress_total", "101.5")):
        PublishedFigure.objects.create(
            indicator=Indicator.objects.get(code=code),
            fiscal_year=2018,
            group="all",
            value=value,
            source="市報告",
        )
    PublishedFigure.objects.create(
        indicator=Indicator.objects.get(code="overtime_80h"),
        fiscal_year=2018,
        group="high",
        value="44.0",
        source="市報告",
    )
    client.force_login(official)
    cards = client.get(reverse("metrics:home"), {"year": 2018}).context["cards"]
    by_code = {c["url_code"]: c for c in cards}
    assert by_code["overtime_80h"]["published"] and by_code["overtime_80h"]["year_value"] == "40.1%"
    assert by_code["stress"]["year_value"] == "101.5"
    assert by_code["left_by_19"].get("empty")  # no published figure: nothing made up
    page = client.get(reverse("metrics:indicator", args=["overtime_80h"]), {"year": 2018}).context["page"]
    assert page["year_rows"][0]["cells"][0]["value"] == by_code["overtime_80h"]["year_value"]
    api = APIClient()
    api.force_authenticate(official)
    for grouping, group, value in (("all", "all", 40.1), ("school_type", "high", 44.0)):
        years = api.get(
            reverse("api:series"),
            {"indicator": "overtime_80h", "fiscal_year": [2018, FY], "grouping": grouping},
        ).json()["years"]
        (published,) = [y for y in years if y["fiscal_year"] == 2018]
        assert (published["group"], published["value"], published["source"]) == (group, value, "published")
        assert all(y["source"] == "schools" for y in years if y["fiscal_year"] == FY)
    # A district has no published figures: the city's are not passed off as one district's.
    years = api.get(
        reverse("api:series"), {"indicator": "overtime_80h", "fiscal_year": [2018], "grouping": "district"}
    ).json()["years"]
    assert years == []
