"""A background export through a real Celery worker on the real broker (Redis
in CI, the embedded filesystem broker on a laptop without Redis): the worker
builds the file, the job's progress and status are written to the database
as it goes, and the file is the owner's to download."""

import csv
import io

import pytest
import test_worker as harness
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import ReadEvent
from registry.factories import PersonFactory, UserFactory
from registry.models import Person
from reporting.models import ExportJob
from reporting.services import export_job_request
from scholarships.factories import CallFactory
from scholarships.models import Application
from scholarships.states import State

private_queue = harness.private_queue
tasks_through_the_broker = harness.tasks_through_the_broker
default_queue_is_private = harness.default_queue_is_private

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROWS = 2500


def _applications(count: int) -> None:
    call = CallFactory(academic_year=2033)
    people = Person.objects.bulk_create([PersonFactory.build() for _ in range(count)])
    now = timezone.now()
    Application.objects.bulk_create([
        Application(call=call, applicant=person, state=State.SUBMITTED, submitted_at=now,
                    reference=f"SCH-2033-{number:05d}")
        for number, person in enumerate(people, start=1)])


def test_a_worker_builds_an_export_with_its_progress_and_only_its_owner_downloads_it(
        tasks_through_the_broker, default_queue_is_private, role_groups, tmp_path, client):
    _applications(ROWS)
    admin = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    log_path = tmp_path / "worker.log"
    seen = set()
    with harness.celery_worker(default_queue_is_private.name, log_path) as worker:
        job = export_job_request(actor=admin, kind="scholarships.applications",
                                 params={"year": "2033"}, fmt="csv")

        def finished():
            current = ExportJob.objects.get(pk=job.pk)
            seen.add((current.status, current.rows_done))
            return current.is_finished

        harness.wait_for(finished, worker=worker, log_path=log_path,
                         what="export built by the worker")

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.rows_done == job.total_rows == ROWS
    assert job.expires_at > job.finished_at
    # What was watched only ever went forward (no timing assumed: a fast worker
    # may finish between two looks).
    done = [rows for status, rows in seen if status == ExportJob.Status.RUNNING]
    assert all(0 <= rows <= ROWS for rows in done)
    assert "reporting.tasks.export_job_build[" in log_path.read_text(errors="replace")

    client.force_login(admin)
    response = client.get(reverse("reporting:job_download", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(
        b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == ROWS + 1
    assert rows[1][0] == "SCH-2033-00001"
    assert ReadEvent.objects.filter(user=admin, action=ReadEvent.Action.EXPORT,
                                    page="reporting:job", rows=ROWS).count() == 1
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    assert client.get(reverse("reporting:job_download", args=[job.pk])).status_code == 404
    job.file.delete(save=False)
