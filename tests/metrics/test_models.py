import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from metrics.models import Event, Indicator, MonthlyReport
from tests.factories import MonthlyReportFactory, SchoolFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"over_80h_count": 21},
        {"left_by_19_count": 21},
        {"leave_10plus_count": 21},
        {"over_45h_count": 1},  # fewer than over_80h (2)
        {"over_100h_count": 3},  # more than over_80h (2)
        {"month": 13},
    ],
)
def test_database_refuses_inconsistent_counts(changes):
    report = MonthlyReportFactory.build(school=SchoolFactory(), **changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        report.save()
    assert not MonthlyReport.objects.exists()


@pytest.mark.django_db
def test_one_row_per_school_month():
    report = MonthlyReportFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReportFactory(school=report.school)
    assert MonthlyReport.objects.count() == 1


@pytest.mark.django_db
def test_optional_bands_may_be_empty():
    report = MonthlyReportFactory(over_45h_count=None, over_100h_count=None)
    report.full_clean()


@pytest.mark.django_db
def test_clean_names_the_field_in_japanese():
    report = MonthlyReportFactory.build(school=SchoolFactory(), over_80h_count=25, over_45h_count=None)
    with translation.override("ja"), pytest.raises(ValidationError) as caught:
        report.full_clean()
    assert set(caught.value.message_dict) == {"over_80h_count"}
    message = caught.value.message_dict["over_80h_count"][0]
    assert "80" in message and "25" in message and "20" in message
    assert "超えることはできません" in message


@pytest.mark.django_db
def test_clean_in_english():
    report = MonthlyReportFactory.build(school=SchoolFactory(), over_80h_count=5, over_45h_count=3)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        report.full_clean()
    assert caught.value.message_dict["over_45h_count"] == [
        "Staff over 45 h (3) cannot be fewer than staff over 80 h (5)."
    ]


@pytest.mark.django_db
def test_indicator_comparators():
    assert Indicator.objects.get(code="overtime_80h").meets(0, 0) is True
    assert Indicator.objects.get(code="overtime_80h").meets(7.6, 0) is False
    assert Indicator.objects.get(code="left_by_19").meets(77.3, 70) is True
    assert Indicator.objects.get(code="stress_workload").meets(100, 100) is False
    assert Indicator.objects.get(code="leave_10plus").meets(60.5, 100) is False


def test_event_fiscal_months():
    import datetime

    closure = Event(
        label_ja="一斉臨時休業", start_date=datetime.date(2020, 3, 2), end_date=datetime.date(2020, 5, 31)
    )
    assert closure.fiscal_months() == [(2019, 3), (2020, 4), (2020, 5)]
