"""Users in the admin with their history (accounts.models registers it): who
gave whom which role, and when. Django's own UserAdmin, with a History button."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

User = get_user_model()


class UserHistoryAdmin(SimpleHistoryAdmin, UserAdmin):
    # The history is read, never reverted: bringing back an old version would
    # give back roles and flags without going through the change form.
    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserHistoryAdmin)
