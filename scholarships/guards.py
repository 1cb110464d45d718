"""The guards of the scholarships workflows (workflow.py names them by their
dotted path), and the moves a user may try now with why each would be refused
(the buttons of the staff pages and the admin).

A guard gets the record (locked, in a transition service) and the
workflow.Context of the move, and returns None when the move may happen or the
sentence saying why not. Guards read through the selectors and the rules
(steps, eligibility, places), never through the services."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import actor_capacity
from .eligibility import eligibility_problems
from .models import Application, ScholarFollowUp
from .places import place_problem
from .selectors import open_offer, review_summary
from .states import REVIEWABLE
from .steps import missing_items
from .workflow import (
    MSG_GUARD_DEADLINE_NOT_PASSED,
    MSG_GUARD_DEADLINE_PASSED,
    MSG_GUARD_NO_ARRIVAL,
    MSG_GUARD_NO_COMPLETION,
    MSG_GUARD_NO_OFFER,
    MSG_GUARD_NO_SUBMISSION,
    MSG_GUARD_NOT_ELIGIBLE,
    MSG_GUARD_REVIEWERS,
    MSG_GUARD_REVIEWS_PENDING,
    MSG_GUARD_THIRD_REVIEW,
    Context,
    moves_from,
)

MSG_GUARD_REVIEW_CLOSED = _("The review of this application is over.")



# --- applications ------------------------------------------------------------------------

def submission_ready(application: Application, context: Context):
    if (not application.call.is_open(context.now) or missing_items(application)
            or eligibility_problems(application)):
        return MSG_GUARD_NO_SUBMISSION
    return None


def eligible(application: Application, context: Context):
    problems = eligibility_problems(application)
    if problems:
        return MSG_GUARD_NOT_ELIGIBLE % {"problems": " ".join(problems)}
    return None


def reviewers_assigned(application: Application, context: Context):
    summary = review_summary(application)
    if summary.live < summary.needed:
        return MSG_GUARD_REVIEWERS % {"needed": summary.needed, "count": summary.live}
    return None


def reviews_complete(application: Application, context: Context):
    summary = review_summary(application)
    if summary.needs_third_review:
        return MSG_GUARD_THIRD_REVIEW % {"threshold": summary.threshold}
    if summary.open or summary.submitted < summary.needed:
        return MSG_GUARD_REVIEWS_PENDING % {"submitted": summary.submitted,
                                            "needed": summary.needed}
    return None


def place_free(application: Application, context: Context):
    """A place is free (places.py), or the administrator overrides with a
    reason (stored on the audit row)."""
    if context.override_reason.strip():
        return None
    return place_problem(application)


def open_offer_made(application: Application, context: Context):
    if open_offer(application) is None:
        return MSG_GUARD_NO_OFFER
    return None


def offer_to_reserve(application: Application, context: Context):
    return open_offer_made(application, context) or place_free(application, context)


def offer_answerable(application: Application, context: Context):
    offer = open_offer(application)
    if offer is None:
        return MSG_GUARD_NO_OFFER
    if context.now >= offer.deadline:
        return MSG_GUARD_DEADLINE_PASSED
    return None


def offer_overdue(application: Application, context: Context):
    offer = open_offer(application)
    if offer is not None and context.now < offer.deadline:
        return MSG_GUARD_DEADLINE_NOT_PASSED
    return None


def enrolment_confirmed(application: Application, context: Context):
    if not ScholarFollowUp.objects.filter(application=application, arrived_on__isnull=False,
                                          enrolment_confirmed_on__isnull=False).exists():
        return MSG_GUARD_NO_ARRIVAL
    return None


def completion_recorded(application: Application, context: Context):
    if not ScholarFollowUp.objects.filter(application=application,
                                          completed_on__isnull=False).exists():
        return MSG_GUARD_NO_COMPLETION
    return None


# --- offers and reviews --------------------------------------------------------------------

def offer_deadline_passed(offer, context: Context):
    if context.now < offer.deadline:
        return MSG_GUARD_DEADLINE_NOT_PASSED
    return None


def review_open(assignment, context: Context | None):
    """Scores come in while the application is in review."""
    if assignment.application.state not in REVIEWABLE:
        return MSG_GUARD_REVIEW_CLOSED
    return None


# --- the buttons ---------------------------------------------------------------------------

def available_moves(*, actor, application: Application) -> list:
    """The moves this actor may try from the application's state, in the
    declared order (for buttons); each with the reason it would be refused
    now, or None."""
    capacity = actor_capacity(actor, application)
    if capacity is None:
        return []
    context = Context(capacity=capacity, now=timezone.now())
    return [(move, move.problem(application, context) if not move.page else None)
            for move in moves_from(application.state, capacity)]


PAGE_LABELS = {
    "scholarships:ranking": _("Decide in the committee (ranking of the call)"),
    "scholarships:offer_make": None,  # the move's own label
    "scholarships:follow_up": _("Follow-up of the scholar"),
}


def next_steps(*, user, application: Application) -> list[dict]:
    """The buttons of an application's staff and admin pages: the moves this
    user may make from its state, each with why it would be refused now (or
    None), or the address of the page that makes it (one link per page)."""
    steps, pages = [], set()
    for move, problem in available_moves(actor=user, application=application):
        url = ""
        if move.page:
            if move.page in pages:
                continue
            pages.add(move.page)
            url = reverse(move.page, args=[application.call_id if move.page ==
                                           "scholarships:ranking" else application.pk])
        steps.append({"move": move, "problem": problem, "url": url,
                      "label": PAGE_LABELS.get(move.page) or move.label,
                      "needs_reason": bool(move.reason_from)})
    return steps
