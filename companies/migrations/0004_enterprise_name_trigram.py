from django.db import migrations

from common.trigram import trigram_index


class Migration(migrations.Migration):
    dependencies = [("companies", "0003_default_chains_and_qualifications")]
    operations = [trigram_index("companies_enterprise", "name")]
