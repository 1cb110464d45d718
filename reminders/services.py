"""The reminders' write path: the sweep that claims what is due, the send that
delivers one claimed reminder exactly once, an administrator's retry and
pause. Tasks, the admin and the management command all come through here.

Exactly once, in two steps that each lean on the database:

1. Claim. A sweep asks each kind what is due and inserts one ReminderLog row
   per reminder, skipping any that exist. The unique constraint
   `reminder_once` (kind, object, recipient, due moment) makes a second claim
   impossible, whichever process makes it: two sweeps at once, a beat
   restarted, a sweep run by hand. Then it queues a send task per pending row
   it has not queued lately (the row's id only).
2. Send. The task locks its row (SELECT ... FOR UPDATE), returns if it is
   already sent, renders the e-mail, hands it to the outbox (outbox/: one row)
   and marks the reminder sent, in the same transaction: a reminder is "sent"
   exactly when its outbox row exists. No mail server is talked to here; the
   outbox delivers after the commit and owns the retries. A second task for
   the same row waits for the lock, then finds it sent.

A worker killed mid-batch leaves its reminders pending (nothing was
committed for them); a reminder whose rendering failed is left failed. The
next sweep queues every pending or failed row not queued for
REMINDER_REQUEUE_AFTER_MINUTES, so they are sent then, once.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connections, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from common.tasks import enqueue
from outbox.services import message_queue

from . import kinds as declared
from .kinds import Due, Kind
from .models import ReminderEvent, ReminderKind, ReminderLog
from .workflow import FINAL, State, allowed

logger = logging.getLogger(__name__)

# The send task (tasks.py), queued by name: it runs reminder_send below.
SEND_TASK = "reminders.tasks.reminder_send"

MSG_TRANSITION = _("A reminder cannot go from “%(from)s” to “%(to)s”.")
MSG_NO_LONGER_DUE = _("No longer due when its turn came: nothing was sent.")
MSG_RETRIED = _("Queued again by an administrator.")
MSG_PAUSED = "Reminder kind %s is paused by an administrator: its sweep claimed and sent nothing."

# What reminder_send did.
SENT = "sent"
ALREADY_DONE = "already done"
SKIPPED = "skipped"
PAUSED = "paused"
UNKNOWN_KIND = "unknown kind"
FAILED_TO_RENDER = "failed"


class InvalidTransition(ValidationError):
    pass


@dataclass
class SweepResult:
    kind: Kind
    paused: bool = False
    dry_run: bool = False
    due: list[Due] = field(default_factory=list)
    # Due and not claimed before this sweep: what it sends (or, dry, would send).
    new: list[Due] = field(default_factory=list)
    # Send tasks queued: the new ones and pending ones not queued lately.
    queued: int = 0


# --- the one way to change state ------------------------------------------------------

def reminder_transition(*, actor, log: ReminderLog, to: str, reason: str = "",
                        changes: dict | None = None) -> ReminderLog:
    """Move a reminder to `to` if the declared workflow allows it and record
    who, when and why. Runs in the transaction that holds the row lock."""
    current = log.state
    if current == to:
        return log
    if not allowed(current, to):
        raise InvalidTransition(MSG_TRANSITION % {"from": State(current).label,
                                                  "to": State(to).label})
    changes = changes or {}
    for name, value in changes.items():
        setattr(log, name, value)
    log.state = to
    log.save(update_fields=["state", *changes])
    ReminderEvent.objects.create(log=log, from_state=current, to_state=to, actor=actor,
                                 reason=reason)
    return log


# --- kinds and their switches -------------------------------------------------------------

def _kind(kind: Kind | str) -> Kind:
    return kind if isinstance(kind, Kind) else declared.get(kind)


def kind_is_paused(code: str) -> bool:
    return ReminderKind.objects.filter(code=code, paused=True).exists()


def kinds_sync(*, using: str = "default") -> int:
    """One switch row per declared kind (after migrate). Returns how many were
    added."""
    if ReminderKind._meta.db_table not in connections[using].introspection.table_names():
        return 0
    existing = set(ReminderKind.objects.using(using).values_list("code", flat=True))
    missing = [ReminderKind(code=kind.code) for kind in declared.all_kinds()
               if kind.code not in existing]
    ReminderKind.objects.using(using).bulk_create(missing, ignore_conflicts=True)
    return len(missing)


@transaction.atomic
def reminder_kind_pause(*, actor, code: str, paused: bool, reason: str = "") -> ReminderKind:
    """Pause (or resume) a kind. While paused its sweep claims nothing and a
    send task already queued leaves its reminder pending, so resuming sends
    what is still due and nothing that stopped being due meanwhile."""
    declared.get(code)
    switch, _created = ReminderKind.objects.select_for_update().get_or_create(code=code)
    if switch.paused == paused and switch.reason == reason:
        return switch
    switch.paused = paused
    switch.reason = reason
    switch.changed_at = timezone.now()
    switch.changed_by = actor
    switch.save()
    logger.info("Reminder kind %s %s by %s.", code, "paused" if paused else "resumed", actor)
    return switch


# --- the sweep: claim, then fan out ---------------------------------------------------------

def _address(email: str) -> str:
    # One reminder per mailbox: "A.Diallo@Example.org" and "a.diallo@example.org"
    # are the same person, and the unique constraint compares exact text.
    return email.strip().lower()


def _language(code: str) -> str:
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _unclaimed(kind: Kind, due: list[Due]) -> list[Due]:
    """The due reminders with no row yet, each once: one query."""
    if not due:
        return []
    content_type = ContentType.objects.get_for_model(kind.model)
    claimed = set(ReminderLog.objects.filter(
        kind=kind.code, content_type=content_type,
        object_id__any=sorted({item.object_id for item in due}),  # one parameter (lookups.py)
        due_at__gte=min(item.due_at for item in due),
    ).order_by().values_list("object_id", "recipient", "due_at"))
    new = []
    for item in due:
        key = (item.object_id, _address(item.recipient.email), item.due_at)
        if key[1] and key not in claimed:
            claimed.add(key)
            new.append(item)
    return new


def _claim(kind: Kind, items: list[Due], now: datetime.datetime) -> None:
    """Insert-or-skip: a row another sweep inserted meanwhile is left as it is
    (ON CONFLICT DO NOTHING on the unique constraint). In key order, so two
    sweeps inserting the same rows at once wait for each other instead of
    deadlocking."""
    if not items:
        return
    items = sorted(items, key=lambda item: (item.object_id, _address(item.recipient.email),
                                            item.due_at))
    content_type = ContentType.objects.get_for_model(kind.model)
    record_type = ContentType.objects.get_for_model(kind.record)
    ReminderLog.objects.bulk_create([
        ReminderLog(kind=kind.code, content_type=content_type, object_id=item.object_id,
                    record_type=record_type, record_id=item.record_id or item.object_id,
                    recipient=_address(item.recipient.email),
                    recipient_name=item.recipient.name[:300],
                    language=_language(item.recipient.language), due_at=item.due_at,
                    created_at=now)
        for item in items
    ], ignore_conflicts=True)


def _fan_out(kind: Kind, now: datetime.datetime) -> int:
    """Queue a send task for every pending or failed reminder of the kind not
    queued in the last REMINDER_REQUEUE_AFTER_MINUTES: the ones just claimed,
    the ones whose task was lost (a worker killed, a broker restarted) and the
    ones whose last try failed (a template that did not render). SKIP
    LOCKED: a row being sent right now, or taken by a sweep running at the same
    moment, is that process's business."""
    cutoff = now - datetime.timedelta(minutes=settings.REMINDER_REQUEUE_AFTER_MINUTES)
    ids = list(ReminderLog.objects.select_for_update(skip_locked=True)
               .filter(kind=kind.code, state__in=[State.PENDING, State.FAILED])
               .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff))
               .order_by("id").values_list("pk", flat=True))
    if ids:
        ReminderLog.objects.filter(pk__any=ids).update(enqueued_at=now)  # one parameter
        transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)


