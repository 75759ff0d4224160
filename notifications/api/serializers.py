from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    target_type = serializers.SerializerMethodField(help_text=_("相关对象类型，如 servicerequests.servicerequest"))
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_display",
            "title",
            "body",
            "url",
            "target_type",
            "target_id",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_target_type(self, notification) -> str | None:
        content_type = notification.target_type
        return f"{content_type.app_label}.{content_type.model}" if content_type else None


class NotificationUnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text=_("未读通知数"))


class NotificationsMarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("本次标记为已读的通知数"))
    unread = serializers.IntegerField(help_text=_("剩余未读通知数"))
