"""The selection committee: its meeting and the decisions it takes on the
ranked applications of a call, within the quota and the yearly ceiling."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import may_decide
from ..models import Application, Call, CommitteeMeeting
from ..places import (  # noqa: F401 - MSG_EXCEEDS read from here too
    MSG_EXCEEDS,
    lock_places,
    over_by,
    places_used,
    selection_problem,
)
from ..states import State
from .applications import InvalidTransition, application_transition

MSG_NO_DECISION = _("Mark at least one application selected, reserve or not selected.")
MSG_MEMBERS_REQUIRED = _("Name the members present, one per line.")
MSG_RATIONALE_REQUIRED = _("Give the rationale of the committee's decisions.")
MSG_MEETING_IN_FUTURE = _("The meeting date cannot be in the future.")
MSG_COMMITTEE_ADMIN_ONLY = _("Only a scholarship administrator may record the committee's "
                             "decisions.")
MSG_DECISIONS_REFUSED = _("No decision was recorded: %(count)s could not be taken. See below.")

DECISIONS = (State.SELECTED, State.RESERVE, State.NOT_SELECTED)


@dataclass(frozen=True)
class Decision:
    application_id: int
    to: str
    # The state the committee saw on the page: someone else may have moved it since.
    seen_state: str


class DecisionsRefused(ValidationError):
    """All or nothing: a committee's decisions are recorded together, or none
    is. `refused` maps application ids to the reason."""

    def __init__(self, message, refused: dict[int, str] | None = None):
        super().__init__(message)
        self.refused = refused or {}


@transaction.atomic
def committee_decide(*, actor, call: Call, held_on, members_present: str, rationale: str,
                     decisions: list[Decision], override_reason: str = "",
                     duplicate_reason: str = "") -> CommitteeMeeting:
    """Record a committee meeting and its decisions (selected, reserve, not
    selected) in one transaction. The quota and the yearly ceiling are counted
    with every call of the academic year locked; exceeding them needs
    `override_reason`, which is kept on the meeting and on each decision that
    needed it. Selecting an applicant whose likely duplicate holds an award of
    the academic year needs `duplicate_reason`, recorded on that decision."""
    if not may_decide(actor):
        raise ValidationError(MSG_COMMITTEE_ADMIN_ONLY, code="not_permitted")
    if not decisions:
        raise ValidationError(MSG_NO_DECISION, code="empty")
    if not (members_present or "").strip():
        raise ValidationError(MSG_MEMBERS_REQUIRED, code="members")
    if not (rationale or "").strip():
        raise ValidationError(MSG_RATIONALE_REQUIRED, code="rationale")
    if held_on > timezone.localdate():
        raise ValidationError(MSG_MEETING_IN_FUTURE, code="date")
    override_reason = (override_reason or "").strip()
    call = lock_places(call.pk)
    places = places_used(call)
    selected = sum(1 for d in decisions if d.to == State.SELECTED)
    problem = selection_problem(places, selected)
    if problem and not override_reason:
        raise DecisionsRefused(problem)
    meeting = CommitteeMeeting.objects.create(
        call=call, held_on=held_on, members_present=members_present.strip(),
        rationale=rationale.strip(), recorded_by=actor,
        override_reason=override_reason if over_by(places, selected) else "",
    )
    applications = {a.pk: a for a in Application.objects.filter(
        call=call, pk__in=[d.application_id for d in decisions])}
    refused = {}
    for decision in decisions:
        application = applications.get(decision.application_id)
        if application is None or decision.to not in DECISIONS:
            refused[decision.application_id] = str(MSG_NO_DECISION)
            continue
        try:
            application_transition(actor=actor, application=application, to=decision.to,
                                    expected_state=decision.seen_state, meeting=meeting,
                                    override_reason=override_reason,
                                    duplicate_reason=duplicate_reason)
        except InvalidTransition as error:
            refused[decision.application_id] = " ".join(error.messages)
    if refused:
        # Raising rolls the meeting and every decision back.
        raise DecisionsRefused(MSG_DECISIONS_REFUSED % {"count": len(refused)}, refused)
    return meeting
