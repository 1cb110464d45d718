"""Reminders through a real Celery worker on the real broker (Redis in CI, the
embedded filesystem broker on a laptop without Redis): the exact set of
e-mails the sweeps of every declared kind send over seeded data, nothing more
when they run again, and every reminder sent exactly once after the worker is
SIGKILLed in the middle of a batch.

The production path: a reminder's send writes an outbox row (outbox/) and
marks the reminder sent in one transaction; the worker then delivers the row
(outbox.tasks.message_send, on REMINDER_QUEUE, here the test's private queue)
into files (Django's file backend as OUTBOX_DELIVERY_BACKEND). Each message
carries its reminder kind and language in its headers, and its outbox row's
Message-ID."""

import ast
import datetime
import time
from collections import Counter
from pathlib import Path

import pytest
import test_worker as harness
from celery.result import EagerResult
from django.utils import timezone

from accounts.roles import Role
from outbox.models import Message
from outbox.models import State as MessageState
from outbox.tasks import outbox_sweep
from registry.factories import IdentityDocumentFactory, PersonFactory, UserFactory
from reintegration.factories import (
    CaseFactory,
    MonitoringVisitFactory,
    ReturneeFactory,
    caseworker,
    supervisor_of,
)
from reintegration.models import MonitoringVisit
from reintegration.reminders import CaseInactive, TravelDocumentExpires, VisitDue
from reintegration.workflow import State as CaseState
from reminders import kinds
from reminders.models import ReminderLog
from reminders.tasks import reminders_sweep
from reminders.workflow import State
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    RefereeFactory,
    offer_package,
    reviewer,
)
from scholarships.models import Application, AwardOffer, Referee, ReviewAssignment
from scholarships.reminders import (
    DraftNotSubmitted,
    OfferNotAnswered,
    RefereeLetterMissing,
    ReviewNotScored,
)
from scholarships.workflow import State as ApplicationState

# The harness of tests/test_worker.py: a private queue per test, and .delay()
# publishing for real.
private_queue = harness.private_queue
tasks_through_the_broker = harness.tasks_through_the_broker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DRAFT = DraftNotSubmitted.code
REFEREE = RefereeLetterMissing.code
REVIEW = ReviewNotScored.code
OFFER = OfferNotAnswered.code
VISIT = VisitDue.code
DOCUMENT = TravelDocumentExpires.code
INACTIVE = CaseInactive.code
EVERY_KIND = [DRAFT, REFEREE, REVIEW, OFFER, VISIT, DOCUMENT, INACTIVE]
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
SUBJECT_START = {"en": "Reminder:", "fr": "Rappel :", "nl": "Herinnering:"}


def summary(messages) -> Counter:
    """(to, kind, language) of each message, counted."""
    return Counter((str(m["To"]), str(m["X-Casework-Reminder"]), str(m["Content-Language"]))
                   for m in messages)


def worker_env(private_queue, mail_dir, **extra):
    # The sweep's fan-out, and the outbox rows' deliveries, go to this test's queue.
    return harness.outbox_env(mail_dir, REMINDER_QUEUE=private_queue.name, **extra)


def a_call_whose_7_day_reminders_came_an_hour_ago():
    closes = timezone.now() + datetime.timedelta(days=7) - datetime.timedelta(hours=1)
    return CallFactory(opens_at=closes - datetime.timedelta(days=60), closes_at=closes)


def started_long_ago(*applications):
    """Drafts started, and referees invited, before the 7-day moment."""
    long_ago = timezone.now() - datetime.timedelta(days=20)
    ids = [application.pk for application in applications]
    Application.objects.filter(pk__in=ids).update(created_at=long_ago)
    Referee.objects.filter(application__in=ids).update(invited_at=long_ago)


def sweep_through_the_broker(private_queue, *kinds):
    results = [reminders_sweep.apply_async(kwargs={"kind": kind}, queue=private_queue)
               for kind in kinds]
    assert not any(isinstance(r, EagerResult) for r in results), "ran in-process, not in the worker"
    return results


def outbox_sweep_through_the_broker(private_queue):
    """The outbox's beat entry, run by the worker."""
    result = outbox_sweep.apply_async(queue=private_queue)
    assert not isinstance(result, EagerResult), "ran in-process, not in the worker"
    return result


def sweeps_done(log_path: Path, results, task="reminders.tasks.reminders_sweep") -> bool:
    log = log_path.read_text(errors="replace")
    return all(f"{task}[{r.id}] succeeded" in log for r in results)


