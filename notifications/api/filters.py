import django_filters
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_unread",
        label=_("只看未读（true）或只看已读（false）"),
    )
    kind = django_filters.MultipleChoiceFilter(choices=Notification.Kind.choices, label=_("通知类型"))

    class Meta:
        model = Notification
        fields = []

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")
