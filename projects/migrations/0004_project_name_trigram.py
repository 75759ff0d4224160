from django.db import migrations

from common.trigram import trigram_index


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_project_documents")]
    operations = [trigram_index("projects_project", "name")]
