import datetime

import pytest
from rest_framework.test import APIClient

from measures import models as measures
from metrics import models as metrics
from tests.factories import MonthlyReportFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The test users get passwords; the production hasher takes half a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    """`api(user)`: an API client logged in as `user` (None: anonymous)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def users(board, official, principal_a, principal_b):
    return {
        "anonymous": None,
        "principal_a": principal_a,
        "principal_b": principal_b,
        "official": official,
        "board": board,
    }


@pytest.fixture
def reference(db, school_a):
    """One row of every reference resource, keyed by its URL name."""
    indicator = metrics.Indicator.objects.get(code="overtime_80h")
    pillar = measures.Pillar.objects.create(number=1, title_ja="柱1")
    section = measures.Section.objects.create(pillar=pillar, number=1, title_ja="節1")
    measure = measures.Measure.objects.create(section=section, number=1, title_ja="取組1")
    kpi = measures.KPI.objects.create(measure=measure, name_ja="実施校数", unit="校")
    return {
        "school-type": metrics.SchoolType.objects.get(code="elementary"),
        "district": school_a.district,
        "indicator": indicator,
        "target": metrics.Target.objects.get_or_create(
            indicator=indicator, fiscal_year=2020, defaults={"value": 0}
        )[0],
        "event": metrics.Event.objects.create(
            label_ja="臨時休業", start_date=datetime.date(2020, 3, 2), end_date=datetime.date(2020, 3, 31)
        ),
        "publishedfigure": metrics.PublishedFigure.objects.create(
            indicator=indicator, fiscal_year=2018, group="all", value=20, source="報告書"
        ),
        "commentary": metrics.Commentary.objects.create(fiscal_year=2020, body_ja="総括"),
        "pillar": pillar,
        "section": section,
        "measure": measure,
        "measureyear": measures.MeasureYear.objects.create(measure=measure, fiscal_year=2020),
        "measurenote": measures.MeasureNote.objects.create(measure=measure, fiscal_year=2020, text="声"),
        "kpi": kpi,
        "kpivalue": measures.KPIValue.objects.create(kpi=kpi, fiscal_year=2020, actual=10),
    }


@pytest.fixture
def month_a(school_a):
    return MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="submitted")


@pytest.fixture
def month_b(school_b):
    return MonthlyReportFactory(school=school_b, fiscal_year=2020, month=4, status="submitted")
