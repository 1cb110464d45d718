"""The guards of the return case's moves (declared in workflow.CASE by dotted
path). Each reads through the selectors, never the services, and either
returns the sentence saying why the move cannot happen now, or raises a
ValidationError keyed by the field the user must correct.

`context` is a dict: "changes" holds the values the move brings (the
departure or arrival date typed), "known" what a page already loaded
("plan" with its lines prefetched, "visits" ordered by due date) so that it is
not read again; the move itself always reads afresh under the case's lock."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import formats
from common.statemachine import Problem

from . import selectors
from .models import MonitoringVisit
from .states import PlanState

MSG_DEPARTURE_REQUIRED = _("Give the planned departure date.")
MSG_DEPARTURE_IN_PAST = _("The planned departure cannot be in the past.")
MSG_ARRIVAL_BEFORE_DEPARTURE = _("The arrival cannot be before the planned departure "
                                 "(%(departure)s). Move the departure date first if it changed.")
MSG_DOCUMENT_EXPIRES = _(
    "%(document)s of %(name)s expires on %(expires)s, before the planned departure on "
    "%(departure)s. Renew it or record another valid travel document in the registry first."
)
MSG_NO_TRAVEL_DOCUMENT = _(
    "%(name)s has no passport, national identity card or travel document valid on "
    "%(departure)s. Record one in the registry first."
)
MSG_ARRIVAL_REQUIRED = _("Give the date of arrival.")
MSG_ARRIVAL_IN_FUTURE = _("The arrival cannot be in the future.")
MSG_ARRIVAL_BEFORE_OPENING = _("The arrival cannot be before the case was opened (%(opened)s).")
MSG_PLAN_NOT_APPROVED = _("A supervisor must approve the reintegration plan first.")
MSG_NO_DELIVERY = _("Record a first delivery of assistance first.")
MSG_PLAN_NOT_FINISHED = _("The reintegration plan is not fully delivered: deliver what is left "
                          "or close the plan with a reason first.")
MSG_LAST_VISIT_OPEN = _("The last monitoring visit (due on %(due)s) is neither done nor waived "
                        "with a reason.")
MSG_NO_VISIT = _("The case has no monitoring visit: schedule one first.")


def iso(day) -> str:
    # A date in a message, in the user's language (common/formats), not ISO.
    return formats.day(day)


def _changes(context) -> dict:
    return (context or {}).get("changes") or {}


def _known(context) -> dict:
    return (context or {}).get("known") or {}


def travel_document_problems(case, departure) -> list[str]:
    """One sentence per person travelling (the principal and the returning
    members) who holds no travel document valid on the day of departure,
    naming the document that expires too early."""
    problems = []
    for traveller in selectors.travellers_without_document(case, departure):
        person, latest = traveller.person, traveller.latest
        if latest is not None:
            problems.append(MSG_DOCUMENT_EXPIRES % {
                "document": f"{latest.get_kind_display()} {latest.number}",
                "name": person.full_name, "expires": iso(latest.expires_on),
                "departure": iso(departure),
            })
        else:
            problems.append(MSG_NO_TRAVEL_DOCUMENT % {"name": person.full_name,
                                                      "departure": iso(departure)})
    return problems


def departure(case, context) -> None:
    departure_on = _changes(context).get("planned_departure_on")
    if departure_on is None:
        raise ValidationError({"planned_departure_on": MSG_DEPARTURE_REQUIRED})
    if departure_on < timezone.localdate():
        raise ValidationError({"planned_departure_on": MSG_DEPARTURE_IN_PAST})
    problems = travel_document_problems(case, departure_on)
    if problems:
        raise ValidationError(problems, code="travel_document")


def arrival(case, context) -> None:
    arrived = _changes(context).get("arrived_on")
    if arrived is None:
        raise ValidationError({"arrived_on": MSG_ARRIVAL_REQUIRED})
    if arrived > timezone.localdate():
        raise ValidationError({"arrived_on": MSG_ARRIVAL_IN_FUTURE})
    opened = timezone.localtime(case.created_at).date()
    if arrived < opened:
        raise ValidationError({"arrived_on": MSG_ARRIVAL_BEFORE_OPENING % {"opened": iso(opened)}})
    # The dates of a case are in order: nobody arrives before leaving.
    departure_on = case.planned_departure_on
    if departure_on and arrived < departure_on:
        raise ValidationError({"arrived_on": MSG_ARRIVAL_BEFORE_DEPARTURE % {
            "departure": iso(departure_on)}})


def _plan_of(case, context):
    known = _known(context)
    return known["plan"] if "plan" in known else selectors.plan_of_case(case)


def _last_visit(case, context):
    known = _known(context)
    if "visits" in known:  # ordered by due_on, id
        return known["visits"][-1] if known["visits"] else None
    return selectors.last_visit(case)


def plan_agreed(case, context) -> Problem | None:
    plan = _plan_of(case, context)
    if plan is None or plan.state != PlanState.APPROVED:
        return MSG_PLAN_NOT_APPROVED
    return None


def assistance(case, context) -> Problem | None:
    return None if selectors.has_delivery(case) else MSG_NO_DELIVERY


def monitoring(case, context) -> Problem | None:
    return None if selectors.plan_finished(_plan_of(case, context)) else MSG_PLAN_NOT_FINISHED


def closed(case, context) -> Problem | None:
    problem = monitoring(case, context)
    if problem:
        return problem
    last = _last_visit(case, context)
    if last is None:
        return MSG_NO_VISIT
    if last.status == MonitoringVisit.Status.PLANNED:
        return MSG_LAST_VISIT_OPEN % {"due": iso(last.due_on)}
    return None
