from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .roles import Role, has_role


def role_required(*roles: str):
    """Only users holding one of these roles (or superusers) get in; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not (request.user.is_superuser or has_role(request.user, *roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def dpo_required(view):
    """The data protection officer's pages: the role only, superusers without
    it get 403 too (they administer the system, they do not audit it)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not has_role(request.user, Role.DPO):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
