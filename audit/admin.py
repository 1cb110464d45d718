"""The read log in the admin: read only, for the data protection officer
(the DPO group holds audit.view_readevent, audit migration 0002)."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin

from .models import ReadEvent


@admin.register(ReadEvent)
class ReadEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Nobody writes the log by hand, nor rubs anything out of it.
    list_display = ["at", "user", "action", "model", "object_id", "person_id", "page", "status"]
    list_filter = ["action", "model"]
    list_select_related = ["user"]
    search_fields = ["user__username", "=object_id", "=person_id", "page", "path"]
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = [f.name for f in ReadEvent._meta.fields]

