"""A real Celery worker process takes a task from the real broker (Redis in CI,
the embedded filesystem broker on a laptop without Redis) and writes to the
test database.

E-mails take the production path: the worker's EMAIL_BACKEND is the outbox
(outbox/), so a task's e-mail is an outbox.Message row written in the task's
transaction, whose delivery (outbox.tasks.message_send) the worker takes from
the same private queue and hands to Django's file backend
(OUTBOX_DELIVERY_BACKEND). A test checks the rows reach "sent" and the files
hold each row's Message-ID exactly once."""

import ast
import datetime
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from kombu import Exchange, Queue

from accounts.tasks import email_send
from config import celery_app
from outbox.models import Message
from outbox.models import State as MessageState
from outbox.tasks import outbox_sweep
from registry.factories import PersonFactory
from registry.models import DuplicateCandidate
from registry.tasks import duplicates_flag_sweep
from scholarships import steps
from scholarships.factories import CompleteApplicationFactory, RefereeFactory
from scholarships.models import Application, Referee
from scholarships.tasks import referee_invitation_send, submission_confirmation_send
from scholarships.workflow import State

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WORKER_DEADLINE = 30  # seconds for the worker to start, take the task and commit
# One node name for every run, so the remote-control bindings it leaves in the
# broker do not pile up; the queue, not the node, keeps runs apart. Under
# pytest-xdist one name per xdist worker (gw0, gw1): two workers running at
# once never share a remote-control queue.
WORKER_HOSTNAME = f"casework-tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}@%h"
OUTBOX = "outbox.backends.OutboxBackend"
FILES = "django.core.mail.backends.filebased.EmailBackend"
SEPARATOR = b"-" * 79 + b"\n"  # Django's file backend writes it after each message


def worker_database_url() -> str:
    """DATABASE_URL for the worker: the database this test run created, not the
    one in the environment."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            pytest.fail("The SQLite test database is in memory; a worker process cannot "
                        "open it (config.settings.test gives it a file).")
        return "sqlite:///" + name
    if connection.vendor == "postgresql":
        host = db["HOST"] or ""
        host = quote(host, safe="") if host.startswith("/") else host  # socket folder
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        port = f":{db['PORT']}" if db["PORT"] else ""
        # The worker's settings set the binding options themselves.
        options = {k: v for k, v in (db.get("OPTIONS") or {}).items()
                   if isinstance(v, str | int) and not isinstance(v, bool)}
        query = f"?{urlencode(options)}" if options else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}{query}"
    pytest.fail(f"No DATABASE_URL recipe for {db['ENGINE']}")


@pytest.fixture
def tasks_through_the_broker():
    """The test settings run tasks eagerly, in-process; here .delay() must
    really publish."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield celery_app
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def private_queue():
    """A queue used by this test only: a message left over from an earlier run
    (or one meant for a developer's own worker on the same Redis) is never taken,
    and this test's message can go to no other worker."""
    name = f"casework-test-{uuid.uuid4().hex[:12]}"
    # The same queue the worker declares for `-Q name` (celery's missing-queue rule).
    queue = Queue(name, Exchange(name, type="direct"), routing_key=name)
    yield queue
    forget_unacked(name)
    with celery_app.connection_for_write() as conn:
        bound = queue(conn.default_channel)
        bound.declare()  # records the binding in this channel, so delete() removes it
        bound.purge()
        bound.delete()
    options = celery_app.conf.broker_transport_options or {}
    if celery_app.conf.broker_url.startswith("filesystem://") and "control_folder" in options:
        (Path(options["control_folder"]) / f"{name}.exchange").unlink(missing_ok=True)


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


@pytest.fixture
def default_queue_is_private(private_queue):
    """What this process publishes without naming a queue (an outbox row's
    delivery queued after a commit here) goes to the private queue too."""
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = private_queue.name
    yield private_queue
    celery_app.conf.task_default_queue = previous


def outbox_env(mail_dir: Path, **extra: str) -> dict[str, str]:
    """The worker's settings for the production e-mail path: every e-mail an
    outbox row, delivered by the worker into files under mail_dir."""
    return {"TEST_EMAIL_BACKEND": OUTBOX, "TEST_OUTBOX_DELIVERY_BACKEND": FILES,
            "TEST_EMAIL_FILE_PATH": str(mail_dir), **extra}


