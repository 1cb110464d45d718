from django.db import migrations

from accounts.roles import grant

REGISTRY_WRITE = [
    f"registry.{verb}_{model}"
    for model in ("person", "identitydocument", "household", "householdmember", "consent")
    for verb in ("view", "add", "change")
]
REGISTRY_READ = [
    f"registry.view_{model}"
    for model in ("person", "identitydocument", "household", "householdmember", "consent",
                  "organisation", "duplicatecandidate", "personmerge")
]

ROLES = {
    # Applicants and reviewers see records through their own portal pages only.
    "applicant": [],
    "reviewer": [],
    "scholarship_admin": REGISTRY_WRITE + [
        "registry.view_organisation", "registry.add_organisation",
        "registry.change_organisation", "registry.view_duplicatecandidate",
        "registry.change_duplicatecandidate", "registry.view_personmerge",
        "registry.add_personmerge",
    ],
    "caseworker": REGISTRY_WRITE + ["registry.view_organisation"],
    "supervisor": REGISTRY_WRITE + [
        "registry.view_organisation", "registry.view_duplicatecandidate",
    ],
    # Reads everything, changes nothing.
    "dpo": REGISTRY_READ,
}


def create_roles(apps, schema_editor):
    for role, perms in ROLES.items():
        grant(apps, role, perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("registry", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
