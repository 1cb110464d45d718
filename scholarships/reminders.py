"""The scholarship programme's reminders (found at startup by the reminders
app, which imports no programme). Each kind says who, which objects, when and
which e-mail; reminders.services makes each go exactly once."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reminders import schedule
from reminders.kinds import (
    USER_FIELDS,
    Due,
    Kind,
    Recipient,
    register,
    user_fields,
    user_recipient,
)

from .access import office
from .models import Application, AwardOffer, Referee, ReviewAssignment
from .referee_links import referee_token
from .states import FINAL, State


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _days(values) -> list[datetime.timedelta]:
    return [datetime.timedelta(days=days) for days in values]


def _name(*parts: str) -> str:
    # Person.full_name, from the columns the sweep's query reads.
    return " ".join(part for part in parts if part)


@register
class DraftNotSubmitted(Kind):
    """A draft not submitted: 7 days and 1 day before its call closes, to the
    applicant, in their language, with the link to their application. Only
    for moments the draft existed at: a draft started 3 days before the close
    gets the 1-day reminder, not a "7 days left" the day it starts."""

    code = "scholarships.draft_not_submitted"
    label = _("Draft application not submitted before the call closes")
    model = Application
    template = "scholarships/email/reminder_draft"
    view_permission = "scholarships.view_application"

    def delays(self):
        return _days(settings.REMINDER_DRAFT_DAYS_BEFORE_CLOSE)

    def due(self, now):
        delays = self.delays()
        # One query: drafts of the calls closing within the longest delay
        # (index application(state, ...); calls are few). Tuples, not model
        # instances: about 6,000 drafts a sweep at 100,000 applications.
        drafts = (Application.objects
                  .filter(state=State.DRAFT, call__closes_at__gt=now,
                          call__closes_at__lte=schedule.horizon(now, delays))
                  .order_by()
                  .values_list("id", "created_at", "call__closes_at", "applicant__email",
                               "applicant__user__email", "applicant__preferred_language",
                               "applicant__given_names", "applicant__family_name"))
        for pk, created_at, closes_at, email, login_email, language, given, family in drafts:
            due_at = schedule.before(closes_at, delays, now)
            address = email or login_email
            if due_at is None or due_at < created_at or not address:
                continue
            yield Due(object_id=pk, due_at=due_at, recipient=Recipient(
                email=address, language=language, name=_name(given, family)))

    def load(self, object_id):
        return (Application.objects.select_related("call", "applicant")
                .filter(pk=object_id).first())

    def context(self, application, log):
        if application.state != State.DRAFT or not application.call.is_open():
            return None
        return {
            "application": application,
            "call": application.call,
            "link": _absolute(reverse("scholarships:application_detail",
                                      args=[application.pk])),
        }

    def record_url(self, record_id):
        return reverse("scholarships:application_view", args=[record_id])


@register
class RefereeLetterMissing(Kind):
    """A referee's letter still missing 7 days before the call closes, to the
    referee, in the language the applicant chose for them, with their private
    link. Active referees only (not replaced), invited before that moment, of
    applications still in the running (not withdrawn, not found ineligible)."""

    code = "scholarships.referee_letter_missing"
    label = _("Referee's letter still missing before the call closes")
    model = Referee
    record_model = Application
    template = "scholarships/email/reminder_referee"
    view_permission = "scholarships.view_application"

    def delays(self):
        return _days(settings.REMINDER_REFEREE_DAYS_BEFORE_CLOSE)

    def due(self, now):
        delays = self.delays()
        referees = (Referee.objects
                    .filter(replaced_at__isnull=True, letter_received_at__isnull=True,
                            invited_at__isnull=False,
                            application__call__closes_at__gt=now,
                            application__call__closes_at__lte=schedule.horizon(now, delays))
                    .exclude(application__state__in=FINAL)
                    .order_by()
                    .values_list("id", "application_id", "invited_at",
                                 "application__call__closes_at", "email", "language", "name"))
        for pk, application_id, invited_at, closes_at, email, language, name in referees:
            due_at = schedule.before(closes_at, delays, now)
            if due_at is None or due_at < invited_at:
                continue
            yield Due(object_id=pk, record_id=application_id, due_at=due_at,
                      recipient=Recipient(email=email, language=language, name=name))

    def load(self, object_id):
        return (Referee.objects.select_related("application__call", "application__applicant")
                .filter(pk=object_id).first())

    def context(self, referee, log):
        application = referee.application
        if (referee.replaced_at or referee.letter_received_at or application.state in FINAL
                or not application.call.is_open()):
            return None
        return {
            "referee": referee,
            "applicant": application.applicant,
            "call": application.call,
            "link": _absolute(reverse("scholarships:referee_upload",
                                      args=[referee_token(referee)])),
            "days": settings.REFEREE_LINK_MAX_AGE_DAYS,
        }

    def record_url(self, record_id):
        return reverse("scholarships:application_view", args=[record_id])



# The assignments a reviewer still owes: to declare (a conflict of interest or
# none) or to score. Not cancelled, not a declared conflict, not submitted.
WAITING_FOR_REVIEWER = (ReviewAssignment.Status.TO_DECLARE, ReviewAssignment.Status.TO_SCORE)


def _office() -> list[Recipient]:
    """The scholarship administrators: every active user with the role and an
    address, each in their own language (as the place-freed e-mail does).
    One query."""
    rows = office().values_list(*USER_FIELDS)
    return [user_recipient(*row) for row in rows]


@register
class ReviewNotScored(Kind):
    """A review assignment still waiting for its reviewer (to declare or to
    score) 5 days after it was assigned, then every 5 days, to the reviewer in
    their language with the link to the review; from the reminder after the
    second (15 days) on, also to every scholarship administrator, who can
    chase the reviewer or assign another."""

    code = "scholarships.review_not_scored"
    label = _("Review not scored after its assignment")
    model = ReviewAssignment
    record_model = Application
    template = "scholarships/email/reminder_review"
    view_permission = "scholarships.view_application"

    def delays(self):
        """The first reminder, then the interval between the next ones."""
        return [datetime.timedelta(days=settings.REMINDER_REVIEW_FIRST_DAYS),
                datetime.timedelta(days=settings.REMINDER_REVIEW_EVERY_DAYS)]

    def occurrence(self, assigned_at, now):
        first, then = self.delays()
        return schedule.every(assigned_at, first=first, then=then, now=now)

    def due(self, now):
        first, _then = self.delays()
        escalate_after = settings.REMINDER_REVIEW_OFFICE_AFTER
        # Two queries: the waiting assignments assigned at least 5 days ago
        # (index review_assignment(status, assigned_at)), with their reviewer;
        # and the administrators.
        rows = (ReviewAssignment.objects
                .filter(status__in=WAITING_FOR_REVIEWER, assigned_at__lte=now - first,
                        reviewer__is_active=True)
                .exclude(application__state__in=FINAL)
                .order_by()
                .values_list("id", "application_id", "assigned_at", *user_fields("reviewer")))
        office = _office()
        for pk, application_id, assigned_at, *reviewer in rows:
            n, due_at = self.occurrence(assigned_at, now)
            recipient = user_recipient(*reviewer)
            if recipient.email:
                yield Due(object_id=pk, record_id=application_id, due_at=due_at,
                          recipient=recipient)
            if n > escalate_after:
                for admin in office:
                    yield Due(object_id=pk, record_id=application_id, due_at=due_at,
                              recipient=admin)

    def load(self, object_id):
        return (ReviewAssignment.objects
                .select_related("reviewer__person", "application__call")
                .filter(pk=object_id).first())

    def context(self, assignment, log):
        now = timezone.now()
        application = assignment.application
        if (assignment.status not in WAITING_FOR_REVIEWER or application.state in FINAL
                or not assignment.reviewer.is_active):
            return None
        occurrence = self.occurrence(assignment.assigned_at, now)
        if occurrence is None or occurrence[1] != log.due_at:
            return None  # a later reminder of the same assignment has come
        n = occurrence[0]
        reviewer = assignment.reviewer
        for_reviewer = log.recipient == (reviewer.email or "").strip().lower()
        if not for_reviewer and (n <= settings.REMINDER_REVIEW_OFFICE_AFTER or log.recipient
                                 not in {admin.email.strip().lower() for admin in _office()}):
            return None
        return {
            "assignment": assignment,
            "application": application,
            "call": application.call,
            "for_reviewer": for_reviewer,
            "reviewer_name": reviewer.get_full_name() or reviewer.get_username(),
            "waiting": assignment.status == ReviewAssignment.Status.TO_DECLARE,
            "days": (now - assignment.assigned_at).days,
            "reminders_before": n - 1,
            "link": _absolute(reverse("scholarships:review_detail", args=[assignment.pk])
                              if for_reviewer else
                              reverse("scholarships:application_view", args=[application.pk])),
        }

    def record_url(self, record_id):
        return reverse("scholarships:application_view", args=[record_id])


@register
class OfferNotAnswered(Kind):
    """An award offer still awaiting the applicant's answer 3 days before its
    deadline, to the applicant in their language, with the link to the offer
    in their portal. Only for offers made before that moment: an offer made
    with less than 3 days to answer says the deadline itself."""

    code = "scholarships.offer_not_answered"
    label = _("Award offer not answered before its deadline")
    model = AwardOffer
    record_model = Application
    template = "scholarships/email/reminder_offer"
    view_permission = "scholarships.view_application"

    def delays(self):
        return _days(settings.REMINDER_OFFER_DAYS_BEFORE_DEADLINE)

    def due(self, now):
        delays = self.delays()
        # One query: open offers whose deadline falls within the longest delay
        # (index award_offer(status, deadline)).
        offers = (AwardOffer.objects
                  .filter(status=AwardOffer.Status.OPEN, deadline__gt=now,
                          deadline__lte=schedule.horizon(now, delays))
                  .order_by()
                  .values_list("id", "application_id", "created_at", "deadline",
                               "application__applicant__email",
                               "application__applicant__user__email",
                               "application__applicant__preferred_language",
                               "application__applicant__given_names",
                               "application__applicant__family_name"))
        for pk, application_id, created_at, deadline, email, login_email, language, given, \
                family in offers:
            due_at = schedule.before(deadline, delays, now)
            address = email or login_email
            if due_at is None or due_at < created_at or not address:
                continue
            yield Due(object_id=pk, record_id=application_id, due_at=due_at, recipient=Recipient(
                email=address, language=language, name=_name(given, family)))

    def load(self, object_id):
        return (AwardOffer.objects.select_related("application__call", "application__applicant")
                .filter(pk=object_id).first())

    def context(self, offer, log):
        now = timezone.now()
        if offer.status != AwardOffer.Status.OPEN or offer.deadline <= now:
            return None
        if schedule.before(offer.deadline, self.delays(), now) != log.due_at:
            return None  # the deadline was moved: the new one has its own reminder
        application = offer.application
        return {
            "offer": offer,
            "application": application,
            "call": application.call,
            "deadline": offer.deadline,
            "link": _absolute(application.get_absolute_url()),
        }

    def record_url(self, record_id):
        return reverse("scholarships:application_view", args=[record_id])
