"""Withdrawing an application: its state, and what stops with it (the
reviews not yet done, an open offer, whose place goes to the next reserve
candidate)."""

from django.db import transaction

from ..models import Application
from ..states import State
from .applications import _locked_for, application_transition
from .awards import offer_close_after_withdrawal
from .review import assignments_cancel

__all__ = ["application_withdraw"]


@transaction.atomic
def application_withdraw(*, actor, application: Application, reason: str = "",
                         expected_state: str | None = None) -> Application:
    """Withdraw, by the applicant or, with a reason, by an administrator on
    their behalf. Reviewers stop working on it; an open offer closes and its
    place goes to the next reserve candidate."""
    was = _locked_for(application, State.WITHDRAWN).state
    application = application_transition(actor=actor, application=application,
                                         to=State.WITHDRAWN, reason=reason,
                                         expected_state=expected_state)
    if was != State.WITHDRAWN:
        assignments_cancel(application=application)
        if was == State.OFFERED:
            offer_close_after_withdrawal(actor=actor, application=application)
    return application
