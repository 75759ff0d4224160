from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import NotificationPreferenceView, NotificationViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    # Before the router, whose notifications/{pk}/ would otherwise take "preferences" for an id.
    path("notifications/preferences/", NotificationPreferenceView.as_view(), name="notification-preferences"),
    path("", include(router.urls)),
]
