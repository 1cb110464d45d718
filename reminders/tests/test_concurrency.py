"""Exactly once under real concurrency, on PostgreSQL with real connections
in real threads (SQLite runs one writer at a time, which proves nothing)."""

import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection

from registry.factories import PersonFactory
from reminders import services
from reminders.models import ReminderLog
from reminders.workflow import State

from .kinds import DAY, FollowUp
from .mail import SlowServer
from .test_mechanism import START

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(n, work):
    """Run `work` in n threads released together; return their results and errors."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and unique checks between connections")


@pytest.mark.parametrize("requeue_after", [30, 0])
def test_two_sweeps_at_once_claim_and_send_each_reminder_once(test_kinds, settings,
                                                             requeue_after):
    """With requeue_after=0 the second sweep also queues every pending row
    again, so the same reminder's send runs twice, concurrently: the row lock
    lets one send."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.REMINDER_REQUEUE_AFTER_MINUTES = requeue_after
    with time_machine.travel(START, tick=False):
        people = PersonFactory.create_batch(25)
    results, errors = at_once(2, lambda: services.reminder_sweep(kind=FollowUp.code,
                                                                 now=START + 5 * DAY))
    assert errors == []
    assert ReminderLog.objects.count() == 25
    assert ReminderLog.objects.filter(state=State.SENT).count() == 25
    ids = [message.extra_headers["X-Casework-Reminder-Id"] for message in mail.outbox]
    assert len(ids) == len(set(ids)) == 25
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        person.email.lower() for person in people)


def test_two_sends_of_one_reminder_at_once_send_it_once(test_kinds, settings):
    # The outbox delivers after the reminder's commit: a slow server behind it
    # holds no reminder lock, and the second send still finds the row sent.
    settings.OUTBOX_DELIVERY_BACKEND = "reminders.tests.mail.SlowServer"
    SlowServer.delay = 0.3
    follow_up, _escalation = test_kinds
    with time_machine.travel(START, tick=False):
        PersonFactory()
    # The sweep's claim step alone (its fan-out would send at commit here).
    services._claim(follow_up, list(follow_up.due(START + 5 * DAY)), START + 5 * DAY)
    log = ReminderLog.objects.get()
    try:
        results, errors = at_once(2, lambda: services.reminder_send(log_id=log.pk))
    finally:
        SlowServer.delay = 0.0
    assert errors == []
    assert sorted(results) == sorted([services.SENT, services.ALREADY_DONE])
    assert len(mail.outbox) == 1
