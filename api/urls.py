from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import errors, views

app_name = "api"

urlpatterns = [
    path("v1/", include("metrics.api.urls")),
    path("v1/", include("measures.api.urls")),
    path("v1/", include("reports.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # A person opening the docs without a session is sent to log in (the schema answers 401). The
    # split view serves its start-up script as a file, not inline (the Content-Security-Policy).
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("tokens/", views.tokens, name="tokens"),
    re_path(r"^.*$", errors.not_found),
]
