"""Budget ceilings per household size, what each vulnerability adds, and
version 1 of the sustainability survey: data an administrator then edits in
the administration (reintegration/defaults.py says what and why)."""

from django.db import migrations

from reintegration.defaults import load_ceilings, load_survey_v1


def load(apps, schema_editor):
    load_ceilings(apps)
    load_survey_v1(apps)


class Migration(migrations.Migration):
    dependencies = [("reintegration", "0002_roles")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
