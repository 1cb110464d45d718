"""A reminder's states and the moves allowed between them, declared once.

Nothing assigns ReminderLog.state directly: services move it, checking the
move here, and append a ReminderEvent (who, when, from, to, why).

    pending -> sent | failed | skipped
    failed  -> sent | pending (an administrator's retry) | skipped

sent and skipped are final: a sent reminder is never sent again.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("No longer due")


TRANSITIONS: dict[State, tuple[State, ...]] = {
    State.PENDING: (State.SENT, State.FAILED, State.SKIPPED),
    State.FAILED: (State.SENT, State.PENDING, State.SKIPPED),
}

FINAL = (State.SENT, State.SKIPPED)


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(State(current), ())
