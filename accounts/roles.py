"""The roles of the system. Each is a Django group whose name is the role's
code; the data migrations of each app grant the group its permissions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    REVIEWER = "reviewer", _("Reviewer")
    SCHOLARSHIP_ADMIN = "scholarship_admin", _("Scholarship administrator")
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    DPO = "dpo", _("Data protection officer")
    PARTNER = "partner", _("Partner organisation staff")


# Where each role starts after logging in. A user with several roles starts at
# the first one in this order.
START_PAGES = {
    Role.SCHOLARSHIP_ADMIN: "scholarships:admin_home",
    Role.SUPERVISOR: "reintegration:team",
    Role.CASEWORKER: "reintegration:caseload",
    Role.DPO: "registry:changes",
    Role.PARTNER: "reintegration:partner_cases",
    Role.REVIEWER: "scholarships:reviewer_home",
    Role.APPLICANT: "scholarships:my_applications",
}


# The roles whose work includes the registry of persons: they are shown its
# menu entry (the registry's pages check the permission itself).
REGISTRY_ROLES = (Role.SCHOLARSHIP_ADMIN, Role.CASEWORKER, Role.SUPERVISOR, Role.DPO)


def roles_of(user) -> list[str]:
    if not user.is_authenticated:
        return []
    # Kept in the cache between requests (authcache): the menu asks on every page.
    from .authcache import user_rights

    codes = user_rights(user)["roles"]
    return [role for role in Role.values if role in codes]


def has_role(user, *roles: str) -> bool:
    return bool(set(roles) & set(roles_of(user)))


def start_page(user) -> str:
    if user.is_superuser:
        return "admin:index"
    for role, page in START_PAGES.items():
        if role in roles_of(user):
            return page
    return "accounts:profile"


def grant(apps, role: str, codenames: list[str]) -> None:
    """For data migrations: give a role's group these 'app_label.codename'
    permissions, creating the group if needed."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make them now.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _created = group_model.objects.get_or_create(name=role)
    for label in codenames:
        app_label, codename = label.split(".")
        group.permissions.add(
            permission_model.objects.get(content_type__app_label=app_label, codename=codename)
        )
