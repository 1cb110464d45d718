"""The documents step and the download of a document."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from privatemedia.files import MSG_EMPTY, MSG_TOO_LARGE, MSG_WRONG_TYPE
from registry.factories import PersonFactory, UserFactory
from scholarships import services
from scholarships.factories import ApplicationFactory, CallFactory, CompleteApplicationFactory
from scholarships.forms.uploads import MSG_CHOOSE_FILE
from scholarships.models import ApplicationDocument, DocumentKind
from scholarships.views.uploads import MSG_DOCUMENT_SAVED, MSG_DOCUMENT_UNKNOWN
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def applicant():
    user = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=user, birth_date=datetime.date(1997, 3, 14))
    return user


@pytest.fixture
def application(applicant):
    return ApplicationFactory(applicant=applicant.person)


def page_url(application):
    return reverse("scholarships:documents_step", args=[application.pk])


def upload(client, application, kind, content, name="scan.pdf"):
    return client.post(page_url(application), {
        "kind": kind, f"{kind}-file": SimpleUploadedFile(name, content),
    })


def form_for(response, kind):
    return next(row["form"] for row in response.context["rows"] if row["kind"] == kind)


# --- the page ---------------------------------------------------------------------------


def test_page_has_one_upload_form_per_document_the_call_asks_for(client, applicant, application):
    client.force_login(applicant)
    response = client.get(page_url(application))
    assert response.status_code == 200
    assert [row["kind"] for row in response.context["rows"]] == [DocumentKind.DIPLOMA,
                                                                 DocumentKind.CV]
    html = response.content.decode()
    assert 'name="diploma-file"' in html and 'name="cv-file"' in html
    assert 'enctype="multipart/form-data"' in html
    # The progress indicator marks this step as the current one.
    assert response.context["current_step"] == "documents"
    assert 'aria-current="step"' in html


def test_a_real_pdf_is_accepted_and_stored_under_a_random_name(client, applicant, application,
                                                               private_storage):
    client.force_login(applicant)
    response = upload(client, application, DocumentKind.DIPLOMA, PDF_BYTES,
                      name="Diploma of Aminata Diallo.pdf")
    assert response.status_code == 302
    document = ApplicationDocument.objects.get(application=application)
    assert document.kind == DocumentKind.DIPLOMA
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF_BYTES)
    assert document.file.name.startswith("applications/")
    assert "Diploma" not in document.file.name and "Diallo" not in document.file.name
    assert (private_storage / document.file.name).read_bytes() == PDF_BYTES

    page = client.get(response.url)
    assert str(MSG_DOCUMENT_SAVED % {"document": DocumentKind.DIPLOMA.label}) in [
        str(m) for m in page.context["messages"]]
    download = reverse("scholarships:document_download", args=[application.pk, document.pk])
    assert download in page.content.decode()


def test_a_png_photo_is_accepted(client, applicant, application):
    client.force_login(applicant)
    assert upload(client, application, DocumentKind.CV, PNG_BYTES, "cv.png").status_code == 302
    assert ApplicationDocument.objects.get().content_type == "image/png"


def test_a_file_with_a_pdf_name_but_other_content_is_refused_beside_the_field(
        client, applicant, application):
    client.force_login(applicant)
    response = upload(client, application, DocumentKind.DIPLOMA,
                      b"MZ\x90\x00\x03\x00\x00\x00 this is a program, not a scan", "diploma.pdf")
    assert response.status_code == 200
    assert form_for(response, DocumentKind.DIPLOMA).errors["file"] == [str(MSG_WRONG_TYPE)]
    assert not form_for(response, DocumentKind.CV).is_bound
    assert str(MSG_WRONG_TYPE) in response.content.decode()
    assert not ApplicationDocument.objects.exists()


def test_an_oversized_file_is_refused_with_the_limit(client, applicant, application, settings):
    settings.UPLOAD_MAX_BYTES = 50
    client.force_login(applicant)
    response = upload(client, application, DocumentKind.DIPLOMA, PDF_BYTES)
    expected = str(MSG_TOO_LARGE % {"size": filesizeformat(len(PDF_BYTES)),
                                    "limit": filesizeformat(50)})
    assert form_for(response, DocumentKind.DIPLOMA).errors["file"] == [expected]
    assert not ApplicationDocument.objects.exists()


def test_an_empty_file_or_no_file_is_refused(client, applicant, application):
    client.force_login(applicant)
    response = upload(client, application, DocumentKind.CV, b"")
    assert form_for(response, DocumentKind.CV).errors["file"] == [str(MSG_EMPTY)]
    response = client.post(page_url(application), {"kind": DocumentKind.CV})
    assert form_for(response, DocumentKind.CV).errors["file"] == [str(MSG_CHOOSE_FILE)]
    assert not ApplicationDocument.objects.exists()


def test_a_document_the_call_does_not_ask_for_is_refused(client, applicant, application):
    client.force_login(applicant)
    response = upload(client, application, DocumentKind.RESEARCH_PROPOSAL, PDF_BYTES)
    assert response.status_code == 302
    assert str(MSG_DOCUMENT_UNKNOWN) in [str(m) for m in client.get(response.url).context[
        "messages"]]
    assert not ApplicationDocument.objects.exists()


def test_a_new_upload_replaces_the_earlier_file(client, applicant, application, private_storage,
                                                django_capture_on_commit_callbacks):
    client.force_login(applicant)
    upload(client, application, DocumentKind.CV, PDF_BYTES)
    first = ApplicationDocument.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, application, DocumentKind.CV, PNG_BYTES, "cv.png")
    second = ApplicationDocument.objects.get()
    assert second.content_type == "image/png"
    assert second.file.name != first.file.name
    assert not (private_storage / first.file.name).exists()
    assert (private_storage / second.file.name).read_bytes() == PNG_BYTES


def test_after_submission_the_documents_are_read_only(client, applicant):
    application = CompleteApplicationFactory(applicant=applicant.person)
    services.application_submit(actor=applicant, application=application)
    before = list(ApplicationDocument.objects.values_list("pk", "file"))
    client.force_login(applicant)

    page = client.get(page_url(application))
    assert 'type="file"' not in page.content.decode()
    assert all(row["form"] is None for row in page.context["rows"])
    # The files can still be read.
    document = application.documents.first()
    assert reverse("scholarships:document_download",
                   args=[application.pk, document.pk]) in page.content.decode()

    response = upload(client, application, DocumentKind.CV, PNG_BYTES, "cv.png")
    assert response.status_code == 302
    assert str(services.MSG_NOT_EDITABLE) in [str(m) for m in client.get(response.url).context[
        "messages"]]
    assert list(ApplicationDocument.objects.values_list("pk", "file")) == before


def test_the_page_makes_the_same_number_of_queries_whatever_the_documents(
        client, applicant):
    client.force_login(applicant)
    client.get(reverse("home"))  # warm the caches (session, roles and permissions)

    def count(kinds):
        call = CallFactory(documents=kinds)
        application = ApplicationFactory(call=call, applicant=applicant.person)
        for kind in kinds:
            application.documents.create(kind=kind, file=ContentFile(PDF_BYTES, name="x.pdf"),
                                         content_type="application/pdf", size=len(PDF_BYTES))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(application)).status_code == 200
        return len(queries)

    assert count([DocumentKind.CV]) == count(list(DocumentKind.values))


# --- who may see ---------------------------------------------------------------------------


def test_another_applicant_gets_404_for_the_page_and_the_download(client, applicant,
                                                                   application):
    client.force_login(applicant)
    upload(client, application, DocumentKind.CV, PDF_BYTES)
    document = ApplicationDocument.objects.get()

    intruder = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=intruder)
    client.force_login(intruder)
    download = reverse("scholarships:document_download", args=[application.pk, document.pk])
    assert client.get(download).status_code == 404
    assert client.get(page_url(application)).status_code == 404
    assert upload(client, application, DocumentKind.CV, PNG_BYTES).status_code == 404
    assert ApplicationDocument.objects.get().content_type == "application/pdf"

    # Nor through their own application's address.
    own = ApplicationFactory(applicant=intruder.person)
    assert client.get(reverse("scholarships:document_download",
                              args=[own.pk, document.pk])).status_code == 404


def test_the_applicant_and_the_scholarship_office_can_download(client, applicant, application):
    client.force_login(applicant)
    upload(client, application, DocumentKind.CV, PDF_BYTES)
    document = ApplicationDocument.objects.get()
    download = reverse("scholarships:document_download", args=[application.pk, document.pk])

    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"

    for role in (Role.SCHOLARSHIP_ADMIN, Role.DPO):
        client.force_login(UserFactory(roles=[role]))
        assert client.get(download).status_code == 200


def test_reviewers_caseworkers_and_anonymous_visitors_cannot_download(client, applicant,
                                                                      application):
    client.force_login(applicant)
    upload(client, application, DocumentKind.CV, PDF_BYTES)
    document = ApplicationDocument.objects.get()
    download = reverse("scholarships:document_download", args=[application.pk, document.pk])
    for role in (Role.REVIEWER, Role.CASEWORKER):
        client.force_login(UserFactory(roles=[role]))
        assert client.get(download).status_code == 404
    client.logout()
    response = client.get(download)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_withdrawn_or_submitted_application_keeps_its_documents_downloadable(client, applicant):
    application = CompleteApplicationFactory(applicant=applicant.person)
    services.application_submit(actor=applicant, application=application)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    document = application.documents.first()
    client.force_login(applicant)
    response = client.get(reverse("scholarships:document_download",
                                  args=[application.pk, document.pk]))
    assert response.status_code == 200
    assert application.reference in response["Content-Disposition"]
