from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import Pagination
from notifications import services
from notifications.selectors import own_notifications, unread_count

from .filters import NotificationFilter
from .serializers import NotificationSerializer, NotificationsMarkedSerializer, NotificationUnreadCountSerializer


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own in-app notifications, newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    pagination_class = Pagination

    def get_queryset(self):
        return own_notifications(self.request.user).select_related("target_type").order_by("-created_at", "-id")

    @extend_schema(responses=NotificationUnreadCountSerializer, filters=False)
    @action(detail=False, methods=["get"], url_path="unread-count", filter_backends=[], pagination_class=None)
    def unread_count(self, request):
        """本人的未读通知数。"""
        return Response({"unread": unread_count(request.user)})

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """把一条通知标记为已读。"""
        notification = self.get_object()
        services.mark_read(request.user, ids=[notification.pk])
        return Response(self.get_serializer(self.get_queryset().get(pk=notification.pk)).data)

    @extend_schema(request=None, responses=NotificationsMarkedSerializer, filters=False)
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=[], pagination_class=None)
    def read_all(self, request):
        """把本人的全部未读通知标记为已读。"""
        marked = services.mark_read(request.user)
        return Response({"marked": marked, "unread": unread_count(request.user)})
