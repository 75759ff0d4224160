from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year of the calendar; `is_published` once the State Council's arrangement is entered."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    is_published = models.BooleanField(
        _("已公布安排"), default=False, help_text=_("国务院办公厅已公布当年节假日和调休安排。")
    )
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class SpecialDay(models.Model):
    """A day that breaks the weekend rule: a weekday holiday, or a weekend day that is worked (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"
