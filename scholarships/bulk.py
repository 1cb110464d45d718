"""The admin's bulk actions on applications that run in the background over
more than BULK_ACTION_DIRECT_MAX applications (reporting.admin_bulk): the
same services as in the request, registered with reporting when it starts
(reporting.apps finds this module by name)."""

from django.utils.translation import gettext_lazy as _

from reporting import bulk

from . import access, services
from .models import Application
from .workflow import State

CONFIRM_ELIGIBILITY = "scholarships.confirm_eligibility"
ASSIGN_REVIEWERS = "scholarships.assign_reviewers"
CLOSE_REVIEW = "scholarships.close_review"
CHANGELIST = "admin:scholarships_application_changelist"


def _load(*, user, ids):
    return Application.objects.filter(pk__in=ids).select_related("applicant", "call")


def _move_to(state):
    def run(*, actor, items, reason=""):
        moved, refused = services.applications_move(actor=actor, applications=items, to=state,
                                                    reason=reason)
        return bulk.Outcome(done=len(moved), refused=refused)
    return run


def _assign_reviewers(*, actor, items, reason=""):
    done = services.reviewers_assign_many(actor=actor, applications=items)
    return bulk.Outcome(done=len(done.complete), refused=[*done.refused, *done.short])


def _register(name, label, run):
    bulk.register(bulk.Action(
        name=name, label=label, model="scholarships.application", may_run=access.may_decide,
        load=_load, run=run, changelist=CHANGELIST))


_register(CONFIRM_ELIGIBILITY, _("Confirm the eligibility of the selected applications"),
          _move_to(State.ELIGIBLE))
_register(ASSIGN_REVIEWERS, _("Assign reviewers automatically to the selected applications"),
          _assign_reviewers)
_register(CLOSE_REVIEW, _("Close the review of the selected applications (rank them)"),
          _move_to(State.RANKED))
