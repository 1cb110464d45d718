"""A background job whose task was lost (the broker down when the request
committed, a worker killed) is queued again by the beat's sweep
(services.jobs_requeue_stale): the user's export or bulk action still
happens, once. The real worker runs it in tests/test_bulk_worker.py."""

import datetime

import pytest
from django.utils import timezone

from reporting import services
from reporting.models import BulkJob, ExportJob
from scholarships.factories import admin_user, submitted_application
from scholarships.models import Application, ApplicationTransition
from scholarships.workflow import State

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(seconds=services.JOBS_STALE_SECONDS + 60)


def _lost_bulk_job(admin, applications, **fields) -> BulkJob:
    """A job recorded as the admin's request records it, whose task never ran."""
    ids = [a.pk for a in applications]
    return BulkJob.objects.create(user=admin, kind="scholarships.confirm_eligibility", ids=ids,
                                  total=len(ids), language="en", **fields)


def test_a_bulk_job_whose_task_was_lost_is_run_once_by_the_sweep():
    admin = admin_user(is_staff=True)
    applications = [submitted_application() for _ in range(3)]
    job = _lost_bulk_job(admin, applications, created_at=timezone.now() - LONG_AGO)
    assert services.jobs_requeue_stale() == [(services.BULK_RUN_TASK, job.pk)]
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and job.succeeded == 3
    assert set(Application.objects.filter(pk__in=[a.pk for a in applications])
               .values_list("state", flat=True)) == {State.ELIGIBLE}
    # Done: a later sweep finds nothing, and nothing moves twice.
    assert services.jobs_requeue_stale() == []
    assert ApplicationTransition.objects.filter(to_state=State.ELIGIBLE).count() == 3


def test_a_job_just_asked_for_or_held_by_a_live_worker_is_left_alone():
    admin = admin_user(is_staff=True)
    fresh = _lost_bulk_job(admin, [submitted_application()])
    held = _lost_bulk_job(admin, [submitted_application()], status=BulkJob.Status.RUNNING,
                          created_at=timezone.now() - LONG_AGO,
                          lease_until=timezone.now() + datetime.timedelta(seconds=60))
    export = ExportJob.objects.create(user=admin, kind="scholarships.applications",
                                      format="csv")
    assert services.jobs_requeue_stale() == []
    for job in (fresh, held):
        job.refresh_from_db()
    assert (fresh.status, held.status) == (BulkJob.Status.QUEUED, BulkJob.Status.RUNNING)
    assert ExportJob.objects.get(pk=export.pk).status == ExportJob.Status.QUEUED


def test_a_bulk_job_whose_worker_died_is_taken_again_from_its_cursor():
    admin = admin_user(is_staff=True)
    applications = [submitted_application() for _ in range(3)]
    now = timezone.now()
    # The worker moved the first one and died: its lease ran out.
    job = _lost_bulk_job(admin, applications, status=BulkJob.Status.RUNNING,
                         created_at=now - LONG_AGO, started_at=now - LONG_AGO,
                         lease_until=now - datetime.timedelta(seconds=1))
    from scholarships import services as scholarship_services
    scholarship_services.application_move(actor=admin, application=applications[0],
                                          to=State.ELIGIBLE)
    BulkJob.objects.filter(pk=job.pk).update(processed=1, succeeded=1)
    assert services.jobs_requeue_stale() == [(services.BULK_RUN_TASK, job.pk)]
    job.refresh_from_db()
    assert (job.status, job.processed, job.succeeded) == (BulkJob.Status.DONE, 3, 3)
    assert ApplicationTransition.objects.filter(to_state=State.ELIGIBLE).count() == 3


def test_an_export_whose_task_was_lost_is_built_by_the_sweep():
    admin = admin_user(is_staff=True)
    submitted_application()
    export = ExportJob.objects.create(user=admin, kind="scholarships.applications",
                                      format="csv", created_at=timezone.now() - LONG_AGO)
    assert services.jobs_requeue_stale() == [(services.BUILD_TASK, export.pk)]
    export.refresh_from_db()
    assert export.status == ExportJob.Status.DONE, export.error
    export.file.delete(save=False)


def test_a_job_handed_on_whose_next_task_was_lost_is_finished_by_the_sweep(monkeypatch):
    """A job that ran its time hands the rest to a new task; were that task
    never to reach the broker, the job would wait forever: its hold has
    lapsed, so the sweep takes it again."""
    admin = admin_user(is_staff=True)
    applications = [submitted_application() for _ in range(3)]
    job = _lost_bulk_job(admin, applications, created_at=timezone.now() - LONG_AGO)
    monkeypatch.setattr(services, "BULK_TASK_SECONDS", -1)  # hand on after each chunk
    monkeypatch.setattr(services, "BULK_CHUNK", 1)
    assert services.bulk_job_run(job_id=job.pk) == services.BULK_CONTINUE  # (its task: lost)
    job.refresh_from_db()
    assert (job.status, job.processed) == (BulkJob.Status.RUNNING, 1)
    monkeypatch.setattr(services, "BULK_TASK_SECONDS", 60)
    assert services.jobs_requeue_stale() == [(services.BULK_RUN_TASK, job.pk)]
    job.refresh_from_db()
    assert (job.status, job.processed, job.succeeded) == (BulkJob.Status.DONE, 3, 3)
