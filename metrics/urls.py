from django.urls import path

from metrics.dashboard import views as dashboard
from metrics.entry import review
from metrics.entry import views as entry

app_name = "metrics"

urlpatterns = [
    # The dashboard: metrics/dashboard/.
    path("", dashboard.home, name="home"),
    path("start/", dashboard.start, name="start"),
    path("indicators/<slug:code>/", dashboard.indicator, name="indicator"),
    path("schools/", dashboard.schools, name="schools"),
    path("schools/<slug:code>/", dashboard.school, name="school"),
    path("forecast/", dashboard.forecast, name="forecast"),
    # Monthly data entry (principals) and its review (board): metrics/entry/.
    path("entry/", entry.home, name="entry-home"),
    path("entry/<int:fiscal_year>/<int:month>/", entry.month, name="entry-month"),
    path("entry/import/", entry.import_csv, name="entry-import"),
    path("entry/template.csv", entry.template_csv, name="entry-template"),
    path("reports/<int:pk>/history/", entry.history, name="report-history"),
    path("board/completeness/", review.completeness_page, name="board-completeness"),
    path("board/completeness/missing.csv", review.missing_csv, name="board-missing"),
    path("board/deadline/", review.deadline, name="board-deadline"),
    path("board/review/", review.review, name="board-review"),
    path("board/review/approve/", review.bulk_approve, name="board-bulk-approve"),
    path("board/review/<int:pk>/", review.review_detail, name="board-review-detail"),
    path("board/quality/", review.quality_flags, name="board-quality"),
    path("board/quality/<int:pk>/", review.quality_follow_up, name="board-quality-flag"),
    path("board/import/", review.import_bulk, name="board-import"),
]