def queued_by(log_path: Path, result, task="reminders.tasks.reminders_sweep"):
    """What a sweep returned (sends queued, per kind for reminders), from the
    worker's log line "Task ...reminders_sweep[id] succeeded in 0.05s: {'kind': 3}"."""
    marker = f"{task}[{result.id}] succeeded in "
    line = next(line for line in log_path.read_text(errors="replace").splitlines()
                if marker in line)
    return ast.literal_eval(line.split(marker, 1)[1].split(": ", 1)[1])


def with_language(user, language):
    """A staff member's registry record, which gives their language."""
    PersonFactory(user=user, preferred_language=language, email="")
    return user


def seed_reviews_and_offers(call, submitted):
    """A review waiting 15 days (the reviewer and, from this third reminder,
    the administrators), a cancelled one, and an offer 3 days from its
    deadline. Expected e-mails, counted."""
    now = timezone.now()
    with_language(UserFactory(username="els", email="els.peeters@office.example.org",
                              roles=[Role.SCHOLARSHIP_ADMIN]), "nl")
    UserFactory(username="gone", email="gone@office.example.org", is_active=False,
                roles=[Role.SCHOLARSHIP_ADMIN])
    waiting = with_language(reviewer(user__username="hiwot",
                                     user__email="h.tesfaye@aau.example.org"), "fr")
    ReviewAssignment.objects.create(application=submitted, reviewer=waiting,
                                    assigned_at=now - 15 * DAY - HOUR)
    ReviewAssignment.objects.create(
        application=submitted, reviewer=reviewer(user__email="cancelled@uni.example.org"),
        assigned_at=now - 15 * DAY - HOUR, status=ReviewAssignment.Status.CANCELLED,
        cancelled_at=now - DAY)
    offered = ApplicationFactory(
        call=call, state=ApplicationState.OFFERED, reference="SCH-2027-00002",
        submitted_at=now - 60 * DAY,
        applicant=PersonFactory(email="an.maes@example.org", preferred_language="nl"))
    AwardOffer.objects.create(application=offered, created_at=now - 11 * DAY,
                              **offer_package(deadline=now + 3 * DAY - HOUR))
    return Counter({
        ("h.tesfaye@aau.example.org", REVIEW, "fr"): 1,
        ("els.peeters@office.example.org", REVIEW, "nl"): 1,
        ("an.maes@example.org", OFFER, "nl"): 1,
    })


def seed_cases():
    """Visits due in 7 days and overdue, a departure in 10 days whose passport
    expires before it, and a case idle for 46 days (its caseworker and the
    supervisor). Expected e-mails, counted."""
    now, today = timezone.now(), timezone.localdate()
    sophie = with_language(caseworker("sophie", email="s.lambert@casework.example.org"), "fr")
    youssef = caseworker("youssef", email="y.benali@casework.example.org")  # no record: en
    team = supervisor_of(sophie, youssef, username="pieter",
                         email="p.janssens@casework.example.org")
    with_language(team.supervisor, "nl")
    followed = CaseFactory(state=CaseState.MONITORING, caseworker=sophie,
                           arrived_on=today - 90 * DAY)
    MonitoringVisitFactory(case=followed, due_on=today + 7 * DAY)
    MonitoringVisitFactory(case=followed, due_on=today - 3 * DAY)
    MonitoringVisitFactory(case=followed, due_on=today - 5 * DAY,
                           status=MonitoringVisit.Status.WAIVED, waived_reason="By phone")
    leaving = CaseFactory(state=CaseState.DEPARTURE_PLANNED, caseworker=sophie,
                          planned_departure_on=today + 10 * DAY,
                          principal=ReturneeFactory(passport=False))
    IdentityDocumentFactory(person=leaving.principal, expires_on=today + 5 * DAY)
    CaseFactory(state=CaseState.COUNSELLING, caseworker=youssef,
                last_activity_at=now - 46 * DAY)
    return Counter({
        ("s.lambert@casework.example.org", VISIT, "fr"): 2,
        ("s.lambert@casework.example.org", DOCUMENT, "fr"): 1,
        ("y.benali@casework.example.org", INACTIVE, "en"): 1,
        ("p.janssens@casework.example.org", INACTIVE, "nl"): 1,
    })


