from django.contrib import messages
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
from metrics.imports import flow
from reform import access


def _measure(pk) -> Measure:
    return get_object_or_404(Measure.objects.select_related("section__pillar"), pk=pk)


@access.page(rule=access.can_read_measures)
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


@access.page(rule=access.can_read_measures)
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


@access.page(rule=access.can_edit_measures)
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


@access.page(rule=access.can_edit_measures)
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


@access.page(rule=access.can_edit_measures)
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


@access.page(rule=access.can_see_measure_history)
def history(request, pk):
    measure = _measure(pk)
    return render(
        request, "measures/history.html", {"measure": measure, "entries": services.history_entries(measure)}
    )


@access.page(rule=access.can_edit_measures)
def adoption(request, pk):
    measure = _measure(pk)
    form = AdoptionForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            ids = request.POST.getlist("adoption")
            rows = Adoption.objects.restrict(request.user).filter(measure=measure, pk__in=ids)
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


@access.page(rule=access.can_edit_measures)
def adoption_import(request, pk):
    """The shared upload → preview → confirm flow (metrics.imports.flow); "Import" imports at once."""
    measure = _measure(pk)

    def run(raw, *, options, dry_run, user, source_name):
        return import_adoptions(raw, measure=measure, replace=options["replace"], dry_run=dry_run)

    spec = flow.ImportSpec(
        form=AdoptionImportForm,
        run=run,
        template="measures/adoption_import.html",
        done=lambda outcome: (
            _("Imported: %(created)s schools added, %(removed)s removed, %(unchanged)s already recorded.")
            % {"created": outcome.created, "removed": outcome.removed, "unchanged": outcome.unchanged}
        ),
        context={"measure": measure},
        import_at_once=True,
    )
    return flow.import_page(request, spec)


@access.page(rule=access.can_read_measures)
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
