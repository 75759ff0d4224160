from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import Channel, Notification


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


class NotificationPreferenceSerializer(serializers.Serializer):
    """The caller's own preferences. Writes go through `notifications.services.update_preferences`."""

    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        help_text=_("接收通知的渠道；站内通知始终开启。只能选择 available_channels 中的渠道。"),
    )
    available_channels = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("本人现在可以选择的渠道：登记了邮箱才有邮件，所在单位配置了机器人才有群机器人。"),
    )
    lead_days = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_("到期前几个工作日提醒，如 [5, 1]：最多 5 个，每个 0 到 30；空列表则只在逾期时提醒。"),
    )
    weekly_report = serializers.BooleanField(help_text=_("订阅每周推进报告（仅管理人员）。"))