def delivered(mail_dir: Path) -> list:
    """Every message the file backend wrote, parsed; a message cut short by a
    SIGKILL during the write (no separator after it) was never delivered."""
    if not mail_dir.exists():
        return []
    parser = BytesParser(policy=policy.default)
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        chunks = path.read_bytes().split(SEPARATOR)
        messages += [parser.parsebytes(chunk) for chunk in chunks[:-1] if chunk.strip()]
    return messages


def delivered_ids(mail_dir: Path) -> Counter:
    return Counter(str(message["Message-ID"]) for message in delivered(mail_dir))


def all_sent() -> bool:
    return (Message.objects.exists()
            and not Message.objects.exclude(state=MessageState.SENT).exists())


def assert_each_row_delivered_once(mail_dir: Path) -> list:
    """Every outbox row sent, its Message-ID in the files exactly once, and
    nothing else in the files. Returns the delivered messages."""
    rows = list(Message.objects.all())
    assert rows
    assert [row.pk for row in rows if row.state != MessageState.SENT] == []
    assert delivered_ids(mail_dir) == Counter({row.message_id: 1 for row in rows})
    return delivered(mail_dir)


@contextmanager
def celery_worker(queue_name: str, log_path: Path, **extra_env: str):
    env = {
        **os.environ,
        # What the worker's own tasks publish without naming a queue (an outbox
        # row's delivery, a lapse's e-mails) stays on this test's queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue_name,
        **extra_env,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": worker_database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool", "solo", "--concurrency", "1", "-Q", queue_name,
        "--hostname", WORKER_HOSTNAME, "--loglevel", "INFO",
        # Alone on its queue: no need to wait for other workers at start-up.
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            yield worker
        finally:
            worker.terminate()  # warm shutdown: finishes the task in hand
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)


def returned(log_path: Path, result):
    """What a task run by the worker returned, from its log line
    "Task name[id] succeeded in 0.05s: 3"; None while it has not."""
    marker = f"[{result.id}] succeeded in "
    for line in log_path.read_text(errors="replace").splitlines():
        if marker in line:
            return ast.literal_eval(line.split(marker, 1)[1].split(": ", 1)[1])
    return None


