"""A referee may type the letter instead of uploading a file (issue 12): the
form takes a file or a text, not neither; staff and reviewers read the typed
letter where they found the file, and download it as a PDF."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    RefereeFactory,
    admin_user,
    eligible_application,
    reviewer,
)
from scholarships.forms.uploads import LETTER_TEXT_MAX, MSG_LETTER_FILE_OR_TEXT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
LETTER = ("I have supervised Ms Diallo for two years at the Institut Sénégalais de Recherches "
          "Agricoles.\nShe is rigorous and will make the most of this programme.")


def link(referee):
    return reverse("scholarships:referee_upload", args=[services.referee_token(referee)])


def test_the_referee_page_offers_a_text_box_beside_the_file(client):
    referee = RefereeFactory(application=ApplicationFactory())
    page = client.get(link(referee)).content.decode()
    assert 'type="file"' in page and 'name="text"' in page


def test_a_typed_letter_is_received_without_a_file(client):
    referee = RefereeFactory(application=ApplicationFactory())
    response = client.post(link(referee), {"text": LETTER})
    assert response.status_code == 200
    referee.refresh_from_db()
    assert referee.letter_received_at is not None
    assert referee.letter_text == LETTER and not referee.letter


def test_neither_a_file_nor_a_text_is_refused_with_a_clear_message(client):
    referee = RefereeFactory(application=ApplicationFactory())
    response = client.post(link(referee), {"text": "   "})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(MSG_LETTER_FILE_OR_TEXT)]
    assert str(MSG_LETTER_FILE_OR_TEXT) in response.content.decode()
    referee.refresh_from_db()
    assert referee.letter_received_at is None


def test_a_text_too_long_is_refused_and_kept(client):
    referee = RefereeFactory(application=ApplicationFactory())
    text = "x" * (LETTER_TEXT_MAX + 1)
    response = client.post(link(referee), {"text": text})
    form = response.context["form"]
    assert "text" in form.errors and form["text"].value() == text
    referee.refresh_from_db()
    assert referee.letter_received_at is None


def test_a_file_alone_is_still_accepted(client):
    referee = RefereeFactory(application=ApplicationFactory())
    client.post(link(referee), {"file": SimpleUploadedFile("letter.pdf", PDF_BYTES)})
    referee.refresh_from_db()
    assert referee.letter_received_at is not None and referee.letter and not referee.letter_text


@pytest.fixture
def typed_letter_application():
    admin = admin_user()
    application = eligible_application(admin=admin,
                                       call=CallFactory(reviewers_per_application=2))
    referee = application.referees.order_by("id").first()
    services.referee_letter_upload(referee=referee, text=LETTER)
    return application, referee


def test_staff_read_the_typed_letter_and_download_it_as_a_pdf(client, typed_letter_application):
    application, referee = typed_letter_application
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    page = client.get(reverse("scholarships:application_view", args=[application.pk]))
    assert "Institut Sénégalais de Recherches Agricoles" in page.content.decode()
    response = client.get(reverse("scholarships:referee_letter_download",
                                  args=[application.pk, referee.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_reviewers_read_the_typed_letter_once_they_declared_no_conflict(
        client, typed_letter_application):
    application, referee = typed_letter_application
    assignment = services.review_assign(actor=admin_user(), application=application,
                                        reviewer=reviewer())
    client.force_login(assignment.reviewer)
    detail = reverse("scholarships:review_detail", args=[assignment.pk])
    assert "Institut Sénégalais" not in client.get(detail).content.decode()
    client.post(detail, {"conflict": "no"})
    assert "Institut Sénégalais de Recherches Agricoles" in client.get(detail).content.decode()
    response = client.get(reverse("scholarships:reviewer_letter",
                                  args=[assignment.pk, referee.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_applicant_never_reads_the_typed_letter(client, typed_letter_application):
    application, referee = typed_letter_application
    client.force_login(application.applicant.user)
    for url in [reverse("scholarships:referees_step", args=[application.pk]),
                reverse("scholarships:application_detail", args=[application.pk])]:
        assert "Institut Sénégalais" not in client.get(url).content.decode()
    assert client.get(reverse("scholarships:referee_letter_download",
                              args=[application.pk, referee.pk])).status_code in (403, 404)
