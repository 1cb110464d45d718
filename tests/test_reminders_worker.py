"""Reminders through a real Celery worker on the real broker (Redis in CI, the
embedded filesystem broker on a laptop without Redis): the exact set of
e-mails the sweeps of every declared kind send over seeded data, nothing more
when they run again, and every reminder sent exactly once after the worker is
SIGKILLed in the middle of a batch.

The worker writes its e-mails to files (Django's file backend); each message
carries its reminder kind and language in its headers."""

import ast
import datetime
import json
import time
from collections import Counter
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import test_worker as harness
from celery.result import EagerResult
from django.utils import timezone

from accounts.roles import Role
from config import celery_app
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
SEPARATOR = b"-" * 79 + b"\n"  # Django's file backend writes it after each message
SUBJECT_START = {"en": "Reminder:", "fr": "Rappel :", "nl": "Herinnering:"}


def sent_messages(mail_dir: Path) -> list:
    if not mail_dir.exists():
        return []
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(chunk) for path in sorted(mail_dir.glob("*.log"))
            for chunk in path.read_bytes().split(SEPARATOR) if chunk.strip()]


def summary(messages) -> Counter:
    """(to, kind, language) of each message, counted."""
    return Counter((str(m["To"]), str(m["X-Casework-Reminder"]), str(m["Content-Language"]))
                   for m in messages)


def worker_env(private_queue, mail_dir, **extra):
    return {"TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "TEST_EMAIL_FILE_PATH": str(mail_dir),
            # The sweep's fan-out goes to this test's queue, not the default one.
            "REMINDER_QUEUE": private_queue.name, **extra}


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


def sweeps_done(log_path: Path, results) -> bool:
    log = log_path.read_text(errors="replace")
    return all(f"reminders.tasks.reminders_sweep[{r.id}] succeeded" in log for r in results)


def queued_by(log_path: Path, result) -> dict[str, int]:
    """What a sweep returned (sends queued per kind), from the worker's log line
    "Task ...reminders_sweep[id] succeeded in 0.05s: {'kind': 3}"."""
    marker = f"reminders.tasks.reminders_sweep[{result.id}] succeeded in "
    line = next(line for line in log_path.read_text(errors="replace").splitlines()
                if marker in line)
    return ast.literal_eval(line.split(marker, 1)[1].split(": ", 1)[1])


def forget_unacked(queue_name: str) -> None:
    """A SIGKILLed worker leaves its message in Redis's unacked set, which
    kombu would put back on this (deleted) queue an hour later: drop it."""
    if not celery_app.conf.broker_url.startswith("redis://"):
        return
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        for tag, raw in client.hgetall("unacked").items():
            if json.loads(raw)[-1] == queue_name:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


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
        harness.wait_for(lambda: ReminderLog.objects.filter(state=State.SENT).count() == total,
                         worker=worker, log_path=log_path, what=f"{total} reminders sent")
        harness.wait_for(lambda: sweeps_done(log_path, first), worker=worker,
                         log_path=log_path, what="the first sweeps to finish")
        messages = sent_messages(mail_dir)
        assert summary(messages) == expected
        for message in messages:
            subject = str(message["Subject"]).strip()
            assert subject.startswith(SUBJECT_START[message["Content-Language"]]), subject
        assert [queued_by(log_path, result) for result in first] == [
            {DRAFT: 3}, {REFEREE: 3}, {REVIEW: 2}, {OFFER: 1}, {VISIT: 2}, {DOCUMENT: 1},
            {INACTIVE: 2}]

        again = sweep_through_the_broker(private_queue, *EVERY_KIND)
        harness.wait_for(lambda: sweeps_done(log_path, again), worker=worker,
                         log_path=log_path, what="the second sweeps to finish")
        assert [queued_by(log_path, result) for result in again] == [
            {kind: 0} for kind in EVERY_KIND]

    assert summary(sent_messages(mail_dir)) == expected
    assert ReminderLog.objects.count() == total


def test_a_worker_killed_mid_batch_leaves_every_reminder_sent_exactly_once(
        tasks_through_the_broker, private_queue, tmp_path):
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

    def sent() -> int:
        return ReminderLog.objects.filter(state=State.SENT).count()

    # A slow mail server (1 s per message): the kill lands while the worker
    # waits for it, mid-batch, with most of the batch still to send.
    slow = worker_env(private_queue, mail_dir, TEST_EMAIL_DELAY_SECONDS="1",
                      TEST_EMAIL_BACKEND="reminders.tests.mail.SlowFileServer")
    with harness.celery_worker(private_queue.name, first_log, **slow) as worker:
        sweep_through_the_broker(private_queue, DRAFT)
        deadline = time.monotonic() + harness.WORKER_DEADLINE
        while sent() < 3:
            if time.monotonic() > deadline or worker.poll() is not None:
                pytest.fail("No three reminders sent:\n" + first_log.read_text(errors="replace"))
            time.sleep(0.05)
        worker.kill()  # SIGKILL: no warm shutdown, no ack, no rollback message
        worker.wait(timeout=10)

    sent_before_restart = sent()
    assert 3 <= sent_before_restart < 30, "the kill did not land mid-batch"
    assert ReminderLog.objects.filter(state=State.PENDING).count() == 30 - sent_before_restart
    assert len(sent_messages(mail_dir)) == sent_before_restart

    # Restarted; the next hourly sweep queues what the killed worker held.
    restarted = worker_env(private_queue, mail_dir, REMINDER_REQUEUE_AFTER_MINUTES="0")
    with harness.celery_worker(private_queue.name, second_log, **restarted) as worker:
        sweep_through_the_broker(private_queue, DRAFT)
        harness.wait_for(lambda: sent() == 30, worker=worker, log_path=second_log,
                         what="all thirty reminders sent after the restart")
        time.sleep(1)  # a duplicate send still in the queue would be done by now

    assert summary(sent_messages(mail_dir)) == expected  # each exactly once
    assert ReminderLog.objects.count() == 30
    forget_unacked(private_queue.name)
