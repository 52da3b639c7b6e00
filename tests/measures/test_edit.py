import pytest
from django.urls import reverse

from measures.models import KPI, KPIValue, Measure, MeasureYear, Section


def edit_urls(plan) -> list[str]:
    pool = plan["pool"]
    kpi = KPI.objects.get(measure=pool)
    return [
        reverse("measures:measure-create"),
        reverse("measures:measure-edit", args=[pool.pk]),
        reverse("measures:year-create", args=[pool.pk]),
        reverse("measures:year-edit", args=[pool.pk, 2020]),
        reverse("measures:kpi-create", args=[pool.pk]),
        reverse("measures:kpi-edit", args=[pool.pk, kpi.pk]),
        reverse("measures:adoption", args=[pool.pk]),
        reverse("measures:adoption-import", args=[pool.pk]),
        reverse("measures:history", args=[pool.pk]),
    ]


def test_anonymous_users_are_sent_to_login(client, plan):
    for url in edit_urls(plan):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("who", ["official", "principal_a"])
def test_officials_and_principals_cannot_edit(client, plan, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in edit_urls(plan):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "save", "title_ja": "x"}).status_code == 404, url
    year = MeasureYear.objects.get(measure=plan["pool"], fiscal_year=2020)
    response = client.post(
        reverse("measures:year-edit", args=[plan["pool"].pk, 2020]),
        {"action": "save", "fiscal_year": 2020, "tag": "new", "status": "done", "results": "書き換え"},
    )
    assert response.status_code == 404
    year.refresh_from_db()
    assert year.results == "196校で実施。"
    # The measure page offers them no edit link.
    body = client.get(reverse("measures:detail", args=[plan["pool"].pk])).content.decode()
    assert reverse("measures:year-edit", args=[plan["pool"].pk, 2020]) not in body


def test_board_can_open_every_edit_page(client, board, plan):
    client.force_login(board)
    for url in edit_urls(plan):
        assert client.get(url).status_code == 200, url
    body = client.get(reverse("measures:detail", args=[plan["pool"].pk])).content.decode()
    assert reverse("measures:year-edit", args=[plan["pool"].pk, 2020]) in body


def year_data(**changes):
    return {
        "fiscal_year": 2020,
        "tag": "expanded",
        "status": "done",
        "results": "新しい実績\n・一つ目",
        "plans": "希望する全ての学校（440校）に拡充。",
        **changes,
    }


def test_preview_shows_the_text_and_saves_nothing(client, board, plan):
    client.force_login(board)
    url = reverse("measures:year-edit", args=[plan["pool"].pk, 2020])
    response = client.post(url, {**year_data(), "action": "preview"})
    assert response.status_code == 200 and response.context["preview"]
    body = response.content.decode()
    assert "<li>一つ目</li>" in body and 'value="save"' in body
    assert MeasureYear.objects.get(measure=plan["pool"], fiscal_year=2020).results == "196校で実施。"


def test_the_form_offers_only_a_preview_first(client, board, plan):
    client.force_login(board)
    body = client.get(reverse("measures:year-edit", args=[plan["pool"].pk, 2020])).content.decode()
    assert 'value="preview"' in body and 'value="save"' not in body


def test_board_saves_a_year_and_the_history_names_them(client, board, plan):
    client.force_login(board)
    url = reverse("measures:year-edit", args=[plan["pool"].pk, 2020])
    response = client.post(url, {**year_data(), "action": "save"})
    assert response.status_code == 302
    year = MeasureYear.objects.get(measure=plan["pool"], fiscal_year=2020)
    assert year.results == "新しい実績\n・一つ目" and year.status == "done"
    assert year.history.first().history_user == board
    response = client.get(reverse("measures:history", args=[plan["pool"].pk]))
    (latest, *_older) = response.context["entries"]
    assert latest["who"] == board and latest["type"] == "~"
    changes = {c["name"]: (c["before"], c["after"]) for c in latest["changes"]}
    assert changes == {
        "results": ("196校で実施。", "新しい実績\n・一つ目"),
        "status": ("実施中", "完了"),
    }
    assert "board-user" in response.content.decode()