def test_the_sweeps_of_every_kind_send_exactly_the_due_reminders_and_nothing_more_again(
        tasks_through_the_broker, private_queue, role_groups, tmp_path):
    assert sorted(kind.code for kind in kinds.all_kinds()) == sorted(EVERY_KIND)
    call = a_call_whose_7_day_reminders_came_an_hour_ago()
    french = ApplicationFactory(call=call, applicant=PersonFactory(
        email="fifame.adjovi@example.org", preferred_language="fr"))
    english = ApplicationFactory(call=call, applicant=PersonFactory(
        email="joan.nakato@example.org", preferred_language="en"))
    dutch = ApplicationFactory(call=call, applicant=PersonFactory(
        email="an.peeters@example.org", preferred_language="nl"))
    submitted = ApplicationFactory(call=call, applicant=PersonFactory(
        email="already.submitted@example.org"))
    RefereeFactory(application=french, email="j.devries@ugent.example.org", language="nl")
    RefereeFactory(application=english, email="o.sy@ucad.example.org", language="fr")
    RefereeFactory(application=dutch, email="replaced@uni.example.org",
                   replaced_at=timezone.now())
    RefereeFactory(application=submitted, email="k.asante@ug.example.org", language="en")
    RefereeFactory(application=dutch, email="answered@uni.example.org",
                   letter_received_at=timezone.now())
    started_long_ago(french, english, dutch, submitted)
    Application.objects.filter(pk=submitted.pk).update(
        state=ApplicationState.SUBMITTED, reference="SCH-2027-00001",
        submitted_at=timezone.now())
    submitted.refresh_from_db()
    expected = Counter({
        ("fifame.adjovi@example.org", DRAFT, "fr"): 1,
        ("joan.nakato@example.org", DRAFT, "en"): 1,
        ("an.peeters@example.org", DRAFT, "nl"): 1,
        ("j.devries@ugent.example.org", REFEREE, "nl"): 1,
        ("o.sy@ucad.example.org", REFEREE, "fr"): 1,
        # A submitted application's referee is still asked for the letter.
        ("k.asante@ug.example.org", REFEREE, "en"): 1,
    })
    expected += seed_reviews_and_offers(call, submitted)
    expected += seed_cases()
    total = sum(expected.values())
    assert total == 14
    mail_dir, log_path = tmp_path / "mail", tmp_path / "worker.log"

    with harness.celery_worker(private_queue.name, log_path,
                               **worker_env(private_queue, mail_dir)) as worker:
        first = sweep_through_the_broker(private_queue, *EVERY_KIND)
        harness.wait_for(lambda: ReminderLog.objects.filter(state=State.SENT).count() == total
                         and Message.objects.filter(state=MessageState.SENT).count() == total,
                         worker=worker, log_path=log_path,
                         what=f"{total} reminders sent and their e-mails delivered")
        harness.wait_for(lambda: sweeps_done(log_path, first), worker=worker,
                         log_path=log_path, what="the first sweeps to finish")
        messages = harness.assert_each_row_delivered_once(mail_dir)
        assert summary(messages) == expected
        for message in messages:
            subject = str(message["Subject"]).strip()
            assert subject.startswith(SUBJECT_START[message["Content-Language"]]), subject
        # One outbox row per reminder, delivered from the reminders' queue.
        assert Counter(Message.objects.values_list("kind", "queue")) == Counter({
            (f"reminder:{kind}", private_queue.name): n for kind, n in
            Counter(kind for _to, kind, _language in expected.elements()).items()})
        assert [queued_by(log_path, result) for result in first] == [
            {DRAFT: 3}, {REFEREE: 3}, {REVIEW: 2}, {OFFER: 1}, {VISIT: 2}, {DOCUMENT: 1},
            {INACTIVE: 2}]

        # Beat again, an hour later: the reminders' sweeps and the outbox's.
        again = sweep_through_the_broker(private_queue, *EVERY_KIND)
        outbox_again = outbox_sweep_through_the_broker(private_queue)
        harness.wait_for(lambda: sweeps_done(log_path, again)
                         and sweeps_done(log_path, [outbox_again], "outbox.tasks.outbox_sweep"),
                         worker=worker, log_path=log_path, what="the second sweeps to finish")
        assert [queued_by(log_path, result) for result in again] == [
            {kind: 0} for kind in EVERY_KIND]
        assert queued_by(log_path, outbox_again, "outbox.tasks.outbox_sweep") == 0

    assert summary(harness.assert_each_row_delivered_once(mail_dir)) == expected
    assert ReminderLog.objects.count() == total
    assert Message.objects.count() == total


