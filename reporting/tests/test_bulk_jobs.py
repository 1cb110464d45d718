"""An admin bulk action over more records than BULK_ACTION_DIRECT_MAX runs in
the background: the request only records the job and sends the user to its
progress page; the worker moves each record through the same service, counts
it in the same transaction (a redelivered task does not redo it) and lists
each refusal. Only the user who asked sees the page."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import ReadEvent
from registry.factories import ConsentFactory, PersonFactory, UserFactory
from registry.models import Consent, DuplicateCandidate
from reporting import services, tasks
from reporting.models import BulkJob
from scholarships import services as scholarship_services
from scholarships.factories import ApplicationFactory, admin_user, submitted_application
from scholarships.models import Application, ApplicationTransition
from scholarships.workflow import State

pytestmark = pytest.mark.django_db
User = get_user_model()
APPLICATIONS = reverse("admin:scholarships_application_changelist")


@pytest.fixture(autouse=True)
def low_threshold(settings):
    settings.BULK_ACTION_DIRECT_MAX = 2


@pytest.fixture
def office(client):
    user = admin_user(is_staff=True, username="office")
    client.force_login(user)
    return user


def _act(client, action, records, url=APPLICATIONS, **extra):
    return client.post(url, {"action": action,
                             "_selected_action": [r.pk for r in records], **extra})


def _states(applications):
    return [Application.objects.get(pk=a.pk).state for a in applications]


def test_over_the_limit_the_request_only_starts_a_job_that_the_worker_then_runs(
        client, office, django_capture_on_commit_callbacks):
    good = [submitted_application() for _ in range(3)]
    draft = ApplicationFactory()
    with django_capture_on_commit_callbacks() as queued:
        response = _act(client, "confirm_eligibility", [*good, draft])
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.user, job.kind, job.total, job.status) == (
        office, "scholarships.confirm_eligibility", 4, BulkJob.Status.QUEUED)
    # Nothing changed within the request.
    assert _states([*good, draft]) == [State.SUBMITTED] * 3 + [State.DRAFT]
    assert not ApplicationTransition.objects.filter(to_state=State.ELIGIBLE).exists()
    page = client.get(job.get_absolute_url())
    assert "Started in the background: 4 records." in page.content.decode()
    assert b'http-equiv="refresh"' in page.content  # reloads itself without scripts
    # With scripts, the bar asks how far the job has got (bulk-progress.js).
    status_url = reverse("reporting:bulk_job_status", args=[job.pk])
    assert f'data-status-url="{status_url}"'.encode() in page.content
    assert client.get(status_url).json() == {
        "status": "queued", "status_label": "Waiting", "processed": 0, "total": 4,
        "percent": 0, "finished": False}

    for callback in queued:  # the commit: the task is queued (and run here, eagerly)
        callback()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    assert (job.processed, job.succeeded, job.refused_count) == (4, 3, 1)
    assert _states([*good, draft]) == [State.ELIGIBLE] * 3 + [State.DRAFT]
    # Each move went through the one transition service: who and why.
    moves = ApplicationTransition.objects.filter(to_state=State.ELIGIBLE)
    assert moves.count() == 3
    assert {(m.actor_id, m.from_state) for m in moves} == {(office.pk, State.SUBMITTED)}
    assert all(f"job {job.pk}" in m.reason for m in moves)

    page = client.get(job.get_absolute_url())
    content = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert 'http-equiv="refresh"' not in content and "bulk-progress.js" not in content
    assert client.get(status_url).json()["finished"] is True
    assert 'value="100"' in content
    assert "3 records done." in content
    assert "1 record was refused:" in content
    assert escape(f"{draft}: " + str(scholarship_services.MSG_TRANSITION % {
        "from": State.DRAFT.label, "to": State.ELIGIBLE.label})) in content
    assert f'href="{APPLICATIONS}"' in content
    # The page is in the read log, as a read of the job.
    assert ReadEvent.objects.filter(user=office, model="reporting.bulkjob",
                                    object_id=str(job.pk)).exists()


def test_at_the_limit_the_action_still_runs_within_the_request(client, office):
    applications = [submitted_application() for _ in range(2)]
    response = _act(client, "confirm_eligibility", applications)
    assert response.status_code == 302 and response["Location"].endswith(APPLICATIONS)
    assert not BulkJob.objects.exists()
    assert _states(applications) == [State.ELIGIBLE] * 2
    page = client.get(response["Location"])
    assert "Eligibility confirmed for 2 applications." in page.content.decode()


def test_closing_the_review_in_the_background_refuses_what_is_not_ready(
        client, office, django_capture_on_commit_callbacks):
    applications = [submitted_application() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, "close_review", applications)
    job = BulkJob.objects.get()
    assert (job.status, job.succeeded, job.refused_count) == (BulkJob.Status.DONE, 0, 3)
    assert [item["ref"] for item in job.refused] == [str(a) for a in applications]
    assert all(item["reason"] for item in job.refused)
    assert _states(applications) == [State.SUBMITTED] * 3


def test_a_redelivered_job_carries_on_from_where_it_stopped(office):
    applications = [submitted_application() for _ in range(4)]
    job = services.bulk_job_start(actor=office, kind="scholarships.confirm_eligibility",
                                  ids=[a.pk for a in applications])
    # A worker died after the first two: its cursor says 2, its lease ran out.
    # (The first two were left as they were, to show they are not run again.)
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJob.Status.RUNNING, processed=2, succeeded=2,
        started_at=timezone.now(), lease_until=timezone.now() - datetime.timedelta(seconds=1))
    assert services.bulk_job_run(job_id=job.pk) == BulkJob.Status.DONE
    job.refresh_from_db()
    assert (job.processed, job.succeeded, job.refused_count) == (4, 4, 0)
    assert _states(applications) == [State.SUBMITTED] * 2 + [State.ELIGIBLE] * 2
    # A job already done is left alone.
    moves = ApplicationTransition.objects.count()
    assert services.bulk_job_run(job_id=job.pk) == BulkJob.Status.DONE
    assert ApplicationTransition.objects.count() == moves


def test_a_long_job_hands_the_rest_to_a_new_task_after_its_time(office, monkeypatch):
    monkeypatch.setattr(services, "BULK_CHUNK", 1)
    monkeypatch.setattr(services, "BULK_TASK_SECONDS", -1)  # time is up after each chunk
    applications = [submitted_application() for _ in range(3)]
    job = services.bulk_job_start(actor=office, kind="scholarships.confirm_eligibility",
                                  ids=[a.pk for a in applications])
    assert services.bulk_job_run(job_id=job.pk) == services.BULK_CONTINUE
    job.refresh_from_db()
    # Its hold has lapsed: the next task takes it at once (and the sweep would).
    assert (job.status, job.processed) == (BulkJob.Status.RUNNING, 1)
    assert job.lease_until <= timezone.now()
    assert _states(applications) == [State.ELIGIBLE] + [State.SUBMITTED] * 2
    tasks.bulk_job_run.delay(job.pk)  # each task queues the next (run eagerly here)
    job.refresh_from_db()
    assert (job.status, job.processed, job.succeeded) == (BulkJob.Status.DONE, 3, 3)
    assert _states(applications) == [State.ELIGIBLE] * 3


def test_a_job_held_by_a_live_worker_is_left_to_it(office):
    application = submitted_application()
    job = services.bulk_job_start(actor=office, kind="scholarships.confirm_eligibility",
                                  ids=[application.pk])
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJob.Status.RUNNING, lease_until=timezone.now() + datetime.timedelta(minutes=1))
    assert services.bulk_job_run(job_id=job.pk) == services.BULK_HELD
    assert _states([application]) == [State.SUBMITTED]
    # Once the lease has run out (the worker died), the next task takes it.
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert services.bulk_job_run(job_id=job.pk, now=later) == BulkJob.Status.DONE
    assert _states([application]) == [State.ELIGIBLE]


def test_a_user_who_lost_the_permission_gets_the_job_failed_and_nothing_changed(
        client, office, django_capture_on_commit_callbacks):
    applications = [submitted_application() for _ in range(3)]
    with django_capture_on_commit_callbacks() as queued:
        _act(client, "confirm_eligibility", applications)
    job = BulkJob.objects.get()
    office.groups.clear()  # no longer a scholarship administrator
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert (job.status, job.error, job.processed) == (BulkJob.Status.FAILED, "not_allowed", 0)
    assert _states(applications) == [State.SUBMITTED] * 3
    page = client.get(job.get_absolute_url()).content.decode()
    assert "You may no longer run this action: it was stopped." in page
    assert 'http-equiv="refresh"' not in page


def test_a_deactivated_account_runs_nothing(office):
    application = submitted_application()
    job = services.bulk_job_start(actor=office, kind="scholarships.confirm_eligibility",
                                  ids=[application.pk])
    User.objects.filter(pk=office.pk).update(is_active=False)
    assert services.bulk_job_run(job_id=job.pk) == BulkJob.Status.FAILED
    assert _states([application]) == [State.SUBMITTED]


@pytest.mark.parametrize("who", ["another administrator", "a superuser"])
def test_nobody_else_sees_the_progress_page(client, office, who):
    job = services.bulk_job_start(actor=office, kind="scholarships.confirm_eligibility",
                                  ids=[submitted_application().pk])
    if who == "a superuser":
        other = UserFactory(is_staff=True, is_superuser=True)
    else:
        other = admin_user(is_staff=True)
    client.force_login(other)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("reporting:bulk_job_status", args=[job.pk])).status_code == 404


def test_consents_are_withdrawn_in_the_background_by_the_user_who_asked(
        client, django_capture_on_commit_callbacks):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    consents = ConsentFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, "withdraw", consents,
                        url=reverse("admin:registry_consent_changelist"))
    job = BulkJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.status, job.succeeded) == (BulkJob.Status.DONE, 3)
    assert set(Consent.objects.values_list("withdrawn_by", flat=True)) == {superuser.pk}


def test_duplicates_looked_for_in_the_background_say_how_many_were_found(
        client, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    born = datetime.date(1990, 4, 2)
    persons = [PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=born),
               PersonFactory(given_names="Diallo", family_name="Aminata", birth_date=born),
               PersonFactory()]
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, "flag_duplicates", persons,
             url=reverse("admin:registry_person_changelist"))
    job = BulkJob.objects.get()
    assert (job.status, job.processed, job.found) == (BulkJob.Status.DONE, 3, 1)
    assert DuplicateCandidate.objects.count() == 1
    page = client.get(job.get_absolute_url()).content.decode()
    assert "1 new possible duplicate to review." in page
    assert f'href="{reverse("admin:registry_person_changelist")}"' in page


def test_the_way_back_is_the_list_as_it_was_filtered(client, office):
    """The progress page leads back to the list the action was chosen on,
    its filters kept; an address that is not that list is never followed."""
    applications = [submitted_application() for _ in range(3)]
    filtered = f"{APPLICATIONS}?state__exact=submitted&q=SCH"
    _act(client, "confirm_eligibility", applications, url=filtered)
    job = BulkJob.objects.get()
    assert job.list_path == filtered
    page = client.get(job.get_absolute_url()).content.decode()
    assert f'href="{escape(filtered)}"' in page

    for forged in ("https://elsewhere.example/admin/", "/admin/registry/person/?x=1"):
        BulkJob.objects.filter(pk=job.pk).update(list_path=forged)
        page = client.get(job.get_absolute_url()).content.decode()
        assert f'href="{APPLICATIONS}"' in page and "elsewhere" not in page
