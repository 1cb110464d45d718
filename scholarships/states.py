"""The states of the scholarships records and the groups of states the rules
talk about: what the models need, and nothing that moves them. The moves and
their guards are declared in workflow.py (Application.state, AwardOffer.status,
ReviewAssignment.status)."""

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
    """In which capacity someone moves an application (and an offer; a review
    assignment is moved by its reviewer too: workflow.REVIEWER)."""

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

# Reviewers are assigned to, and score, applications in these states.
REVIEWABLE = (State.ELIGIBLE, State.IN_REVIEW)

# Which states hold an award, and which moves take or free one: places.py.

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


class OfferStatus(models.TextChoices):
    """AwardOffer.status: an offer's own small state; the application moves with it."""

    OPEN = "open", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Application withdrawn")


class ReviewStatus(models.TextChoices):
    """ReviewAssignment.status: the reviewer first declares a conflict of
    interest or none; only then does the application open to them."""

    TO_DECLARE = "to_declare", _("Conflict of interest to declare")
    TO_SCORE = "to_score", _("To score")
    CONFLICT = "conflict", _("Conflict of interest declared")
    SUBMITTED = "submitted", _("Review submitted")
    CANCELLED = "cancelled", _("Cancelled")
