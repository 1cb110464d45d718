"""The states of a return case and of its reintegration plan, and the moves
allowed between them, declared once.

Nothing assigns Case.state or Plan.state directly: reintegration.services
checks a move against these tables, runs the guard declared for it there
(services.cases.GUARDS), and appends an audit row (who, when, from, to, why)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    INTAKE = "intake", _("Intake")
    COUNSELLING = "counselling", _("Counselling")
    RETURN_APPROVED = "return_approved", _("Return approved")
    DEPARTURE_PLANNED = "departure_planned", _("Departure planned")
    RETURNED = "returned", _("Returned")
    PLAN_AGREED = "plan_agreed", _("Plan agreed")
    ASSISTANCE_IN_PROGRESS = "assistance", _("Assistance in progress")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NO_SHOW = "no_show", _("No-show")
    LOST_CONTACT = "lost_contact", _("Lost contact")


FINAL = (State.CLOSED, State.WITHDRAWN, State.NO_SHOW, State.LOST_CONTACT)
OPEN = tuple(state for state in State if state not in FINAL)
# The person is back in the country of return: arrival was recorded.
AFTER_ARRIVAL = (State.RETURNED, State.PLAN_AGREED, State.ASSISTANCE_IN_PROGRESS,
                 State.MONITORING, State.CLOSED, State.LOST_CONTACT)

TRANSITIONS: dict[State, tuple[State, ...]] = {
    State.INTAKE: (State.COUNSELLING,),
    State.COUNSELLING: (State.RETURN_APPROVED,),
    State.RETURN_APPROVED: (State.DEPARTURE_PLANNED,),
    State.DEPARTURE_PLANNED: (State.RETURNED, State.NO_SHOW),
    State.RETURNED: (State.PLAN_AGREED,),
    State.PLAN_AGREED: (State.ASSISTANCE_IN_PROGRESS,),
    State.ASSISTANCE_IN_PROGRESS: (State.MONITORING,),
    State.MONITORING: (State.CLOSED, State.LOST_CONTACT),
}

# Moves that need a reason in the audit trail: they end a case early.
REASON_REQUIRED = (State.WITHDRAWN, State.NO_SHOW, State.LOST_CONTACT)

# Moves a caseworker makes with a button on the case page. The others follow
# from another action: approving the plan agrees it, the first delivery starts
# the assistance, and the departure and arrival have their own forms.
MANUAL = (State.COUNSELLING, State.RETURN_APPROVED, State.MONITORING, State.CLOSED,
          State.NO_SHOW, State.LOST_CONTACT, State.WITHDRAWN)


def allowed(current: str, target: str) -> bool:
    """Any open case may be withdrawn (the person changes their mind)."""
    if target == State.WITHDRAWN:
        return current in OPEN
    return target in TRANSITIONS.get(State(current), ())


def moves_from(current: str) -> list[State]:
    """The states a case in `current` may go to, in workflow order."""
    return [state for state in State if state != current and allowed(current, state)]


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    CLOSED = "closed", _("Closed")


PLAN_TRANSITIONS: dict[PlanState, tuple[PlanState, ...]] = {
    PlanState.DRAFT: (PlanState.SUBMITTED,),
    # A supervisor approves, or sends the plan back for changes with a reason.
    PlanState.SUBMITTED: (PlanState.APPROVED, PlanState.DRAFT),
    # Closed with a reason when what is left will not be delivered.
    PlanState.APPROVED: (PlanState.CLOSED,),
}


def plan_allowed(current: str, target: str) -> bool:
    return target in PLAN_TRANSITIONS.get(PlanState(current), ())


class NextAction(models.TextChoices):
    """What a caseworker does next on a case; stored on the case with its due
    date by the services (services.cases.case_refresh), so the caseload sorts
    and filters in the database."""

    COUNSEL = "counsel", _("Hold the first counselling session")
    DECIDE = "decide", _("Decide on the return")
    PLAN_DEPARTURE = "plan_departure", _("Plan the departure and check travel documents")
    RECORD_ARRIVAL = "record_arrival", _("Record the arrival or a no-show")
    AGREE_PLAN = "agree_plan", _("Agree the reintegration plan")
    APPROVE_PLAN = "approve_plan", _("Plan awaiting a supervisor's approval")
    DELIVER = "deliver", _("Deliver the approved assistance")
    VISIT = "visit", _("Monitoring visit")
    CLOSE = "close", _("Close the case")
