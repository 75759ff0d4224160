import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from reminders import services

KINDS = ("stage", "visit", "request")


class Command(BaseCommand):
    help = _("运行一次到期提醒（项目阶段、走访后续、企业诉求），同步执行；可指定日期，如同当天运行。")

    def add_arguments(self, parser):
        parser.add_argument("--date", help=_("按此日期运行（YYYY-MM-DD），默认今天。"))
        parser.add_argument("--kind", action="append", choices=KINDS, help=_("只处理这类事项（可重复）。"))

    def handle(self, *args, **options):
        day, now = timezone.localdate(), timezone.now()
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(_("日期格式应为 YYYY-MM-DD，例如 2026-11-25。")) from None
            now = None
        result = services.sweep(day, kinds=tuple(options["kind"] or KINDS), now=now)
        self.stdout.write(
            _("%(day)s：应发提醒 %(owed)d 条，本次送达 %(delivered)d 条，发出通知 %(sent)d 条。")
            % {
                "day": result.day.isoformat(),
                "owed": result.owed,
                "delivered": result.reminders_delivered,
                "sent": result.notifications,
            }
        )
