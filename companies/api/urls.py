from rest_framework.routers import SimpleRouter

from .views import ContactViewSet, EnterpriseViewSet, VisitViewSet

router = SimpleRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("contacts", ContactViewSet, basename="contact")
router.register("visits", VisitViewSet, basename="visit")

urlpatterns = router.urls