def _enqueue(ids: list[int]) -> None:
    """After commit: the task reads a row that exists. A message that cannot be
    published leaves its row pending for the next sweep."""
    for pk in ids:
        try:
            enqueue(SEND_TASK, pk)
        except Exception:
            logger.exception("Reminder %s could not be queued; the next sweep will.", pk)


def reminder_sweep(*, kind: Kind | str, now: datetime.datetime | None = None,
                   dry_run: bool = False) -> SweepResult:
    """One sweep of one kind. A fixed number of queries whatever the number of
    rows: the paused check, the kind's due query, one query for what is
    already claimed, one INSERT (SQLite, unlike PostgreSQL, splits it in
    batches of 999 parameters), one SELECT and one UPDATE for the fan-out.
    `dry_run` stops after working out what would be sent: nothing is claimed,
    recorded or sent."""
    kind = _kind(kind)
    now = now or timezone.now()
    result = SweepResult(kind=kind, dry_run=dry_run)
    if kind_is_paused(kind.code):
        result.paused = True
        logger.warning(MSG_PAUSED, kind.code)
        return result
    result.due = list(kind.due(now))
    result.new = _unclaimed(kind, result.due)
    if dry_run:
        return result
    with transaction.atomic():
        _claim(kind, result.new, now)
        result.queued = _fan_out(kind, now)
    logger.info("Reminder sweep %s: %d due, %d new, %d queued.", kind.code, len(result.due),
                len(result.new), result.queued)
    return result


