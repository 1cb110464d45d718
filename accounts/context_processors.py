from .roles import Role, roles_of


def roles(request):
    codes = roles_of(request.user) if hasattr(request, "user") else []
    return {"user_roles": codes, "Role": Role}
