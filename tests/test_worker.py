"""A real Celery worker process takes a task from the real broker (Redis in CI,
the embedded filesystem broker on a laptop without Redis) and writes to the
test database."""

import datetime
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue

from accounts.tasks import email_send
from config import celery_app
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
# broker do not pile up; the queue, not the node, keeps runs apart.
WORKER_HOSTNAME = "casework-tests@%h"


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
    with celery_app.connection_for_write() as conn:
        bound = queue(conn.default_channel)
        bound.declare()  # records the binding in this channel, so delete() removes it
        bound.purge()
        bound.delete()
    options = celery_app.conf.broker_transport_options or {}
    if celery_app.conf.broker_url.startswith("filesystem://") and "control_folder" in options:
        (Path(options["control_folder"]) / f"{name}.exchange").unlink(missing_ok=True)


@contextmanager
def celery_worker(queue_name: str, log_path: Path, **extra_env: str):
    env = {
        **os.environ,
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
def test_every_e_mail_task_is_sent_by_a_real_worker(
    tasks_through_the_broker, private_queue, tmp_path
):
    """The three e-mail paths: a referee's invitation, a submission's
    confirmation with its PDF, and an account e-mail rendered by the request."""
    application = CompleteApplicationFactory(applicant__email="kwame.mensah@example.org")
    Application.objects.filter(pk=application.pk).update(
        state=State.SUBMITTED, reference="SCH-2026-00077",
        submitted_at=datetime.datetime.now(datetime.UTC),
        submitted_snapshot=steps.summary(application))
    referee = RefereeFactory(application=application, email="o.sy@ucad.example.org")
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"

    def mails() -> str:
        return "".join(f.read_text(errors="replace") for f in mail_dir.glob("*.log")) \
            if mail_dir.exists() else ""

    with celery_worker(private_queue.name, log_path,
                       TEST_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                       TEST_EMAIL_FILE_PATH=str(mail_dir)) as worker:
        referee_invitation_send.apply_async((referee.pk,), queue=private_queue)
        submission_confirmation_send.apply_async((application.pk,), queue=private_queue)
        email_send.apply_async(kwargs={"subject": "Confirm your account", "body": "Hello",
                                       "to": ["new.applicant@example.org"]},
                               queue=private_queue)
        wait_for(lambda: Referee.objects.filter(pk=referee.pk, invited_at__isnull=False)
                 .exists() and Application.objects.filter(
                     pk=application.pk, confirmation_sent_at__isnull=False).exists()
                 and "new.applicant@example.org" in mails(),
                 worker=worker, log_path=log_path, what="three e-mails sent by the worker")

    sent = mails()
    assert "To: o.sy@ucad.example.org" in sent
    assert "To: kwame.mensah@example.org" in sent and "SCH-2026-00077.pdf" in sent
    assert "To: new.applicant@example.org" in sent


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

    def mails() -> str:
        return "".join(f.read_text(errors="replace") for f in mail_dir.glob("*.log")) \
            if mail_dir.exists() else ""

    with celery_worker(private_queue.name, log_path,
                       CELERY_TASK_DEFAULT_QUEUE=private_queue.name,
                       TEST_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                       TEST_EMAIL_FILE_PATH=str(mail_dir)) as worker:
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
                                                     notified_at__isnull=False).exists(),
                 worker=worker, log_path=log_path,
                 what="offer lapsed, place given, four e-mails sent")

    assert AwardOffer.objects.get(pk=offer.pk).status == AwardOffer.Status.LAPSED
    assert Application.objects.get(pk=lapsing.pk).state == State.LAPSED
    assert Application.objects.get(pk=reserve.pk).state == State.OFFERED
    sent = mails()
    assert "To: next.in.line@example.org" in sent and "award-letter.pdf" in sent
    assert "To: office@example.org" in sent
    assert f"To: {assignment.reviewer.email}" in sent
    assert "To: not.this.time@example.org" in sent and "was not selected this time" in sent
    log = log_path.read_text(errors="replace")
    assert "scholarships.tasks.award_offer_lapse[" in log, log
