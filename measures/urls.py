from django.urls import path

from measures import views

app_name = "measures"

urlpatterns = [
    path("", views.register, name="register"),
    path("new/", views.measure_edit, name="measure-create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.measure_edit, name="measure-edit"),
    path("<int:pk>/years/new/", views.year_edit, name="year-create"),
    path("<int:pk>/years/<int:fiscal_year>/edit/", views.year_edit, name="year-edit"),
    path("<int:pk>/kpis/new/", views.kpi_edit, name="kpi-create"),
    path("<int:pk>/kpis/<int:kpi_pk>/edit/", views.kpi_edit, name="kpi-edit"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/adoption/", views.adoption, name="adoption"),
    path("<int:pk>/adoption/import/", views.adoption_import, name="adoption-import"),
    path("<int:pk>/effect/", views.effect, name="effect"),
]
