from django.db import migrations

from accounts.roles import grant

READ = ["reminders.view_reminderlog", "reminders.view_reminderevent",
        "reminders.view_reminderkind"]


def grant_permissions(apps, schema_editor):
    # The admin further limits each user to the kinds of their programme
    # (Kind.view_permission): these grant the screens, not every row.
    grant(apps, "scholarship_admin",
          [*READ, "reminders.retry_reminderlog", "reminders.change_reminderkind"])
    grant(apps, "dpo", READ)


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("accounts", "0001_roles"),
    ]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
