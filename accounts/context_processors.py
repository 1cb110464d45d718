from .roles import REGISTRY_ROLES, Role, roles_of


def roles(request):
    user = getattr(request, "user", None)
    codes = roles_of(user) if user is not None else []
    return {
        "user_roles": codes,
        "Role": Role,
        # From the roles already loaded: `perms.registry.view_person` in the menu
        # would cost every page two permission queries.
        "show_registry": bool(user and (user.is_superuser or set(codes) & set(REGISTRY_ROLES))),
    }
