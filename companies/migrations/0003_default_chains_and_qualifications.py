from django.db import migrations

from companies.defaults import INDUSTRY_CHAINS, QUALIFICATIONS


def create_defaults(apps, schema_editor):
    IndustryChain = apps.get_model("companies", "IndustryChain")
    Qualification = apps.get_model("companies", "Qualification")
    for order, (code, name) in enumerate(INDUSTRY_CHAINS, 1):
        IndustryChain.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for order, (code, name) in enumerate(QUALIFICATIONS, 1):
        Qualification.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("companies", "0002_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
