from rest_framework import routers

from measures.api import views

router = routers.DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("pillars", views.PillarViewSet)
router.register("sections", views.SectionViewSet)
router.register("measures", views.MeasureViewSet)
router.register("measure-years", views.MeasureYearViewSet)
router.register("measure-notes", views.MeasureNoteViewSet)
router.register("kpis", views.KPIViewSet)
router.register("kpi-values", views.KPIValueViewSet)
router.register("adoptions", views.AdoptionViewSet, basename="adoption")

urlpatterns = router.urls
