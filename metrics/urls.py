from django.urls import path

from metrics.views import dashboard

app_name = "metrics"

urlpatterns = [
    path("", dashboard.home, name="home"),
]
