"""The scholarships workflows, declared once with common.statemachine: the
moves of Application.state, AwardOffer.status and ReviewAssignment.status,
who may make each, the guard that must hold and whether a reason must be
given. The README's diagrams are drawn from these declarations
(`manage.py workflow_diagrams`).

Nothing assigns a status directly: one transition service per workflow looks
the move up here, checks the capacity, the reason and the guard, and records
who, when and why (services.applications.application_transition,
services.awards.offer_transition, services.review.review_transition).

This module imports only the states: the guards (guards.py, which read
through the selectors) are named by their dotted path and looked up when a
move is checked, so declaring a workflow imports no service, selector or view.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from common.statemachine import Move, Workflow, register

from .states import (  # noqa: F401 - the states are read from here too
    FINAL,
    NEXT_STEP,
    OUTCOME_STATES,
    WITHDRAWABLE,
    Actor,
    OfferStatus,
    ReviewStatus,
    State,
)

# --- what the guards say ------------------------------------------------------------
# A guard (guards.py) gets the record (locked) and the Context of the move, and
# returns None when the move may happen or one of these sentences.

MSG_GUARD_NOT_ELIGIBLE = _("The automatic pre-check finds unmet conditions: %(problems)s")
MSG_GUARD_NO_SUBMISSION = _("The application is not complete, not eligible, or the call is "
                            "not open.")
MSG_GUARD_REVIEWERS = ngettext_lazy(
    "Assign %(needed)s reviewer first (%(count)s assigned).",
    "Assign %(needed)s reviewers first (%(count)s assigned).", "needed")
MSG_GUARD_REVIEWS_PENDING = ngettext_lazy(
    "The review is not complete: %(submitted)s of %(needed)s submitted.",
    "The reviews are not complete: %(submitted)s of %(needed)s submitted.", "needed")
MSG_GUARD_THIRD_REVIEW = _("The reviewers' scores differ by more than %(threshold)s points: "
                           "a third review is needed first.")
MSG_GUARD_NO_OFFER = _("Make the offer (package, period and deadline) first.")
MSG_GUARD_DEADLINE_PASSED = _("The deadline to answer this offer has passed.")
MSG_GUARD_DEADLINE_NOT_PASSED = _("The offer's deadline has not passed yet.")
MSG_GUARD_NO_ARRIVAL = _("Record the scholar's arrival and the confirmation of enrolment first.")
MSG_GUARD_NO_COMPLETION = _("Record the date of completion first.")


@dataclass(frozen=True)
class Context:
    """What a guard may look at besides the record."""

    capacity: str
    now: object
    override_reason: str = ""


# --- applications ------------------------------------------------------------------------

APPLICANT, ADMINISTRATOR, SYSTEM = Actor.APPLICANT, Actor.ADMINISTRATOR, Actor.SYSTEM
# The capacity of the reviewer a review is assigned to (workflow REVIEW only).
REVIEWER = "reviewer"


@dataclass(frozen=True)
class ApplicationMove(Move):
    """A move of an application. `by` holds Actor capacities; `reason_from`
    those who must say why (an administrator withdrawing on someone's behalf
    must; the applicant need not); `page` the URL name of the page where a move
    that needs more than a reason (a package, a date, a committee) is made."""

    # The move takes one of the awards: the quota and the ceiling apply (places.py).
    takes_place: bool = False


def _guard(name: str) -> str:
    return f"scholarships.guards.{name}"


_DECISION_PAGE = "scholarships:ranking"
_OFFER_PAGE = "scholarships:offer_make"
_FOLLOW_UP_PAGE = "scholarships:follow_up"

M = ApplicationMove

MOVES: tuple[ApplicationMove, ...] = (
    M(State.DRAFT, State.SUBMITTED, (APPLICANT,), _("Submit"), _guard("submission_ready")),
    M(State.SUBMITTED, State.ELIGIBLE, (ADMINISTRATOR,), _("Confirm eligibility"),
      _guard("eligible")),
    M(State.SUBMITTED, State.INELIGIBLE, (ADMINISTRATOR,), _("Not eligible"),
      reason_from=(ADMINISTRATOR,)),
    M(State.ELIGIBLE, State.IN_REVIEW, (ADMINISTRATOR, SYSTEM), _("Start the review"),
      _guard("reviewers_assigned")),
    M(State.IN_REVIEW, State.RANKED, (ADMINISTRATOR, SYSTEM), _("Close the review"),
      _guard("reviews_complete")),
    M(State.RANKED, State.SELECTED, (ADMINISTRATOR,), _("Selected"), _guard("place_free"),
      page=_DECISION_PAGE, takes_place=True),
    M(State.RANKED, State.RESERVE, (ADMINISTRATOR,), _("Reserve list"), page=_DECISION_PAGE),
    M(State.RANKED, State.NOT_SELECTED, (ADMINISTRATOR,), _("Not selected"),
      page=_DECISION_PAGE),
    M(State.SELECTED, State.OFFERED, (ADMINISTRATOR,), _("Make the offer"),
      _guard("open_offer_made"), page=_OFFER_PAGE),
    # A place freed by a decline or a lapse goes to the next reserve candidate
    # automatically (the system); an administrator may also offer one by hand.
    M(State.RESERVE, State.OFFERED, (ADMINISTRATOR, SYSTEM), _("Make the offer"),
      _guard("offer_to_reserve"), page=_OFFER_PAGE, takes_place=True),
    M(State.RESERVE, State.NOT_SELECTED, (ADMINISTRATOR,), _("Close the reserve list"),
      reason_from=(ADMINISTRATOR,)),
    M(State.OFFERED, State.ACCEPTED, (APPLICANT,), _("Accept the offer"),
      _guard("offer_answerable")),
    M(State.OFFERED, State.DECLINED, (APPLICANT, ADMINISTRATOR), _("Declined"),
      reason_from=(ADMINISTRATOR,)),
    M(State.OFFERED, State.LAPSED, (SYSTEM, ADMINISTRATOR), _("Lapse the offer"),
      _guard("offer_overdue")),
    M(State.ACCEPTED, State.ENROLLED, (ADMINISTRATOR,), _("Enrolled"),
      _guard("enrolment_confirmed"), page=_FOLLOW_UP_PAGE),
    # A scholar who never arrives (visa refused, for example).
    M(State.ACCEPTED, State.DISCONTINUED, (ADMINISTRATOR,), _("Discontinue"),
      reason_from=(ADMINISTRATOR,), page=_FOLLOW_UP_PAGE),
    M(State.ENROLLED, State.COMPLETED, (ADMINISTRATOR,), _("Completed"),
      _guard("completion_recorded"), page=_FOLLOW_UP_PAGE),
    M(State.ENROLLED, State.DISCONTINUED, (ADMINISTRATOR,), _("Discontinue"),
      reason_from=(ADMINISTRATOR,), page=_FOLLOW_UP_PAGE),
    *(M(state, State.WITHDRAWN, (APPLICANT, ADMINISTRATOR), _("Withdraw"),
        reason_from=(ADMINISTRATOR,)) for state in WITHDRAWABLE),
)

APPLICATION = register(Workflow(
    "Scholarship application", model="scholarships.Application", field="state",
    states=State, moves=MOVES, initial=[State.DRAFT], final=FINAL,
    doc="From the draft to the scholar's completion. Moves to a decision page (ranking, "
        "offer, follow-up) need more than a reason; a move to Selected or from the reserve "
        "to Offered takes one of the awards (quota and yearly ceiling, `scholarships/places.py`).",
))

TRANSITIONS = APPLICATION.transitions


def move_between(current: str, target: str) -> ApplicationMove | None:
    return APPLICATION.move_between(current, target)


def moves_from(current: str, capacity: str) -> list[ApplicationMove]:
    """The moves someone in this capacity may try from this state, in the
    order declared."""
    return [m for m in APPLICATION.moves_from(current) if capacity in m.by]


def allowed(current: str, target: str) -> bool:
    return APPLICATION.allowed(current, target)


# --- award offers -------------------------------------------------------------------------
# The application moves with its offer (services.awards): the offer's move is
# checked here, the application's in MOVES above.

OFFER = register(Workflow(
    "Scholarship award offer", model="scholarships.AwardOffer", field="status",
    states=OfferStatus, initial=[OfferStatus.OPEN],
    final=[OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.LAPSED,
           OfferStatus.WITHDRAWN],
    moves=[
        Move(OfferStatus.OPEN, OfferStatus.ACCEPTED, (APPLICANT,), _("Accept the offer")),
        Move(OfferStatus.OPEN, OfferStatus.DECLINED, (APPLICANT, ADMINISTRATOR), _("Declined"),
             reason_from=(ADMINISTRATOR,)),
        Move(OfferStatus.OPEN, OfferStatus.LAPSED, (SYSTEM, ADMINISTRATOR),
             _("Lapse the offer"), _guard("offer_deadline_passed")),
        # The application was withdrawn (by the applicant, or an administrator
        # on their behalf): the offer closes with it.
        Move(OfferStatus.OPEN, OfferStatus.WITHDRAWN, (APPLICANT, ADMINISTRATOR),
             _("Withdraw")),
    ],
    doc="A declined, lapsed or withdrawn offer frees its place, which goes to the next "
        "reserve candidate of the call.",
))


# --- review assignments ------------------------------------------------------------------

REVIEW = register(Workflow(
    "Scholarship review assignment", model="scholarships.ReviewAssignment", field="status",
    states=ReviewStatus, initial=[ReviewStatus.TO_DECLARE],
    final=[ReviewStatus.CONFLICT, ReviewStatus.SUBMITTED, ReviewStatus.CANCELLED],
    moves=[
        Move(ReviewStatus.TO_DECLARE, ReviewStatus.TO_SCORE, (REVIEWER,),
             _("No conflict of interest")),
        # The reason is what the conflict is.
        Move(ReviewStatus.TO_DECLARE, ReviewStatus.CONFLICT, (REVIEWER,),
             _("Conflict of interest"), reason=True),
        Move(ReviewStatus.TO_SCORE, ReviewStatus.SUBMITTED, (REVIEWER,), _("Submit the review"),
             _guard("review_open")),
        # Taken back from a reviewer who does not answer (an administrator), or
        # stopped because the application was withdrawn (the system).
        Move(ReviewStatus.TO_DECLARE, ReviewStatus.CANCELLED, (ADMINISTRATOR, SYSTEM),
             _("Cancel")),
        Move(ReviewStatus.TO_SCORE, ReviewStatus.CANCELLED, (ADMINISTRATOR, SYSTEM),
             _("Cancel")),
    ],
    doc="The reviewer first declares a conflict of interest or none; only then does the "
        "application open to them (`scholarships/access.py`).",
))
