from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("到期提醒")

    def ready(self):
        from notifications.attachments import register
        from notifications.models import Notification

        from .weekly import project_workbook

        register(Notification.Kind.WEEKLY_REPORT, project_workbook)
