from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from measures import register as register_service
from measures import services
from measures.forms import (
    AdoptionForm,
    AdoptionImportForm,
    KPIForm,
    KPIValueFormSet,
    MeasureForm,
    MeasureYearForm,
    save_kpi,
)
from measures.imports import import_adoptions
from measures.models import KPI, Adoption, Measure, MeasureYear
from metrics.imports.monthly import ImportFileError
from reform import access


def _allowed(check):
    """Anonymous users go to the login page; a user failing `check` gets a 404 (the page is not theirs)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


readers = _allowed(access.can_read_measures)
editors = _allowed(access.can_edit_measures)


def _measure(pk) -> Measure:
    return get_object_or_404(Measure.objects.select_related("section__pillar"), pk=pk)


@readers
def register(request):
    filters = register_service.parse_filters(request.GET)
    for text in filters.ignored:
        messages.warning(request, text)
    blocks = register_service.register(filters)
    return render(
        request,
        "measures/register.html",
        {
            "filters": filters,
            "blocks": blocks,
            "count": sum(b.count for b in blocks),
            "tag_choices": MeasureYear.Tag.choices,
            "status_choices": MeasureYear.Status.choices,
        },
    )


@readers
def detail(request, pk):
    measure = _measure(pk)
    kpis = services.kpi_blocks(measure)
    return render(
        request,
        "measures/detail.html",
        {
            "measure": measure,
            "columns": services.year_columns(list(measure.years.all())),
            "kpis": kpis,
            "figures": [k for k in kpis if k["figure"]],
            "indicators": services.indicator_links(measure),
            "notes": services.notes_by_year(measure),
            "adoption": services.adoption_summary(measure),
            "can_edit": access.can_edit_measures(request.user),
            "can_see_history": access.can_see_measure_history(request.user),
        },
    )


def _preview_or_save(request, forms, *, save, template, context):
    """GET shows the form; "preview" shows what would be saved beside the form; "save" saves it."""
    preview = False
    if request.method == "POST":
        valid = all([f.is_valid() for f in forms])
        if valid and request.POST.get("action") == "save":
            measure = save()
            messages.success(request, _("Saved."))
            return redirect("measures:detail", pk=measure.pk)
        preview = valid
    return render(request, template, {**context, "preview": preview})


@editors
def measure_edit(request, pk=None):
    measure = _measure(pk) if pk is not None else None
    form = MeasureForm(request.POST or None, instance=measure)
    return _preview_or_save(
        request,
        [form],
        save=form.save,
        template="measures/measure_form.html",
        context={"form": form, "measure": measure},
    )


@editors
def year_edit(request, pk, fiscal_year=None):
    measure = _measure(pk)
    year = None
    if fiscal_year is not None:
        year = get_object_or_404(MeasureYear, measure=measure, fiscal_year=fiscal_year)
    form = MeasureYearForm(request.POST or None, instance=year, measure=measure)
    return _preview_or_save(
        request,
        [form],
        save=lambda: form.save().measure,
        template="measures/year_form.html",
        context={"form": form, "measure": measure, "year": year},
    )


@editors
def kpi_edit(request, pk, kpi_pk=None):
    measure = _measure(pk)
    kpi = get_object_or_404(KPI, measure=measure, pk=kpi_pk) if kpi_pk is not None else None
    form = KPIForm(request.POST or None, instance=kpi, measure=measure)
    values = KPIValueFormSet(request.POST or None, instance=kpi or KPI(measure=measure), prefix="values")
    return _preview_or_save(
        request,
        [form, values],
        save=lambda: save_kpi(form, values).measure,
        template="measures/kpi_form.html",
        context={"form": form, "values": values, "measure": measure, "kpi": kpi},
    )


@_allowed(access.can_see_measure_history)
def history(request, pk):
    measure = _measure(pk)
    return render(
        request, "measures/history.html", {"measure": measure, "entries": services.history_entries(measure)}
    )


@editors
def adoption(request, pk):
    measure = _measure(pk)
    form = AdoptionForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            ids = request.POST.getlist("adoption")
            rows = Adoption.objects.visible_to(request.user).filter(measure=measure, pk__in=ids)
            removed, _detail = rows.delete()
            messages.success(request, _("Removed %(count)s schools.") % {"count": removed})
            return redirect(f"{reverse('measures:adoption', args=[pk])}?year={request.POST.get('year', '')}")
        if form.is_valid():
            year = form.cleaned_data["fiscal_year"]
            added = services.add_adoptions(
                measure, schools=form.cleaned_data["school_codes"], fiscal_year=year
            )
            messages.success(request, _("Added %(count)s schools.") % {"count": added})
            return redirect(f"{reverse('measures:adoption', args=[pk])}?year={year}")
    page = services.adoption_rows(measure, user=request.user, year=request.GET.get("year"))
    return render(request, "measures/adoption.html", {"measure": measure, "form": form, **page})


@editors
def adoption_import(request, pk):
    measure = _measure(pk)
    form = AdoptionImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = import_adoptions(
                form.cleaned_data["file"].read(),
                measure=measure,
                replace=form.cleaned_data["replace"],
                dry_run=request.POST.get("action") != "import",
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
    return render(
        request, "measures/adoption_import.html", {"measure": measure, "form": form, "outcome": outcome}
    )


@readers
def effect(request, pk):
    measure = _measure(pk)
    years = services.effect_years(measure)
    indicators = services.effect_indicators(measure)
    choice = services.effect_choice(request.GET, years=years, indicators=indicators)
    for text in choice["ignored"]:
        messages.warning(request, text)
    page = None
    if choice["year"] is not None and choice["indicator"] is not None:
        page = services.effect_page(measure, fiscal_year=choice["year"], indicator=choice["indicator"])
    return render(
        request,
        "measures/effect.html",
        {"measure": measure, "choice": choice, "page": page, "years": years, "indicators": indicators},
    )
