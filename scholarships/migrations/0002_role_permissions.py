from django.db import migrations

from accounts.roles import grant

MODELS = ["programme", "call", "requireddocument", "criterion", "application",
          "applicationdocument", "referee"]


def grant_permissions(apps, schema_editor):
    grant(apps, "scholarship_admin",
          [f"scholarships.{verb}_{model}" for model in MODELS for verb in ("view", "add", "change")]
          + ["scholarships.view_applicationtransition"])
    grant(apps, "dpo", [f"scholarships.view_{model}" for model in
                        [*MODELS, "applicationtransition"]])


class Migration(migrations.Migration):
    dependencies = [
        ("scholarships", "0001_initial"),
        ("accounts", "0001_roles"),
    ]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
