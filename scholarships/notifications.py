"""E-mails of the scholarship programme, each in its recipient's language.
Each is sent once: the row is locked and stamped in the same transaction, so
a task run twice (a retry, a redelivery after a worker crash) sends one."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from common import formats

from .access import office
from .models import Application, ApplicationTransition, AwardOffer, Referee, ReviewAssignment
from .pdf import award_letter_pdf, submission_summary_pdf
from .referee_links import referee_token
from .states import OUTCOME_STATES

BRUSSELS = ZoneInfo("Europe/Brussels")


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _address_of(person) -> str:
    """An applicant's e-mail address: their registry record's, else their login's."""
    return person.email or (person.user.email if person.user_id else "")


def referee_invitation_send(*, referee_id: int) -> bool:
    """E-mail a referee their private upload link, once. Returns False when
    there is nothing to send (already invited, replaced, letter already in).
    The row is locked and stamped in the same transaction, so a task that runs
    twice (a retry, a redelivery after a worker crash) sends one e-mail; a
    failed send rolls the stamp back and the retry sends it."""
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
        recipient = _address_of(person)
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


def _language_of(user) -> str:
    """A staff member's or reviewer's language: their registry record's, if any."""
    person = getattr(user, "person", None) if user is not None else None
    return getattr(person, "preferred_language", None) or settings.LANGUAGE_CODE


def _brussels(moment) -> str:
    return formats.moment(moment, BRUSSELS)


def review_assignment_send(*, assignment_id: int) -> bool:
    """Tell a reviewer an application waits for them, once."""
    with transaction.atomic():
        assignment = (ReviewAssignment.objects.select_for_update(of=("self",))
                      .select_related("reviewer", "application__call")
                      .get(pk=assignment_id))
        reviewer = assignment.reviewer
        if assignment.notified_at or assignment.status != ReviewAssignment.Status.TO_DECLARE \
                or not reviewer.email:
            return False
        with translation.override(_language_of(reviewer)):
            context = {"application": assignment.application,
                       "call": assignment.application.call,
                       "reviewer_name": reviewer.get_full_name() or reviewer.get_username(),
                       "queue_link": _absolute(reverse("scholarships:reviewer_home"))}
            subject = render_to_string("scholarships/email/review_assignment_subject.txt",
                                       context).strip()
            body = render_to_string("scholarships/email/review_assignment.txt", context)
        EmailMessage(subject, body, to=[reviewer.email]).send()
        assignment.notified_at = timezone.now()
        assignment.save(update_fields=["notified_at"])
    return True


def award_offer_send(*, offer_id: int) -> bool:
    """The offer to the applicant, with the award letter in their language, once."""
    with transaction.atomic():
        offer = (AwardOffer.objects.select_for_update(of=("self",))
                 .select_related("application__applicant__user", "application__call__programme",
                                 "application__host_institution").get(pk=offer_id))
        if offer.applicant_notified_at or offer.status != AwardOffer.Status.OPEN:
            return False
        person = offer.application.applicant
        recipient = _address_of(person)
        if not recipient:
            return False
        with translation.override(person.preferred_language):
            context = {"application": offer.application, "person": person, "offer": offer,
                       "deadline": _brussels(offer.deadline),
                       "status_link": _absolute(offer.application.get_absolute_url())}
            subject = render_to_string("scholarships/email/award_offer_subject.txt",
                                       context).strip()
            body = render_to_string("scholarships/email/award_offer.txt", context)
            pdf = award_letter_pdf(offer)
        message = EmailMessage(subject, body, to=[recipient])
        message.attach(f"{offer.application.reference}-award-letter.pdf", pdf,
                       "application/pdf")
        message.send()
        offer.applicant_notified_at = timezone.now()
        offer.save(update_fields=["applicant_notified_at"])
    return True


def place_freed_send(*, offer_id: int) -> bool:
    """Tell the scholarship administrators that an offer gave its place back
    and who took it, once. One e-mail per administrator, in their language."""
    with transaction.atomic():
        freed = (AwardOffer.objects.select_for_update(of=("self",))
                 .select_related("application__call").get(pk=offer_id))
        if freed.admins_notified_at or freed.status == AwardOffer.Status.OPEN:
            return False
        replacement = (freed.replacements.select_related("application__applicant")
                       .order_by("id").first())
        admins = list(office().select_related("person"))
        messages = []
        for admin in admins:
            with translation.override(_language_of(admin)):
                context = {"freed": freed, "call": freed.application.call,
                           "status": str(freed.get_status_display()).lower(),
                           "replacement": replacement,
                           "deadline": _brussels(replacement.deadline) if replacement else "",
                           "ranking_link": _absolute(reverse(
                               "scholarships:ranking", args=[freed.application.call_id]))}
                subject = render_to_string("scholarships/email/place_freed_subject.txt",
                                           context).strip()
                body = render_to_string("scholarships/email/place_freed.txt", context)
            messages.append(EmailMessage(subject, body, to=[admin.email]))
        if messages:
            messages[0].get_connection().send_messages(messages)
        freed.admins_notified_at = timezone.now()
        freed.save(update_fields=["admins_notified_at"])
    return True


def application_outcome_send(*, transition_id: int) -> bool:
    """Tell the applicant a decision that offers them nothing: not eligible,
    on the reserve list, not selected (workflow.OUTCOME_STATES), once per move.
    Nothing is sent when the application has moved on meanwhile (a reserve
    candidate offered a place before the e-mail left gets the offer's e-mail
    only)."""
    with transaction.atomic():
        transition = (ApplicationTransition.objects.select_for_update(of=("self",))
                      .select_related("application__applicant__user", "application__call",
                                      "meeting")
                      .get(pk=transition_id))
        application = transition.application
        if transition.applicant_notified_at or transition.to_state not in OUTCOME_STATES \
                or application.state != transition.to_state:
            return False
        person = application.applicant
        recipient = _address_of(person)
        if not recipient:
            return False
        with translation.override(person.preferred_language):
            context = {"application": application, "person": person, "call": application.call,
                       "state": transition.to_state, "from_state": transition.from_state,
                       "meeting": transition.meeting,
                       "status_link": _absolute(application.get_absolute_url()),
                       "calls_link": _absolute(reverse("scholarships:call_list"))}
            subject = render_to_string("scholarships/email/outcome_subject.txt",
                                       context).strip()
            body = render_to_string("scholarships/email/outcome.txt", context)
        EmailMessage(subject, body, to=[recipient]).send()
        transition.applicant_notified_at = timezone.now()
        transition.save(update_fields=["applicant_notified_at"])
    return True