# --- the send ---------------------------------------------------------------------------

def reminder_message(kind: Kind, log: ReminderLog, context: dict) -> EmailMessage:
    """The e-mail in the recipient's language: subject and body from the kind's
    templates, through the usual gettext catalogs."""
    with translation.override(log.language):
        context = {"recipient_name": log.recipient_name, "due_at": log.due_at, **context}
        subject = " ".join(render_to_string(f"{kind.template}_subject.txt", context).split())
        body = render_to_string(f"{kind.template}.txt", context)
    return EmailMessage(subject, body, to=[log.recipient], headers={
        # RFC 3834: an automatic message (no out-of-office reply loops).
        "Auto-Submitted": "auto-generated",
        "Content-Language": log.language,
        "X-Casework-Reminder": log.kind,
        "X-Casework-Reminder-Id": str(log.pk),
    })


def _record_failure(log: ReminderLog, exc: Exception, now: datetime.datetime) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    changes = {"attempts": log.attempts + 1, "last_error": error, "last_attempt_at": now}
    if log.state == State.FAILED:
        for name, value in changes.items():
            setattr(log, name, value)
        log.save(update_fields=list(changes))
    else:
        reminder_transition(actor=None, log=log, to=State.FAILED, reason=error, changes=changes)
    logger.warning("Reminder %s to %s failed (attempt %d): %s", log.pk, log.recipient,
                   log.attempts, error)


def reminder_send(*, log_id: int) -> str:
    """Hand one claimed reminder to the outbox, exactly once; returns what it did.

    The row is locked, checked, its e-mail written to the outbox and the
    reminder marked sent in one transaction: both commit or neither does. A
    second run (a redelivery, a sweep that queued it again) waits for the lock
    and finds it sent. The outbox delivers after the commit, retries a mail
    server that refuses, and recovers a delivery a killed worker left halfway
    (outbox/services.py: resent with the same Message-ID). A template that does
    not render is recorded on the reminder (failed, with its error), and the
    next sweep tries it again.
    """
    with transaction.atomic():
        log = ReminderLog.objects.select_for_update().filter(pk=log_id).first()
        if log is None or log.state in FINAL:
            return ALREADY_DONE
        try:
            kind = declared.get(log.kind)
        except LookupError:
            logger.error("Reminder %s is of kind %s, which no app declares.", log.pk, log.kind)
            return UNKNOWN_KIND
        if kind_is_paused(kind.code):
            return PAUSED  # left pending: the first sweep after resuming queues it
        obj = kind.load(log.object_id)
        context = kind.context(obj, log) if obj is not None else None
        if context is None:
            reminder_transition(actor=None, log=log, to=State.SKIPPED,
                                reason=str(MSG_NO_LONGER_DUE))
            return SKIPPED
        now = timezone.now()
        try:
            with transaction.atomic():
                # Its delivery on the reminders' queue too (REMINDER_QUEUE).
                message_queue(reminder_message(kind, log, context), kind=f"reminder:{log.kind}",
                              queue=settings.REMINDER_QUEUE)
        except Exception as exc:
            _record_failure(log, exc, now)
            return FAILED_TO_RENDER
        reminder_transition(actor=None, log=log, to=State.SENT, changes={
            "sent_at": now, "attempts": log.attempts + 1, "last_attempt_at": now})
    return SENT


# --- the administrator's retry ------------------------------------------------------------

@transaction.atomic
def reminder_retry(*, actor, log_ids: Iterable[int]) -> int:
    """Queue failed reminders again (the admin's "retry"). Only failed ones: a
    sent reminder is never sent again, a pending one is already on its way.
    Returns how many were queued."""
    now = timezone.now()
    ids = list(ReminderLog.objects.select_for_update()
               .filter(pk__in=list(log_ids), state=State.FAILED)
               .order_by("id").values_list("pk", flat=True))
    if not ids:
        return 0
    if not allowed(State.FAILED, State.PENDING):
        raise InvalidTransition(MSG_TRANSITION % {"from": State.FAILED.label,
                                                  "to": State.PENDING.label})
    ReminderLog.objects.filter(pk__in=ids).update(state=State.PENDING, enqueued_at=now)
    ReminderEvent.objects.bulk_create([
        ReminderEvent(log_id=pk, from_state=State.FAILED, to_state=State.PENDING, actor=actor,
                      at=now, reason=str(MSG_RETRIED))
        for pk in ids
    ])
    transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)