def wait_for(condition, *, worker, log_path: Path, what: str):
    deadline = time.monotonic() + WORKER_DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(f"The worker exited ({worker.returncode}) before {what}:\n"
                        + log_path.read_text(errors="replace"))
        time.sleep(0.25)
    pytest.fail(f"No {what} after {WORKER_DEADLINE} s. Worker log:\n"
                + log_path.read_text(errors="replace"))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_duplicates_sweep_sent_through_the_broker_is_run_by_a_real_worker(
    tasks_through_the_broker, private_queue, tmp_path
):
    broker_url = celery_app.conf.broker_url
    if os.environ.get("REDIS_URL") or IN_CI:
        assert broker_url.startswith("redis://"), broker_url
    else:
        assert broker_url.startswith("filesystem://"), broker_url

    # The same person typed twice: the nightly sweep must pair them. Factories
    # save directly, so nothing is flagged until the task runs.
    born = datetime.date(1994, 3, 12)
    first = PersonFactory(country="SN", given_names="Aminata", family_name="Diallo",
                          birth_date=born)
    second = PersonFactory(country="SN", given_names="Aminata", family_name="Diallo",
                           birth_date=born)
    PersonFactory(country="SN", given_names="Fatou", family_name="Sow", birth_date=born)
    assert not DuplicateCandidate.objects.exists()

    log_path = tmp_path / "worker.log"
    with celery_worker(private_queue.name, log_path) as worker:
        result = duplicates_flag_sweep.apply_async(queue=private_queue)
        assert not isinstance(result, EagerResult), "the task ran in-process, not in the worker"
        wait_for(DuplicateCandidate.objects.exists, worker=worker, log_path=log_path,
                 what="duplicate flagged by the worker")

    candidate = DuplicateCandidate.objects.get()
    assert (candidate.person_a_id, candidate.person_b_id) == tuple(sorted([first.pk, second.pk]))
    assert candidate.reason == DuplicateCandidate.Reason.NAME_AND_BIRTH
    assert candidate.status == DuplicateCandidate.Status.OPEN
    log = log_path.read_text(errors="replace")
    assert f"registry.tasks.duplicates_flag_sweep[{result.id}] received" in log, log


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_every_e_mail_task_is_sent_by_a_real_worker_through_the_outbox(
    tasks_through_the_broker, private_queue, tmp_path
):
    """A referee's invitation, a submission's confirmation with its PDF, and
    an accounts.tasks.email_send left in the queue by the release before the
    outbox (kept for those only): each becomes an outbox row in the worker,
    delivered by the worker from the private queue, once."""
    application = CompleteApplicationFactory(applicant__email="kwame.mensah@example.org")
    Application.objects.filter(pk=application.pk).update(
        state=State.SUBMITTED, reference="SCH-2026-00077",
        submitted_at=datetime.datetime.now(datetime.UTC),
        submitted_snapshot=steps.snapshot(application))
    referee = RefereeFactory(application=application, email="o.sy@ucad.example.org")
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"

    with celery_worker(private_queue.name, log_path, **outbox_env(mail_dir)) as worker:
        referee_invitation_send.apply_async((referee.pk,), queue=private_queue)
        submission_confirmation_send.apply_async((application.pk,), queue=private_queue)
        email_send.apply_async(kwargs={"subject": "Confirm your account", "body": "Hello",
                                       "to": ["new.applicant@example.org"]},
                               queue=private_queue)
        wait_for(lambda: Referee.objects.filter(pk=referee.pk, invited_at__isnull=False)
                 .exists() and Application.objects.filter(
                     pk=application.pk, confirmation_sent_at__isnull=False).exists()
                 and Message.objects.count() == 3 and all_sent(),
                 worker=worker, log_path=log_path, what="three e-mails delivered by the worker")

    messages = assert_each_row_delivered_once(mail_dir)
    by_recipient = {str(message["To"]): message for message in messages}
    assert sorted(by_recipient) == ["kwame.mensah@example.org", "new.applicant@example.org",
                                    "o.sy@ucad.example.org"]
    confirmation = by_recipient["kwame.mensah@example.org"]
    assert [part.get_filename() for part in confirmation.iter_attachments()] == [
        "SCH-2026-00077.pdf"]
    assert str(by_recipient["new.applicant@example.org"]["Subject"]) == "Confirm your account"
    # On the default queue (blank), which the worker's settings make this test's.
    assert set(Message.objects.values_list("queue", flat=True)) == {""}
    log = log_path.read_text(errors="replace")
    assert log.count("outbox.tasks.message_send[") >= 3, log


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_sign_up_e_mail_is_an_outbox_row_delivered_by_a_real_worker(
    tasks_through_the_broker, default_queue_is_private, client, settings, tmp_path
):
    """The sign-up form writes its confirmation e-mail to the outbox in the
    sign-up's transaction; after the commit only the row's id goes on the
    broker; the worker delivers it, and the link in it opens the account."""
    settings.EMAIL_BACKEND = OUTBOX  # this process: as in production
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"

    with celery_worker(default_queue_is_private.name, log_path,
                       **outbox_env(mail_dir)) as worker:
        response = client.post(reverse("accounts:signup"), {
            "given_names": "Abena", "family_name": "Owusu-Ansah",
            "birth_date": "1999-04-21", "email": "abena.owusu@example.org",
            "password1": "correct horse 47 battery", "password2": "correct horse 47 battery",
            "preferred_language": "fr", "privacy_consent": "on",
        })
        assert response.status_code == 302, response.context and response.context["form"].errors
        row = Message.objects.get()
        assert row.to == ["abena.owusu@example.org"] and row.kind == "accounts.signup_confirm"
        wait_for(all_sent, worker=worker, log_path=log_path,
                 what="the sign-up e-mail delivered by the worker")

    [message] = assert_each_row_delivered_once(mail_dir)
    assert str(message["To"]) == "abena.owusu@example.org"
    body = message.get_content()
    assert "/accounts/confirm/" in body
    link = re.search(r"https?://[^/\s]+(/accounts/confirm/[^/\s]+/)", body).group(1)
    user = get_user_model().objects.get(username="abena.owusu@example.org")
    assert not user.is_active
    client.post(link)
    user.refresh_from_db()
    assert user.is_active
    log = log_path.read_text(errors="replace")
    assert "outbox.tasks.message_send[" in log, log


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_lapse_sweep_and_the_award_e_mails_run_in_a_real_worker(
    tasks_through_the_broker, private_queue, tmp_path
):
    """The hourly sweep finds an overdue offer and fans out one lapse task; the
    lapse gives the place to the reserve candidate, whose offer e-mail and the
    office's notice are tasks the worker itself enqueues after commit; a
    reviewer's assignment e-mail; and a not-selected candidate's decision."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role
    from scholarships import services
    from scholarships.factories import (
        CallFactory,
        admin_user,
        eligible_application,
        offered_application,
        ranked_application,
        reviewer,
    )
    from scholarships.models import ApplicationTransition, AwardOffer, ReviewAssignment
    from scholarships.tasks import (
        application_outcome_notify,
        award_offers_lapse_sweep,
        review_assignment_notify,
    )

    for role in Role.values:  # an earlier transactional test may have flushed them
        Group.objects.get_or_create(name=role)
    # The setup's own e-mails run in-process; only what follows goes to the worker.
    celery_app.conf.task_always_eager = True
    admin = admin_user(email="office@example.org")
    call = CallFactory(quota=1, reviewers_per_application=1)
    lapsing, offer = offered_application(admin=admin, call=call, percents=(95,))
    reserve = ranked_application(admin=admin, call=call, percents=(70,),
                                 applicant__email="next.in.line@example.org")
    refused = ranked_application(admin=admin, call=call, percents=(40,),
                                 applicant__email="not.this.time@example.org",
                                 applicant__preferred_language="en")
    services.committee_decide(actor=admin, call=call, held_on=datetime.date.today(),
                              members_present="A. Diop", rationale="Reserve list",
                              decisions=[services.Decision(reserve.pk, State.RESERVE,
                                                           State.RANKED),
                                         services.Decision(refused.pk, State.NOT_SELECTED,
                                                           State.RANKED)])
    # The decision's e-mail went in-process; the worker sends it again below.
    decision = ApplicationTransition.objects.get(application=refused,
                                                 to_state=State.NOT_SELECTED)
    ApplicationTransition.objects.filter(pk=decision.pk).update(applicant_notified_at=None)
    # A new assignment; its e-mail is sent again by the worker below.
    assignment = services.review_assign(
        actor=admin, application=eligible_application(admin=admin), reviewer=reviewer())
    ReviewAssignment.objects.filter(pk=assignment.pk).update(notified_at=None)
    celery_app.conf.task_always_eager = False
    AwardOffer.objects.filter(pk=offer.pk).update(
        deadline=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5))
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"

    # This process wrote to locmem: every outbox row below is the worker's.
    assert not Message.objects.exists()

    with celery_worker(private_queue.name, log_path, **outbox_env(mail_dir)) as worker:
        result = award_offers_lapse_sweep.apply_async(queue=private_queue)
        assert not isinstance(result, EagerResult)
        review_assignment_notify.apply_async((assignment.pk,), queue=private_queue)
        application_outcome_notify.apply_async((decision.pk,), queue=private_queue)
        wait_for(lambda: ApplicationTransition.objects.filter(
                     pk=decision.pk, applicant_notified_at__isnull=False).exists()
                 and AwardOffer.objects.filter(
                     application=reserve, applicant_notified_at__isnull=False).exists()
                 and AwardOffer.objects.filter(pk=offer.pk,
                                               admins_notified_at__isnull=False).exists()
                 and ReviewAssignment.objects.filter(pk=assignment.pk,
                                                     notified_at__isnull=False).exists()
                 and all_sent(),
                 worker=worker, log_path=log_path,
                 what="offer lapsed, place given, four e-mails delivered")
        rows = Message.objects.count()
        # Beat again: the lapse sweep and the outbox's find nothing more to send.
        again = [award_offers_lapse_sweep.apply_async(queue=private_queue),
                 outbox_sweep.apply_async(queue=private_queue)]
        wait_for(lambda: all(returned(log_path, result) is not None for result in again),
                 worker=worker, log_path=log_path, what="the sweeps run again")
        assert [returned(log_path, result) for result in again] == [0, 0]

    assert Message.objects.count() == rows

    assert AwardOffer.objects.get(pk=offer.pk).status == AwardOffer.Status.LAPSED
    assert Application.objects.get(pk=lapsing.pk).state == State.LAPSED
    assert Application.objects.get(pk=reserve.pk).state == State.OFFERED
    messages = assert_each_row_delivered_once(mail_dir)
    by_recipient = {str(message["To"]): message for message in messages}
    assert {"next.in.line@example.org", "office@example.org", assignment.reviewer.email,
            "not.this.time@example.org"} <= set(by_recipient)
    assert [part.get_filename().endswith("award-letter.pdf") for part in
            by_recipient["next.in.line@example.org"].iter_attachments()] == [True]
    assert "was not selected this time" in by_recipient[
        "not.this.time@example.org"].get_body(("plain",)).get_content()
    log = log_path.read_text(errors="replace")
    assert "scholarships.tasks.award_offer_lapse[" in log, log
