"""The application's states and the moves allowed between them, declared once.

Nothing assigns Application.state directly: services.application_transition
checks the move against TRANSITIONS, runs its guard, and appends an
ApplicationTransition row (who, when, from, to, why)."""

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


# Before a final decision the applicant may withdraw.
WITHDRAWABLE = (State.DRAFT, State.SUBMITTED, State.ELIGIBLE, State.IN_REVIEW, State.RANKED,
                State.SELECTED, State.RESERVE, State.OFFERED)

TRANSITIONS: dict[State, tuple[State, ...]] = {
    State.DRAFT: (State.SUBMITTED, State.WITHDRAWN),
    State.SUBMITTED: (State.ELIGIBLE, State.INELIGIBLE, State.WITHDRAWN),
    State.ELIGIBLE: (State.IN_REVIEW, State.WITHDRAWN),
    State.IN_REVIEW: (State.RANKED, State.WITHDRAWN),
    State.RANKED: (State.SELECTED, State.RESERVE, State.NOT_SELECTED, State.WITHDRAWN),
    State.SELECTED: (State.OFFERED, State.WITHDRAWN),
    State.RESERVE: (State.OFFERED, State.NOT_SELECTED, State.WITHDRAWN),
    State.OFFERED: (State.ACCEPTED, State.DECLINED, State.LAPSED, State.WITHDRAWN),
    State.ACCEPTED: (State.ENROLLED,),
    State.ENROLLED: (State.COMPLETED, State.DISCONTINUED),
}

FINAL = (State.INELIGIBLE, State.NOT_SELECTED, State.DECLINED, State.LAPSED, State.COMPLETED,
         State.DISCONTINUED, State.WITHDRAWN)

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


def allowed(current: str, target: str) -> bool:
    if target == State.WITHDRAWN:
        return current in WITHDRAWABLE
    return target in TRANSITIONS.get(State(current), ())
