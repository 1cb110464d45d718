"""The outbox: an e-mail is a row in the sender's transaction, delivered after
commit with a stable Message-ID, retried from the database when the mail
server refuses, and recovered when a worker died halfway."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outbox import services
from outbox.models import Attempt, Message, Outcome, State
from registry.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
LIST = "admin:outbox_message_changelist"


def decision(to="kwame.mensah@example.org", **kwargs):
    return EmailMessage("Your application", "You were selected.", to=[to], **kwargs)


def test_an_e_mail_in_a_transaction_that_rolls_back_leaves_no_row_and_no_e_mail(
        outbox_backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(RuntimeError), transaction.atomic():
        assert decision().send() == 1
        assert Message.objects.count() == 1  # in the transaction
        raise RuntimeError("the committee decision failed")
    assert Message.objects.count() == 0 and mail.outbox == [] and callbacks == []


def test_after_commit_it_is_delivered_with_its_message_id(
        outbox_backend, django_capture_on_commit_callbacks):
    email = EmailMultiAlternatives("Your application", "You were selected.",
                                   to=["kwame.mensah@example.org"], cc=["office@example.org"],
                                   headers={"Auto-Submitted": "auto-generated",
                                            "X-Casework-Kind": "decision"})
    email.attach_alternative("<p>You were selected.</p>", "text/html")
    email.attach("SCH-2027-00001.pdf", b"%PDF-1.4 summary", "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        email.send()
        assert mail.outbox == []  # not before the commit
    row = Message.objects.get()
    assert (row.state, row.attempts, row.kind) == (State.SENT, 1, "decision")
    assert row.sent_at is not None and row.next_attempt_at is None
    assert row.message_id.startswith(f"<outbox.{row.pk}.")
    assert row.message_id.endswith("@casework.example.org>")
    [sent] = mail.outbox
    assert sent.to == ["kwame.mensah@example.org"] and sent.cc == ["office@example.org"]
    message = sent.message()
    assert message["Message-ID"] == row.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert sent.alternatives[0][0] == "<p>You were selected.</p>"
    assert sent.attachments[0][:3] == ("SCH-2027-00001.pdf", b"%PDF-1.4 summary",
                                       "application/pdf")
    [attempt] = row.attempt_set.all()
    assert attempt.outcome == Outcome.SENT and attempt.finished_at is not None


def test_without_a_kind_header_the_kind_names_the_sending_module(
        outbox_backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decision().send()
    assert Message.objects.get().kind == __name__


def test_only_the_row_id_goes_on_the_broker(outbox_backend, django_capture_on_commit_callbacks):
    with mock.patch("outbox.tasks.message_send.delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        decision().send()
    row = Message.objects.get()
    delay.assert_called_once_with(row.pk)
    assert row.state == State.PENDING  # the worker has not taken it yet


def test_a_refusing_smtp_server_leaves_it_pending_and_the_sweep_sends_it_later(
        smtp_sink, settings, django_capture_on_commit_callbacks):
    smtp_sink.refuse = 1
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        decision().send()
    row = Message.objects.get()
    assert row.state == State.PENDING and row.attempts == 1
    assert "451" in row.last_error and "temporarily unavailable" in row.last_error
    assert row.next_attempt_at == NOW + datetime.timedelta(
        seconds=settings.OUTBOX_RETRY_BASE_SECONDS)
    assert row.attempt_set.get().outcome == Outcome.FAILED
    assert smtp_sink.message_ids() == []
    with time_machine.travel(NOW + datetime.timedelta(seconds=30), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_sweep() == 0  # not due yet
    later = row.next_attempt_at
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_sweep() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 2, "")
    assert smtp_sink.message_ids() == [row.message_id]
    assert list(row.attempt_set.values_list("outcome", flat=True)) == [Outcome.FAILED,
                                                                        Outcome.SENT]


def test_a_row_stuck_in_sending_is_sent_again_with_the_same_message_id(
        outbox_backend, settings, django_capture_on_commit_callbacks):
    with mock.patch("outbox.tasks.message_send.delay"), time_machine.travel(NOW, tick=False):
        decision().send()
    row = Message.objects.get()
    # A worker claims it, the server accepts it, the worker is killed.
    with time_machine.travel(NOW, tick=False):
        services._claim(row.pk, timezone.now())
        row.refresh_from_db()
        server = get_connection(settings.OUTBOX_DELIVERY_BACKEND)  # locmem, as the server
        row.as_email(connection=server).send()
    assert Message.objects.get().state == State.SENDING
    recover = datetime.timedelta(seconds=settings.OUTBOX_RECOVER_AFTER_SECONDS)
    with time_machine.travel(NOW + recover / 2, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_sweep() == 0  # its worker may still be talking
        assert services.message_deliver(row.pk) == services.SKIPPED
    with time_machine.travel(NOW + recover, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_sweep() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 2)
    first, second = mail.outbox
    assert first.message()["Message-ID"] == second.message()["Message-ID"] == row.message_id
    assert list(row.attempt_set.values_list("outcome", flat=True)) == [Outcome.INTERRUPTED,
                                                                        Outcome.SENT]


def test_delivering_twice_sends_once(outbox_backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decision().send()
    row = Message.objects.get()
    assert services.message_deliver(row.pk) == services.SKIPPED
    assert len(mail.outbox) == 1 and Attempt.objects.count() == 1


def test_the_backoff_doubles_up_to_the_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 60, 3600
    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3, 6, 7, 20)] == [
        60, 120, 240, 1920, 3600, 3600]


def test_a_message_id_is_stable_and_not_guessable_from_the_number(outbox_backend):
    row = Message.objects.create(to=["a@example.org"], next_attempt_at=timezone.now())
    assert row.message_id == Message.objects.get(pk=row.pk).message_id
    other = Message.objects.create(to=["a@example.org"], next_attempt_at=timezone.now())
    assert row.message_id.split(".")[2] != other.message_id.split(".")[2]


# --- the admin -----------------------------------------------------------------------------

@pytest.fixture
def refused(smtp_sink, django_capture_on_commit_callbacks):
    smtp_sink.refuse = 1
    with django_capture_on_commit_callbacks(execute=True):
        decision(headers={"X-Casework-Kind": "decision"}).send()
    return Message.objects.get()


def operator(*codenames):
    user = UserFactory(username="mail-operator", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="outbox",
                                                        codename__in=codenames))
    return user


def test_the_list_shows_state_recipients_attempts_and_error(client, refused,
                                                            django_assert_max_num_queries):
    client.force_login(operator("view_message"))
    with django_assert_max_num_queries(12):
        html = client.get(reverse(LIST)).content.decode()
    assert "kwame.mensah@example.org" in html and "Your application" in html
    assert "temporarily unavailable" in html


def test_the_body_is_shown_to_superusers_only(client, refused):
    url = reverse("admin:outbox_message_change", args=[refused.pk])
    client.force_login(operator("view_message"))
    html = client.get(url).content.decode()
    assert "temporarily unavailable" in html and "You were selected." not in html
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert "You were selected." in client.get(url).content.decode()


def test_retry_now_sends_a_pending_e_mail_and_leaves_a_sent_one(
        client, refused, smtp_sink, django_capture_on_commit_callbacks):
    with mock.patch("outbox.tasks.message_send.delay"):
        decision(to="sent@example.org").send()
    sent = Message.objects.exclude(pk=refused.pk).get()
    Message.objects.filter(pk=sent.pk).update(state=State.SENT, sent_at=timezone.now(),
                                              next_attempt_at=None)
    client.force_login(operator("view_message", "retry_message"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(LIST), {"action": "retry_now",
                                               "_selected_action": [refused.pk, sent.pk]},
                               follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["1 e-mail was queued to be sent now.",
                     "1 selected e-mail was sent or being sent and was left as it is."]
    refused.refresh_from_db()
    assert refused.state == State.SENT and smtp_sink.message_ids() == [refused.message_id]


def test_nobody_changes_or_deletes_an_e_mail_and_without_the_permission_none_is_retried(
        client, refused, django_capture_on_commit_callbacks):
    client.force_login(operator("view_message"))
    url = reverse("admin:outbox_message_change", args=[refused.pk])
    client.post(url, {"subject": "changed"})
    assert client.get(reverse("admin:outbox_message_delete", args=[refused.pk])).status_code \
        == 403
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(LIST), {"action": "retry_now", "_selected_action": [refused.pk]})
    refused.refresh_from_db()
    assert refused.subject == "Your application" and refused.state == State.PENDING
    assert refused.attempts == 1


def test_staff_without_the_permission_cannot_open_the_outbox(client, refused):
    client.force_login(UserFactory(username="clerk", is_staff=True))
    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse("admin:outbox_message_change",
                              args=[refused.pk])).status_code == 403
