"""Access is applied one way (reform/access.py): every model with rows some users may not see
answers `restrict(user)` by the one rule, and every page is wrapped by `access.page`."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from accounts import views as account_views
from api import errors
from api.views import RestrictedViewSetMixin
from measures.models import Adoption, Measure, Pillar, Section
from metrics.models import MonthlyReport, Reminder, School, SchoolPrincipal, StressCheckResult
from reform import access, passwords
from reform.access import Role
from reports.models import ReportExport
from staff.models import PhysicianInterview, StaffMonth
from tests.factories import MonthlyReportFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _measure():
    pillar = Pillar.objects.create(number=1, title_ja="柱", title_en="Pillar")
    section = Section.objects.create(pillar=pillar, number=1, title_ja="節", title_en="Section")
    return Measure.objects.create(section=section, number=1, title_ja="取組", title_en="Measure")


# One row of each per-school model for `school` (the measure is shared by both schools' rows).
PER_SCHOOL_ROWS = {
    School: lambda school, measure: school,
    MonthlyReport: lambda school, measure: MonthlyReportFactory(school=school),
    StressCheckResult: lambda school, measure: StressCheckResult.objects.create(
        school=school,
        fiscal_year=2020,
        respondents=10,
        total_health_risk=100,
        workload_control=100,
        support=100,
    ),
    Reminder: lambda school, measure: Reminder.objects.create(
        school=school, fiscal_year=2020, month=4, recipients="principal@example.org"
    ),
    StaffMonth: lambda school, measure: StaffMonth.objects.create(
        school=school,
        fiscal_year=2020,
        month=4,
        staff_code=f"{school.code}-1",
        overtime_hours=50,
        weekday_overtime_hours=40,
        leave_days=1,
    ),
    PhysicianInterview: lambda school, measure: PhysicianInterview.objects.create(
        school=school, fiscal_year=2020, month=4, staff_code=f"{school.code}-1", overtime_hours=85
    ),
    Adoption: lambda school, measure: Adoption.objects.create(
        measure=measure, school=school, fiscal_year=2020
    ),
}

# Models with a key to School whose rows no page or endpoint lists: principals' account links (the
# admin's), and the history tables (read only through a row that `restrict` already let through).
NOT_RESTRICTED = {SchoolPrincipal}


def _restricted_models():
    return {
        model
        for model in apps.get_models()
        if isinstance(model._default_manager.all(), access.RestrictedQuerySet)
    }


def test_every_restricted_model_is_walked_here():
    assert _restricted_models() == set(PER_SCHOOL_ROWS) | {ReportExport}


def test_every_model_keyed_to_a_school_is_restricted():
    keyed = {
        model
        for model in apps.get_models()
        if not hasattr(model, "instance_type")  # simple_history's tables
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model is School
    }
    assert keyed - NOT_RESTRICTED <= _restricted_models()


@pytest.fixture
def users(board, official, principal_a, principal_b):
    return {
        "board": board,
        "principal_a": principal_a,
        "principal_b": principal_b,
        "official": official,
        "principal without a school": user_with_role("lost-principal", "principal"),
        "no role": UserFactory(username="no-role"),
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("model", list(PER_SCHOOL_ROWS), ids=lambda m: m.__name__)
def test_per_school_rows_board_all_principal_own_official_none(model, school_a, school_b, users):
    measure = _measure()
    row_a = PER_SCHOOL_ROWS[model](school_a, measure)
    row_b = PER_SCHOOL_ROWS[model](school_b, measure)
    expected = {
        "board": {row_a.pk, row_b.pk},
        "principal_a": {row_a.pk},
        "principal_b": {row_b.pk},
        "official": set(),
        "principal without a school": set(),
        "no role": set(),
        "anonymous": set(),
    }
    seen = {
        name: set(model.objects.restrict(user).values_list("pk", flat=True)) for name, user in users.items()
    }
    assert seen == expected


def test_report_exports_board_all_officials_theirs_principals_none(users):
    board_export = ReportExport.objects.create(fiscal_year=2020, format="csv", audience="board")
    official_export = ReportExport.objects.create(fiscal_year=2020, format="csv", audience="official")
    expected = {
        "board": {board_export.pk, official_export.pk},
        "principal_a": set(),
        "principal_b": set(),
        "official": {official_export.pk},
        "principal without a school": set(),
        "no role": set(),
        "anonymous": set(),
    }
    seen = {
        name: set(ReportExport.objects.restrict(user).values_list("pk", flat=True))
        for name, user in users.items()
    }
    assert seen == expected


# --- pages ----------------------------------------------------------------------------------------


def _url_patterns(patterns=None, prefix="", namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace, pattern.callback


def _exempt(namespace, callback) -> bool:
    """Django's own pages (log in and out, passwords, language, admin; reform/passwords.py and
    accounts/views.py wrap them) and the API, which has its permission classes (api/permissions.py)."""
    module = getattr(callback, "view_class", callback).__module__
    return (
        namespace == "admin"
        or module in ("django.contrib.auth.views", "django.views.i18n")
        or callback is passwords.logout
        or callback is account_views.login
        or issubclass(getattr(callback, "cls", object), APIView)
        or callback is errors.not_found
    )


def test_every_page_is_wrapped_by_the_one_decorator():
    pages = {
        route: callback for route, namespace, callback in _url_patterns() if not _exempt(namespace, callback)
    }
    assert {"", "schools/<slug:code>/", "staff/caps/", "measures/", "reports/annual/", "api/tokens/"} <= set(
        pages
    )
    unwrapped = sorted(route for route, callback in pages.items() if not hasattr(callback, "page_access"))
    assert unwrapped == []


def test_every_api_view_over_restricted_rows_restricts_them():
    restricted = {
        route: callback.cls
        for route, _namespace, callback in _url_patterns()
        if isinstance(getattr(getattr(callback, "cls", None), "queryset", None), access.RestrictedQuerySet)
    }
    assert {"^schools/$", "^school-months/$", "^adoptions/$", "^exports/$"} <= {
        r.rsplit("/v1/", 1)[-1] for r in restricted
    }
    assert [route for route, cls in restricted.items() if not issubclass(cls, RestrictedViewSetMixin)] == []


def _view(request):
    return HttpResponse("ok")


def test_the_page_decorator_logs_in_then_answers_404_to_the_wrong_role(board, official, principal_a):
    def call(decorator, user):
        request = RequestFactory().get("/somewhere/?x=1")
        request.user = user
        try:
            return decorator(_view)(request).status_code
        except Http404:
            return 404

    lost = user_with_role("lost-principal", "principal")
    principals = access.page(Role.PRINCIPAL)
    assert call(principals, AnonymousUser()) == 302
    assert [call(principals, u) for u in (principal_a, lost, board, official)] == [200, 404, 404, 404]
    exporters = access.page(rule=access.can_export_reports)
    assert [call(exporters, u) for u in (principal_a, board, official)] == [404, 200, 200]
    anyone = access.page()
    assert [call(anyone, u) for u in (principal_a, lost, board, official)] == [200, 200, 200, 200]


def test_the_page_decorator_sends_anonymous_users_to_log_in_and_back():
    request = RequestFactory().get("/staff/caps/?year=2020")
    request.user = AnonymousUser()
    response = access.page(Role.BOARD)(_view)(request)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/caps/%3Fyear%3D2020"
