from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import Pagination
from notifications import services
from notifications.selectors import own_notifications, preferences_of, unread_count

from .filters import NotificationFilter
from .serializers import (
    NotificationPreferenceSerializer,
    NotificationSerializer,
    NotificationsMarkedSerializer,
    NotificationUnreadCountSerializer,
)


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


class NotificationPreferenceView(APIView):
    """The caller's own notification preferences: channels, lead times and the weekly report."""

    @extend_schema(responses=NotificationPreferenceSerializer)
    def get(self, request):
        """本人的通知偏好（未设置过时为默认值）。"""
        return Response(NotificationPreferenceSerializer(preferences_of(request.user)).data)

    @extend_schema(request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer)
    def put(self, request):
        """修改本人的全部通知偏好。"""
        return self._update(request, partial=False)

    @extend_schema(request=NotificationPreferenceSerializer(partial=True), responses=NotificationPreferenceSerializer)
    def patch(self, request):
        """修改本人的部分通知偏好。"""
        return self._update(request, partial=True)

    def _update(self, request, partial):
        serializer = NotificationPreferenceSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        preferences = services.update_preferences(request.user, **serializer.validated_data)
        return Response(NotificationPreferenceSerializer(preferences).data)
