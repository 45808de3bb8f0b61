"""Load the catalogue's new indicators (service index of Decision 766, documents,
community, e-ID, digital society, officials), their groups, breakdowns, the national
targets by level, and legends (idempotent: existing values are left alone)."""

from django.db import migrations


def load(apps, schema_editor):
    from chinhquyenso.indicators.services import load_catalogue

    load_catalogue(indicator_model=apps.get_model("indicators", "Indicator"),
                   target_model=apps.get_model("indicators", "Target"),
                   legend_model=apps.get_model("indicators", "Legend"))


class Migration(migrations.Migration):
    dependencies = [("indicators", "0004_groups_breakdowns_level_targets")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
