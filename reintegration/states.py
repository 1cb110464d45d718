"""The states of a return case and of its reintegration plan, and what the
caseload schedules next: plain choices, below the models. The moves between
the states are declared in reintegration/workflow.py."""

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


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    CLOSED = "closed", _("Closed")


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
