"""The annual report's export page: ask for a report, watch its progress, download it.

Who may do what is decided in reform.access (can_export_reports; the exports a user sees through
ReportExport.objects.restrict); an export the user may not see is a 404, as if it did not exist.
Files are served only by `download`."""

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reform import access
from reform.i18n import active_language
from reform.params import whole_number
from reports import jobs
from reports.forms import ReportExportForm
from reports.models import ReportExport

LIST_LENGTH = 30


def _chosen(query) -> dict:
    """The year, comparison and format chosen before an export (the page keeps them afterwards)."""
    initial = {}
    if whole_number(query.get("year", "")) is not None:
        initial["fiscal_year"] = whole_number(query["year"])
    if "compare" in query:
        initial["compare_year"] = whole_number(query["compare"]) or ""
    if query.get("format") in ReportExport.Format.values:
        initial["format"] = query["format"]
    return initial


@access.page(rule=access.can_export_reports)
def exports_page(request):
    exports = ReportExport.objects.restrict(request.user)
    lang = active_language()
    per_school = access.report_audience_of(request.user) == ReportExport.Audience.BOARD
    form = ReportExportForm(
        request.POST or None, lang=lang, per_school=per_school, initial=_chosen(request.GET)
    )
    if request.method == "POST" and form.is_valid():
        export = jobs.request_export(
            user=request.user,
            fiscal_year=form.cleaned_data["fiscal_year"],
            compare_year=form.cleaned_data["compare_year"],
            fmt=form.cleaned_data["format"],
        )
        if export.status == ReportExport.Status.FAILED:
            messages.error(request, export.error)
        elif export.status == ReportExport.Status.DONE:
            messages.success(request, _("The report is ready."))
        else:
            messages.success(request, _("The report is being made; this page shows its progress."))
        chosen = {
            "year": form.cleaned_data["fiscal_year"],
            "compare": form.cleaned_data["compare_year"] or "",
            "format": form.cleaned_data["format"],
        }
        return redirect(f"{reverse('reports:exports')}?{urlencode(chosen)}")
    jobs.sweep_stale_exports()
    recent = exports.select_related("requested_by")[:LIST_LENGTH]
    return render(request, "reports/exports.html", {"form": form, "exports": recent, "stages": jobs.STAGES})


@access.page(rule=access.can_export_reports)
@require_GET
def export_status(request, pk):
    export = get_object_or_404(ReportExport.objects.restrict(request.user), pk=pk)
    return JsonResponse(jobs.status_of(export))


@access.page(rule=access.can_export_reports)
@require_GET
def export_download(request, pk):
    exports = ReportExport.objects.restrict(request.user)
    export = get_object_or_404(exports, pk=pk, status=ReportExport.Status.DONE)
    file = jobs.open_export_file(export)
    if file is None:
        raise Http404
    return FileResponse(file, as_attachment=True, filename=export.download_name)
