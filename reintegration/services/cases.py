"""Opening, moving, reassigning and describing return cases. Every state
change goes through case_transition, which checks the declared workflow and
runs the guard declared for the move in GUARDS."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, has_role
from numbering.services import reference_next
from registry.models import Consent, IdentityDocument, Organisation, Person
from registry.services import consent_give

from ..access import CASE_ROLES, case_rights, supervises
from ..dates import add_months
from ..models import (
    Case,
    CaseAssignment,
    CaseMember,
    CaseTransition,
    Delivery,
    MonitoringVisit,
    Plan,
    Team,
)
from ..workflow import FINAL, OPEN, REASON_REQUIRED, NextAction, PlanState, State, allowed

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
MSG_NOT_DEPARTING = _("The departure can only be planned once the return is approved.")
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

# What a person may cross a border with.
TRAVEL_KINDS = IdentityDocument.TRAVEL_KINDS


def iso(day: datetime.date) -> str:
    return day.isoformat()


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
    pk = getattr(case, "pk", case)
    Case.objects.select_for_update(of=("self",)).filter(pk=pk).values_list("pk").get()
    return Case.objects.select_related("principal", "caseworker").get(pk=pk)


def require_work(actor, case: Case, *, open_only: bool = True) -> None:
    if not case_rights(actor, case).work:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if open_only and case.state in FINAL:
        raise ValidationError(MSG_CASE_FINAL % {"state": State(case.state).label})


def budget_deadline(case: Case) -> datetime.date | None:
    """The plan's budget must be used by this day (REINTEGRATION_BUDGET_MONTHS
    after arrival)."""
    if case.arrived_on is None:
        return None
    return add_months(case.arrived_on, settings.REINTEGRATION_BUDGET_MONTHS)


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
            candidates.append((NextAction.AGREE_PLAN, after(case.arrived_on, "agree_plan")))
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


# --- the guards of the moves ---------------------------------------------------------

@dataclass(frozen=True)
class Traveller:
    """Someone who travels on a case without a travel document valid on the
    day of departure: `member` is None for the principal; `latest` is the
    travel document that lasts longest, and still not long enough (None when
    the person holds none)."""

    person: Person
    member: CaseMember | None
    latest: IdentityDocument | None


def travellers_without_document(case: Case, departure: datetime.date) -> list[Traveller]:
    """The principal and the returning members who hold no passport, national
    identity card or travel document valid on `departure` (two queries)."""
    members = list(case.members.select_related("person").order_by("relation", "id"))
    travellers = [(case.principal, None), *((member.person, member) for member in members)]
    documents = defaultdict(list)
    for document in IdentityDocument.objects.filter(
        person__in=[person.pk for person, _member in travellers], kind__in=TRAVEL_KINDS,
    ).order_by("-expires_on", "-id"):
        documents[document.person_id].append(document)
    blocked = []
    for person, member in travellers:
        held = documents[person.pk]
        if not any(document.is_valid_on(departure) for document in held):
            blocked.append(Traveller(person=person, member=member,
                                     latest=held[0] if held else None))
    return blocked


def travel_document_problems(case: Case, departure: datetime.date) -> list[str]:
    """One sentence per person travelling (the principal and the returning
    members) who holds no travel document valid on the day of departure,
    naming the document that expires too early."""
    problems = []
    for traveller in travellers_without_document(case, departure):
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


def _guard_departure(case: Case, changes: dict, known: dict) -> None:
    departure = changes.get("planned_departure_on")
    if departure is None:
        raise ValidationError({"planned_departure_on": MSG_DEPARTURE_REQUIRED})
    if departure < timezone.localdate():
        raise ValidationError({"planned_departure_on": MSG_DEPARTURE_IN_PAST})
    problems = travel_document_problems(case, departure)
    if problems:
        raise ValidationError(problems, code="travel_document")


def _guard_arrival(case: Case, changes: dict, known: dict) -> None:
    arrived = changes.get("arrived_on")
    if arrived is None:
        raise ValidationError({"arrived_on": MSG_ARRIVAL_REQUIRED})
    if arrived > timezone.localdate():
        raise ValidationError({"arrived_on": MSG_ARRIVAL_IN_FUTURE})
    opened = timezone.localtime(case.created_at).date()
    if arrived < opened:
        raise ValidationError({"arrived_on": MSG_ARRIVAL_BEFORE_OPENING % {"opened": iso(opened)}})
    # The dates of a case are in order: nobody arrives before leaving.
    departure = case.planned_departure_on
    if departure and arrived < departure:
        raise ValidationError({"arrived_on": MSG_ARRIVAL_BEFORE_DEPARTURE % {
            "departure": iso(departure)}})


def _plan_of(case: Case, known: dict) -> Plan | None:
    if "plan" in known:
        return known["plan"]
    return Plan.objects.filter(case=case).first()


def _last_visit(case: Case, known: dict) -> MonitoringVisit | None:
    if "visits" in known:  # ordered by due_on, id
        return known["visits"][-1] if known["visits"] else None
    return MonitoringVisit.objects.filter(case=case).order_by("-due_on", "-id").first()


def _guard_plan_agreed(case: Case, changes: dict, known: dict) -> None:
    plan = _plan_of(case, known)
    if plan is None or plan.state != PlanState.APPROVED:
        raise ValidationError(MSG_PLAN_NOT_APPROVED)


def _guard_assistance(case: Case, changes: dict, known: dict) -> None:
    if not Delivery.objects.filter(line__plan__case=case).exists():
        raise ValidationError(MSG_NO_DELIVERY)


def plan_finished(plan: Plan | None) -> bool:
    """Fully delivered, or closed with a reason."""
    if plan is None:
        return False
    if plan.state == PlanState.CLOSED:
        return True
    if plan.state != PlanState.APPROVED:
        return False
    lines = list(plan.lines.all())
    return bool(lines) and all(line.delivered == line.amount for line in lines)


def _guard_monitoring(case: Case, changes: dict, known: dict) -> None:
    if not plan_finished(_plan_of(case, known)):
        raise ValidationError(MSG_PLAN_NOT_FINISHED)


def _guard_closed(case: Case, changes: dict, known: dict) -> None:
    _guard_monitoring(case, changes, known)
    last = _last_visit(case, known)
    if last is None:
        raise ValidationError(MSG_NO_VISIT)
    if last.status == MonitoringVisit.Status.PLANNED:
        raise ValidationError(MSG_LAST_VISIT_OPEN % {"due": iso(last.due_on)})


# The guard of each move, by the state it leads to. Moves without one need
# only be allowed by workflow.TRANSITIONS (and a reason where REASON_REQUIRED).
GUARDS = {
    State.DEPARTURE_PLANNED: _guard_departure,
    State.RETURNED: _guard_arrival,
    State.PLAN_AGREED: _guard_plan_agreed,
    State.ASSISTANCE_IN_PROGRESS: _guard_assistance,
    State.MONITORING: _guard_monitoring,
    State.CLOSED: _guard_closed,
}


def guard_problems(case: Case, to: str, *, known: dict | None = None) -> list[str]:
    """What would stop a move now, for the case page to explain before the
    user tries. Moves that need a value the user types are not checked.
    `known` holds what the page already loaded ("plan" with its lines
    prefetched, "visits" ordered by due date), so that it is not read again;
    the move itself always reads afresh under the case's lock."""
    guard = GUARDS.get(to)
    if guard is None or to in (State.DEPARTURE_PLANNED, State.RETURNED):
        return []
    try:
        guard(case, {}, known or {})
    except ValidationError as error:
        return list(error.messages)
    return []


