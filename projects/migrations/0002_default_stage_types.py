from django.db import migrations

from projects.defaults import ASSESSMENT_DIMENSIONS, STAGE_TYPES


def create_defaults(apps, schema_editor):
    StageType = apps.get_model("projects", "StageType")
    AssessmentDimension = apps.get_model("projects", "AssessmentDimension")
    for order, (code, name, party, basis, workdays, months, facts, commitment, flags) in enumerate(STAGE_TYPES, 1):
        StageType.objects.get_or_create(
            code=code,
            defaults=dict(
                name=name, order=order, party=party, due_basis=basis, target_workdays=workdays,
                target_months=months, required_facts=facts, commitment_field=commitment, **flags,
            ),
        )
    for order, (code, name, description) in enumerate(ASSESSMENT_DIMENSIONS, 1):
        AssessmentDimension.objects.get_or_create(
            code=code, defaults=dict(name=name, description=description, order=order)
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
