"""Load the shipped indicator catalogue and national targets (idempotent)."""

from django.db import migrations


def load(apps, schema_editor):
    from chinhquyenso.indicators.services import load_catalogue

    load_catalogue(indicator_model=apps.get_model("indicators", "Indicator"),
                   target_model=apps.get_model("indicators", "Target"))


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
