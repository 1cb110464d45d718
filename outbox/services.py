"""The outbox's write path: queue (in the caller's transaction), deliver (a
short claim, the mail server outside any transaction, a short result), sweep
(from the database, not the broker) and an administrator's "retry now".

The one window left: the mail server has accepted the message and the
process dies before the result commits. The row stays in `sending`; the
sweep takes it again after OUTBOX_RECOVER_AFTER_SECONDS and delivers it
again with the same Message-ID, so a mail client shows it once or marks it
as a duplicate. Sending it never (marking sent before the server accepted)
would be worse for a deadline.
"""

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from common.tasks import enqueue

from .models import Attempt, Message, Outcome, State

logger = logging.getLogger(__name__)

# The delivery task (tasks.py), queued by name: it runs message_deliver below.
SEND_TASK = "outbox.tasks.message_send"

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"


def _recover_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OUTBOX_RECOVER_AFTER_SECONDS)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential from OUTBOX_RETRY_BASE_SECONDS, capped at OUTBOX_RETRY_MAX_SECONDS."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS)
    return datetime.timedelta(seconds=seconds)


def _enqueue(ids: Iterable[int], queue: str = "") -> None:
    """After commit, the row id only: nothing personal goes on the broker. A
    message that cannot be published is left to the sweep."""
    for pk in ids:
        try:
            enqueue(SEND_TASK, pk, queue=queue)
        except Exception:
            logger.exception("E-mail %s could not be queued; the outbox sweep will.", pk)


def message_queue(email, *, kind: str = "", queue: str = "") -> Message:
    """Write one e-mail (a django EmailMessage) as a row in the CURRENT
    transaction; its delivery is queued (on `queue`, or the default queue)
    when that transaction commits, and never happens if it rolls back."""
    now = timezone.now()
    kind = kind or str(email.extra_headers.get("X-Casework-Kind", ""))
    row = Message.objects.create(kind=kind[:80], queue=queue, created_at=now,
                                 next_attempt_at=now, enqueued_at=now,
                                 **Message.fields_from_email(email))
    transaction.on_commit(lambda: _enqueue([row.pk], queue))
    return row


def _claim(pk: int, now: datetime.datetime) -> tuple[Message, Attempt] | None:
    cutoff = now - _recover_after()
    with transaction.atomic():
        row = (Message.objects.select_for_update(skip_locked=True).filter(pk=pk)
               .filter(Q(state=State.PENDING, next_attempt_at__lte=now)
                       | Q(state=State.SENDING, claimed_at__lte=cutoff))
               .first())
        if row is None:
            return None
        if row.state == State.SENDING:
            # The process that claimed it died (or hangs): its attempt ends here.
            row.attempt_set.filter(finished_at__isnull=True).update(
                finished_at=now, outcome=Outcome.INTERRUPTED,
                error="No result after the recovery delay: the sending process stopped.")
        row.state = State.SENDING
        row.claimed_at = now
        row.next_attempt_at = None
        row.attempts += 1
        row.save(update_fields=["state", "claimed_at", "next_attempt_at", "attempts"])
        attempt = Attempt.objects.create(message=row, started_at=now)
    return row, attempt


def message_deliver(pk: int) -> str:
    """Deliver one row through settings.OUTBOX_DELIVERY_BACKEND. Safe to run
    twice: a row already sent, claimed by a recent attempt, or not yet due is
    skipped. Called by the task, outside any transaction: each of its two
    transactions commits on its own."""
    claimed = _claim(pk, timezone.now())
    if claimed is None:
        return SKIPPED
    row, attempt = claimed
    try:
        connection = get_connection(settings.OUTBOX_DELIVERY_BACKEND)
        if connection.send_messages([row.as_email(connection=connection)]) != 1:
            raise RuntimeError("The delivery backend accepted no message.")
    except Exception as exc:  # SoftTimeLimitExceeded included: retried later
        _finish(row, attempt, error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.warning("E-mail %s failed (attempt %d): %s", row.pk, row.attempts, exc)
        return FAILED
    _finish(row, attempt)
    return SENT


def _finish(row: Message, attempt: Attempt, *, error: str = "") -> None:
    now = timezone.now()
    with transaction.atomic():
        mine = Message.objects.filter(pk=row.pk, state=State.SENDING, claimed_at=row.claimed_at)
        if error:
            updated = mine.update(state=State.PENDING, last_error=error,
                                  next_attempt_at=now + retry_delay(row.attempts))
        else:
            updated = mine.update(state=State.SENT, sent_at=now, last_error="")
        # 0: the sweep took it from a process it thought dead; its attempt says so.
        Attempt.objects.filter(pk=attempt.pk, finished_at__isnull=True).update(
            finished_at=now, outcome=Outcome.FAILED if error else Outcome.SENT, error=error)
        if not updated:
            logger.warning("E-mail %s was taken by another attempt meanwhile.", row.pk)


def outbox_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue a send for every row that needs one, read from the database:
    pending rows whose next attempt has come (and whose task is not already
    queued for it), and rows stuck in `sending` past the recovery delay.
    Returns how many were queued."""
    now = now or timezone.now()
    cutoff = now - _recover_after()
    limit = settings.OUTBOX_SWEEP_BATCH
    with transaction.atomic():
        rows = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(Q(state=State.PENDING, next_attempt_at__lte=now)
                    & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("next_attempt_at"))
                       | Q(enqueued_at__lte=cutoff))
                    | Q(state=State.SENDING, claimed_at__lte=cutoff)
                    & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)))
            .order_by("id").values_list("pk", "queue")[:limit])
        if rows:
            Message.objects.filter(pk__in=[pk for pk, _queue in rows]).update(enqueued_at=now)
            transaction.on_commit(lambda: _enqueue_rows(rows))
    if rows:
        logger.info("Outbox sweep: %d e-mails queued.", len(rows))
    return len(rows)


def _enqueue_rows(rows: list[tuple[int, str]]) -> None:
    by_queue: dict[str, list[int]] = {}
    for pk, queue in rows:
        by_queue.setdefault(queue, []).append(pk)
    for queue, ids in by_queue.items():
        _enqueue(ids, queue)


@transaction.atomic
def message_retry_now(*, actor, ids: Iterable[int]) -> int:
    """The administrator's "retry now": pending rows are due at once (a sent
    one is never sent again; one being sent is left to its attempt or the
    sweep). Returns how many were queued."""
    now = timezone.now()
    rows = list(Message.objects.select_for_update(skip_locked=True)
                .filter(pk__in=list(ids), state=State.PENDING)
                .order_by("id").values_list("pk", "queue"))
    if rows:
        Message.objects.filter(pk__in=[pk for pk, _queue in rows]).update(
            next_attempt_at=now, enqueued_at=now)
        transaction.on_commit(lambda: _enqueue_rows(rows))
        logger.info("E-mails %s retried now by %s.", rows, actor)
    return len(rows)
