"""manage.py reminders_sweep: one sweep by hand; --dry-run sends and records nothing."""

from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from registry.factories import PersonFactory
from reminders import kinds, services
from reminders.models import ReminderLog

from .kinds import DAY, OFFICE, Escalation, FollowUp
from .test_mechanism import START

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(test_kinds):
    with time_machine.travel(START, tick=False):
        return PersonFactory(email="moussa.fall@example.org", preferred_language="fr")


def sweep(*args, capture=None):
    out = StringIO()
    with time_machine.travel(START + 15 * DAY, tick=False):
        if capture:
            with capture(execute=True):
                call_command("reminders_sweep", *args, stdout=out)
        else:
            call_command("reminders_sweep", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_what_would_be_sent_and_sends_and_records_nothing(
        person, django_capture_on_commit_callbacks):
    output = sweep("--kind", FollowUp.code, "--dry-run", capture=django_capture_on_commit_callbacks)
    assert f"{FollowUp.code}: 2 would be sent" in output
    assert "moussa.fall@example.org (fr)" in output and f"{OFFICE.email} (en)" in output
    assert "Dry run: nothing sent or recorded." in output
    assert ReminderLog.objects.count() == 0 and mail.outbox == []


def test_a_sweep_by_hand_claims_and_queues_the_due_reminders(person,
                                                            django_capture_on_commit_callbacks):
    output = sweep("--kind", FollowUp.code, capture=django_capture_on_commit_callbacks)
    assert f"{FollowUp.code}: 2 due, 2 newly claimed, 2 queued for sending." in output
    assert len(mail.outbox) == 2
    again = sweep("--kind", FollowUp.code, "--dry-run")
    assert f"{FollowUp.code}: 0 would be sent (2 due, 2 already claimed)" in again


def test_without_a_kind_every_declared_kind_is_swept(person):
    output = sweep("--dry-run")
    for code in (FollowUp.code, Escalation.code, "scholarships.draft_not_submitted",
                 "scholarships.referee_letter_missing"):
        assert f"{code}: " in output


def test_a_paused_kind_says_so_and_sends_nothing(person, django_capture_on_commit_callbacks):
    services.reminder_kind_pause(actor=None, code=FollowUp.code, paused=True,
                                 reason="New wording under review")
    output = sweep("--kind", FollowUp.code, capture=django_capture_on_commit_callbacks)
    assert f"{FollowUp.code}: paused by an administrator: nothing claimed, nothing sent." in output
    assert ReminderLog.objects.count() == 0 and mail.outbox == []


def test_an_unknown_kind_is_refused_with_the_known_ones(person):
    with pytest.raises(CommandError) as refused:
        sweep("--kind", "nope")
    known = ", ".join(sorted(kind.code for kind in kinds.all_kinds()))
    assert str(refused.value) == kinds.MSG_UNKNOWN_KIND % {"code": "nope", "known": known}
