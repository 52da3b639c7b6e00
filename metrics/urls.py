from django.urls import path

from metrics.views import board, dashboard, entry, reports, staff

app_name = "metrics"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("indicators/<slug:code>/", dashboard.indicator, name="indicator"),
    path("schools/", dashboard.schools, name="schools"),
    path("schools/<slug:code>/", dashboard.school, name="school"),
    # Monthly data entry (principals) and its review (board): metrics/views/entry.py, board.py.
    path("entry/", entry.home, name="entry-home"),
    path("entry/<int:fiscal_year>/<int:month>/", entry.month, name="entry-month"),
    path("entry/import/", entry.import_csv, name="entry-import"),
    path("entry/template.csv", entry.template_csv, name="entry-template"),
    path("reports/<int:pk>/history/", entry.history, name="report-history"),
    path("board/completeness/", board.completeness_page, name="board-completeness"),
    path("board/completeness/missing.csv", board.missing_csv, name="board-missing"),
    path("board/deadline/", board.deadline, name="board-deadline"),
    path("board/review/", board.review, name="board-review"),
    path("board/review/approve/", board.bulk_approve, name="board-bulk-approve"),
    path("board/review/<int:pk>/", board.review_detail, name="board-review-detail"),
    path("board/import/", board.import_bulk, name="board-import"),
    # Per-staff hours, the national caps, the MEXT bands, physician interviews, forecasts: views/staff.py.
    path("staff/import/", staff.import_page, name="staff-import"),
    path("staff/import/template.csv", staff.template_csv, name="staff-template"),
    path("staff/reconcile/", staff.reconcile, name="staff-reconcile"),
    path("staff/reconcile/fill/", staff.fill_missing, name="staff-fill"),
    path("staff/caps/", staff.caps_page, name="staff-caps"),
    path("staff/caps/list/", staff.cap_list, name="staff-cap-list"),
    path("staff/bands/", staff.bands_page, name="staff-bands"),
    path("staff/bands.xlsx", staff.bands_xlsx, name="staff-bands-xlsx"),
    path("staff/interviews/", staff.interviews, name="staff-interviews"),
    path("staff/interviews/<int:pk>/", staff.interview, name="staff-interview"),
    path("staff/forecast/", staff.forecast_page, name="staff-forecast"),
    # The annual report's exports (officials and board): metrics/views/reports.py.
    path("reports/annual/", reports.exports_page, name="report-exports"),
    path("reports/annual/<int:pk>/status/", reports.export_status, name="report-export-status"),
    path("reports/annual/<int:pk>/download/", reports.export_download, name="report-export-download"),
]
