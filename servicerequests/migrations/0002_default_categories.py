from django.db import migrations

from servicerequests.defaults import CATEGORIES


def create_defaults(apps, schema_editor):
    Category = apps.get_model("servicerequests", "Category")
    for order, (code, name, due_workdays) in enumerate(CATEGORIES, 1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "due_workdays": due_workdays, "order": order})


class Migration(migrations.Migration):
    dependencies = [("servicerequests", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
