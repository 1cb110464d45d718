"""Every read of a page that shows personal data leaves one row in the read
log, written by audit.middleware from the URL alone."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import ReadEvent
from registry.factories import IdentityDocumentFactory, PersonFactory, UserFactory
from registry.models import Side
from reintegration.factories import CaseFactory, caseworker
from scholarships.factories import ApplicationFactory
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def only_read() -> ReadEvent:
    events = list(ReadEvent.objects.all())
    assert len(events) == 1, events
    return events[0]


def test_a_person_page_leaves_one_read_naming_the_person(client):
    person = PersonFactory()
    user = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(user)
    assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 200
    event = only_read()
    assert (event.user, event.action, event.model, event.object_id, event.person_id,
            event.page, event.status) == (
        user, ReadEvent.Action.VIEW, "registry.person", str(person.pk), person.pk,
        "registry:person_detail", 200)


def test_an_application_page_leaves_one_read(client):
    application = ApplicationFactory(state=State.SUBMITTED, reference="SCH-2027-00042",
                                     submitted_at=timezone.now())
    office = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    client.force_login(office)
    url = reverse("scholarships:application_view", args=[application.pk])
    assert client.get(url).status_code == 200
    event = only_read()
    assert (event.user, event.action, event.model, event.object_id) == (
        office, ReadEvent.Action.VIEW, "scholarships.application", str(application.pk))


def test_a_case_page_leaves_one_read(client):
    worker = caseworker()
    case = CaseFactory(caseworker=worker)
    client.force_login(worker)
    assert client.get(reverse("reintegration:case_detail", args=[case.pk])).status_code == 200
    event = only_read()
    assert (event.user, event.action, event.model, event.object_id) == (
        worker, ReadEvent.Action.VIEW, "reintegration.case", str(case.pk))


def test_a_scan_download_leaves_one_download(client):
    document = IdentityDocumentFactory(scan=ContentFile(PDF, name="scan.pdf"),
                                       scan_content_type="application/pdf",
                                       side=Side.REINTEGRATION)
    user = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(user)
    response = client.get(reverse("registry:document_scan", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    event = only_read()
    assert (event.user, event.action, event.model, event.object_id) == (
        user, ReadEvent.Action.DOWNLOAD, "registry.identitydocument", str(document.pk))


def test_an_admin_change_page_leaves_one_read_naming_the_person(client):
    person = PersonFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:registry_person_change", args=[person.pk])
    assert client.get(url).status_code == 200
    event = only_read()
    assert (event.user, event.action, event.model, event.object_id, event.person_id,
            event.page) == (admin, ReadEvent.Action.VIEW, "registry.person", str(person.pk),
                            person.pk, "admin:registry_person_change")


def test_a_search_is_recorded_with_what_was_searched_for(client):
    user = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(user)
    client.get(reverse("registry:person_list"), {"q": "Zebulon"})
    event = only_read()
    assert event.action == ReadEvent.Action.LIST
    assert event.path == "/registry/persons/?q=Zebulon"


def test_a_record_that_is_not_there_leaves_a_refusal(client):
    user = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(user)
    assert client.get(reverse("registry:person_detail", args=[987654])).status_code == 404
    event = only_read()
    assert (event.action, event.object_id, event.status) == (
        ReadEvent.Action.DENIED, "987654", 404)


def test_a_forbidden_page_leaves_a_refusal(client):
    person = PersonFactory()
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 403
    assert only_read().action == ReadEvent.Action.DENIED


def test_anonymous_visitors_static_files_and_the_login_page_leave_nothing(client):
    person = PersonFactory()
    response = client.get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 302
    client.get(reverse("login"))
    client.get("/static/css/app.css")
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    client.get("/static/css/app.css")
    client.get(reverse("accounts:profile"))  # not a page of the table
    client.get("/no-such-page/")
    assert not ReadEvent.objects.exists()


def test_a_form_sent_and_accepted_is_a_change_not_a_read_but_a_form_sent_back_is(client):
    # The history keeps the change; a form shown again with its errors shows the data.
    person = PersonFactory()
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    url = reverse("registry:consent_create", args=[person.pk])
    accepted = client.post(url, {"purpose": "scholarship", "method": "online",
                                 "given_at": "2026-01-05T10:00"})
    assert accepted.status_code == 302
    assert not ReadEvent.objects.exists()
    refused = client.post(url, {"purpose": "scholarship", "method": "online", "given_at": ""})
    assert refused.status_code == 200
    assert only_read().person_id == person.pk


@pytest.mark.django_db(transaction=True)
def test_a_read_outside_a_transaction_is_logged_without_waiting_for_the_disk_and_only_it(
        client):
    """Production: no request transaction. The page's row is written with
    synchronous_commit off for its own commit (README, "Data protection"), and
    the connection's next transactions (the application's data) wait for the
    disk again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = PersonFactory()
    # A superuser: an earlier transactional test's flush may have emptied the
    # role groups, and the point here is the read log, not who may read.
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 200
    event = only_read()
    assert (event.user, event.action, event.model, event.person_id, event.page) == (
        user, ReadEvent.Action.VIEW, "registry.person", person.pk, "registry:person_detail")
    if connection.vendor == "postgresql":
        inserts = [q["sql"] for q in queries if "audit_readevent" in q["sql"]]
        assert len(inserts) == 1 and "synchronous_commit" in inserts[0]
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
