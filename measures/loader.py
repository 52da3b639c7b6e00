"""Load a year of measures from the structured form kept in `measures/demo/*.json`."""

from decimal import Decimal

from measures.models import KPI, KPIValue, Measure, MeasureNote, MeasureYear, Pillar, Section
from metrics.models import Indicator
from reform.loading import LoadResult, upsert


def _number(value):
    return None if value is None else Decimal(str(value))


def load_measures(data: dict, *, result: LoadResult) -> None:
    """Upsert pillars, sections, measures, the year's results and plans, KPIs and notes."""
    fiscal_year = data["fiscal_year"]
    indicators = {i.code: i for i in Indicator.objects.all()}
    for p in data["pillars"]:
        pillar = upsert(
            Pillar,
            {"number": p["number"]},
            {"title_ja": p["title_ja"], "title_en": p["title_en"]},
            result,
            "pillars",
        )
        for s in p["sections"]:
            section = upsert(
                Section,
                {"pillar": pillar, "number": s["number"]},
                {"title_ja": s["title_ja"], "title_en": s["title_en"]},
                result,
                "sections",
            )
            for m in s["measures"]:
                _load_measure(section, m, fiscal_year, indicators, result)


def _load_measure(section, m, fiscal_year, indicators, result):
    measure = upsert(
        Measure,
        {"section": section, "title_ja": m["title_ja"]},
        {"number": m["number"], "title_en": m["title_en"]},
        result,
        "measures",
    )
    wanted = {indicators[code] for code in m.get("indicators", [])}
    if set(measure.indicators.all()) != wanted:
        measure.indicators.set(wanted)
    upsert(
        MeasureYear,
        {"measure": measure, "fiscal_year": fiscal_year},
        {
            "tag": m["tag"],
            "status": MeasureYear.Status.DONE if not m.get("plans_ja") else MeasureYear.Status.IN_PROGRESS,
            "results": m.get("results_ja", ""),
            "plans": m.get("plans_ja", ""),
        },
        result,
        "measure years",
    )
    for order, k in enumerate(m.get("kpis", []), start=1):
        kpi = upsert(
            KPI,
            {"measure": measure, "name_ja": k["name_ja"]},
            {
                "name_en": k.get("name_en", ""),
                "unit": k.get("unit", ""),
                "is_headline": bool(k.get("headline")),
                "order": order,
            },
            result,
            "KPIs",
        )
        for v in k.get("values", []):
            upsert(
                KPIValue,
                {"kpi": kpi, "fiscal_year": v["fiscal_year"]},
                {"actual": _number(v.get("actual")), "planned": _number(v.get("planned"))},
                result,
                "KPI values",
            )
    for n in m.get("notes", []):
        upsert(
            MeasureNote,
            {"measure": measure, "fiscal_year": fiscal_year, "text": n["text"]},
            {"kind": n.get("kind", "note"), "source": n.get("source", "")},
            result,
            "notes",
        )
