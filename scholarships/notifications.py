"""E-mails of the scholarship programme, each in its recipient's language."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Application, Referee
from .pdf import submission_summary_pdf


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def referee_invitation_send(*, referee_id: int) -> bool:
    """E-mail a referee their private upload link, once. Returns False when
    there is nothing to send (already invited, replaced, letter already in).
    The row is locked and stamped in the same transaction, so a task that runs
    twice (a retry, a redelivery after a worker crash) sends one e-mail; a
    failed send rolls the stamp back and the retry sends it."""
    from .services import referee_token

    with transaction.atomic():
        referee = Referee.objects.select_for_update(of=("self",)).select_related(
            "application__applicant", "application__call").get(pk=referee_id)
        if referee.invited_at or referee.replaced_at or referee.letter_received_at:
            return False
        link = _absolute(reverse("scholarships:referee_upload", args=[referee_token(referee)]))
        with translation.override(referee.language):
            context = {"referee": referee, "applicant": referee.application.applicant,
                       "call": referee.application.call, "link": link,
                       "days": settings.REFEREE_LINK_MAX_AGE_DAYS}
            subject = render_to_string("scholarships/email/referee_invitation_subject.txt",
                                       context).strip()
            body = render_to_string("scholarships/email/referee_invitation.txt", context)
        EmailMessage(subject, body, to=[referee.email]).send()
        referee.invited_at = timezone.now()
        referee.save(update_fields=["invited_at"])
    return True


def submission_confirmation_send(*, application_id: int) -> bool:
    """Confirm a submission to the applicant, with the PDF of what they sent.
    Sent once: the row is locked and stamped in the same transaction."""
    with transaction.atomic():
        application = Application.objects.select_for_update(of=("self",)).select_related(
            "applicant", "call").get(pk=application_id)
        if application.confirmation_sent_at or not application.submitted_at:
            return False
        person = application.applicant
        recipient = person.email or (person.user.email if person.user_id else "")
        if not recipient:
            return False
        with translation.override(person.preferred_language):
            context = {"application": application, "person": person,
                       "status_link": _absolute(reverse("scholarships:my_applications"))}
            subject = render_to_string("scholarships/email/submission_subject.txt",
                                       context).strip()
            body = render_to_string("scholarships/email/submission.txt", context)
            pdf = submission_summary_pdf(application)
        message = EmailMessage(subject, body, to=[recipient])
        message.attach(f"{application.reference}.pdf", pdf, "application/pdf")
        message.send()
        application.confirmation_sent_at = timezone.now()
        application.save(update_fields=["confirmation_sent_at"])
    return True
