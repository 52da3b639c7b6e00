from rest_framework import routers

from reports.api import views

router = routers.DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("exports", views.ReportExportViewSet, basename="report-export")

urlpatterns = router.urls
