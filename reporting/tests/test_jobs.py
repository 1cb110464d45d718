"""Long exports run in the background, show their progress, and are
downloadable only by the user who asked, for a limited time."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from audit.models import ReadEvent
from reporting.models import ExportJob
from reporting.services import export_jobs_expire

from .conftest import KIND

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]
User = get_user_model()


@pytest.fixture
def staff(client):
    user = User.objects.create_user("ama.owusu", password="x" * 14, is_staff=True)
    client.force_login(user)
    return user


def _ask(client, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:job_request"),
                               {"kind": KIND, "format": "csv", **extra})
    return response


def test_an_export_is_built_in_the_background_and_downloaded_by_its_owner(
        client, staff, accounts_dataset, django_capture_on_commit_callbacks):
    User.objects.create_user("kofi.boateng", password="x" * 14)
    response = _ask(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.rows_done == job.total_rows == 2
    assert job.expires_at > timezone.now()

    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert b'<progress id="export-bar"' in page.content
    assert b"reporting-progress.js" in page.content
    status = client.get(reverse("reporting:job_status", args=[job.pk])).json()
    assert status == {**status, "status": "done", "percent": 100, "download": True,
                      "rows_done": 2, "total_rows": 2}

    download = client.get(reverse("reporting:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Reference", "Joined"]  # pseudonymised by default
    assert "kofi.boateng" not in str(rows)
    logged = ReadEvent.objects.filter(action=ReadEvent.Action.EXPORT, user=staff,
                                      page="reporting:job_download")
    assert [(e.model, e.rows, e.object_id) for e in logged] == [("auth.user", 2, str(job.pk))]


def test_names_only_when_asked_for(client, staff, accounts_dataset,
                                   django_capture_on_commit_callbacks):
    _ask(client, django_capture_on_commit_callbacks, identifying="1")
    job = ExportJob.objects.get()
    assert not job.pseudonymised
    download = client.get(reverse("reporting:job_download", args=[job.pk]))
    assert "ama.owusu" in b"".join(download.streaming_content).decode("utf-8-sig")


def test_filters_of_the_page_are_kept_with_the_job(client, staff, accounts_dataset,
                                                   django_capture_on_commit_callbacks):
    User.objects.create_user("zz.other", password="x" * 14)
    _ask(client, django_capture_on_commit_callbacks, f_starts="ama")
    job = ExportJob.objects.get()
    assert job.params == {"starts": "ama"}
    assert job.rows_done == 1


@pytest.mark.parametrize("who", ["another staff member", "a superuser"])
def test_nobody_else_sees_or_downloads_the_export(client, staff, accounts_dataset,
                                                  django_capture_on_commit_callbacks, who):
    _ask(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    if who == "a superuser":
        other = User.objects.create_superuser("root.admin", password="x" * 14)
    else:
        other = User.objects.create_user("efua.asante", password="x" * 14, is_staff=True)
    client.force_login(other)
    for name in ("reporting:job", "reporting:job_status", "reporting:job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert not ReadEvent.objects.filter(user=other, action=ReadEvent.Action.EXPORT).exists()
    assert ReadEvent.objects.filter(user=other, action="denied",
                                    page="reporting:job_download").exists()


def test_a_user_who_may_not_export_it_cannot_ask(client, accounts_dataset,
                                                 django_capture_on_commit_callbacks):
    client.force_login(User.objects.create_user("yaw.darko", password="x" * 14))
    assert _ask(client, django_capture_on_commit_callbacks).status_code == 404
    assert not ExportJob.objects.exists()


def test_an_expired_export_is_deleted_and_no_longer_downloadable(
        client, staff, accounts_dataset, django_capture_on_commit_callbacks, private_storage):
    _ask(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    path = private_storage / job.file.name
    assert path.exists()
    assert export_jobs_expire(now=timezone.now()) == 0  # not yet
    assert export_jobs_expire(now=job.expires_at + datetime.timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not job.file
    assert not path.exists()
    assert client.get(reverse("reporting:job_download", args=[job.pk])).status_code == 404
    assert b"has expired" in client.get(job.get_absolute_url()).content


def test_a_job_is_built_once_even_if_its_task_runs_twice(client, staff, accounts_dataset,
                                                         django_capture_on_commit_callbacks):
    from reporting.services import export_job_build

    _ask(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    name = job.file.name
    assert export_job_build(job_id=job.pk) == ExportJob.Status.DONE
    job.refresh_from_db()
    assert job.file.name == name
    assert ReadEvent.objects.filter(page="reporting:job").count() == 1


def test_the_expiry_sweep_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reporting.tasks.export_jobs_expire_sweep" in tasks


def test_my_exports_lists_only_mine(client, staff, accounts_dataset,
                                    django_capture_on_commit_callbacks):
    other = User.objects.create_user("efua.asante", password="x" * 14, is_staff=True)
    ExportJob.objects.create(user=other, kind=KIND, format="csv")
    _ask(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("reporting:jobs"))
    assert list(page.context["jobs"])[0][0].user == staff
    assert len(page.context["jobs"]) == 1
