"""One entry point for the buttons of the staff pages and the admin, and for
the admin's bulk actions: the move asked for goes to the service that owns
its side effects (an open offer closes on a withdrawal, a freed place goes to
the next reserve candidate), which moves the state through
application_transition."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..access import SYSTEM
from ..models import Application
from ..selectors import open_offer
from ..states import State
from .applications import (
    MSG_CHANGED_MEANWHILE,
    InvalidTransition,
    _locked_for,
    application_transition,
)
from .awards import award_offer_decline, award_offer_lapse
from .withdrawal import application_withdraw


@transaction.atomic
def application_move(*, actor, application: Application, to: str, reason: str = "",
                     expected_state: str | None = None) -> Application:
    if to == State.WITHDRAWN:
        return application_withdraw(actor=actor, application=application, reason=reason,
                                    expected_state=expected_state)
    if to in (State.DECLINED, State.LAPSED):
        # Which path is decided from the state under the lock, not from the
        # caller's copy (a bulk action's list may be minutes old): an offer
        # made meanwhile is declined or lapsed through the offer, so its place
        # goes to the next reserve candidate. Calls, then application.
        locked = _locked_for(application, to)
        if expected_state is not None and locked.state != expected_state:
            raise InvalidTransition(MSG_CHANGED_MEANWHILE % {"state": State(locked.state).label},
                                    code="changed")
        offer = open_offer(locked) if locked.state == State.OFFERED else None
        if offer is not None:
            if to == State.DECLINED:
                award_offer_decline(actor=actor, offer=offer, reason=reason)
            elif not award_offer_lapse(actor=actor, offer=offer):
                # Not overdue: let the one service say why.
                application_transition(actor=actor, application=application, to=to,
                                       reason=reason, expected_state=expected_state)
            application.refresh_from_db()
            return application
    return application_transition(actor=actor, application=application, to=to, reason=reason,
                                  expected_state=expected_state)


def applications_move(*, actor, applications, to: str, reason: str = "") -> tuple[list, list]:
    """The same move for many applications (the admin's bulk actions), each in
    its own transaction through the same service. Returns the moved
    applications and (application, reason refused) pairs."""
    moved, refused = [], []
    for application in applications:
        try:
            moved.append(application_move(actor=actor, application=application, to=to,
                                          reason=reason))
        except ValidationError as error:
            refused.append((application, " ".join(error.messages)))
    return moved, refused


__all__ = ["SYSTEM", "application_move", "applications_move"]
