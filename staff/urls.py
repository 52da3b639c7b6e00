from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/template.csv", views.template_csv, name="template"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("reconcile/fill/", views.fill_missing, name="fill"),
    path("caps/", views.caps_page, name="caps"),
    path("caps/list/", views.cap_list, name="cap-list"),
    path("bands/", views.bands_page, name="bands"),
    path("bands.xlsx", views.bands_xlsx, name="bands-xlsx"),
    path("interviews/", views.interviews, name="interviews"),
    path("interviews/<int:pk>/", views.interview, name="interview"),
]
