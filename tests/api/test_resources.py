"""Every resource: list, detail, create and update, and who may do each."""

import pytest
from django.urls import reverse

from metrics.models import StressCheckResult

# URL name → (a valid new row, a change to an existing row)
REFERENCE = {
    "schooltype": ("school-type", {"code": "kosen", "name_ja": "高専", "name_en": "College"}, {"order": 9}),
    "district": ("district", {"code": "d99", "name_ja": "第99方面", "name_en": "D99"}, {"name_en": "East"}),
    "indicator": (
        "indicator",
        {
            "code": "new_ind",
            "number": 9,
            "name_ja": "新指標",
            "name_en": "New",
            "unit": "pct",
            "comparator": "le",
            "frequency": "monthly",
        },
        {"order": 3},
    ),
    "target": (
        "target",
        {"indicator": "@indicator", "fiscal_year": 2030, "value": "5.00"},
        {"value": "4.50"},
    ),
    "event": (
        "event",
        {"label_ja": "夏季休業", "start_date": "2020-08-01", "end_date": "2020-08-20"},
        {"exclude_from_average": True},
    ),
    "publishedfigure": (
        "publishedfigure",
        {
            "indicator": "@indicator",
            "fiscal_year": 2017,
            "group": "all",
            "value": "21.00",
            "source": "報告書",
        },
        {"note": "参考"},
    ),
    "commentary": ("commentary", {"fiscal_year": 2021, "body_ja": "本文"}, {"body_en": "Text"}),
    "pillar": ("pillar", {"number": 2, "title_ja": "柱2"}, {"title_en": "Pillar 1"}),
    "section": ("section", {"pillar": "@pillar", "number": 2, "title_ja": "節2"}, {"title_en": "S"}),
    "measure": (
        "measure",
        {"section": "@section", "number": 2, "title_ja": "取組2", "indicators": ["@indicator"]},
        {"title_en": "M"},
    ),
    "measureyear": (
        "measureyear",
        {"measure": "@measure", "fiscal_year": 2021, "tag": "new"},
        {"status": "done"},
    ),
    "measurenote": (
        "measurenote",
        {"measure": "@measure", "fiscal_year": 2021, "text": "抜粋"},
        {"kind": "quote"},
    ),
    "kpi": ("kpi", {"measure": "@measure", "name_ja": "配置人数", "unit": "人"}, {"order": 2}),
    "kpivalue": ("kpivalue", {"kpi": "@kpi", "fiscal_year": 2021, "planned": "20.00"}, {"actual": "18.00"}),
}


def resolve(payload, reference):
    def one(value):
        return reference[value[1:]].pk if isinstance(value, str) and value.startswith("@") else value

    return {
        k: [one(v) for v in value] if isinstance(value, list) else one(value) for k, value in payload.items()
    }


def url_name(key):
    return REFERENCE[key][0].replace("school-type", "schooltype")


@pytest.mark.parametrize("key", REFERENCE)
@pytest.mark.parametrize("role", ["principal_a", "official", "board"])
def test_anyone_with_a_role_reads_reference_data(api, users, reference, key, role):
    obj = reference[REFERENCE[key][0]]
    client = api(users[role])
    listing = client.get(reverse(f"api:{url_name(key)}-list"))
    assert listing.status_code == 200
    assert obj.pk in [row["id"] for row in listing.json()["results"]]
    detail = client.get(reverse(f"api:{url_name(key)}-detail", args=[obj.pk]))
    assert detail.status_code == 200 and detail.json()["id"] == obj.pk


@pytest.mark.parametrize("key", REFERENCE)
def test_anonymous_gets_401(api, reference, key):
    response = api().get(reverse(f"api:{url_name(key)}-list"))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


@pytest.mark.parametrize("key", REFERENCE)
def test_board_creates_and_updates_reference_data(api, board, reference, key):
    _, new, change = REFERENCE[key]
    client = api(board)
    created = client.post(reverse(f"api:{url_name(key)}-list"), resolve(new, reference), format="json")
    assert created.status_code == 201, created.json()
    row = created.json()
    updated = client.patch(reverse(f"api:{url_name(key)}-detail", args=[row["id"]]), change, format="json")
    assert updated.status_code == 200, updated.json()
    for field, value in change.items():
        assert updated.json()[field] == value


