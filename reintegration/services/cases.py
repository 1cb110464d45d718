"""Opening, moving, reassigning and describing return cases. Every state
change goes through case_transition, which checks the declared workflow and
runs the guard declared for the move (workflow.CASE, reintegration/guards.py)."""

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, has_role
from common import formats
from common.history import set_change_reason
from numbering.services import reference_next
from registry.models import Consent, IdentityDocument, Organisation, Person, Side
from registry.services import consent_give, person_sides_note, person_sides_refresh

from .. import guards
from ..access import CASE_ROLES, case_rights, may_reassign, supervises
from ..dates import add_months

# The guards live in guards.py (declared in workflow.CASE), the reads they need
# in selectors; what callers name is kept importable from here.
from ..guards import (  # noqa: F401
    MSG_ARRIVAL_BEFORE_DEPARTURE,
    MSG_ARRIVAL_BEFORE_OPENING,
    MSG_ARRIVAL_IN_FUTURE,
    MSG_ARRIVAL_REQUIRED,
    MSG_DEPARTURE_IN_PAST,
    MSG_DEPARTURE_REQUIRED,
    MSG_DOCUMENT_EXPIRES,
    MSG_LAST_VISIT_OPEN,
    MSG_NO_DELIVERY,
    MSG_NO_TRAVEL_DOCUMENT,
    MSG_NO_VISIT,
    MSG_PLAN_NOT_APPROVED,
    MSG_PLAN_NOT_FINISHED,
    travel_document_problems,
)
from ..models import (
    Case,
    CaseAssignment,
    CaseMember,
    CaseTransition,
    MonitoringVisit,
    Plan,
    Team,
)
from ..selectors import (  # noqa: F401
    Traveller,
    budget_deadline,
    plan_finished,
    travellers_without_document,
)
from ..workflow import CASE, FINAL, OPEN, NextAction, PlanState, State

MSG_TRANSITION = _("A case cannot go from “%(from)s” to “%(to)s”.")
MSG_REASON_REQUIRED = _("Give a reason: it is kept in the case's history.")
MSG_NOT_ALLOWED = _("Only the case's caseworker or their supervisor can change this case.")
MSG_CASE_FINAL = _("This case is “%(state)s”: it can no longer be changed.")
MSG_OPENER_ROLE = _("Only caseworkers and supervisors open return cases.")
MSG_ALREADY_OPEN = _("%(name)s already has an open return case: %(reference)s.")
MSG_PERSON_MERGED = _("%(reference)s was merged into %(survivor)s: open the case on that record.")
MSG_CONSENT_NEEDED = _("%(name)s has not consented to a reintegration case. Record how the "
                       "consent was given.")
MSG_CASEWORKER_ROLE = _("%(user)s is not a caseworker.")
MSG_CASEWORKER_NOT_IN_TEAM = _("%(user)s is not in a team you supervise.")
MSG_SUPERVISOR_NOT_ASSIGNEE = _("%(user)s supervises this case and approves its plan: give the "
                                "case to a caseworker of the team.")
MSG_MEMBER_IS_PRINCIPAL = _("The principal returnee is not also a household member.")
MSG_MEMBER_TWICE = _("%(name)s is already a member of this case.")
MSG_MEMBERS_FIXED = _("Household members can no longer change once the departure is planned.")
MSG_NOT_DEPARTING = _("The departure can only be planned once the return is approved.")

# What a person may cross a border with.
TRAVEL_KINDS = IdentityDocument.TRAVEL_KINDS


def iso(day: datetime.date) -> str:
    # A date in a message, in the user's language (common/formats), not ISO.
    return formats.day(day)


# --- locks, rights, and what the caseload shows ---------------------------------

