from django.db import migrations

from accounts.roles import grant


def grant_permissions(apps, schema_editor):
    # The read log is for the data protection officer only: nobody else reads
    # who read what.
    grant(apps, "dpo", ["audit.view_readevent"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("accounts", "0001_roles"),
    ]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
