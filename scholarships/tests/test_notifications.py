"""The programme's e-mails: the referee's invitation and the confirmation of
a submission with its PDF summary."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from registry.factories import PersonFactory, UserFactory
from scholarships import notifications, services, tasks
from scholarships.factories import ApplicationFactory, CompleteApplicationFactory, RefereeFactory
from scholarships.pdf import submission_summary_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def languages_rendered(monkeypatch):
    """The active language each time an e-mail template is rendered."""
    seen = []
    render = notifications.render_to_string

    def recording(template, context=None, *args, **kwargs):
        seen.append(translation.get_language())
        return render(template, context, *args, **kwargs)

    monkeypatch.setattr(notifications, "render_to_string", recording)
    return seen


@pytest.fixture
def submitted(settings):
    user = UserFactory()
    person = PersonFactory(user=user, birth_date=datetime.date(1994, 11, 3), country="BJ",
                           preferred_language="fr", given_names="Fifamè",
                           family_name="Houngbédji")
    application = CompleteApplicationFactory(applicant=person)
    return services.application_submit(actor=user, application=application)


# --- referee invitation ---------------------------------------------------------------------


def test_naming_a_referee_e_mails_their_link_after_commit(mailoutbox,
                                                          django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        referee = services.referee_add(actor=None, application=application,
                                       name="Dr. Ngozi Eze", email="n.eze@unn.edu.ng",
                                       institution="University of Nigeria", language="en")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["n.eze@unn.edu.ng"]
    assert application.applicant.full_name in message.subject
    referee.refresh_from_db()
    assert referee.invited_at is not None


def test_the_invitation_link_opens_the_upload_page(client, mailoutbox, settings):
    referee = RefereeFactory()
    assert tasks.referee_invitation_send.delay(referee.pk).get() is True
    body = mailoutbox[0].body
    prefix = settings.SITE_URL.rstrip("/") + reverse("scholarships:referee_upload", args=["x"])[:-2]
    line = next(line for line in body.splitlines() if line.startswith(prefix))
    path = line[len(settings.SITE_URL.rstrip("/")):]
    assert client.get(path).status_code == 200
    assert f"{settings.REFEREE_LINK_MAX_AGE_DAYS}" in body


def test_the_invitation_is_written_in_the_referees_language(mailoutbox, languages_rendered):
    referee = RefereeFactory(language="nl")
    with translation.override("en"):
        notifications.referee_invitation_send(referee_id=referee.pk)
    assert languages_rendered == ["nl", "nl"]  # subject and body
    assert len(mailoutbox) == 1


def test_the_invitation_is_sent_once_even_if_the_task_runs_twice(mailoutbox):
    referee = RefereeFactory()
    assert tasks.referee_invitation_send.delay(referee.pk).get() is True
    assert tasks.referee_invitation_send.delay(referee.pk).get() is False
    assert len(mailoutbox) == 1


def test_no_invitation_for_a_referee_replaced_or_who_already_answered(mailoutbox):
    replaced = RefereeFactory()
    services.referee_add(actor=None, application=replaced.application, name="New",
                         email="new@uni.example.org", replaces=replaced)
    answered = RefereeFactory()
    services.referee_letter_upload(
        referee=answered, upload=SimpleUploadedFile("l.pdf", b"%PDF-1.4\n%%EOF\n"),
        content_type="application/pdf")
    mailoutbox.clear()
    assert notifications.referee_invitation_send(referee_id=replaced.pk) is False
    assert notifications.referee_invitation_send(referee_id=answered.pk) is False
    assert mailoutbox == []


# --- submission confirmation -----------------------------------------------------------------


def test_the_confirmation_carries_the_reference_and_the_pdf(submitted, mailoutbox):
    assert tasks.submission_confirmation_send.delay(submitted.pk).get() is True
    message = mailoutbox[0]
    assert message.to == [submitted.applicant.email]
    assert submitted.reference in message.subject
    assert submitted.reference in message.body
    assert reverse("scholarships:my_applications") in message.body
    [(name, content, mimetype)] = message.attachments
    assert name == f"{submitted.reference}.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    # The page text is set in an embedded font (glyph numbers, not letters);
    # the document's keywords carry the reference in plain text.
    assert f"/Keywords ({submitted.reference})".encode() in content


def test_the_confirmation_is_sent_once_even_if_the_task_runs_twice(submitted, mailoutbox):
    assert tasks.submission_confirmation_send.delay(submitted.pk).get() is True
    assert tasks.submission_confirmation_send.delay(submitted.pk).get() is False
    assert len(mailoutbox) == 1
    submitted.refresh_from_db()
    assert submitted.confirmation_sent_at is not None


def test_the_confirmation_is_in_the_applicants_language(submitted, mailoutbox,
                                                       languages_rendered):
    notifications.submission_confirmation_send(application_id=submitted.pk)
    assert languages_rendered == ["fr", "fr"]


def test_a_draft_gets_no_confirmation(mailoutbox):
    draft = ApplicationFactory()
    assert notifications.submission_confirmation_send(application_id=draft.pk) is False
    assert mailoutbox == []


def test_submitting_sends_the_confirmation_after_commit(mailoutbox,
                                                       django_capture_on_commit_callbacks):
    user = UserFactory()
    person = PersonFactory(user=user, birth_date=datetime.date(1998, 2, 2), country="UG")
    application = CompleteApplicationFactory(applicant=person)
    with django_capture_on_commit_callbacks() as callbacks:
        services.application_submit(actor=user, application=application)
    assert mailoutbox == [], "nothing is sent before the transaction commits"
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1


def test_the_pdf_holds_what_was_submitted(submitted):
    pdf = submission_summary_pdf(submitted)
    assert pdf.startswith(b"%PDF")
    assert f"/Keywords ({submitted.reference})".encode() in pdf
    # Names with accents are set in a font that has the letters.
    assert b"DejaVu" in pdf
