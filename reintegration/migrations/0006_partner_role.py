from django.db import migrations

from accounts.roles import grant


def create_role(apps, schema_editor):
    # No model permission: a partner reaches cases only through the partner
    # pages, which reintegration.access limits to their organisation's cases.
    grant(apps, "partner", [])


class Migration(migrations.Migration):
    dependencies = [
        ("reintegration", "0005_partner_desk"),
        ("accounts", "0001_roles"),
    ]
    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
