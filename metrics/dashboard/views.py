from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from metrics import cache as page_cache
from metrics import disclosure
from metrics.dashboard import forecasts
from metrics.dashboard import pages as dashboard
from metrics.dashboard.filters import SchoolSearchForm, YearForm, available_years, parse_filters
from metrics.models import School
from metrics.services import targets_for
from reform import access, fiscal
from reform.access import Role, is_principal
from reform.i18n import active_language
from reform.params import warn_ignored, whole_number

PAGES = {
    "overtime_80h": "metrics/indicator.html",
    "left_by_19": "metrics/indicator.html",
    "stress": "metrics/stress.html",
    "leave": "metrics/leave.html",
}


def _context(request, **extra):
    """(filters, a function that loads the page's context): the filters' warnings on every request, the
    context only when the page's data is not in the cache (`page_cache.cached`)."""
    filters = parse_filters(request.GET)
    for text in filters.ignored:
        messages.warning(request, text)
    return filters, lambda: dashboard.load_context(
        filters, audience=disclosure.Audience.of(request.user), **extra
    )


@access.page()
def start(request):
    """Where a log-in lands: a principal on their school's months, everyone else on the overview."""
    return redirect("metrics:entry-home" if is_principal(request.user) else "metrics:home")


@access.page()
def home(request):
    filters, load = _context(request)
    cards = page_cache.cached(request, "overview", lambda: dashboard.overview(load()))
    return render(request, "metrics/home.html", {"filters": filters, "cards": cards})


@access.page()
def indicator(request, code):
    if code not in PAGES:
        raise Http404
    filters, load = _context(request)

    def build():
        ctx = load()
        if code == "stress":
            return dashboard.stress_page(ctx)
        if code == "leave":
            return dashboard.leave_page(ctx)
        return dashboard.indicator_page(ctx, code)

    page = page_cache.cached(request, f"indicator:{code}", build)
    return render(request, PAGES[code], {"filters": filters, "page": page, "code": code})


@access.page(rule=access.can_see_school_rows)
def schools(request):
    """Board staff find any school; a principal sees their own; officials have no school pages."""
    form = SchoolSearchForm(request.GET or None)
    found = form.search(School.objects.restrict(request.user).select_related("school_type", "district"))
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    return render(
        request, "metrics/schools.html", {"form": form, "page": page, "query": form.query_without_page()}
    )


@access.page()
def school(request, code):
    school = get_object_or_404(School.objects.restrict(request.user).select_related("school_type"), code=code)
    filters, load = _context(request)
    page = page_cache.cached(request, f"school:{school.pk}", lambda: dashboard.school_page(load(), school))
    return render(request, "metrics/school.html", {"filters": filters, "school": school, "page": page})


@require_GET
@access.page(Role.BOARD)
def forecast(request):
    """The year-end outlook of the city's figures and each school's leave (board staff)."""
    lang = active_language()
    year_form = YearForm(request.GET or None, years=available_years(), lang=lang)
    warn_ignored(request, year_form)
    year = year_form.value("year", year_form.default)
    choices = forecasts.month_choices(year) if year else []
    months = [m for m, _label in choices]
    history = forecasts.load_history(year) if year else None  # the year and its earlier years, once
    as_of = whole_number(request.GET.get("as_of"))
    if as_of not in months:
        as_of = forecasts.default_as_of(year, months, history) if months else None
    targets = targets_for(year or 0)
    cards, schools = [], []
    if year and as_of:
        cards = forecasts.outlook_cards(fiscal_year=year, as_of=as_of, targets=targets, history=history)
        schools = forecasts.school_rows(
            fiscal_year=year, as_of=as_of, target=targets.get("leave_10plus"), history=history
        )
    page = Paginator(schools, 100).get_page(request.GET.get("page"))
    context = {
        "year_form": year_form,
        "year": year,
        "as_of": as_of,
        "choices": choices,
        "cards": cards,
        "page": page,
        "at_risk": sum(r["status"] in ("at_risk", "short") for r in schools),
        "schools_total": len(schools),
        "target": targets.get("leave_10plus"),
        "months_header": [fiscal.month_label(m, lang) for m in fiscal.FISCAL_MONTHS],
        "looking_back": bool(months) and as_of != months[-1] or 3 in months,
    }
    return render(request, "metrics/forecast.html", context)