def locked(case: Case | int) -> Case:
    """The case row, locked until the transaction ends, so two people cannot
    move it at once, and read again once the lock is granted: every state
    checked after this is the one the lock protects (see the lock order in
    services/__init__.py).

    Two statements on purpose. The lock is taken on the case row alone, with
    no join: when FOR UPDATE waits for another transaction, PostgreSQL
    re-reads only the locked row and re-checks the join against the rows of
    the old snapshot, so a case whose caseworker was changed meanwhile would
    vanish from the result. The second statement, with the lock held, reads
    the case, its person and its caseworker as they are now."""
    pk = case.pk if isinstance(case, Case) else case
    Case.objects.select_for_update(of=("self",)).filter(pk=pk).values_list("pk").get()
    return Case.objects.select_related("principal", "caseworker").get(pk=pk)


def require_work(actor, case: Case, *, open_only: bool = True) -> None:
    if not case_rights(actor, case).work:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if open_only and case.state in FINAL:
        raise ValidationError(MSG_CASE_FINAL % {"state": State(case.state).label})


def next_action(case: Case, plan: Plan | None,
                next_visit: MonitoringVisit | None) -> tuple[str, datetime.date | None]:
    """What the caseworker does next and by when, from the state and what is
    pending. A monitoring visit due sooner than the state's own action comes
    first."""
    if case.state in FINAL:
        return "", None
    days = settings.REINTEGRATION_ACTION_DAYS
    since = timezone.localtime(case.state_changed_at).date()

    def after(start: datetime.date, key: str) -> datetime.date:
        return start + datetime.timedelta(days=days[key])

    state = case.state
    if state == State.INTAKE:
        return NextAction.COUNSEL, after(since, "counsel")
    if state == State.COUNSELLING:
        return NextAction.DECIDE, after(since, "decide")
    if state == State.RETURN_APPROVED:
        return NextAction.PLAN_DEPARTURE, after(since, "plan_departure")
    if state == State.DEPARTURE_PLANNED:
        return NextAction.RECORD_ARRIVAL, case.planned_departure_on
    candidates = []
    if state == State.RETURNED:
        if plan is not None and plan.state == PlanState.SUBMITTED:
            submitted = timezone.localtime(plan.submitted_at).date()
            candidates.append((NextAction.APPROVE_PLAN, after(submitted, "approve_plan")))
        else:
            # Counted from the arrival (from the move, for a case returned
            # without its date of arrival).
            arrived = case.arrived_on or since
            candidates.append((NextAction.AGREE_PLAN, after(arrived, "agree_plan")))
    elif state in (State.PLAN_AGREED, State.ASSISTANCE_IN_PROGRESS):
        candidates.append((NextAction.DELIVER, budget_deadline(case)))
    elif state == State.MONITORING and next_visit is None:
        candidates.append((NextAction.CLOSE, after(since, "close")))
    if next_visit is not None:
        candidates.append((NextAction.VISIT, next_visit.due_on))
    return min(candidates, key=lambda item: item[1])


def case_refresh(case: Case) -> None:
    """Record activity on the case now and store its next action and due date.
    Every service that changes a case ends with this. An UPDATE, not save(): it
    is bookkeeping, not a change the case's history should show."""
    plan = Plan.objects.filter(case=case).only("state", "submitted_at").first()
    next_visit = (MonitoringVisit.objects.filter(case=case, status=MonitoringVisit.Status.PLANNED)
                  .only("due_on").order_by("due_on", "id").first())
    action, due = next_action(case, plan, next_visit)
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(next_action=action, next_action_due=due,
                                           last_activity_at=now)
    case.next_action, case.next_action_due, case.last_activity_at = action, due, now


def guard_problems(case: Case, to: str, *, known: dict | None = None) -> list[str]:
    """What would stop a move now, for the case page to explain before the
    user tries. Moves that need a value the user types are not checked."""
    move = CASE.move_between(case.state, to)
    if move is None or to in (State.DEPARTURE_PLANNED, State.RETURNED):
        return []
    return move.problems(case, {"known": known or {}})


# --- the one way to change state -------------------------------------------------------

