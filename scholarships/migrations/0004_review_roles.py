from django.db import migrations

from accounts.roles import grant

# Written only by the services (through the staff pages): the admin shows them.
READ_ONLY = ["reviewassignment", "reviewscore", "committeemeeting", "awardoffer",
             "scholarfollowup", "progressreport"]


def grant_permissions(apps, schema_editor):
    # Reviewers work in their own portal pages; they get no model permission.
    grant(apps, "scholarship_admin",
          [f"scholarships.{verb}_reviewerprofile" for verb in ("view", "add", "change")]
          + [f"scholarships.view_{model}" for model in READ_ONLY])
    grant(apps, "dpo", [f"scholarships.view_{model}" for model in ["reviewerprofile",
                                                                    *READ_ONLY]])


class Migration(migrations.Migration):
    dependencies = [
        ("scholarships", "0003_review_selection_awards"),
        ("accounts", "0001_roles"),
    ]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
