from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("metrics.urls")),
    path("measures/", include("measures.urls")),
    path("staff/", include("staff.urls")),
    path("reports/", include("reports.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# MEDIA_ROOT is never served as such: it holds uploads and report exports, which views hand out
# only to users allowed to see them (reports/views.py).