def case_transition(*, actor, case: Case, to: str, reason: str = "",
                    changes: dict | None = None) -> Case:
    """Move a case to `to` if the declared workflow (workflow.CASE) allows it
    and the move's guard passes, and record who, when and why. Runs inside
    the transaction that holds the case's row lock (`locked`)."""
    current = case.state
    if current == to:
        return case
    if not CASE.allowed(current, to):
        raise ValidationError(MSG_TRANSITION % {"from": State(current).label,
                                                "to": State(to).label}, code="transition")
    reason = (reason or "").strip()
    if CASE.move(current, to).needs_reason() and not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    changes = changes or {}
    # Nothing known: the guard reads afresh under the lock.
    CASE.check(case, current, to, reason=reason, context={"changes": changes})
    for name, value in changes.items():
        setattr(case, name, value)
    now = timezone.now()
    case.state = to
    case.state_changed_at = now
    case.save(update_fields=["state", "state_changed_at", "updated_at", *changes])
    CaseTransition.objects.create(case=case, from_state=current, to_state=to, actor=actor,
                                  at=now, reason=reason)
    return case


@transaction.atomic
def case_move(*, actor, case: Case, to: str, reason: str = "") -> Case:
    """A move the caseworker makes from the case page (counselling, return
    approved, monitoring, closed, no-show, lost contact, withdrawn)."""
    case = locked(case)
    require_work(actor, case)
    case_transition(actor=actor, case=case, to=to, reason=reason)
    case_refresh(case)
    return case


@transaction.atomic
def case_departure_plan(*, actor, case: Case, planned_on: datetime.date,
                        reason: str = "") -> Case:
    """Plan the departure (or move it): the travel documents of everyone who
    travels must still be valid on the day."""
    case = locked(case)
    require_work(actor, case)
    changes = {"planned_departure_on": planned_on}
    if case.state == State.DEPARTURE_PLANNED:
        # A new date for a planned departure: the same checks, no new state.
        guards.departure(case, {"changes": changes})
        case.planned_departure_on = planned_on
        set_change_reason(case, reason or "departure date changed")
        case.save(update_fields=["planned_departure_on", "updated_at"])
    elif case.state == State.RETURN_APPROVED:
        case_transition(actor=actor, case=case, to=State.DEPARTURE_PLANNED, reason=reason,
                        changes=changes)
    else:
        raise ValidationError(MSG_NOT_DEPARTING)
    case_refresh(case)
    return case


def visits_schedule(*, case: Case) -> list[MonitoringVisit]:
    """The visits due REINTEGRATION_VISIT_MONTHS after arrival. Called by the
    arrival service inside its transaction; a second call adds nothing."""
    arrived = case.arrived_on
    if arrived is None:
        raise ValueError(f"{case.reference}: visits are scheduled from the arrival, not recorded")
    existing = set(MonitoringVisit.objects.filter(case=case, months_after_arrival__isnull=False)
                   .values_list("months_after_arrival", flat=True))
    visits = [
        MonitoringVisit(case=case, months_after_arrival=months,
                        due_on=add_months(arrived, months))
        for months in sorted(set(settings.REINTEGRATION_VISIT_MONTHS)) if months not in existing
    ]
    return MonitoringVisit.objects.bulk_create(visits)


@transaction.atomic
def case_arrival_record(*, actor, case: Case, arrived_on: datetime.date,
                        reason: str = "") -> Case:
    """The person is back: record the day and schedule the monitoring visits
    (REINTEGRATION_VISIT_MONTHS after arrival)."""
    case = locked(case)
    require_work(actor, case)
    case_transition(actor=actor, case=case, to=State.RETURNED, reason=reason,
                    changes={"arrived_on": arrived_on})
    visits_schedule(case=case)
    case_refresh(case)
    return case


# --- opening and describing a case ---------------------------------------------------

