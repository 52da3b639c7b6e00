import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.measures import load_measures
from measures.models import KPI, KPIValue, Measure, MeasureYear, Section
from reform.loading import LoadResult

URL = reverse("measures:register")


def titles(response) -> list[str]:
    return [
        row.measure.title_ja for block in response.context["blocks"] for s in block.sections for row in s.rows
    ]


def test_register_needs_login(client, plan):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["board", "official", "principal_a"])
def test_every_role_reads_the_register(client, plan, who, request):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    # The default year is the latest one under way (FY2021 is only planned).
    assert response.context["filters"].fiscal_year == 2020
    assert titles(response) == ["プール清掃の外部委託", "部活動指導員の配置", "ＳＳＷの活用"]


def test_register_groups_by_pillar_and_section_and_shows_headline_change(client, board, plan):
    client.force_login(board)
    response = client.get(URL, {"year": 2020})
    blocks = response.context["blocks"]
    assert [b.pillar.number for b in blocks] == [1, 2]
    ssw_row = blocks[1].sections[0].rows[1]
    assert ssw_row.measure == plan["ssw"]
    assert ssw_row.headline.value == 43 and ssw_row.headline.change == 11
    body = response.content.decode()
    assert "⑥" in body and "+11人" in body


def test_planned_year_shows_planned_headline_against_last_actual(client, board, plan):
    client.force_login(board)
    response = client.get(URL, {"year": 2021})
    (row,) = [r for b in response.context["blocks"] for s in b.sections for r in s.rows]
    assert row.headline.value == 440 and row.headline.is_planned
    assert row.headline.change == 244


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"pillar": 1}, ["プール清掃の外部委託"]),
        ({"tag": "continuing"}, ["部活動指導員の配置"]),
        ({"status": "done"}, ["ＳＳＷの活用"]),
        ({"indicator": "stress_support"}, ["ＳＳＷの活用"]),
        ({"year": 2019}, ["ＳＳＷの活用"]),
        ({"pillar": 2, "tag": "expanded"}, ["ＳＳＷの活用"]),
    ],
)
def test_register_filters(client, board, plan, params, expected):
    client.force_login(board)
    response = client.get(URL, {"year": 2020, **params})
    assert response.status_code == 200
    assert titles(response) == expected


@pytest.mark.parametrize(
    "words, expected",
    [
        ("プール", ["プール清掃の外部委託"]),
        ("SSW", ["ＳＳＷの活用"]),  # half-width finds full-width
        ("ｓｓｗ 巡回", ["ＳＳＷの活用"]),  # every word must match; results text is searched
        ("相談しやすく", ["ＳＳＷの活用"]),  # notes are searched
        ("instructors", ["部活動指導員の配置"]),  # English titles too
        ("プール 巡回", []),
    ],
)
def test_register_word_search(client, board, plan, words, expected):
    client.force_login(board)
    response = client.get(URL, {"year": 2020, "q": words})
    assert titles(response) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "1999"},
        {"pillar": "9"},
        {"tag": "<script>"},
        {"status": "x"},
        {"indicator": "zz"},
    ],
)
def test_unknown_filter_values_give_a_message_not_an_error(client, board, plan, params):
    client.force_login(board)
    response = client.get(URL, params)
    assert response.status_code == 200
    (message,) = [str(m) for m in response.context["messages"]]
    assert str(next(iter(params.values()))) in message
    assert "<script>" not in response.content.decode().split('<main id="main">')[1]
    # The faulty filter is left out: the register still lists the year's measures.
    assert len(titles(response)) == 3


def test_filters_stay_in_the_query_string(client, board, plan):
    client.force_login(board)
    response = client.get(URL, {"year": 2020, "pillar": 2, "q": "SSW"})
    assert response.context["filters"].query() == "year=2020&pillar=2&q=SSW"
    assert 'value="SSW"' in response.content.decode()


def test_titles_follow_the_language(client, board, plan):
    client.force_login(board)
    client.cookies["django_language"] = "en"
    response = client.get(URL, {"year": 2020})
    body = response.content.decode()
    assert "Outsourced pool cleaning" in body and "Building teams" in body
    client.cookies["django_language"] = "ja"
    body = client.get(URL, {"year": 2020}).content.decode()
    assert "プール清掃の外部委託" in body and "Outsourced pool cleaning" not in body


def _more_measures(section: Section, count: int):
    for n in range(count):
        measure = Measure.objects.create(section=section, number=10 + n, title_ja=f"追加の取組{n}")
        MeasureYear.objects.create(measure=measure, fiscal_year=2020)
        kpi = KPI.objects.create(measure=measure, name_ja=f"指標{n}", unit="校", is_headline=True)
        KPIValue.objects.create(kpi=kpi, fiscal_year=2019, actual=n)
        KPIValue.objects.create(kpi=kpi, fiscal_year=2020, actual=n + 1)


def test_register_query_count_does_not_grow_with_measures(client, board, plan):
    client.force_login(board)
    client.get(URL, {"year": 2020})  # warm up session and role caches
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"year": 2020, "q": "取組"})
    _more_measures(Section.objects.first(), 15)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"year": 2020, "q": "取組"})
    assert len(titles(response)) == 15
    assert len(many) == len(few)
    assert len(many) <= 14


def test_all_fy2020_demo_measures_appear_complete(client, board):
    data = json.loads(Path("demo/data/measures/fy2020.json").read_text(encoding="utf-8"))
    load_measures(data, result=LoadResult())
    client.force_login(board)
    response = client.get(URL, {"year": 2020})
    expected = [m["title_ja"] for p in data["pillars"] for s in p["sections"] for m in s["measures"]]
    assert len(expected) == 22
    assert sorted(titles(response)) == sorted(expected)
    rows = [r for b in response.context["blocks"] for s in b.sections for r in s.rows]
    pool = next(r for r in rows if r.measure.title_ja.startswith("教職員の業務の精査"))
    assert pool.year.results.startswith("プール清掃業務委託") and pool.year.plans
    assert pool.headline.value == 196
