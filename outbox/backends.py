import sys

from django.core.mail.backends.base import BaseEmailBackend

from . import services

# Frames of these packages are skipped when naming who sent an e-mail.
_PLUMBING = ("django.", "outbox.backends", "outbox.services", "celery.", "kombu.", "contextlib")


def _caller() -> str:
    """The module that called EmailMessage.send() (e.g. "scholarships.notifications"):
    the admin's "kind" for call sites that do not set the X-Casework-Kind header."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name and not name.startswith(_PLUMBING):
            return name
        frame = frame.f_back
    return ""


class OutboxBackend(BaseEmailBackend):
    """settings.EMAIL_BACKEND: every EmailMessage(...).send() in the code
    becomes an outbox row in the current transaction, and its delivery (by
    settings.OUTBOX_DELIVERY_BACKEND, in a worker) is queued on commit. So no
    mail server is talked to inside a business transaction or lock."""

    def send_messages(self, email_messages):
        count = 0
        caller = None
        for email in email_messages or []:
            if not email.recipients():
                continue
            if caller is None:
                caller = _caller()
            try:
                services.message_queue(
                    email, kind=str(email.extra_headers.get("X-Casework-Kind", "")) or caller)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            count += 1
        return count
