"""The applicant downloads the PDF summary of their submitted application from
the portal (before, it only came as an e-mail attachment): their own only,
only once submitted, never kept in a cache, and recorded in the read log."""

import pytest
from django.urls import reverse

from audit.models import ReadEvent
from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    CallFactory,
    CompleteApplicationFactory,
    admin_user,
    eligible_application,
    reviewer,
    submitted_application,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def pdf_url(application):
    return reverse("scholarships:application_summary_pdf", args=[application.pk])


def test_the_owner_downloads_the_pdf_of_their_submitted_application(client):
    application = submitted_application()
    client.force_login(application.applicant.user)

    response = client.get(pdf_url(application))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{application.reference}.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    # The reference is in the document's keywords, in plain ASCII.
    assert application.reference.encode() in response.content
    event = ReadEvent.objects.get(user=application.applicant.user,
                                  action=ReadEvent.Action.DOWNLOAD)
    assert event.object_id == str(application.pk)


def test_the_application_page_links_to_the_pdf(client):
    application = submitted_application()
    client.force_login(application.applicant.user)

    response = client.get(application.get_absolute_url())

    assert pdf_url(application) in response.content.decode()
    assert "Download it as a PDF" in response.content.decode()


def test_another_applicant_gets_404(client):
    application = submitted_application()
    other = submitted_application()
    client.force_login(other.applicant.user)

    assert client.get(pdf_url(application)).status_code == 404


def test_a_reviewer_of_the_application_gets_404(client):
    admin = admin_user()
    application = eligible_application(admin=admin,
                                       call=CallFactory(reviewers_per_application=2))
    user = reviewer()
    services.review_assign(actor=admin, application=application, reviewer=user)
    client.force_login(user)

    assert client.get(pdf_url(application)).status_code == 404


def test_a_draft_has_no_pdf_and_no_link(client):
    draft = CompleteApplicationFactory(applicant__user=UserFactory())
    client.force_login(draft.applicant.user)

    assert client.get(pdf_url(draft)).status_code == 404
    assert pdf_url(draft) not in client.get(draft.get_absolute_url()).content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    application = submitted_application()

    response = client.get(pdf_url(application))

    assert response.status_code == 302
    assert "login" in response["Location"]
