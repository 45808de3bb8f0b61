"""Load the catalogue's community indicators from the seed: wards with a support model
(9/9), active teams (111) and their members (1,100+), with the legend of the first."""

from django.db import migrations


def load(apps, schema_editor):
    from chinhquyenso.indicators.services import load_catalogue

    load_catalogue(indicator_model=apps.get_model("indicators", "Indicator"),
                   target_model=apps.get_model("indicators", "Target"),
                   legend_model=apps.get_model("indicators", "Legend"))


class Migration(migrations.Migration):
    dependencies = [("indicators", "0005_catalogue_2026")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
