"""Award offers: making one, the applicant's answer, the lapse of an offer not
answered in time, and the place a decline or a lapse frees, which goes to the
next reserve candidate of the same call."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import SYSTEM, actor_capacity
from ..duplicates import duplicate_award_problem
from ..models import Application, AwardOffer, OfferTransition, ScholarFollowUp
from ..notify import award_offer_notify, place_freed_notify
from ..places import lock_places, place_problem
from ..selectors import reserve_queue
from ..states import Actor, OfferStatus, State
from ..workflow import OFFER, Context
from .applications import (
    MSG_CHANGED_MEANWHILE,
    InvalidTransition,
    _locked,
    _locked_for,
    application_transition,
)

BRUSSELS = ZoneInfo("Europe/Brussels")

MSG_NOT_OFFERABLE = _("An offer can be made to a selected or reserve candidate only; this "
                      "application is “%(state)s”.")
MSG_ALLOWANCE_POSITIVE = _("The monthly allowance must be more than zero.")
MSG_AMOUNT_NEGATIVE = _("An amount cannot be negative.")
MSG_ENDS_BEFORE_START = _("The scholarship must end after it starts.")
MSG_DEADLINE_PAST = _("The deadline to answer must be in the future.")
MSG_DEADLINE_AFTER_START = _("The deadline to answer must be before the scholarship starts.")
MSG_OFFER_NOT_OPEN = _("This offer was already answered or has lapsed.")
MSG_NOT_YOUR_OFFER = _("This offer was not made to you.")
MSG_PROMOTED_REASON = _("Place freed by %(reference)s (%(status)s).")
MSG_NO_STUDY_PERIOD = _("The study plan gives no start and duration after today: make this "
                        "offer on the application's page.")


def deadline_end_of_day(day: datetime.date) -> datetime.datetime:
    """An answer is due by the end of the day, Brussels time."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=BRUSSELS)


def offer_default_deadline(now=None) -> datetime.datetime:
    now = now or timezone.now()
    day = timezone.localtime(now, BRUSSELS).date()
    days = settings.SCHOLARSHIP_OFFER_RESPONSE_DAYS
    return deadline_end_of_day(day + datetime.timedelta(days=days))


def package_problems(*, monthly_allowance: Decimal, tuition: Decimal, travel: Decimal,
                     insurance: Decimal, starts_on, ends_on, deadline, now=None) -> dict:
    """What is wrong with a package, per field: the form shows the same rules."""
    now = now or timezone.now()
    problems = {}
    if monthly_allowance is not None and monthly_allowance <= 0:
        problems["monthly_allowance"] = MSG_ALLOWANCE_POSITIVE
    for name, value in (("tuition", tuition), ("travel", travel), ("insurance", insurance)):
        if value is not None and value < 0:
            problems[name] = MSG_AMOUNT_NEGATIVE
    if starts_on and ends_on and ends_on <= starts_on:
        problems["ends_on"] = MSG_ENDS_BEFORE_START
    if deadline is not None:
        if deadline <= now:
            problems["deadline"] = MSG_DEADLINE_PAST
        elif starts_on and timezone.localtime(deadline, BRUSSELS).date() >= starts_on:
            problems["deadline"] = MSG_DEADLINE_AFTER_START
    return problems


def _create_offer(*, actor, application: Application, package: dict, replaces=None,
                  now) -> AwardOffer:
    offer = AwardOffer.objects.create(
        application=application, created_by=None if actor is SYSTEM else actor,
        replaces=replaces, created_at=now, **package,
    )
    transaction.on_commit(lambda: award_offer_notify.delay(offer.pk))
    return offer


