from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo.seeding import Seeder


class Command(BaseCommand):
    help = _("载入演示数据：嘉定区的单位、三场签约活动及其项目、企业诉求等。可重复运行，第二次不会改变任何数据。")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help=_("在 DEBUG 关闭时也载入（例如演示环境）。"))

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_("DEBUG 已关闭：演示数据不应载入生产环境。如确需载入，请加 --force。"))
        created = Seeder(stdout=None).run()
        if created:
            for key, number in sorted(created.items()):
                self.stdout.write(f"{key}: {number}")
            self.stdout.write(self.style.SUCCESS(_("演示数据已载入。")))
        else:
            self.stdout.write(_("演示数据已存在，没有任何改动。"))
