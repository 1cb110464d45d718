"""The moves of a return case, of its reintegration plan and of a monitoring
visit, declared once with common.statemachine (the states themselves are in
reintegration/states.py and the visit's model, below the models).

Nothing assigns Case.state, Plan.state or MonitoringVisit.status directly:
each has one transition service (services.cases.case_transition,
services.plans.plan_transition, services.monitoring.visit_transition) that
asks its declaration here, runs the declared guard (reintegration/guards.py,
by dotted path, so this module imports no reader) and records who, when and
why. Registered at import; ReintegrationConfig.ready imports this module."""

from django.utils.translation import gettext_lazy as _

from common.statemachine import Move, Workflow, register

from .models import MonitoringVisit
from .states import AFTER_ARRIVAL, FINAL, OPEN, NextAction, PlanState, State

__all__ = [
    "AFTER_ARRIVAL", "CASE", "FINAL", "MANUAL", "OPEN", "PLAN", "PLAN_TRANSITIONS",
    "REASON_REQUIRED", "TRANSITIONS", "VISIT", "NextAction", "PlanState", "State", "allowed",
    "moves_from", "plan_allowed",
]

GUARDS = "reintegration.guards."

# Moves that need a reason in the audit trail: they end a case early.
REASON_REQUIRED = (State.WITHDRAWN, State.NO_SHOW, State.LOST_CONTACT)

# Moves a caseworker makes with a button on the case page. The others follow
# from another action: approving the plan agrees it, the first delivery starts
# the assistance, and the departure and arrival have their own forms.
MANUAL = (State.COUNSELLING, State.RETURN_APPROVED, State.MONITORING, State.CLOSED,
          State.NO_SHOW, State.LOST_CONTACT, State.WITHDRAWN)

CASE = register(Workflow(
    "Return case", model="reintegration.Case", field="state", states=State,
    initial=[State.INTAKE], final=FINAL,
    doc="Any open case may be withdrawn (the person changes their mind), with a reason.",
    moves=[
        Move(State.INTAKE, State.COUNSELLING, label=_("counselling held")),
        Move(State.COUNSELLING, State.RETURN_APPROVED, label=_("return approved")),
        Move(State.RETURN_APPROVED, State.DEPARTURE_PLANNED, label=_("departure planned"),
             guard=GUARDS + "departure", page="reintegration:case_departure"),
        Move(State.DEPARTURE_PLANNED, State.RETURNED, label=_("arrival recorded"),
             guard=GUARDS + "arrival", page="reintegration:case_arrival"),
        Move(State.DEPARTURE_PLANNED, State.NO_SHOW, label=_("no-show"), reason=True),
        Move(State.RETURNED, State.PLAN_AGREED, label=_("plan approved"),
             guard=GUARDS + "plan_agreed"),
        Move(State.PLAN_AGREED, State.ASSISTANCE_IN_PROGRESS, label=_("first delivery"),
             guard=GUARDS + "assistance"),
        Move(State.ASSISTANCE_IN_PROGRESS, State.MONITORING, label=_("plan finished"),
             guard=GUARDS + "monitoring"),
        Move(State.MONITORING, State.CLOSED, label=_("last visit done"),
             guard=GUARDS + "closed"),
        Move(State.MONITORING, State.LOST_CONTACT, label=_("lost contact"), reason=True),
        *(Move(state, State.WITHDRAWN, label=_("withdrawn"), reason=True) for state in OPEN),
    ],
))

PLAN = register(Workflow(
    "Reintegration plan", model="reintegration.Plan", field="state", states=PlanState,
    initial=[PlanState.DRAFT], final=[PlanState.CLOSED],
    moves=[
        Move(PlanState.DRAFT, PlanState.SUBMITTED, label=_("submitted")),
        # A supervisor approves, or sends the plan back for changes with a reason.
        Move(PlanState.SUBMITTED, PlanState.APPROVED, label=_("approved")),
        Move(PlanState.SUBMITTED, PlanState.DRAFT, label=_("sent back"), reason=True),
        # Closed with a reason when what is left will not be delivered.
        Move(PlanState.APPROVED, PlanState.CLOSED, label=_("closed"), reason=True),
    ],
))

VISIT = register(Workflow(
    "Monitoring visit", model="reintegration.MonitoringVisit", field="status",
    states=MonitoringVisit.Status, initial=[MonitoringVisit.Status.PLANNED],
    final=[MonitoringVisit.Status.DONE, MonitoringVisit.Status.WAIVED],
    doc=("A scheduled visit is recorded from REINTEGRATION_VISIT_WINDOW_DAYS before its due "
         "date, or earlier with a reason."),
    moves=[
        Move(MonitoringVisit.Status.PLANNED, MonitoringVisit.Status.DONE, label=_("recorded"),
             page="reintegration:visit_record"),
        Move(MonitoringVisit.Status.PLANNED, MonitoringVisit.Status.WAIVED, label=_("waived"),
             reason=True),
    ],
))

# The tables as they were before the declarations, for the callers that read them.
TRANSITIONS = CASE.transitions
PLAN_TRANSITIONS = PLAN.transitions


def allowed(current: str, target: str) -> bool:
    return CASE.allowed(current, target)


def moves_from(current: str) -> list[State]:
    """The states a case in `current` may go to, in workflow order."""
    return [state for state in State if state != current and allowed(current, state)]


def plan_allowed(current: str, target: str) -> bool:
    return PLAN.allowed(current, target)
