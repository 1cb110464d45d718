"""An admin bulk action over the limit (BULK_ACTION_DIRECT_MAX) through a real
Celery worker on the real broker (Redis in CI, the embedded filesystem broker
on a laptop without Redis): the request only records the job, the worker
moves the applications through the one transition service, chunk after
chunk, and the progress page says it is done."""

import pytest
import test_worker as harness
from django.urls import reverse

from reporting import services as reporting_services
from reporting.models import BulkJob
from scholarships.factories import admin_user, submitted_application
from scholarships.models import Application, ApplicationTransition
from scholarships.workflow import State

private_queue = harness.private_queue
tasks_through_the_broker = harness.tasks_through_the_broker
default_queue_is_private = harness.default_queue_is_private

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
# More than one chunk, so that the worker saves its progress on the way.
COUNT = reporting_services.BULK_CHUNK + 5


def test_an_admin_bulk_action_over_the_limit_is_run_by_a_real_worker(
        tasks_through_the_broker, default_queue_is_private, role_groups, settings, tmp_path,
        client):
    settings.BULK_ACTION_DIRECT_MAX = 2
    admin = admin_user(is_staff=True)
    applications = [submitted_application() for _ in range(COUNT)]
    client.force_login(admin)
    log_path = tmp_path / "worker.log"
    with harness.celery_worker(default_queue_is_private.name, log_path) as worker:
        response = client.post(reverse("admin:scholarships_application_changelist"), {
            "action": "confirm_eligibility",
            "_selected_action": [a.pk for a in applications]})
        job = BulkJob.objects.get()
        assert response.status_code == 302 and response["Location"] == job.get_absolute_url()

        def finished():
            job.refresh_from_db()
            return job.is_finished

        harness.wait_for(finished, worker=worker, log_path=log_path,
                         what="bulk action run by the worker")

    assert job.status == BulkJob.Status.DONE, job.error
    assert (job.processed, job.succeeded, job.refused_count) == (COUNT, COUNT, 0)
    assert set(Application.objects.filter(pk__in=[a.pk for a in applications])
               .values_list("state", flat=True)) == {State.ELIGIBLE}
    moves = ApplicationTransition.objects.filter(to_state=State.ELIGIBLE)
    assert moves.count() == COUNT
    assert set(moves.values_list("actor", flat=True)) == {admin.pk}
    assert "reporting.tasks.bulk_job_run[" in log_path.read_text(errors="replace")

    page = client.get(job.get_absolute_url()).content.decode()
    assert f"{COUNT} records done." in page
    assert 'value="100"' in page and 'http-equiv="refresh"' not in page


def test_the_sweep_run_by_a_real_worker_queues_a_lost_job_again(
        tasks_through_the_broker, default_queue_is_private, role_groups, tmp_path):
    """A job recorded but whose task never reached the broker: the beat's
    sweep (reporting.tasks.jobs_requeue_stale), run by the worker, queues it
    again and the worker moves the applications."""
    import datetime

    from django.utils import timezone

    from reporting import tasks

    admin = admin_user(is_staff=True)
    applications = [submitted_application() for _ in range(3)]
    long_ago = timezone.now() - datetime.timedelta(
        seconds=reporting_services.JOBS_STALE_SECONDS + 60)
    job = BulkJob.objects.create(user=admin, kind="scholarships.confirm_eligibility",
                                 ids=[a.pk for a in applications], total=3, language="en",
                                 created_at=long_ago)
    log_path = tmp_path / "worker.log"
    with harness.celery_worker(default_queue_is_private.name, log_path) as worker:
        tasks.jobs_requeue_stale.delay()

        def finished():
            job.refresh_from_db()
            return job.is_finished

        harness.wait_for(finished, worker=worker, log_path=log_path,
                         what="lost bulk job queued again by the sweep")

    assert job.status == BulkJob.Status.DONE, job.error
    assert set(Application.objects.filter(pk__in=[a.pk for a in applications])
               .values_list("state", flat=True)) == {State.ELIGIBLE}
    log = log_path.read_text(errors="replace")
    assert "reporting.tasks.jobs_requeue_stale[" in log and "reporting.tasks.bulk_job_run[" in log
