"""Load a year of measures from the structured form kept in `demo/data/measures/*.json`."""

import json
from decimal import Decimal
from pathlib import Path

from measures.models import KPI, Adoption, KPIValue, Measure, MeasureNote, MeasureYear, Pillar, Section
from metrics.models import Indicator, School
from reform.loading import LoadResult, upsert

DEMO_DIR = Path(__file__).resolve().parent / "data" / "measures"


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


def _find_measure(entry: dict) -> Measure:
    return Measure.objects.get(
        section__pillar__number=entry["pillar"], section__number=entry["section"], title_ja=entry["title_ja"]
    )


def load_demo_extras(*, result: LoadResult) -> None:
    """The demo's other years (`years.json`: FY2019 as the FY2020 report tells it, FY2021 as planned)
    and which demo schools take part in a few measures (`adoption.json`). Run after `load_measures`
    and after the schools are loaded; a second run changes nothing."""
    years = json.loads((DEMO_DIR / "years.json").read_text(encoding="utf-8"))
    for entry in years["years"]:
        upsert(
            MeasureYear,
            {"measure": _find_measure(entry), "fiscal_year": entry["fiscal_year"]},
            {
                "tag": entry["tag"],
                "status": entry["status"],
                "results": entry["results_ja"],
                "plans": entry["plans_ja"],
            },
            result,
            "measure years",
        )
    for entry in years["kpi_values"]:
        kpi = KPI.objects.get(measure=_find_measure(entry), name_ja=entry["kpi_ja"])
        upsert(
            KPIValue,
            {"kpi": kpi, "fiscal_year": entry["fiscal_year"]},
            {"actual": _number(entry.get("actual")), "planned": _number(entry.get("planned"))},
            result,
            "KPI values",
        )
    adoption = json.loads((DEMO_DIR / "adoption.json").read_text(encoding="utf-8"))
    schools = dict(School.objects.values_list("code", "pk"))
    for entry in adoption["adoptions"]:
        measure = _find_measure(entry)
        year = entry["fiscal_year"]
        existing = set(
            Adoption.objects.filter(measure=measure, fiscal_year=year).values_list("school_id", flat=True)
        )
        new = [schools[c] for c in entry["schools"] if c in schools and schools[c] not in existing]
        Adoption.objects.bulk_create([Adoption(measure=measure, school_id=s, fiscal_year=year) for s in new])
        result.count("adoptions", created=len(new))