@pytest.mark.parametrize("key", REFERENCE)
@pytest.mark.parametrize("role", ["principal_a", "official"])
def test_others_cannot_write_reference_data(api, users, reference, key, role):
    _, new, change = REFERENCE[key]
    obj = reference[REFERENCE[key][0]]
    client = api(users[role])
    created = client.post(reverse(f"api:{url_name(key)}-list"), resolve(new, reference), format="json")
    assert created.status_code == 403
    assert created.json()["errors"][0]["reason"]
    updated = client.patch(reverse(f"api:{url_name(key)}-detail", args=[obj.pk]), change, format="json")
    assert updated.status_code == 403
    assert client.delete(reverse(f"api:{url_name(key)}-detail", args=[obj.pk])).status_code == 403


def test_model_validation_errors_name_the_field(api, board, reference):
    response = api(board).post(
        reverse("api:event-list"),
        {"label_ja": "逆", "start_date": "2020-08-20", "end_date": "2020-08-01"},
        format="json",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "end_date" and error["reason"]


def test_deleting_a_row_still_in_use_is_a_409(api, board, school_a):
    response = api(board).delete(reverse("api:schooltype-detail", args=[school_a.school_type_id]))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "protected"


# --- schools and stress results: per-school rows -----------------------------------------------


@pytest.fixture
def stress(school_a, school_b):
    values = {
        "fiscal_year": 2020,
        "respondents": 20,
        "total_health_risk": 100,
        "workload_control": 95,
        "support": 105,
    }
    return {
        "a": StressCheckResult.objects.create(school=school_a, **values),
        "b": StressCheckResult.objects.create(school=school_b, **values),
    }


@pytest.mark.parametrize(
    "role, sees",
    [("principal_a", {"a"}), ("principal_b", {"b"}), ("official", set()), ("board", {"a", "b"})],
)
def test_school_rows_follow_access(api, users, school_a, school_b, stress, role, sees):
    client = api(users[role])
    for name, objects in (("school", {"a": school_a, "b": school_b}), ("stress-result", stress)):
        listing = client.get(reverse(f"api:{name}-list"))
        assert listing.status_code == 200
        assert {row["id"] for row in listing.json()["results"]} == {objects[k].pk for k in sees}
        for key, obj in objects.items():
            detail = client.get(reverse(f"api:{name}-detail", args=[obj.pk]))
            assert detail.status_code == (200 if key in sees else 404)


def test_only_board_writes_schools_and_stress_results(api, board, principal_a, school_a, stress):
    payload = {
        "code": "N001",
        "name_ja": "新設校",
        "school_type": school_a.school_type_id,
        "district": school_a.district_id,
    }
    assert api(principal_a).post(reverse("api:school-list"), payload, format="json").status_code == 403
    assert api(board).post(reverse("api:school-list"), payload, format="json").status_code == 201
    change = {"respondents": 25}
    url = reverse("api:stress-result-detail", args=[stress["a"].pk])
    assert api(principal_a).patch(url, change, format="json").status_code == 403
    response = api(board).patch(url, change, format="json")
    assert response.status_code == 200 and response.json()["respondents"] == 25


def test_list_query_count_does_not_grow_with_rows(api, board, reference, django_assert_max_num_queries):
    from measures.models import Measure

    for number in range(3, 30):
        Measure.objects.create(section=reference["section"], number=number, title_ja=f"取組{number}")
    with django_assert_max_num_queries(6):
        response = api(board).get(reverse("api:measure-list"))
    assert response.json()["count"] == 28


@pytest.mark.parametrize(
    "role, sees",
    [("principal_a", {"a"}), ("principal_b", {"b"}), ("official", set()), ("board", {"a", "b"})],
)
def test_adoption_rows_follow_access(api, users, reference, school_a, school_b, role, sees):
    from measures.models import Adoption

    rows = {
        "a": Adoption.objects.create(measure=reference["measure"], school=school_a, fiscal_year=2020),
        "b": Adoption.objects.create(measure=reference["measure"], school=school_b, fiscal_year=2020),
    }
    client = api(users[role])
    listing = client.get(reverse("api:adoption-list"))
    assert {row["id"] for row in listing.json()["results"]} == {rows[k].pk for k in sees}
    for key, row in rows.items():
        assert client.get(reverse("api:adoption-detail", args=[row.pk])).status_code == (
            200 if key in sees else 404
        )
    payload = {"measure": reference["measure"].pk, "school": school_a.pk, "fiscal_year": 2021}
    created = client.post(reverse("api:adoption-list"), payload, format="json")
    assert created.status_code == (201 if role == "board" else 403)
