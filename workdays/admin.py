from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .models import CalendarYear, SpecialDay

_WEEKDAYS = [_("星期一"), _("星期二"), _("星期三"), _("星期四"), _("星期五"), _("星期六"), _("星期日")]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "is_published", "source", "special_day_count"]
    list_filter = ["is_published"]
    search_fields = ["year", "source"]
    actions = ["mark_published"]

    def get_queryset(self, request):
        days = (
            SpecialDay.objects.annotate(year=ExtractYear("date"))
            .filter(year=OuterRef("year"))
            .values("year")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return super().get_queryset(request).annotate(special_day_count=Subquery(days))

    @admin.display(description=_("节假日与调休天数"), ordering="special_day_count")
    def special_day_count(self, obj):
        return obj.special_day_count or 0

    @admin.action(description=_("标记为已公布安排"), permissions=["change"])
    def mark_published(self, request, queryset):
        updated = queryset.update(is_published=True)
        self.message_user(
            request,
            ngettext("已将 %(count)d 个年度标记为已公布。", "已将 %(count)d 个年度标记为已公布。", updated)
            % {"count": updated},
            messages.SUCCESS,
        )


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarYear.objects.values_list("year", flat=True).order_by("-year")
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(SpecialDay)
class SpecialDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind", YearFilter]
    search_fields = ["name", "date"]
    date_hierarchy = "date"

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return _WEEKDAYS[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.kind == SpecialDay.Kind.WORKDAY and obj.date.weekday() < 5:
            self.message_user(request, gettext("该日本来就是工作日，设为调休上班不改变计算结果。"), messages.WARNING)
        elif obj.kind == SpecialDay.Kind.HOLIDAY and obj.date.weekday() >= 5:
            self.message_user(request, gettext("该日本来就是周末，设为节假日不改变计算结果。"), messages.WARNING)
