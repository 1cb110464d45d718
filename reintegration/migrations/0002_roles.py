from django.db import migrations

from accounts.roles import grant

CONFIGURATION = ["team", "budgetceiling", "vulnerabilitytopup", "surveyversion", "question",
                 "answeroption"]
CASE_RECORDS = ["case", "casemember", "casetransition", "caseassignment", "vulnerability",
                "casenote", "plan", "plantransition", "budgetline", "delivery",
                "monitoringvisit", "surveyresponse", "surveyanswer"]
# What caseworkers write, always through reintegration.services and within the
# cases reintegration.access lets them see.
CASE_WORK = [f"reintegration.{verb}_{model}"
             for model in ["case", "casemember", "vulnerability", "casenote", "plan",
                           "budgetline", "delivery", "monitoringvisit", "surveyresponse"]
             for verb in ("view", "add", "change")]
READ_CONFIGURATION = [f"reintegration.view_{model}" for model in CONFIGURATION]

ROLES = {
    "caseworker": CASE_WORK + READ_CONFIGURATION,
    # Four eyes: a supervisor approves the plans of the team's cases
    # (never of their own) and reassigns the team's cases.
    "supervisor": CASE_WORK + READ_CONFIGURATION + [
        "reintegration.approve_plan", "reintegration.reassign_case"],
    # Reads everything, including who saw what, and changes nothing.
    "dpo": [f"reintegration.view_{model}"
            for model in [*CASE_RECORDS, *CONFIGURATION, "sensitiveaccess"]],
}


def grant_permissions(apps, schema_editor):
    for role, codenames in ROLES.items():
        grant(apps, role, codenames)


class Migration(migrations.Migration):
    dependencies = [
        ("reintegration", "0001_initial"),
        ("accounts", "0001_roles"),
    ]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
