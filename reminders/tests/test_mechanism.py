"""The mechanism, with the two test kinds of kinds.py: claiming, sending once,
failures and retries, the pause, the catch-up after a stop, and the shapes
"every 5 days, after the second also to the office" and "escalation after 45
days" expressed without changing the mechanism."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, OperationalError, transaction

from outbox.models import Message
from outbox.models import State as OutboxState
from outbox.services import outbox_sweep
from registry.factories import PersonFactory
from reminders import services
from reminders.models import ReminderEvent, ReminderLog
from reminders.tasks import reminder_send, reminders_sweep
from reminders.workflow import State

from .kinds import CASEWORKER, DAY, OFFICE, SUPERVISOR, Escalation, FollowUp

pytestmark = pytest.mark.django_db

START = datetime.datetime(2027, 2, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def person(test_kinds):
    with time_machine.travel(START, tick=False):
        return PersonFactory(email="Aminata.Diallo@Example.org", preferred_language="fr",
                             given_names="Aminata", family_name="Diallo")


def sweep_at(moment, code=FollowUp.code, capture=None, **kwargs):
    """A sweep at `moment`; its sends run after commit as in production."""
    with time_machine.travel(moment, tick=False):
        if capture is None:
            return services.reminder_sweep(kind=code, **kwargs)
        with capture(execute=True):
            return services.reminder_sweep(kind=code, **kwargs)


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


# --- claiming and sending once --------------------------------------------------------------

def test_nothing_is_due_before_the_first_moment(person, django_capture_on_commit_callbacks):
    result = sweep_at(START + 5 * DAY - datetime.timedelta(seconds=1),
                      capture=django_capture_on_commit_callbacks)
    assert result.due == [] and ReminderLog.objects.count() == 0 and mail.outbox == []


def test_a_due_reminder_is_claimed_and_sent_once_in_the_recipients_language(
        person, django_capture_on_commit_callbacks):
    result = sweep_at(START + 5 * DAY, capture=django_capture_on_commit_callbacks)
    assert result.queued == 1
    log = ReminderLog.objects.get()
    assert (log.kind, log.object_id, log.recipient, log.language, log.due_at) == (
        FollowUp.code, person.pk, "aminata.diallo@example.org", "fr", START + 5 * DAY)
    assert log.state == State.SENT and log.attempts == 1 and log.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["aminata.diallo@example.org"]
    assert message.subject == f"Follow-up {person.pk} [fr]"
    assert message.body == "Dear Aminata Diallo, this is about Aminata Diallo [fr]."
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.extra_headers["X-Casework-Reminder"] == FollowUp.code
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert list(log.events.values_list("from_state", "to_state")) == [(State.PENDING,
                                                                         State.SENT)]


def test_sweeping_again_sends_nothing_more(person, django_capture_on_commit_callbacks):
    for hours in (0, 1, 2, 23):
        sweep_at(START + 5 * DAY + datetime.timedelta(hours=hours),
                 capture=django_capture_on_commit_callbacks)
    assert ReminderLog.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_send_task_run_twice_sends_once(person, django_capture_on_commit_callbacks):
    sweep_at(START + 5 * DAY, capture=django_capture_on_commit_callbacks)
    log = ReminderLog.objects.get()
    assert reminder_send.delay(log.pk).get() == services.ALREADY_DONE
    assert services.reminder_send(log_id=log.pk) == services.ALREADY_DONE
    assert len(mail.outbox) == 1


def test_the_database_refuses_a_second_row_for_the_same_reminder(person):
    sweep_at(START + 5 * DAY)  # claimed; the send is not run
    log = ReminderLog.objects.get()
    copy = {field.attname: getattr(log, field.attname) for field in log._meta.concrete_fields
            if field.name != "id"}
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(**copy)
    assert ReminderLog.objects.count() == 1


def test_the_same_address_in_other_capitals_is_the_same_reminder(person):
    sweep_at(START + 5 * DAY)
    person.email = "AMINATA.DIALLO@example.org"
    person.save()
    result = sweep_at(START + 5 * DAY + datetime.timedelta(hours=1))
    assert len(result.due) == 1 and result.new == []
    assert ReminderLog.objects.count() == 1


# --- the shapes of later kinds ----------------------------------------------------------------

def test_every_five_days_and_after_the_second_also_to_the_office(
        person, django_capture_on_commit_callbacks):
    expected = {
        4: [],
        5: [person.email.lower()],
        9: [],
        10: [person.email.lower()],
        14: [],
        15: [person.email.lower(), OFFICE.email],
        20: [person.email.lower(), OFFICE.email],
    }
    for day, addresses in expected.items():
        mail.outbox.clear()
        sweep_at(START + day * DAY, capture=django_capture_on_commit_callbacks)
        assert sent_to() == sorted(addresses), f"day {day}"
    due = sorted(ReminderLog.objects.values_list("recipient", "due_at"))
    assert due == sorted([
        (person.email.lower(), START + 5 * DAY), (person.email.lower(), START + 10 * DAY),
        (person.email.lower(), START + 15 * DAY), (OFFICE.email, START + 15 * DAY),
        (person.email.lower(), START + 20 * DAY), (OFFICE.email, START + 20 * DAY)])


def test_after_a_stop_only_the_latest_occurrence_is_sent(person,
                                                          django_capture_on_commit_callbacks):
    """The system was down from day 4 to day 17: day 15's reminders go, not
    day 5's or day 10's."""
    sweep_at(START + 17 * DAY, capture=django_capture_on_commit_callbacks)
    assert sorted(ReminderLog.objects.values_list("recipient", "due_at")) == sorted([
        (person.email.lower(), START + 15 * DAY), (OFFICE.email, START + 15 * DAY)])


def test_escalation_to_the_supervisor_after_45_days(person, django_capture_on_commit_callbacks):
    expected = {29: [], 30: [CASEWORKER.email], 44: [], 45: [SUPERVISOR.email], 60: []}
    for day, addresses in expected.items():
        mail.outbox.clear()
        sweep_at(START + day * DAY, Escalation.code, capture=django_capture_on_commit_callbacks)
        assert sent_to() == addresses, f"day {day}"
    languages = dict(ReminderLog.objects.values_list("recipient", "language"))
    assert languages == {CASEWORKER.email: "fr", SUPERVISOR.email: "nl"}


# --- no longer due, lost tasks --------------------------------------------------------------

def test_a_reminder_no_longer_due_when_its_turn_comes_is_not_sent(person):
    sweep_at(START + 5 * DAY)
    other = PersonFactory()
    person.merged_into = other
    person.save()
    log = ReminderLog.objects.get()
    assert services.reminder_send(log_id=log.pk) == services.SKIPPED
    log.refresh_from_db()
    assert log.state == State.SKIPPED and log.sent_at is None and mail.outbox == []
    assert log.events.get().reason == str(services.MSG_NO_LONGER_DUE)


def test_a_reminder_whose_task_was_lost_is_queued_again_after_the_delay(
        person, settings, django_capture_on_commit_callbacks):
    """The first sweep's sends never ran (a worker killed before it took them):
    the row stays pending; a sweep soon after leaves it to the task in the
    queue, one after REMINDER_REQUEUE_AFTER_MINUTES queues it again."""
    settings.REMINDER_REQUEUE_AFTER_MINUTES = 30
    moment = START + 5 * DAY
    sweep_at(moment)  # on_commit callbacks not run: the task is lost
    assert ReminderLog.objects.get().state == State.PENDING
    soon = sweep_at(moment + datetime.timedelta(minutes=29),
                    capture=django_capture_on_commit_callbacks)
    assert soon.queued == 0 and mail.outbox == []
    later = sweep_at(moment + datetime.timedelta(minutes=30),
                     capture=django_capture_on_commit_callbacks)
    assert later.queued == 1
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.get().state == State.SENT


# --- failures and retries ------------------------------------------------------------------

def test_a_refusing_mail_server_leaves_the_reminder_sent_and_the_outbox_retries(
        person, flaky_server, settings, django_capture_on_commit_callbacks):
    """The reminder is sent when its e-mail is in the outbox; the outbox owns
    the retries of a mail server that refuses (outbox/)."""
    flaky_server.failures = 1
    sweep_at(START + 5 * DAY, capture=django_capture_on_commit_callbacks)
    log = ReminderLog.objects.get()
    assert log.state == State.SENT and log.attempts == 1
    message = Message.objects.get()
    assert message.kind == f"reminder:{FollowUp.code}" and message.to == [log.recipient]
    assert message.state == OutboxState.PENDING
    assert message.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert mail.outbox == []
    later = START + 5 * DAY + datetime.timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)
    with time_machine.travel(later, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep(now=later) == 1
    [delivered] = mail.outbox
    assert delivered.extra_headers["X-Casework-Reminder-Id"] == str(log.pk)
    assert delivered.extra_headers["Message-ID"] == message.message_id
    assert services.reminder_send(log_id=log.pk) == services.ALREADY_DONE


def test_a_reminder_s_delivery_goes_to_the_reminders_queue(
        person, settings, django_capture_on_commit_callbacks):
    """A burst of reminders on their own queue never delays a sign-up e-mail,
    their deliveries included."""
    settings.REMINDER_QUEUE = "reminders"
    with mock.patch("outbox.tasks.message_send.apply_async") as publish:
        sweep_at(START + 5 * DAY, capture=django_capture_on_commit_callbacks)
    row = Message.objects.get()
    assert row.queue == "reminders" and row.state == OutboxState.PENDING
    publish.assert_called_once_with((row.pk,), queue="reminders")


def test_a_failed_reminder_is_queued_again_by_the_next_sweep(
        person, render_fails, settings, django_capture_on_commit_callbacks):
    """Not left failed for good: its retry lives in the database, not the broker."""
    render_fails.failures = 1
    sweep_at(START + 5 * DAY, capture=django_capture_on_commit_callbacks)
    log = ReminderLog.objects.get()
    assert log.state == State.FAILED and log.attempts == 1 and "TemplateSyntaxError" in (
        log.last_error)
    assert mail.outbox == [] and Message.objects.count() == 0
    sweep_at(START + 5 * DAY + datetime.timedelta(
        minutes=settings.REMINDER_REQUEUE_AFTER_MINUTES),
             capture=django_capture_on_commit_callbacks)
    log.refresh_from_db()
    assert (log.state, log.attempts) == (State.SENT, 2)
    assert len(mail.outbox) == 1 and Message.objects.get().state == OutboxState.SENT
    assert list(log.events.values_list("to_state", flat=True)) == [State.FAILED, State.SENT]


def test_a_send_task_that_loses_its_database_is_retried(person, monkeypatch):
    sweep_at(START + 5 * DAY)
    log = ReminderLog.objects.get()
    real, calls = services.reminder_send, []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(services, "reminder_send", flaky)
    # throw=False: a Retry re-runs the task in-process, as a worker would later.
    assert reminder_send.apply(args=(log.pk,), throw=False).get() == services.SENT
    log.refresh_from_db()
    assert (log.state, log.attempts) == (State.SENT, 1) and len(calls) == 2


def test_retry_queues_only_failed_reminders(person, render_fails, django_user_model,
                                            django_capture_on_commit_callbacks):
    sweep_at(START + 15 * DAY)  # two reminders: the person and the office
    failed, other = ReminderLog.objects.order_by("id")
    render_fails.failures = 1
    assert services.reminder_send(log_id=failed.pk) == services.FAILED_TO_RENDER
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_send(log_id=other.pk)
    actor = django_user_model.objects.create(username="office")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminder_retry(actor=actor, log_ids=[failed.pk, other.pk]) == 1
    failed.refresh_from_db()
    assert failed.state == State.SENT
    assert len(mail.outbox) == 2
    retried = ReminderEvent.objects.get(log=failed, to_state=State.PENDING)
    assert retried.actor == actor and retried.reason == str(services.MSG_RETRIED)


def test_a_template_that_does_not_render_is_recorded_as_the_error(person, test_kinds):
    follow_up, _escalation = test_kinds
    sweep_at(START + 5 * DAY)
    log = ReminderLog.objects.get()
    follow_up.template = "tests/missing"
    try:
        assert services.reminder_send(log_id=log.pk) == services.FAILED_TO_RENDER
    finally:
        follow_up.template = FollowUp.template
    log.refresh_from_db()
    assert log.state == State.FAILED and "TemplateDoesNotExist" in log.last_error
    assert "tests/missing_subject.txt" in log.last_error and Message.objects.count() == 0


# --- pause and dry run -----------------------------------------------------------------------

def test_a_paused_kind_claims_and_sends_nothing(person, django_capture_on_commit_callbacks):
    services.reminder_kind_pause(actor=None, code=FollowUp.code, paused=True,
                                 reason="Wrong text in the e-mail")
    result = sweep_at(START + 5 * DAY, capture=django_capture_on_commit_callbacks)
    assert result.paused and result.queued == 0
    assert ReminderLog.objects.count() == 0 and mail.outbox == []


def test_a_send_queued_before_the_pause_waits_for_the_resume(
        person, settings, django_capture_on_commit_callbacks):
    settings.REMINDER_REQUEUE_AFTER_MINUTES = 0
    sweep_at(START + 5 * DAY)
    log = ReminderLog.objects.get()
    services.reminder_kind_pause(actor=None, code=FollowUp.code, paused=True, reason="Check")
    assert services.reminder_send(log_id=log.pk) == services.PAUSED
    log.refresh_from_db()
    assert log.state == State.PENDING and mail.outbox == []
    services.reminder_kind_pause(actor=None, code=FollowUp.code, paused=False)
    sweep_at(START + 5 * DAY + datetime.timedelta(hours=1),
             capture=django_capture_on_commit_callbacks)
    log.refresh_from_db()
    assert log.state == State.SENT and len(mail.outbox) == 1


def test_a_dry_run_lists_what_is_due_and_records_nothing(person,
                                                        django_capture_on_commit_callbacks):
    result = sweep_at(START + 15 * DAY, capture=django_capture_on_commit_callbacks,
                      dry_run=True)
    assert sorted(item.recipient.email.lower() for item in result.new) == sorted(
        [person.email.lower(), OFFICE.email])
    assert ReminderLog.objects.count() == 0 and mail.outbox == []


def test_the_sweep_task_sweeps_every_declared_kind(person, django_capture_on_commit_callbacks):
    with time_machine.travel(START + 45 * DAY, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        queued = reminders_sweep.delay().get()
    assert queued[FollowUp.code] == 2 and queued[Escalation.code] == 2
    assert len(mail.outbox) == 4
