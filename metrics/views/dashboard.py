from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from metrics import dashboard
from metrics.filters import SchoolSearchForm, parse_filters
from metrics.models import School
from reform import access
from reform.access import is_principal

PAGES = {
    "overtime_80h": "metrics/indicator.html",
    "left_by_19": "metrics/indicator.html",
    "stress": "metrics/stress.html",
    "leave": "metrics/leave.html",
}


def _context(request, **extra):
    filters = parse_filters(request.GET)
    for text in filters.ignored:
        messages.warning(request, text)
    return filters, dashboard.load_context(filters, **extra)


@login_required
def home(request):
    if is_principal(request.user):  # a principal's landing page is their school's months
        return redirect("metrics:entry-home")
    filters, ctx = _context(request)
    return render(request, "metrics/home.html", {"filters": filters, "cards": dashboard.overview(ctx)})


@login_required
def indicator(request, code):
    if code not in PAGES:
        raise Http404
    filters, ctx = _context(request)
    if code == "stress":
        page = dashboard.stress_page(ctx)
    elif code == "leave":
        page = dashboard.leave_page(ctx)
    else:
        page = dashboard.indicator_page(ctx, code)
    return render(request, PAGES[code], {"filters": filters, "page": page, "code": code})


@login_required
def schools(request):
    """Board staff find any school; a principal sees their own; officials have no school pages."""
    if not access.can_see_school_rows(request.user):
        raise Http404
    form = SchoolSearchForm(request.GET or None)
    found = form.search(School.objects.visible_to(request.user).select_related("school_type", "district"))
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    return render(
        request, "metrics/schools.html", {"form": form, "page": page, "query": form.query_without_page()}
    )


@login_required
def school(request, code):
    school = get_object_or_404(
        School.objects.visible_to(request.user).select_related("school_type"), code=code
    )
    filters, ctx = _context(request)
    return render(
        request,
        "metrics/school.html",
        {"filters": filters, "school": school, "page": dashboard.school_page(ctx, school)},
    )
