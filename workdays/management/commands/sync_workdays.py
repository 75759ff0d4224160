from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workdays.sources import published_years
from workdays.sync import default_last_year, sync_calendar


def _years(report_years):
    return "、".join(str(year) for year in report_years) or "-"


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a str, not a lazy translation
        return _("从 chinesecalendar 和 holidays 填充工作日历；已公布的年度保持不变，未公布的年度在库中公布后升级。")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=int, help=_("起始年份（默认：库中最早的已公布年份）"))
        parser.add_argument("--to", dest="last", type=int, help=_("结束年份（默认：今年之后十年，至少 2035 年）"))

    def handle(self, *args, first=None, last=None, **options):
        first = min(published_years()) if first is None else first
        last = default_last_year() if last is None else last
        if not 1900 <= first <= last <= 2200:
            raise CommandError(_("年份范围应在 1900 至 2200 之间，且起始年份不晚于结束年份。"))
        report = sync_calendar(first, last)
        self.stdout.write(_("新增已公布年度：%s") % _years(report.published))
        self.stdout.write(_("升级为已公布的年度：%s") % _years(report.upgraded))
        self.stdout.write(_("新增估算年度：%s") % _years(report.estimated))
        self.stdout.write(_("未变动的年度：%s") % _years(report.unchanged))