@transaction.atomic
def award_offer_make(*, actor, application: Application, monthly_allowance: Decimal,
                     tuition: Decimal, travel: Decimal, insurance: Decimal, starts_on,
                     ends_on, deadline, expected_state: str | None = None,
                     override_reason: str = "", duplicate_reason: str = "",
                     now=None) -> AwardOffer:
    """Offer the award to a selected candidate, or to a reserve candidate (which
    takes a place: the quota and ceiling apply, unless overridden with a
    reason). A likely duplicate holding an award of the academic year needs
    `duplicate_reason`. The applicant is e-mailed the letter once this commits."""
    now = now or timezone.now()
    package = {"monthly_allowance": monthly_allowance, "tuition": tuition, "travel": travel,
               "insurance": insurance, "starts_on": starts_on, "ends_on": ends_on,
               "deadline": deadline}
    problems = package_problems(**package, now=now)
    if problems:
        raise ValidationError(problems)
    lock_places(application.call_id)
    locked = _locked(application)
    if locked.state not in (State.SELECTED, State.RESERVE):
        if expected_state is not None and locked.state != expected_state:
            raise InvalidTransition(MSG_CHANGED_MEANWHILE % {"state": State(locked.state).label},
                                    code="changed")
        raise ValidationError(MSG_NOT_OFFERABLE % {"state": State(locked.state).label},
                              code="state")
    offer = _create_offer(actor=actor, application=locked, package=package, now=now)
    # The one service decides: a stale page, a full quota or a missing
    # permission are refused there, and the offer above is rolled back with it.
    application_transition(actor=actor, application=application, to=State.OFFERED,
                           expected_state=expected_state, override_reason=override_reason,
                           duplicate_reason=duplicate_reason, now=now)
    return offer


