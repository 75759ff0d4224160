"""Fill the working-day calendar: the published arrangements chinesecalendar holds, estimates after."""

from django.db import migrations


def fill(apps, schema_editor):
    from workdays.sources import published_years
    from workdays.sync import default_last_year, sync_calendar

    sync_calendar(
        min(published_years()),
        default_last_year(),
        calendar_year_model=apps.get_model("workdays", "CalendarYear"),
        special_day_model=apps.get_model("workdays", "SpecialDay"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("workdays", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
