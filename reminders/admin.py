"""Reminders in the Django admin: the log (read only, with a "retry" for
failed sends), the state changes, and the switch that pauses a kind.

Each user sees the reminders of the kinds their programme may read
(Kind.view_permission), and of a programme that scopes its records (the
reintegration cases), only those about records they may see
(Kind.visible_records). Nothing here writes directly: the retry and the
pause go through reminders.services. Each list runs a fixed number of queries
whatever the number of rows.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdminMixin, RegistryHistoryAdmin

from . import kinds, services
from .models import ReminderEvent, ReminderKind, ReminderLog
from .selectors import kinds_visible_to, visible_reminders

MSG_PAUSE_NEEDS_REASON = _("Say why the reminders are paused, for the other administrators.")
EMPTY = "—"


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"
    field = "kind"

    def lookups(self, request, model_admin):
        visible = set(kinds_visible_to(request.user))
        return [(kind.code, kind.label) for kind in kinds.all_kinds() if kind.code in visible]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset


class EventKindFilter(KindFilter):
    field = "log__kind"


class ReminderEventInline(admin.TabularInline):
    model = ReminderEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every reminder claimed: sent, waiting, failed with its error, or no
    longer due. Failed ones can be queued again ("retry")."""

    list_display = ["created_at", "kind_label", "recipient", "language", "due_at", "state",
                    "attempts", "sent_at", "error", "about", "record_link"]
    list_filter = [KindFilter, "state", "created_at", "due_at"]
    list_select_related = ["content_type"]
    search_fields = ["recipient", "recipient_name", "last_error"]
    search_help_text = _("An e-mail address, a recipient's name or words of an error.")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["retry"]
    fields = ["kind_label", "about", "record_link", "recipient", "recipient_name", "language",
              "due_at", "state", "attempts", "last_error", "created_at", "enqueued_at",
              "last_attempt_at", "sent_at"]
    readonly_fields = fields
    inlines = [ReminderEventInline]

    def get_queryset(self, request):
        return visible_reminders(request.user, super().get_queryset(request))

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return kinds.label_of(obj.kind)

    @admin.display(description=_("error"))
    def error(self, obj):
        if not obj.last_error:
            return EMPTY
        return obj.last_error if len(obj.last_error) <= 80 else obj.last_error[:79] + "…"

    @admin.display(description=_("about"))
    def about(self, obj):
        return f"{obj.content_type.name} {obj.object_id}"

    @admin.display(description=_("shown on"))
    def record_link(self, obj):
        try:
            url = kinds.get(obj.kind).record_url(obj.record_id)
        except LookupError:
            url = ""
        return format_html('<a href="{}">{}</a>', url, gettext("Open")) if url else EMPTY

    def has_retry_permission(self, request):
        return request.user.has_perm("reminders.retry_reminderlog")

    @admin.action(description=_("Retry the selected failed reminders"), permissions=["retry"])
    def retry(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        count = services.reminder_retry(actor=request.user, log_ids=selected)
        if count:
            self.message_user(request, ngettext(
                "%(count)d failed reminder was queued again.",
                "%(count)d failed reminders were queued again.", count) % {"count": count},
                messages.SUCCESS)
        if len(selected) > count:
            others = len(selected) - count
            self.message_user(request, ngettext(
                "%(count)d selected reminder was not failed and was left as it is.",
                "%(count)d selected reminders were not failed and were left as they are.",
                others) % {"count": others}, messages.WARNING)


@admin.register(ReminderEvent)
class ReminderEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail of reminders: sent, failed (with the error), queued
    again by whom, no longer due."""

    list_display = ["at", "log", "from_state", "to_state", "actor", "reason"]
    list_filter = [EventKindFilter, "to_state", "at"]
    list_select_related = ["log", "actor"]
    search_fields = ["log__recipient", "reason"]
    search_help_text = _("An e-mail address or words of the reason.")
    show_full_result_count = False
    fields = ["log", "from_state", "to_state", "actor", "at", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return visible_reminders(request.user, super().get_queryset(request), path="log__")


class ReminderKindForm(forms.ModelForm):
    class Meta:
        model = ReminderKind
        fields = ["paused", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("paused") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", ValidationError(MSG_PAUSE_NEEDS_REASON,
                                                     code="pause_reason"))
        return cleaned


@admin.register(ReminderKind)
class ReminderKindAdmin(RegistryHistoryAdmin):
    """The declared kinds (they come from the code: none is added or deleted
    here) and the administrator's pause."""

    form = ReminderKindForm
    list_display = ["label", "code", "delays", "paused", "reason", "changed_at", "changed_by"]
    list_filter = ["paused"]
    list_select_related = ["changed_by"]
    search_fields = ["code", "reason"]
    show_full_result_count = False
    fields = ["label", "code", "delays", "paused", "reason", "changed_at", "changed_by"]
    readonly_fields = ["label", "code", "delays", "changed_at", "changed_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(code__in=kinds_visible_to(request.user))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("reminder"))
    def label(self, obj):
        return kinds.label_of(obj.code)

    @admin.display(description=_("when"))
    def delays(self, obj):
        try:
            delays = kinds.get(obj.code).delays()
        except LookupError:
            return gettext("no longer declared")
        return ", ".join(ngettext("%(days)d day", "%(days)d days", delay.days)
                         % {"days": delay.days} for delay in delays)

    def save_model(self, request, obj, form, change):
        services.reminder_kind_pause(actor=request.user, code=obj.code,
                                     paused=form.cleaned_data["paused"],
                                     reason=form.cleaned_data["reason"])