# --- the one way to change state -------------------------------------------------------

def case_transition(*, actor, case: Case, to: str, reason: str = "",
                    changes: dict | None = None) -> Case:
    """Move a case to `to` if the declared workflow allows it and the move's
    guard passes, and record who, when and why. Runs inside the transaction
    that holds the case's row lock (`locked`)."""
    current = case.state
    if current == to:
        return case
    if not allowed(current, to):
        raise ValidationError(MSG_TRANSITION % {"from": State(current).label,
                                                "to": State(to).label}, code="transition")
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    changes = changes or {}
    guard = GUARDS.get(to)
    if guard is not None:
        guard(case, changes, {})  # nothing known: read afresh under the lock
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
        _guard_departure(case, changes, {})
        case.planned_departure_on = planned_on
        case._change_reason = reason or "departure date changed"
        case.save(update_fields=["planned_departure_on", "updated_at"])
    elif case.state == State.RETURN_APPROVED:
        case_transition(actor=actor, case=case, to=State.DEPARTURE_PLANNED, reason=reason,
                        changes=changes)
    else:
        raise ValidationError(MSG_NOT_DEPARTING)
    case_refresh(case)
    return case


@transaction.atomic
def case_arrival_record(*, actor, case: Case, arrived_on: datetime.date,
                        reason: str = "") -> Case:
    """The person is back: record the day and schedule the monitoring visits
    (REINTEGRATION_VISIT_MONTHS after arrival)."""
    from .monitoring import visits_schedule

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
    if person.merged_into_id:
        raise ValidationError({"person": MSG_PERSON_MERGED % {
            "reference": person.reference, "survivor": person.merged_into.reference}})


@transaction.atomic
def case_open(*, actor, principal: Person, country_of_return: str, region_of_return: str = "",
              partner: Organisation | None = None, caseworker=None,
              members: list[tuple[Person, str]] = (), consent_method: str = "") -> Case:
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
    if principal.merged_into_id:
        raise ValidationError(MSG_PERSON_MERGED % {
            "reference": principal.reference, "survivor": principal.merged_into.reference})
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
    case._change_reason = "opened"
    case.save()
    CaseMember.objects.bulk_create([CaseMember(case=case, person=person, relation=relation)
                                    for person, relation in members])
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
    case_refresh(case)
    return member


@transaction.atomic
def case_member_remove(*, actor, member: CaseMember) -> None:
    case = locked(member.case)
    require_work(actor, case)
    if case.state not in (State.INTAKE, State.COUNSELLING, State.RETURN_APPROVED):
        raise ValidationError(MSG_MEMBERS_FIXED)
    CaseMember.objects.filter(pk=member.pk, case=case).delete()
    case_refresh(case)


@transaction.atomic
def case_reassign(*, actor, case: Case, to, reason: str = "") -> Case:
    """Give the case to another caseworker; the previous one no longer sees
    it. By a supervisor of the case's team (to a caseworker of one of their
    teams) or a superuser."""
    case = locked(case)
    may = actor.is_superuser or (actor.has_perm("reintegration.reassign_case")
                                 and supervises(actor, case) and not has_role(actor, Role.DPO))
    if not may:
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
    case._change_reason = reason or "reassigned"
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
    (caseworkers_for), never someone who supervises the case."""
    supervisors = Team.objects.filter(caseworkers=case.caseworker_id).values("supervisor_id")
    return caseworkers_for(actor).exclude(pk__in=supervisors)
