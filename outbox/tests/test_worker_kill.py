"""A real Celery worker, the real broker (Redis in CI) and a real SMTP server:
200 e-mails, the worker killed with SIGKILL again and again mid-work, the
sweep (run here, as beat would) recovering what it left. Nothing may be
missing or stuck; duplicates (the same Message-ID received twice: the server
accepted, the worker died before recording it) are counted and printed."""

import collections
import time

import pytest
from django.core.mail import EmailMessage
from django.db import transaction

from outbox import services
from outbox.models import Message, State
from outbox.tasks import message_send
from tests.test_worker import (  # noqa: F401 - fixtures
    celery_worker,
    private_queue,
    tasks_through_the_broker,
)

from .sink import Sink

COUNT = 200
KILLS = 5
# Seconds: the kills stop at KILL_PHASE; the last worker then has until
# HARD_LIMIT to finish (about 40 s in all on an idle 2-core machine; the
# margin is for a loaded one).
KILL_PHASE = 25
HARD_LIMIT = 110


def wait_ready(worker, log_path, deadline):
    while time.monotonic() < deadline:
        if log_path.exists() and b" ready." in log_path.read_bytes():
            return True
        if worker.poll() is not None:
            pytest.fail("The worker exited:\n" + log_path.read_text(errors="replace"))
        time.sleep(0.1)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_again_and_again_loses_no_e_mail(
        tasks_through_the_broker, private_queue, tmp_path, settings, monkeypatch):  # noqa: F811
    started = time.monotonic()
    deadline = started + HARD_LIMIT
    settings.OUTBOX_RECOVER_AFTER_SECONDS = 2
    settings.OUTBOX_RETRY_BASE_SECONDS = 1
    settings.OUTBOX_RETRY_MAX_SECONDS = 2

    def enqueue(ids, queue=""):  # the row id only, to this test's own queue
        for pk in ids:
            message_send.apply_async((pk,), queue=private_queue)

    monkeypatch.setattr(services, "_enqueue", enqueue)

    with Sink() as sink:
        sink.handler.delay = 0.01  # a little time inside the SMTP conversation
        env = {
            "TEST_OUTBOX_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "OUTBOX_RECOVER_AFTER_SECONDS": "2",
            "OUTBOX_RETRY_BASE_SECONDS": "1",
            "OUTBOX_RETRY_MAX_SECONDS": "2",
        }
        with transaction.atomic():
            for i in range(COUNT):
                services.message_queue(EmailMessage(
                    f"Test {i}", "Hello", to=[f"person{i}@example.org"]), kind="test")

        def left():
            return Message.objects.exclude(state=State.SENT).count()

        kills = 0
        while kills < KILLS and left() and time.monotonic() < started + KILL_PHASE:
            log_path = tmp_path / f"worker-{kills}.log"
            with celery_worker(private_queue.name, log_path, **env) as worker:
                assert wait_ready(worker, log_path, deadline), log_path.read_text()
                time.sleep(0.5)
                worker.kill()  # SIGKILL: no warm shutdown, no ack, no result
                worker.wait(timeout=10)
            kills += 1
            services.outbox_sweep()

        log_path = tmp_path / "worker-last.log"
        with celery_worker(private_queue.name, log_path, **env) as worker:
            wait_ready(worker, log_path, deadline)
            while left() and time.monotonic() < deadline:
                services.outbox_sweep()
                time.sleep(0.5)
        received = collections.Counter(sink.handler.message_ids())

    rows = list(Message.objects.all())
    expected = {row.message_id for row in rows}
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    missing = [row.pk for row in rows if row.message_id not in received]
    stuck = [row.pk for row in rows if row.state != State.SENT]
    attempts = sum(row.attempts for row in rows)
    print(f"\noutbox under SIGKILL: {COUNT} e-mails, {kills} kills, {attempts} attempts, "
          f"{duplicates} duplicates, {len(missing)} missing, {len(stuck)} stuck, "
          f"{time.monotonic() - started:.1f} s")
    assert kills >= 3
    assert set(received) <= expected  # nothing else was sent
    assert missing == [] and stuck == []
