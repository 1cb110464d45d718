"""The outbox: every e-mail is a row before it is a conversation with a mail
server.

Why not a library. django-post-office (the closest fit) keeps a terminal
"failed" state after MAX_RETRIES, sends in batches under a lock rather than
claiming one row at a time with a recoverable "sending" state, and has no
stable Message-ID derived from the row. django-mailer and
django-celery-email have neither per-attempt rows nor a database sweep (the
latter keeps the whole message on the broker). What is needed here is small
(two models, one claim, one sweep), so it is written out, in this app.

States: pending -> sending -> sent. A failed attempt goes back to pending
with a later next_attempt_at; a row left in sending (a worker killed) is
taken again by the sweep after OUTBOX_RECOVER_AFTER_SECONDS. No row is ever
left without a next attempt: there is no dead state.
"""

import base64
import hashlib
from email import message_from_bytes
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class Outcome(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The process died during the attempt; the sweep took the message again.
    INTERRUPTED = "interrupted", _("Interrupted")


def message_id_domain() -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if "@" in address:
        return address.rsplit("@", 1)[1]
    return urlsplit(settings.SITE_URL).hostname or "localhost"


class Message(models.Model):
    kind = models.CharField(_("kind"), max_length=80, blank=True)
    # The Celery queue of its send task (blank: the default queue), so that a
    # burst of reminders, on their own queue, never delays a sign-up e-mail.
    queue = models.CharField(_("queue"), max_length=80, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.PENDING)
    from_email = models.CharField(_("from"), max_length=320)
    to = models.JSONField(_("to"), default=list, blank=True)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    bcc = models.JSONField(_("bcc"), default=list, blank=True)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    body = models.TextField(_("body"), blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    # [{"filename", "mimetype", "content" (base64), "text" (bool)}] or
    # [{"mime": base64 of a whole MIME part}]; small files only (a PDF summary).
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # When a send task was last published for it: the sweep does not publish
    # again for a row whose task is probably still in the queue.
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-id"]
        permissions = [("retry_message", _("Can retry an e-mail now"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=State.SENT, sent_at__isnull=False)
                | (Q(state=State.PENDING) & Q(next_attempt_at__isnull=False))
                | (Q(state=State.SENDING) & Q(claimed_at__isnull=False)),
                name="outbox_state_has_its_moment",
            ),
        ]
        indexes = [
            # The sweep: due pending rows, stuck sending rows.
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["state", "claimed_at"], name="outbox_claimed"),
            models.Index(fields=["created_at"], name="outbox_created"),
            models.Index(fields=["kind", "created_at"], name="outbox_kind"),
        ]

    def __str__(self):
        return f"{self.kind or '-'} #{self.pk}"

    @property
    def message_id(self) -> str:
        """The same for every delivery of this row: a resend after a crash is
        recognisably the same message to any mail client."""
        digest = salted_hmac("outbox.message-id", str(self.pk),
                             algorithm="sha256").hexdigest()[:16]
        return f"<outbox.{self.pk}.{digest}@{message_id_domain()}>"

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]

    def as_email(self, connection=None) -> EmailMultiAlternatives:
        email = EmailMultiAlternatives(
            subject=self.subject, body=self.body, from_email=self.from_email, to=self.to,
            cc=self.cc, bcc=self.bcc, reply_to=self.reply_to, connection=connection,
            headers={**self.headers, "Message-ID": self.message_id},
        )
        if self.html_body:
            email.attach_alternative(self.html_body, "text/html")
        for item in self.attachments:
            if "mime" in item:
                email.attach(message_from_bytes(base64.b64decode(item["mime"])))
                continue
            content = base64.b64decode(item["content"])
            if item.get("text"):
                content = content.decode()
            email.attach(item["filename"], content, item["mimetype"])
        return email

    @staticmethod
    def fields_from_email(email) -> dict:
        """The row's fields for a django EmailMessage (or EmailMultiAlternatives)."""
        html = ""
        for alternative in getattr(email, "alternatives", []):
            content, mimetype = alternative[0], alternative[1]
            if mimetype != "text/html":
                raise ValueError(f"The outbox keeps an HTML alternative only, not {mimetype}.")
            html = content
        attachments = []
        for item in email.attachments:
            if not isinstance(item, tuple):  # a MIMEBase part
                attachments.append({"mime": base64.b64encode(item.as_bytes()).decode()})
                continue
            filename, content, mimetype = item[0], item[1], item[2]
            text = isinstance(content, str)
            raw = content.encode() if text else bytes(content)
            attachments.append({"filename": filename, "mimetype": mimetype, "text": text,
                                "content": base64.b64encode(raw).decode(),
                                "sha256": hashlib.sha256(raw).hexdigest()})
        headers = {name: str(value) for name, value in email.extra_headers.items()
                   if name.lower() != "message-id"}
        return {
            "from_email": email.from_email or settings.DEFAULT_FROM_EMAIL,
            "to": list(email.to), "cc": list(email.cc), "bcc": list(email.bcc),
            "reply_to": list(email.reply_to), "subject": str(email.subject),
            "body": str(email.body), "html_body": str(html), "attachments": attachments,
            "headers": headers,
        }


class Attempt(models.Model):
    message = models.ForeignKey(Message, verbose_name=_("e-mail"), on_delete=models.CASCADE,
                                related_name="attempt_set")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices,
                               blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["message", "started_at", "id"]

    def __str__(self):
        return f"{self.message_id} {self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