def test_a_worker_killed_mid_delivery_leaves_every_reminder_delivered(
        tasks_through_the_broker, private_queue, tmp_path):
    """The worker is SIGKILLed while a slow mail server holds one of the 30
    deliveries; restarted, with beat's sweeps run by it, every reminder is
    sent once (one outbox row each) and every row delivered: none missing,
    none stuck. A row the mail server accepted just before the kill is
    delivered again with the same Message-ID: counted and printed."""
    started = time.monotonic()
    call = a_call_whose_7_day_reminders_came_an_hour_ago()
    languages = ["fr", "en", "nl"]
    drafts = [ApplicationFactory(call=call, applicant=PersonFactory(
        email=f"applicant{n:02d}@example.org", preferred_language=languages[n % 3]))
        for n in range(30)]
    started_long_ago(*drafts)
    expected = Counter({(f"applicant{n:02d}@example.org", DRAFT, languages[n % 3]): 1
                        for n in range(30)})
    mail_dir = tmp_path / "mail"
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    # A delivery taken by a killed worker is taken again 2 s later, not 2 minutes.
    recover = {"OUTBOX_RECOVER_AFTER_SECONDS": "2"}

    def in_the_middle_of_a_delivery() -> bool:
        """Three delivered, and the worker waiting for the mail server on one
        it claimed less than 0.3 s ago (of the 1 s the server takes)."""
        return (Message.objects.filter(state=MessageState.SENT).count() >= 3
                and Message.objects.filter(
                    state=MessageState.SENDING,
                    claimed_at__gte=timezone.now() - datetime.timedelta(seconds=0.3)).exists())

    # A slow mail server (1 s per message): the kill lands while the worker
    # waits for it, mid-batch, with most of the batch still to deliver.
    slow = worker_env(private_queue, mail_dir, TEST_EMAIL_DELAY_SECONDS="1",
                      TEST_OUTBOX_DELIVERY_BACKEND="reminders.tests.mail.SlowFileServer",
                      **recover)
    with harness.celery_worker(private_queue.name, first_log, **slow) as worker:
        sweep_through_the_broker(private_queue, DRAFT)
        deadline = time.monotonic() + harness.WORKER_DEADLINE
        while not in_the_middle_of_a_delivery():
            if time.monotonic() > deadline or worker.poll() is not None:
                pytest.fail("No three e-mails delivered and a fourth under way:\n"
                            + first_log.read_text(errors="replace"))
            time.sleep(0.02)
        worker.kill()  # SIGKILL: no warm shutdown, no ack, no result recorded
        worker.wait(timeout=10)

    before = Counter(Message.objects.values_list("state", flat=True))
    assert 3 <= before[MessageState.SENT] < 30, f"the kill did not land mid-batch: {before}"
    assert before[MessageState.SENDING] == 1, f"the kill did not land mid-delivery: {before}"
    assert len(harness.delivered(mail_dir)) >= before[MessageState.SENT]

    # Restarted; beat's next sweeps (the reminders' hourly one, the outbox's
    # every minute) are run by the worker until nothing is left.
    restarted = worker_env(private_queue, mail_dir, REMINDER_REQUEUE_AFTER_MINUTES="0",
                           **recover)
    with harness.celery_worker(private_queue.name, second_log, **restarted) as worker:
        sweeps = [*sweep_through_the_broker(private_queue, DRAFT),
                  outbox_sweep_through_the_broker(private_queue)]

        def done() -> bool:
            if not sweeps_done(second_log, sweeps[-1:], "outbox.tasks.outbox_sweep"):
                return False  # the last sweep has not run yet: wait for it
            if (ReminderLog.objects.filter(state=State.SENT).count() == 30
                    and harness.all_sent()):
                return True
            time.sleep(1)  # as beat would, a little later
            sweeps.append(outbox_sweep_through_the_broker(private_queue))
            return False

        harness.wait_for(done, worker=worker, log_path=second_log,
                         what="all thirty reminders sent and delivered after the restart")
        time.sleep(1)  # a duplicate delivery still in the queue would be done by now

    rows = list(Message.objects.all())
    received = harness.delivered_ids(mail_dir)
    duplicates = {message_id: n - 1 for message_id, n in received.items() if n > 1}
    missing = [row.pk for row in rows if row.message_id not in received]
    stuck = [row.pk for row in rows if row.state != MessageState.SENT]
    print(f"\nreminders under SIGKILL: 30 e-mails, states at the kill {dict(before)}, "
          f"{sum(row.attempts for row in rows)} attempts, "
          f"{sum(duplicates.values())} duplicates {sorted(duplicates)}, "
          f"{len(missing)} missing, {len(stuck)} stuck, {len(sweeps)} sweeps after the restart, "
          f"{time.monotonic() - started:.1f} s")
    assert missing == [] and stuck == []
    # A duplicate is only ever a row delivered again, under its own Message-ID.
    assert set(received) == {row.message_id for row in rows}
    unique = {str(m["Message-ID"]): m for m in harness.delivered(mail_dir)}
    assert summary(unique.values()) == expected  # each reminder exactly once
    assert ReminderLog.objects.filter(state=State.SENT).count() == 30
    assert Message.objects.count() == 30  # one outbox row per reminder: none sent twice