def offer_transition(*, actor, offer: AwardOffer, to: str, reason: str = "",
                     now=None) -> AwardOffer:
    """Move a locked offer to `to` if workflow.OFFER declares the move for the
    actor's capacity (with its reason and guard), and record who, when, from,
    to and why. The application moves with it through application_transition
    (the caller's business)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    capacity = actor_capacity(actor, offer.application) or ""
    OFFER.check(offer, offer.status, to, capacity=capacity, reason=reason,
                context=Context(capacity=capacity, now=now))
    OfferTransition.objects.create(offer=offer, from_status=offer.status, to_status=to,
                                   actor=None if actor is SYSTEM else actor, at=now,
                                   reason=reason)
    offer.status = to
    offer.answered_at = now
    offer.save(update_fields=["status", "answered_at"])
    return offer


def _locked_offer(offer: AwardOffer, to: str) -> AwardOffer:
    """The offer locked, after its application (and, for a decline or a
    lapse, the academic year's calls): always calls, then application, then
    offer, as a withdrawal does, so two answers never wait for each other."""
    application = _locked_for(offer.application, to)
    # The offer row alone, then read again with the lock held (see _locked).
    AwardOffer.objects.select_for_update().filter(pk=offer.pk).values_list("pk").get()
    locked = AwardOffer.objects.get(pk=offer.pk)
    locked.application = application
    return locked


@transaction.atomic
def award_offer_accept(*, actor, offer: AwardOffer, now=None) -> AwardOffer:
    """The applicant accepts before the deadline; the scholar's follow-up starts."""
    now = now or timezone.now()
    offer = _locked_offer(offer, State.ACCEPTED)
    if offer.status != AwardOffer.Status.OPEN:
        raise ValidationError(MSG_OFFER_NOT_OPEN, code="answered")
    application_transition(actor=actor, application=offer.application, to=State.ACCEPTED,
                           now=now)
    offer_transition(actor=actor, offer=offer, to=OfferStatus.ACCEPTED, now=now)
    ScholarFollowUp.objects.get_or_create(application=offer.application)
    return offer


@transaction.atomic
def award_offer_decline(*, actor, offer: AwardOffer, reason: str = "", now=None) -> AwardOffer:
    """The applicant declines (or an administrator records their decline, with
    a reason). The place goes to the next reserve candidate."""
    now = now or timezone.now()
    offer = _locked_offer(offer, State.DECLINED)
    if offer.status != AwardOffer.Status.OPEN:
        raise ValidationError(MSG_OFFER_NOT_OPEN, code="answered")
    application_transition(actor=actor, application=offer.application, to=State.DECLINED,
                           reason=reason, now=now)
    offer_transition(actor=actor, offer=offer, to=OfferStatus.DECLINED, reason=reason, now=now)
    offer.answer_reason = (reason or "").strip()
    offer.save(update_fields=["answer_reason"])
    place_freed(offer=offer, now=now)
    return offer


@transaction.atomic
def award_offer_lapse(*, actor, offer: AwardOffer, now=None) -> bool:
    """An open offer whose deadline has passed lapses, and its place goes to
    the next reserve candidate. Safe to run twice: an offer answered or lapsed
    meanwhile is left alone (returns False)."""
    now = now or timezone.now()
    offer = _locked_offer(offer, State.LAPSED)
    if offer.status != AwardOffer.Status.OPEN or offer.deadline > now:
        return False
    reason = str(_("No answer before the deadline."))
    application_transition(actor=actor, application=offer.application, to=State.LAPSED,
                           reason=reason, now=now)
    offer_transition(actor=actor, offer=offer, to=OfferStatus.LAPSED, reason=reason, now=now)
    place_freed(offer=offer, now=now)
    return True


def offer_close_after_withdrawal(*, actor, application: Application, now=None) -> None:
    """application_withdraw calls this inside its transaction, places locked."""
    now = now or timezone.now()
    offer = AwardOffer.objects.select_for_update().filter(
        application=application, status=AwardOffer.Status.OPEN).first()
    if offer is None:
        return
    offer.application = application
    offer_transition(actor=actor, offer=offer, to=OfferStatus.WITHDRAWN, now=now)
    place_freed(offer=offer, now=now)


def study_period(application: Application, today) -> tuple | None:
    """(start, end) of the scholarship from the applicant's study plan, when
    it starts after today: the last day of the month before start + months."""
    start, months = application.planned_start, application.duration_months
    if not (start and months and start > today):
        return None
    month = start.month - 1 + months
    end = datetime.date(start.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def _period_for(candidate: Application, freed: AwardOffer, today) -> tuple:
    """The candidate's own study plan when it still lies ahead, or the freed offer's period."""
    return study_period(candidate, today) or (freed.starts_on, freed.ends_on)


def award_offers_make_for_selected(*, actor, call, monthly_allowance: Decimal, tuition: Decimal,
                                   travel: Decimal, insurance: Decimal, deadline,
                                   now=None) -> tuple[list, list]:
    """The same package offered to every selected candidate of the call who has
    no offer yet, each for the period of their own study plan; each offer in
    its own transaction through award_offer_make. Returns the offers made and
    (application, reason) for each candidate refused: one whose study plan
    gives no period ahead gets their offer one by one."""
    now = now or timezone.now()
    today = timezone.localtime(now, BRUSSELS).date()
    made, refused = [], []
    selected = (Application.objects.filter(call=call, state=State.SELECTED)
                .select_related("call", "applicant").order_by("submitted_at", "id"))
    for application in selected:
        period = study_period(application, today)
        if period is None:
            refused.append((application, str(MSG_NO_STUDY_PERIOD)))
            continue
        try:
            made.append(award_offer_make(
                actor=actor, application=application, monthly_allowance=monthly_allowance,
                tuition=tuition, travel=travel, insurance=insurance, starts_on=period[0],
                ends_on=period[1], deadline=deadline, expected_state=State.SELECTED, now=now))
        except ValidationError as error:
            refused.append((application, " ".join(error.messages)))
    return made, refused


def place_freed(*, offer: AwardOffer, now=None) -> AwardOffer | None:
    """The place of a declined, lapsed or withdrawn offer goes to the next
    reserve candidate of the same call, with the same package, and the
    scholarship administrators are told (e-mail after commit; the ranking page
    shows it too). Runs inside the caller's transaction, which holds the lock
    on the academic year's calls: two places freed at the same moment are
    given one after the other, never the same candidate twice."""
    now = now or timezone.now()
    transaction.on_commit(lambda: place_freed_notify.delay(offer.pk))
    call = offer.application.call
    candidate = reserve_queue(call).select_related("call", "applicant").first()
    # A candidate whose likely duplicate holds an award waits for an
    # administrator, who may offer by hand with a reason; the place stays free.
    if (candidate is None or place_problem(candidate)
            or duplicate_award_problem(candidate, capacity=Actor.SYSTEM)[0]):
        return None
    today = timezone.localtime(now, BRUSSELS).date()
    starts_on, ends_on = _period_for(candidate, offer, today)
    deadline = offer_default_deadline(now)
    if timezone.localtime(deadline, BRUSSELS).date() >= starts_on:
        # A late promotion: a week to answer rather than none.
        deadline = deadline_end_of_day(today + datetime.timedelta(days=7))
    package = {"monthly_allowance": offer.monthly_allowance, "tuition": offer.tuition,
               "travel": offer.travel, "insurance": offer.insurance, "starts_on": starts_on,
               "ends_on": ends_on, "deadline": deadline}
    new_offer = _create_offer(actor=SYSTEM, application=candidate, package=package,
                              replaces=offer, now=now)
    application_transition(
        actor=SYSTEM, application=candidate, to=State.OFFERED, now=now,
        reason=str(MSG_PROMOTED_REASON % {"reference": offer.application.reference,
                                          "status": offer.get_status_display()}))
    return new_offer
