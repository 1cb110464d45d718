"""Admin pieces every app shares."""


class ReadOnlyAdminMixin:
    """Audit records: shown, never added, changed or deleted from the admin,
    not even by a superuser."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