def _check_caseworker(actor, caseworker) -> None:
    """The caseworker a case is given to holds the role, and is the actor or
    in a team the actor supervises (a superuser may choose anyone)."""
    name = caseworker.get_full_name() or caseworker.get_username()
    if not has_role(caseworker, *CASE_ROLES):
        raise ValidationError({"caseworker": MSG_CASEWORKER_ROLE % {"user": name}})
    if caseworker.pk == actor.pk or actor.is_superuser:
        return
    in_team = Team.objects.filter(supervisor=actor, caseworkers=caseworker).exists()
    if not (has_role(actor, Role.SUPERVISOR) and in_team):
        raise ValidationError({"caseworker": MSG_CASEWORKER_NOT_IN_TEAM % {"user": name}})


def has_reintegration_consent(person: Person) -> bool:
    return Consent.objects.filter(person=person, purpose=Consent.Purpose.REINTEGRATION,
                                  withdrawn_at__isnull=True).exists()


def _check_member(case_principal_id: int, person: Person) -> None:
    if person.pk == case_principal_id:
        raise ValidationError({"person": MSG_MEMBER_IS_PRINCIPAL})
    survivor = person.merged_into
    if survivor is not None:
        raise ValidationError({"person": MSG_PERSON_MERGED % {
            "reference": person.reference, "survivor": survivor.reference}})


@transaction.atomic
def case_open(*, actor, principal: Person, country_of_return: str, region_of_return: str = "",
              partner: Organisation | None = None, caseworker=None,
              members: Sequence[tuple[Person, str]] = (), consent_method: str = "") -> Case:
    """Open a case for a person already in the registry (the intake searches
    it first, so nobody is entered twice), with the household members who
    return with them. The person's consent to a reintegration case is required:
    recorded before, or now with how it was given."""
    if not actor.has_perm("reintegration.add_case"):
        raise PermissionDenied(MSG_OPENER_ROLE)
    caseworker = caseworker or actor
    _check_caseworker(actor, caseworker)
    # Locked, so that two intakes of the same person cannot both open a case.
    principal = Person.objects.select_for_update(of=("self",)).select_related(
        "merged_into").get(pk=principal.pk)
    survivor = principal.merged_into
    if survivor is not None:
        raise ValidationError(MSG_PERSON_MERGED % {
            "reference": principal.reference, "survivor": survivor.reference})
    existing = Case.objects.filter(principal=principal, state__in=OPEN).first()
    if existing:
        raise ValidationError(MSG_ALREADY_OPEN % {"name": principal.full_name,
                                                  "reference": existing.reference})
    if not has_reintegration_consent(principal):
        if not consent_method:
            raise ValidationError({"consent_method": MSG_CONSENT_NEEDED % {
                "name": principal.full_name}})
        consent_give(actor=actor, person=principal, purpose=Consent.Purpose.REINTEGRATION,
                     method=consent_method)
    seen = set()
    for person, _relation in members:
        _check_member(principal.pk, person)
        if person.pk in seen:
            raise ValidationError({"person": MSG_MEMBER_TWICE % {"name": person.full_name}})
        seen.add(person.pk)
    now = timezone.now()
    case = Case(
        reference=reference_next(prefix="RET", year=timezone.localtime(now).year),
        principal=principal, country_of_return=country_of_return,
        region_of_return=region_of_return.strip(), partner=partner, caseworker=caseworker,
        opened_by=actor, state_changed_at=now, last_activity_at=now,
    )
    case.full_clean(exclude=["reference"])
    set_change_reason(case, "opened")
    case.save()
    CaseMember.objects.bulk_create([CaseMember(case=case, person=person, relation=relation)
                                    for person, relation in members])
    person_sides_note(side=Side.REINTEGRATION,
                      person_ids=[principal.pk, *(person.pk for person, _relation in members)])
    CaseAssignment.objects.create(case=case, to_caseworker=caseworker, actor=actor, at=now,
                                  reason="opened")
    case_refresh(case)
    return case


