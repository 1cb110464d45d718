from django.db import migrations

from accounts.roles import grant

READ = ["reminders.view_reminderlog", "reminders.view_reminderevent",
        "reminders.view_reminderkind"]


def grant_permissions(apps, schema_editor):
    # Supervisors read the reminders about their teams' cases, and queue a
    # failed one again: the admin limits them to those cases
    # (Kind.visible_records, reintegration.access). Caseworkers read the
    # reminders of their own cases on the case page, not here. Pausing a
    # reintegration kind stays with a superuser.
    grant(apps, "supervisor", [*READ, "reminders.retry_reminderlog"])


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0002_roles"),
        ("accounts", "0001_roles"),
    ]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