def test_a_second_record_for_the_same_year_is_refused(client, board, plan):
    client.force_login(board)
    url = reverse("measures:year-create", args=[plan["pool"].pk])
    response = client.post(url, {**year_data(fiscal_year=2021), "action": "save"})
    assert response.status_code == 200
    assert "fiscal_year" in response.context["form"].errors
    assert MeasureYear.objects.filter(measure=plan["pool"]).count() == 2


def test_year_out_of_range_is_refused(client, board, plan):
    client.force_login(board)
    url = reverse("measures:year-create", args=[plan["pool"].pk])
    response = client.post(url, {**year_data(fiscal_year=3020), "action": "save"})
    assert "fiscal_year" in response.context["form"].errors


def test_board_adds_a_measure(client, board, plan):
    client.force_login(board)
    section = Section.objects.get(number=2, pillar__number=1)
    data = {"section": section.pk, "number": 4, "title_ja": "新しい取組", "title_en": "A new measure"}
    client.post(reverse("measures:measure-create"), {**data, "action": "preview"})
    assert not Measure.objects.filter(title_ja="新しい取組").exists()
    response = client.post(reverse("measures:measure-create"), {**data, "action": "save"})
    measure = Measure.objects.get(title_ja="新しい取組")
    assert response["Location"] == reverse("measures:detail", args=[measure.pk])


def kpi_data(kpi=None, rows=(), **changes):
    data = {
        "name_ja": "実施校数",
        "name_en": "Schools",
        "unit": "校",
        "is_headline": "on",
        "order": 1,
        "values-TOTAL_FORMS": str(len(rows)),
        "values-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        "values-MIN_NUM_FORMS": "0",
        "values-MAX_NUM_FORMS": "1000",
        **changes,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"values-{i}-{key}"] = value
    return data


def test_board_edits_kpi_values(client, board, plan):
    client.force_login(board)
    kpi = KPI.objects.get(measure=plan["pool"])
    v2020 = KPIValue.objects.get(kpi=kpi, fiscal_year=2020)
    v2021 = KPIValue.objects.get(kpi=kpi, fiscal_year=2021)
    rows = [
        {"id": v2020.pk, "kpi": kpi.pk, "fiscal_year": 2020, "actual": "196", "planned": "200"},
        {"id": v2021.pk, "kpi": kpi.pk, "fiscal_year": 2021, "actual": "", "planned": "440", "DELETE": "on"},
        {"kpi": kpi.pk, "fiscal_year": 2022, "actual": "", "planned": "450"},
    ]
    url = reverse("measures:kpi-edit", args=[plan["pool"].pk, kpi.pk])
    response = client.post(url, {**kpi_data(rows=rows), "action": "save"})
    assert response.status_code == 302
    assert {(v.fiscal_year, v.actual, v.planned) for v in kpi.values.all()} == {
        (2020, 196, 200),
        (2022, None, 450),
    }


def test_kpi_value_needs_an_actual_or_planned_figure(client, board, plan):
    client.force_login(board)
    kpi = KPI.objects.get(measure=plan["pool"])
    rows = [{"kpi": kpi.pk, "fiscal_year": 2023, "actual": "", "planned": ""}]
    url = reverse("measures:kpi-edit", args=[plan["pool"].pk, kpi.pk])
    response = client.post(url, {**kpi_data(rows=rows), "action": "save"})
    assert response.status_code == 200
    assert response.context["values"].forms[0].non_field_errors()
    assert not KPIValue.objects.filter(fiscal_year=2023).exists()


def test_a_new_headline_kpi_replaces_the_old_one(client, board, plan):
    client.force_login(board)
    url = reverse("measures:kpi-create", args=[plan["pool"].pk])
    rows = [{"fiscal_year": 2020, "actual": "16", "planned": ""}]
    response = client.post(
        url, {**kpi_data(rows=rows, name_ja="障害者就労施設への委託校数"), "action": "save"}
    )
    assert response.status_code == 302
    headline = KPI.objects.get(measure=plan["pool"], is_headline=True)
    assert headline.name_ja == "障害者就労施設への委託校数"
    assert headline.values.get().actual == 16
    assert KPI.objects.filter(measure=plan["pool"]).count() == 2
