from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common import formats

from .kinds import label_of
from .workflow import State


class ReminderLog(models.Model):
    """One reminder: claimed (inserted) before it is sent, so that the unique
    constraint, not the code, decides that the same reminder exists once."""

    kind = models.CharField(_("kind"), max_length=80)
    # What the reminder is about (a draft application, a referee, ...).
    content_type = models.ForeignKey(ContentType, verbose_name=_("about a"),
                                     on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField(_("about number"))
    # The record whose page lists it (the application of a referee's reminder).
    record_type = models.ForeignKey(ContentType, verbose_name=_("shown on a"),
                                    on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField(_("shown on number"))
    recipient = models.EmailField(_("to"), max_length=254)
    recipient_name = models.CharField(_("name of the recipient"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    due_at = models.DateTimeField(_("due moment"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.PENDING, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    created_at = models.DateTimeField(_("claimed at"), default=timezone.now, editable=False)
    enqueued_at = models.DateTimeField(_("sent to the queue at"), null=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, editable=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        permissions = [("retry_reminderlog", _("Can retry a failed reminder"))]
        constraints = [
            # Exactly once: a second claim of the same reminder is refused by
            # the database, whatever process or thread makes it.
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "recipient", "due_at"],
                name="reminder_once",
            ),
            models.CheckConstraint(
                condition=Q(state=State.SENT, sent_at__isnull=False)
                | (~Q(state=State.SENT) & Q(sent_at__isnull=True)),
                name="reminder_sent_has_sent_at",
            ),
            models.CheckConstraint(condition=~Q(recipient=""), name="reminder_has_recipient"),
        ]
        indexes = [
            # The sweep's fan-out: pending reminders of a kind not queued lately.
            models.Index(fields=["kind", "state", "enqueued_at"], name="reminder_fanout"),
            # A record's page: the reminders about it.
            models.Index(fields=["record_type", "record_id", "created_at"],
                         name="reminder_record"),
            # The admin's filters: state, and the dates.
            models.Index(fields=["state", "created_at"], name="reminder_state"),
            models.Index(fields=["created_at"], name="reminder_created"),
            models.Index(fields=["due_at"], name="reminder_due"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient} ({formats.short_moment(self.due_at)})"


class ReminderEvent(models.Model):
    """Audit row for every state change of a reminder."""

    log = models.ForeignKey(ReminderLog, verbose_name=_("reminder"), on_delete=models.CASCADE,
                            related_name="events")
    from_state = models.CharField(_("from"), max_length=8, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=8, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("reminder state change")
        verbose_name_plural = _("reminder state changes")
        ordering = ["log", "at", "id"]
        # The admin's filters: the new state, and the date.
        indexes = [
            models.Index(fields=["to_state", "at"], name="reminder_event_state"),
            models.Index(fields=["at"], name="reminder_event_at"),
        ]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class ReminderKind(models.Model):
    """The administrator's switch for one declared kind: a paused kind's
    sweep claims and sends nothing. A kind without a row is not paused."""

    code = models.CharField(_("kind"), max_length=80, unique=True, editable=False)
    paused = models.BooleanField(_("paused"), default=False)
    reason = models.TextField(_("why it is paused"), blank=True)
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder kind")
        verbose_name_plural = _("reminder kinds")
        ordering = ["code"]

    def __str__(self):
        return label_of(self.code)
