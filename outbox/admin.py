from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdminMixin

from . import services
from .models import Attempt, Message

# The subject, recipients and errors are what an administrator needs to see
# why an e-mail did not leave. The body, its HTML and the attachments are
# personal data (a decision, a sign-up link, an application summary): only
# superusers see them.
PERSONAL = ("body", "html_body", "attachment_names", "headers")
ALWAYS = ("kind", "queue", "state", "from_email", "to", "cc", "bcc", "reply_to", "subject",
          "message_id", "attempts", "created_at", "next_attempt_at", "enqueued_at",
          "claimed_at", "sent_at", "last_error")


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("started_at", "finished_at", "outcome", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "state", "kind", "recipient_list", "subject", "attempts",
                    "last_error_short", "next_attempt_at", "sent_at")
    list_filter = ("state", "kind", "created_at")
    date_hierarchy = "created_at"
    inlines = [AttemptInline]
    actions = ["retry_now"]
    list_per_page = 50
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return ALWAYS + (PERSONAL if request.user.is_superuser else ())

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_retry_permission(self, request):
        return request.user.has_perm("outbox.retry_message")

    @admin.display(description=_("recipients"))
    def recipient_list(self, obj):
        return ", ".join(obj.recipients)

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:120]

    @admin.display(description=_("Message-ID"))
    def message_id(self, obj):
        return obj.message_id

    @admin.display(description=_("attachments"))
    def attachment_names(self, obj):
        return ", ".join(item.get("filename", "(MIME)") for item in obj.attachments)

    @admin.action(description=_("Retry the selected e-mails now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        queued = services.message_retry_now(actor=request.user, ids=selected)
        self.message_user(request, ngettext(
            "%(count)d e-mail was queued to be sent now.",
            "%(count)d e-mails were queued to be sent now.", queued) % {"count": queued},
            messages.SUCCESS)
        if len(selected) > queued:
            left = len(selected) - queued
            self.message_user(request, ngettext(
                "%(count)d selected e-mail was sent or being sent and was left as it is.",
                "%(count)d selected e-mails were sent or being sent and were left as they are.",
                left) % {"count": left}, messages.WARNING)