@transaction.atomic
def case_update(*, actor, case: Case, country_of_return: str, region_of_return: str,
                partner: Organisation | None) -> Case:
    case = locked(case)
    require_work(actor, case)
    case.country_of_return = country_of_return
    case.region_of_return = region_of_return.strip()
    case.partner = partner
    case.full_clean(exclude=["reference"])
    case.save()
    case_refresh(case)
    return case


@transaction.atomic
def case_member_add(*, actor, case: Case, person: Person, relation: str) -> CaseMember:
    case = locked(case)
    require_work(actor, case)
    if case.state not in (State.INTAKE, State.COUNSELLING, State.RETURN_APPROVED):
        raise ValidationError(MSG_MEMBERS_FIXED)
    _check_member(case.principal_id, person)
    if CaseMember.objects.filter(case=case, person=person).exists():
        raise ValidationError({"person": MSG_MEMBER_TWICE % {"name": person.full_name}})
    member = CaseMember.objects.create(case=case, person=person, relation=relation)
    person_sides_note(side=Side.REINTEGRATION, person_ids=[person.pk])
    case_refresh(case)
    return member


@transaction.atomic
def case_member_remove(*, actor, member: CaseMember) -> None:
    case = locked(member.case)
    require_work(actor, case)
    if case.state not in (State.INTAKE, State.COUNSELLING, State.RETURN_APPROVED):
        raise ValidationError(MSG_MEMBERS_FIXED)
    CaseMember.objects.filter(pk=member.pk, case=case).delete()
    person_sides_refresh(person_ids=[member.person_id])
    case_refresh(case)


@transaction.atomic
def case_reassign(*, actor, case: Case, to, reason: str = "") -> Case:
    """Give the case to another caseworker; the previous one no longer sees
    it. By a supervisor of the case's team (to a caseworker of one of their
    teams), a supervisor who holds the case himself (access.may_reassign), or
    a superuser."""
    case = locked(case)
    if not may_reassign(actor, case):
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if case.state in FINAL:
        raise ValidationError(MSG_CASE_FINAL % {"state": State(case.state).label})
    if to.pk == case.caseworker_id:
        return case
    if supervises(to, case):
        # Four eyes: whoever supervises the case approves its plan, so never
        # holds it (the case would also leave the team's view).
        raise ValidationError({"caseworker": MSG_SUPERVISOR_NOT_ASSIGNEE % {
            "user": to.get_full_name() or to.get_username()}})
    _check_caseworker(actor, to)
    previous = case.caseworker
    case.caseworker = to
    set_change_reason(case, reason or "reassigned")
    case.save(update_fields=["caseworker", "updated_at"])
    CaseAssignment.objects.create(case=case, from_caseworker=previous, to_caseworker=to,
                                  actor=actor, reason=(reason or "").strip())
    case_refresh(case)
    return case


def caseworkers_for(actor):
    """Whom `actor` may give a case to: themselves and the caseworkers of the
    teams they supervise (everyone with a case role, for a superuser)."""
    users = get_user_model().objects.filter(groups__name__in=CASE_ROLES, is_active=True)
    if not actor.is_superuser:
        users = users.filter(
            pk__in=[actor.pk, *Team.caseworkers.through.objects.filter(
                team__supervisor=actor).values_list("user_id", flat=True)])
    return users.distinct().order_by("last_name", "first_name", "username")


def reassign_choices(actor, case: Case):
    """Whom `actor` may give `case` to: the caseworkers they may choose
    (caseworkers_for), never someone who supervises the case or a team of
    the actor's (a supervisor approves plans, so never holds a case)."""
    supervisors = Team.objects.filter(
        Q(caseworkers=case.caseworker_id) | Q(supervisor=actor)
        | Q(supervisor=case.caseworker_id)).values("supervisor_id")
    return caseworkers_for(actor).exclude(pk__in=supervisors)
