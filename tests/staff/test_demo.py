"""The demo staff rows give back the demo school-months' counts."""

from demo import city as demo_data
from demo import staff as demo
from staff.derive import COUNT_FIELDS, school_month_counts


def test_demo_rows_reproduce_the_school_months():
    data = demo_data.generate(seed=2020)
    codes = sorted(data.schools["code"])[:3]
    months = data.months[data.months["school_code"].isin(codes)]
    rows = demo.generate(months, seed=2020)
    assert rows["staff_code"].str.fullmatch(r"D[A-Z]\d{3}\d{3}").all()  # pseudonymous ids
    ids = dict(zip(data.schools["code"], data.schools["school_id"], strict=True))
    derived = school_month_counts(rows.assign(school_id=rows["school_code"].map(ids)))
    merged = months.merge(derived, on=["school_id", "fiscal_year", "month"], suffixes=("", "_derived"))
    assert len(merged) == len(months)
    for name in COUNT_FIELDS:
        assert (
            merged[name].astype(float).round(1) == merged[f"{name}_derived"].astype(float).round(1)
        ).all(), name
    assert demo.generate(months, seed=2020).equals(rows)  # the same rows every time
