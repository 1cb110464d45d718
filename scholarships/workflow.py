"""The application's states and the moves allowed between them, declared once.

Each move says who may make it (the applicant, a scholarship administrator, or
the system: the periodic sweeps and the automatic steps of the services), the
guard that must hold, and whether a reason must be given. Nothing assigns
Application.state directly: services.application_transition looks the move up
in MOVES, checks the actor and the guard, and appends an ApplicationTransition
row (who, when, from, to, why)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    IN_REVIEW = "in_review", _("In review")
    RANKED = "ranked", _("Ranked")
    SELECTED = "selected", _("Selected")
    RESERVE = "reserve", _("On the reserve list")
    NOT_SELECTED = "not_selected", _("Not selected")
    OFFERED = "offered", _("Offered a scholarship")
    ACCEPTED = "accepted", _("Offer accepted")
    DECLINED = "declined", _("Offer declined")
    LAPSED = "lapsed", _("Offer lapsed")
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Actor(models.TextChoices):
    """In which capacity someone moves an application."""

    APPLICANT = "applicant", _("the applicant")
    ADMINISTRATOR = "administrator", _("a scholarship administrator")
    SYSTEM = "system", _("the system")


# Before a final decision the applicant may withdraw.
WITHDRAWABLE = (State.DRAFT, State.SUBMITTED, State.ELIGIBLE, State.IN_REVIEW, State.RANKED,
                State.SELECTED, State.RESERVE, State.OFFERED)

FINAL = (State.INELIGIBLE, State.NOT_SELECTED, State.DECLINED, State.LAPSED, State.COMPLETED,
         State.DISCONTINUED, State.WITHDRAWN)

# Decisions the applicant is e-mailed about, in their language, once per move
# (an offer has its own e-mail, with the award letter).
OUTCOME_STATES = (State.INELIGIBLE, State.RESERVE, State.NOT_SELECTED)

# An application in one of these states holds one of the call's awards: it
# counts against the call's quota and the yearly ceiling. A decline, a lapse or
# a withdrawal gives the place back.
HOLDS_PLACE = (State.SELECTED, State.OFFERED, State.ACCEPTED, State.ENROLLED, State.COMPLETED,
               State.DISCONTINUED)

# Moves that take or free a place: they run with the academic year's calls
# locked, so two of them never count the same free place.
PLACE_MOVES = (State.SELECTED, State.RESERVE, State.NOT_SELECTED, State.OFFERED,
               State.DECLINED, State.LAPSED)

# What the applicant reads on their status page: the state in plain words and
# what happens next.
NEXT_STEP = {
    State.DRAFT: _("Complete every step and submit before the call closes."),
    State.SUBMITTED: _("Your application is with the scholarship office, which checks that it "
                       "meets the conditions of the call."),
    State.ELIGIBLE: _("Your application meets the conditions and will be sent to reviewers."),
    State.INELIGIBLE: _("Your application does not meet the conditions of the call."),
    State.IN_REVIEW: _("Independent reviewers are scoring your application."),
    State.RANKED: _("The selection committee will decide after the reviews."),
    State.SELECTED: _("You have been selected. An offer will follow."),
    State.RESERVE: _("You are on the reserve list: you will receive an offer if a place frees up."),
    State.NOT_SELECTED: _("Your application was not selected this time."),
    State.OFFERED: _("Accept or decline the offer before its deadline."),
    State.ACCEPTED: _("Prepare your travel and enrolment."),
    State.DECLINED: _("You declined the offer."),
    State.LAPSED: _("The offer lapsed: it was not answered before its deadline."),
    State.ENROLLED: _("Your host institution confirmed your enrolment."),
    State.COMPLETED: _("You completed your programme."),
    State.DISCONTINUED: _("Your scholarship was discontinued."),
    State.WITHDRAWN: _("You withdrew this application."),
}

# --- guards ------------------------------------------------------------------------
# A guard gets the application (locked) and the context of the move, and
# returns None when the move may happen or the sentence saying why not.

MSG_GUARD_NOT_ELIGIBLE = _("The automatic pre-check finds unmet conditions: %(problems)s")
MSG_GUARD_NO_SUBMISSION = _("The application is not complete, not eligible, or the call is "
                            "not open.")
MSG_GUARD_REVIEWERS = _("Assign %(needed)s reviewers first (%(count)s assigned).")
MSG_GUARD_REVIEWS_PENDING = _("The reviews are not complete: %(submitted)s of %(needed)s "
                              "submitted.")
MSG_GUARD_THIRD_REVIEW = _("The reviewers' scores differ by more than %(threshold)s points: "
                           "a third review is needed first.")
MSG_GUARD_QUOTA = _("The call's %(quota)s awards are all taken (%(used)s). Exceeding the quota "
                    "needs an override with a reason.")
MSG_GUARD_CEILING = _("The yearly ceiling of %(ceiling)s awards for %(year)s is reached "
                      "(%(used)s). Exceeding it needs an override with a reason.")
MSG_GUARD_NO_OFFER = _("Make the offer (package, period and deadline) first.")
MSG_GUARD_DEADLINE_PASSED = _("The deadline to answer this offer has passed.")
MSG_GUARD_DEADLINE_NOT_PASSED = _("The offer's deadline has not passed yet.")
MSG_GUARD_NO_ARRIVAL = _("Record the scholar's arrival and the confirmation of enrolment first.")
MSG_GUARD_NO_COMPLETION = _("Record the date of completion first.")


@dataclass(frozen=True)
class Context:
    """What a guard may look at besides the application."""

    capacity: str
    now: object
    override_reason: str = ""


def _submission_ready(application, context: Context):
    from .eligibility import eligibility_problems
    from .steps import missing_items

    if (not application.call.is_open(context.now) or missing_items(application)
            or eligibility_problems(application)):
        return MSG_GUARD_NO_SUBMISSION
    return None


def _eligible(application, context: Context):
    from .eligibility import eligibility_problems

    problems = eligibility_problems(application)
    if problems:
        return MSG_GUARD_NOT_ELIGIBLE % {"problems": " ".join(problems)}
    return None


def _reviewers_assigned(application, context: Context):
    from .selectors import review_summary

    summary = review_summary(application)
    if summary.live < summary.needed:
        return MSG_GUARD_REVIEWERS % {"needed": summary.needed, "count": summary.live}
    return None


def _reviews_complete(application, context: Context):
    from .selectors import review_summary

    summary = review_summary(application)
    if summary.needs_third_review:
        return MSG_GUARD_THIRD_REVIEW % {"threshold": summary.threshold}
    if summary.open or summary.submitted < summary.needed:
        return MSG_GUARD_REVIEWS_PENDING % {"submitted": summary.submitted,
                                            "needed": summary.needed}
    return None


def place_problem(application):
    """Why the application cannot take one more of the awards (the call's quota,
    then the yearly ceiling over all calls of the academic year), or None."""
    from .selectors import places_used

    used = places_used(application.call, exclude=application)
    if used.call + 1 > used.quota:
        return MSG_GUARD_QUOTA % {"quota": used.quota, "used": used.call}
    if used.year + 1 > used.ceiling:
        return MSG_GUARD_CEILING % {"ceiling": used.ceiling, "year": used.year_label,
                                    "used": used.year}
    return None


def _place_free(application, context: Context):
    """A place is free, or the administrator overrides with a reason (stored on
    the audit row)."""
    if context.override_reason.strip():
        return None
    return place_problem(application)


def _open_offer(application, context: Context):
    from .models import AwardOffer

    if not AwardOffer.objects.filter(application=application,
                                     status=AwardOffer.Status.OPEN).exists():
        return MSG_GUARD_NO_OFFER
    return None


def _offer_to_reserve(application, context: Context):
    return _open_offer(application, context) or _place_free(application, context)


def _offer_answerable(application, context: Context):
    from .models import AwardOffer

    offer = AwardOffer.objects.filter(application=application,
                                      status=AwardOffer.Status.OPEN).first()
    if offer is None:
        return MSG_GUARD_NO_OFFER
    if context.now >= offer.deadline:
        return MSG_GUARD_DEADLINE_PASSED
    return None


def _offer_overdue(application, context: Context):
    from .models import AwardOffer

    offer = AwardOffer.objects.filter(application=application,
                                      status=AwardOffer.Status.OPEN).first()
    if offer is not None and context.now < offer.deadline:
        return MSG_GUARD_DEADLINE_NOT_PASSED
    return None


def _enrolment_confirmed(application, context: Context):
    from .models import ScholarFollowUp

    if not ScholarFollowUp.objects.filter(application=application, arrived_on__isnull=False,
                                          enrolment_confirmed_on__isnull=False).exists():
        return MSG_GUARD_NO_ARRIVAL
    return None


def _completion_recorded(application, context: Context):
    from .models import ScholarFollowUp

    if not ScholarFollowUp.objects.filter(application=application,
                                          completed_on__isnull=False).exists():
        return MSG_GUARD_NO_COMPLETION
    return None


# --- the moves ------------------------------------------------------------------------

APPLICANT, ADMINISTRATOR, SYSTEM = Actor.APPLICANT, Actor.ADMINISTRATOR, Actor.SYSTEM


@dataclass(frozen=True)
class Move:
    source: State
    target: State
    by: tuple[Actor, ...]
    # What the button says (staff pages and the admin).
    label: str = ""
    guard: Callable | None = None
    # Who must say why (an administrator withdrawing on someone's behalf must;
    # the applicant need not).
    reason_from: tuple[Actor, ...] = ()
    # Moves that need more than a reason (a package, a date, a committee) are
    # made on their own page: the name of that page's URL.
    page: str = ""
    # The move takes one of the awards: quota and ceiling apply.
    takes_place: bool = False


_DECISION_PAGE = "scholarships:ranking"
_OFFER_PAGE = "scholarships:offer_make"
_FOLLOW_UP_PAGE = "scholarships:follow_up"

MOVES: tuple[Move, ...] = (
    Move(State.DRAFT, State.SUBMITTED, (APPLICANT,), _("Submit"), _submission_ready),
    Move(State.SUBMITTED, State.ELIGIBLE, (ADMINISTRATOR,), _("Confirm eligibility"),
         _eligible),
    Move(State.SUBMITTED, State.INELIGIBLE, (ADMINISTRATOR,), _("Not eligible"),
         reason_from=(ADMINISTRATOR,)),
    Move(State.ELIGIBLE, State.IN_REVIEW, (ADMINISTRATOR, SYSTEM), _("Start the review"),
         _reviewers_assigned),
    Move(State.IN_REVIEW, State.RANKED, (ADMINISTRATOR, SYSTEM), _("Close the review"),
         _reviews_complete),
    Move(State.RANKED, State.SELECTED, (ADMINISTRATOR,), _("Selected"), _place_free,
         page=_DECISION_PAGE, takes_place=True),
    Move(State.RANKED, State.RESERVE, (ADMINISTRATOR,), _("Reserve list"),
         page=_DECISION_PAGE),
    Move(State.RANKED, State.NOT_SELECTED, (ADMINISTRATOR,), _("Not selected"),
         page=_DECISION_PAGE),
    Move(State.SELECTED, State.OFFERED, (ADMINISTRATOR,), _("Make the offer"), _open_offer,
         page=_OFFER_PAGE),
    # A place freed by a decline or a lapse goes to the next reserve candidate
    # automatically (the system); an administrator may also offer one by hand.
    Move(State.RESERVE, State.OFFERED, (ADMINISTRATOR, SYSTEM), _("Make the offer"),
         _offer_to_reserve, page=_OFFER_PAGE, takes_place=True),
    Move(State.RESERVE, State.NOT_SELECTED, (ADMINISTRATOR,), _("Close the reserve list"),
         reason_from=(ADMINISTRATOR,)),
    Move(State.OFFERED, State.ACCEPTED, (APPLICANT,), _("Accept the offer"),
         _offer_answerable),
    Move(State.OFFERED, State.DECLINED, (APPLICANT, ADMINISTRATOR), _("Declined"),
         reason_from=(ADMINISTRATOR,)),
    Move(State.OFFERED, State.LAPSED, (SYSTEM, ADMINISTRATOR), _("Lapse the offer"),
         _offer_overdue),
    Move(State.ACCEPTED, State.ENROLLED, (ADMINISTRATOR,), _("Enrolled"), _enrolment_confirmed,
         page=_FOLLOW_UP_PAGE),
    # A scholar who never arrives (visa refused, for example).
    Move(State.ACCEPTED, State.DISCONTINUED, (ADMINISTRATOR,), _("Discontinue"),
         reason_from=(ADMINISTRATOR,), page=_FOLLOW_UP_PAGE),
    Move(State.ENROLLED, State.COMPLETED, (ADMINISTRATOR,), _("Completed"),
         _completion_recorded, page=_FOLLOW_UP_PAGE),
    Move(State.ENROLLED, State.DISCONTINUED, (ADMINISTRATOR,), _("Discontinue"),
         reason_from=(ADMINISTRATOR,), page=_FOLLOW_UP_PAGE),
    *(Move(state, State.WITHDRAWN, (APPLICANT, ADMINISTRATOR), _("Withdraw"),
           reason_from=(ADMINISTRATOR,)) for state in WITHDRAWABLE),
)

MOVE_BY_STATES: dict[tuple[str, str], Move] = {(m.source, m.target): m for m in MOVES}

TRANSITIONS: dict[State, tuple[State, ...]] = {}
for _move in MOVES:
    TRANSITIONS.setdefault(_move.source, ())
    TRANSITIONS[_move.source] += (_move.target,)


def move_between(current: str, target: str) -> Move | None:
    return MOVE_BY_STATES.get((current, target))


def moves_from(current: str, capacity: str) -> list[Move]:
    """The moves someone in this capacity may try from this state, in the
    order declared."""
    return [m for m in MOVES if m.source == current and capacity in m.by]


def allowed(current: str, target: str) -> bool:
    return move_between(current, target) is not None
