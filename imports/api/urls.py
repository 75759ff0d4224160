from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import ImportJobViewSet

router = SimpleRouter()
router.register("imports", ImportJobViewSet, basename="import-job")

urlpatterns = [path("", include(router.urls))]
