from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("annual/", views.exports_page, name="exports"),
    path("annual/<int:pk>/status/", views.export_status, name="export-status"),
    path("annual/<int:pk>/download/", views.export_download, name="export-download"),
]
