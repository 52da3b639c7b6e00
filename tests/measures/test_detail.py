from decimal import Decimal

from django.template import Context, Template
from django.urls import reverse

from measures import services
from measures.models import KPI, KPIValue, MeasureYear


def test_measure_page_shows_years_side_by_side(client, official, plan):
    ssw = plan["ssw"]
    MeasureYear.objects.create(measure=ssw, fiscal_year=2021, status="planned", tag="expanded")
    client.force_login(official)
    response = client.get(reverse("measures:detail", args=[ssw.pk]))
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c.year.fiscal_year for c in columns] == [2019, 2020, 2021]
    # FY2019 has no year before it; FY2021 sits beside the plan FY2020 made for it.
    assert columns[0].plan_from_previous is None
    assert columns[1].plan_from_previous == ""
    assert columns[2].plan_from_previous == "11名増員。"
    body = response.content.decode()
    for text in (
        "派遣型で32人。",
        "43人に増員し巡回型へ移行。",
        "11名増員。",
        "令和元年度（FY2019）",
        "令和3年度（FY2021）",
    ):
        assert text in body
    # Indicators it aims to move, with links to their dashboard pages; the quote with its source.
    assert reverse("metrics:indicator", args=["stress"]) in body
    assert "巡回で相談しやすくなった。" in body and "働き方改革通信 No.6" in body


def test_kpi_chart_data_has_actual_and_planned_per_year(plan):
    kpi = KPI.objects.get(measure=plan["pool"])
    KPIValue.objects.create(kpi=kpi, fiscal_year=2019, actual=Decimal("120"), planned=Decimal("150"))
    (block,) = services.kpi_blocks(plan["pool"])
    assert [r["fiscal_year"] for r in block["rows"]] == [2019, 2020, 2021]
    assert block["rows"][1]["change"] == 76  # 196 − 120
    actual, planned = block["figure"]["data"]
    assert actual["type"] == planned["type"] == "bar"
    assert actual["x"] == ["令和元年度（FY2019）", "令和2年度（FY2020）", "令和3年度（FY2021）"]
    assert actual["y"] == [120.0, 196.0, None]
    assert planned["y"] == [150.0, None, 440.0]
    assert block["figure"]["layout"]["barmode"] == "group"


def test_kpi_numbers_are_also_a_table(client, board, plan):
    client.force_login(board)
    body = client.get(reverse("measures:detail", args=[plan["pool"].pk])).content.decode()
    assert 'data-figure="kpi-chart-1"' in body
    assert '<td class="num">196</td>' in body and '<td class="num">440</td>' in body


def test_text_keeps_line_breaks_and_lists_and_never_renders_html():
    text = "実施内容：\n・一つ目<b>太字</b>\n・二つ目\n\n<script>alert(1)</script>\n次の行"
    html = Template("{% load measures_tags %}{{ text|rich_text }}").render(Context({"text": text}))
    assert html == (
        "<p>実施内容：</p><ul><li>一つ目&lt;b&gt;太字&lt;/b&gt;</li><li>二つ目</li></ul>"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>次の行</p>"
    )


def test_measure_page_escapes_user_text(client, official, plan):
    year = MeasureYear.objects.get(measure=plan["pool"], fiscal_year=2020)
    year.results = '<img src=x onerror="alert(1)">'
    year.save()
    client.force_login(official)
    body = client.get(reverse("measures:detail", args=[plan["pool"].pk])).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x" in body


def test_measure_page_in_english(client, official, plan):
    client.force_login(official)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("measures:detail", args=[plan["ssw"].pk])).content.decode()
    assert "School social workers (SSW)" in body and "FY2020" in body


def test_unknown_measure_is_404(client, official, plan):
    client.force_login(official)
    assert client.get(reverse("measures:detail", args=[99999])).status_code == 404
