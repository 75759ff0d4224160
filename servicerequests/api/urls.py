from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import AttachmentViewSet, CategoryViewSet, CommentViewSet, ServiceRequestViewSet

router = SimpleRouter()
router.register("service-requests", ServiceRequestViewSet, basename="service-request")
router.register("service-request-categories", CategoryViewSet, basename="service-request-category")

children = SimpleRouter()
children.register("comments", CommentViewSet, basename="service-request-comment")
children.register("attachments", AttachmentViewSet, basename="service-request-attachment")

urlpatterns = [
    path("", include(router.urls)),
    path("service-requests/<int:request_pk>/", include(children.urls)),
]
