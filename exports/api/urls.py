from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import ExportViewSet

router = SimpleRouter()
router.register("exports", ExportViewSet, basename="export")

urlpatterns = [path("", include(router.urls))]
