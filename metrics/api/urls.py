from django.urls import path
from rest_framework import routers

from metrics.api import views

router = routers.DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("school-types", views.SchoolTypeViewSet)
router.register("districts", views.DistrictViewSet)
router.register("schools", views.SchoolViewSet, basename="school")
router.register("indicators", views.IndicatorViewSet)
router.register("targets", views.TargetViewSet)
router.register("school-months", views.SchoolMonthViewSet, basename="school-month")
router.register("stress-results", views.StressCheckResultViewSet, basename="stress-result")
router.register("events", views.EventViewSet)
router.register("published-figures", views.PublishedFigureViewSet)
router.register("commentaries", views.CommentaryViewSet)

urlpatterns = [
    path("series/", views.SeriesView.as_view(), name="series"),
    *router.urls,
]
