import re

import pytest
from django.urls import reverse

from measures.models import Adoption
from tests.factories import MonthlyReportFactory, SchoolFactory

MONTHS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]


def school_with_months(code, *, before, after):
    """A school with 10 staff and `before`/`after` of them over 80 h every month of FY2019/FY2020."""
    school = SchoolFactory(code=code)
    for fiscal_year, over in ((2019, before), (2020, after)):
        for month in MONTHS:
            MonthlyReportFactory(
                school=school,
                fiscal_year=fiscal_year,
                month=month,
                staff_count=10,
                over_80h_count=over,
                left_by_19_count=5,
                over_45h_count=over,
                over_100h_count=0,
                status="approved",
            )
    return school


@pytest.fixture
def adopted(plan):
    adopting = [school_with_months(f"A{n}", before=3, after=1) for n in range(5)]
    others = [school_with_months(f"C{n}", before=2, after=2) for n in range(5)]
    for school in adopting:
        Adoption.objects.create(measure=plan["pool"], school=school, fiscal_year=2020)
    return {"adopting": adopting, "others": others}


def test_effect_page_shows_both_groups_and_the_caution(client, official, plan, adopted):
    client.force_login(official)
    response = client.get(reverse("measures:effect", args=[plan["pool"].pk]))
    assert response.status_code == 200
    result = response.context["page"]["result"]
    assert (result.adopting.schools, result.comparison.schools) == (5, 5)
    # Adopting: 30 % → 10 %; others: 20 % → 20 %; difference −20 points.
    assert result.difference == pytest.approx(-20.0)
    body = response.content.decode()
    assert "−20.0" in body
    assert "テスト第" not in body and not re.search(r"\bA\d\b", body)  # no school is named
    assert response.context["page"]["figure"]["data"][0]["y"] == [30.0, 10.0]


def test_effect_page_hides_groups_under_five(client, board, plan, adopted):
    Adoption.objects.filter(school=adopted["adopting"][0]).delete()
    client.force_login(board)
    response = client.get(reverse("measures:effect", args=[plan["pool"].pk]))
    result = response.context["page"]["result"]
    assert result.adopting.schools == 4 and not result.adopting.shown
    assert result.difference is None
    body = response.content.decode()
    assert "30.0%" not in body and "10.0%" not in body


def test_effect_page_with_unknown_choices_gives_a_message(client, board, plan, adopted):
    client.force_login(board)
    response = client.get(
        reverse("measures:effect", args=[plan["pool"].pk]), {"year": "1999", "indicator": "x"}
    )
    assert response.status_code == 200
    assert len(list(response.context["messages"])) == 2
    assert response.context["choice"]["year"] == 2020


def test_effect_page_without_adoption_explains_what_is_missing(client, board, plan):
    client.force_login(board)
    response = client.get(reverse("measures:effect", args=[plan["ssw"].pk]))
    assert response.status_code == 200 and response.context["page"] is None
