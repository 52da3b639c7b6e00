from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.home, name="home"),
]
