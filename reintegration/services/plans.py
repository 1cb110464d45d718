"""The reintegration plan, its budget and the assistance delivered.

Locks are always taken in the same order, case, then plan, then budget line
(see services/__init__.py), and every state or amount is checked on the rows
read once the locks are held, so two services never wait for each other's
rows (no deadlock) nor act on a state that changed while they waited."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.roles import Role, has_role
from common.types import Text

from ..access import case_rights, partner_delivers, partner_may_see
from ..models import (
    BudgetCeiling,
    BudgetLine,
    Case,
    CaseMember,
    Delivery,
    Plan,
    PlanTransition,
    Vulnerability,
    VulnerabilityTopUp,
)
from ..workflow import PLAN, PlanState, State
from .cases import (
    budget_deadline,
    case_refresh,
    case_transition,
    iso,
    locked,
    plan_finished,
    require_work,
)

MSG_PLAN_EXISTS = _("This case already has a reintegration plan.")
MSG_PLAN_TOO_EARLY = _("A reintegration plan is drafted once the case is in counselling.")
MSG_PLAN_TOO_LATE = _("The reintegration plan can no longer be drafted in this state.")
MSG_PLAN_NOT_DRAFT = _("The plan is “%(state)s”: only a draft can be changed.")
MSG_PLAN_TRANSITION = _("A plan cannot go from “%(from)s” to “%(to)s”.")
MSG_PLAN_EMPTY = _("Add at least one budget line before submitting the plan.")
MSG_OVER_CEILING = _("The plan's budget would be %(total)s EUR, above the ceiling of "
                     "%(ceiling)s EUR for this household.")
MSG_NO_CEILING = _("No budget ceiling is set for a household of %(size)s. An administrator "
                   "sets the ceilings in the administration.")
MSG_APPROVER_ROLE = _("Only a supervisor of the case's team approves its reintegration plan.")
MSG_FOUR_EYES_CASEWORKER = _("You are this case's caseworker: another supervisor must approve "
                             "its plan (four eyes).")
MSG_FOUR_EYES_AUTHOR = _("You drafted or submitted this plan: another supervisor must approve "
                         "it (four eyes).")
MSG_APPROVE_BEFORE_ARRIVAL = _("The plan is approved once the arrival is recorded.")
MSG_REASON_REQUIRED = _("Give a reason: it is kept in the plan's history.")
MSG_CLOSE_NOTHING_DELIVERED = _("Nothing was delivered under this plan. If the returnee no "
                                "longer wants assistance, withdraw the case instead.")
MSG_PLAN_NOT_APPROVED = _("Assistance is delivered against an approved plan.")
MSG_OVER_BUDGET = _("This would exceed the approved amount of the budget line: %(remaining)s "
                    "EUR is left of %(amount)s EUR.")
MSG_DELIVERY_IN_FUTURE = _("A delivery cannot be recorded in the future.")
MSG_DELIVERY_BEFORE_ARRIVAL = _("A delivery cannot be before the arrival (%(arrived)s).")
MSG_DELIVERY_AFTER_DEADLINE = _("The budget had to be used by %(deadline)s, %(months)s months "
                                "after arrival.")
MSG_SUPPLIER_REQUIRED = _("Name the supplier that was paid.")
MSG_NO_SHARING_CONSENT = _("The returnee's consent to share their case with your organisation "
                           "is not on record (or was withdrawn): nothing was recorded.")


class SharingConsentMissing(PermissionDenied):
    """A partner's staff act on a case whose returnee has not consented (or
    no longer consents) to the sharing with their organisation."""


# Reasons the system writes in the audit trail when a move follows from an
# action. Stored in English and translated when shown.
REASON_PLAN_APPROVED = gettext_noop("plan approved")
REASON_PLAN_CLOSED = gettext_noop("plan closed")
REASON_FIRST_DELIVERY = gettext_noop("first assistance delivered")
REASON_ALL_DELIVERED = gettext_noop("all approved assistance delivered")

# A plan may be drafted from counselling on, and changed until it is agreed.
PLANNING_STATES = (State.COUNSELLING, State.RETURN_APPROVED, State.DEPARTURE_PLANNED,
                   State.RETURNED)


@dataclass
class Ceiling:
    household_size: int
    base: Decimal
    top_ups: list[tuple[Text, Decimal]] = field(default_factory=list)  # (label, amount)

    @property
    def total(self) -> Decimal:
        return self.base + sum((amount for _label, amount in self.top_ups), Decimal("0"))


def plan_ceiling(case: Case, *, members: int | None = None,
                 vulnerabilities: list[str] | None = None) -> Ceiling:
    """The most the plan may budget: the ceiling for the household's size (the
    principal and the returning members), raised by each of the case's
    vulnerabilities. Both are data an administrator edits. A page that has
    already loaded the members and the vulnerabilities' kinds passes their
    count and kinds."""
    if members is None:
        members = CaseMember.objects.filter(case=case).count()
    size = 1 + members
    row = BudgetCeiling.objects.filter(household_size__lte=size).order_by(
        "-household_size").first()
    if row is None:
        raise ValidationError(MSG_NO_CEILING % {"size": size})
    kinds = (list(Vulnerability.objects.filter(case=case).values_list("kind", flat=True))
             if vulnerabilities is None else vulnerabilities)
    top_ups = {t.kind: t.amount for t in VulnerabilityTopUp.objects.filter(kind__in=kinds)}
    return Ceiling(
        household_size=size, base=row.amount,
        top_ups=[(Vulnerability.Kind(kind).label, top_ups[kind]) for kind in sorted(kinds)
                 if top_ups.get(kind)],
    )


def plan_total(plan: Plan) -> Decimal:
    return plan.lines.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def _check_ceiling(case: Case, total: Decimal) -> Decimal:
    ceiling = plan_ceiling(case).total
    if total > ceiling:
        raise ValidationError(MSG_OVER_CEILING % {"total": total, "ceiling": ceiling},
                              code="over_ceiling")
    return ceiling


def _locked_plan(plan: Plan | int) -> tuple[Plan, Case]:
    """The plan's case, then the plan, locked (in that order) and read again
    once the locks are granted."""
    pk = plan.pk if isinstance(plan, Plan) else plan
    case = locked(Plan.objects.values_list("case_id", flat=True).get(pk=pk))
    plan = Plan.objects.select_for_update().get(pk=pk, case=case)
    plan.case = case
    return plan, case


def _locked_line(line: BudgetLine) -> tuple[BudgetLine, Plan, Case]:
    """The line's case, its plan, then the line, locked in that order and read
    again once the locks are granted."""
    plan, case = _locked_plan(BudgetLine.objects.values_list("plan_id", flat=True)
                              .get(pk=line.pk))
    line = BudgetLine.objects.select_for_update().get(pk=line.pk, plan=plan)
    line.plan = plan
    return line, plan, case


def _require_draft(plan: Plan) -> None:
    if plan.state != PlanState.DRAFT:
        raise ValidationError(MSG_PLAN_NOT_DRAFT % {"state": PlanState(plan.state).label})


def plan_transition(*, actor, plan: Plan, to: str, reason: str = "",
                    changes: dict | None = None) -> Plan:
    """The one way to change a plan's state, as workflow.PLAN declares it,
    recording who, when and why. Runs with the plan row locked."""
    current = plan.state
    if current == to:
        return plan
    if not PLAN.allowed(current, to):
        raise ValidationError(MSG_PLAN_TRANSITION % {"from": PlanState(current).label,
                                                     "to": PlanState(to).label})
    reason = (reason or "").strip()
    if PLAN.move(current, to).needs_reason() and not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    PLAN.check(plan, current, to, reason=reason)
    changes = changes or {}
    for name, value in changes.items():
        setattr(plan, name, value)
    plan.state = to
    plan.save(update_fields=["state", "updated_at", *changes])
    PlanTransition.objects.create(plan=plan, from_state=current, to_state=to, actor=actor,
                                  reason=reason)
    return plan


# --- drafting -------------------------------------------------------------------

@transaction.atomic
def plan_start(*, actor, case: Case, objectives: str = "") -> Plan:
    case = locked(case)
    require_work(actor, case)
    if Plan.objects.filter(case=case).exists():
        raise ValidationError(MSG_PLAN_EXISTS)
    if case.state == State.INTAKE:
        raise ValidationError(MSG_PLAN_TOO_EARLY)
    if case.state not in PLANNING_STATES:
        raise ValidationError(MSG_PLAN_TOO_LATE)
    plan = Plan.objects.create(case=case, objectives=objectives.strip(), created_by=actor)
    case_refresh(case)
    return plan


@transaction.atomic
def plan_update(*, actor, plan: Plan, objectives: str) -> Plan:
    plan, case = _locked_plan(plan)
    require_work(actor, case)
    _require_draft(plan)
    plan.objectives = objectives.strip()
    plan.save(update_fields=["objectives", "updated_at"])
    case_refresh(case)
    return plan


@transaction.atomic
def line_add(*, actor, plan: Plan, category: str, description: str,
             amount: Decimal) -> BudgetLine:
    plan, case = _locked_plan(plan)
    require_work(actor, case)
    _require_draft(plan)
    _check_ceiling(case, plan_total(plan) + amount)
    line = BudgetLine(plan=plan, category=category, description=description.strip(),
                      amount=amount)
    line.full_clean()
    line.save()
    case_refresh(case)
    return line


@transaction.atomic
def line_change(*, actor, line: BudgetLine, category: str, description: str,
                amount: Decimal) -> BudgetLine:
    line, plan, case = _locked_line(line)
    require_work(actor, case)
    _require_draft(plan)
    _check_ceiling(case, plan_total(plan) - line.amount + amount)
    line.category, line.description, line.amount = category, description.strip(), amount
    line.full_clean()
    line.save()
    case_refresh(case)
    return line


@transaction.atomic
def line_remove(*, actor, line: BudgetLine) -> None:
    line, plan, case = _locked_line(line)
    require_work(actor, case)
    _require_draft(plan)
    BudgetLine.objects.filter(pk=line.pk, plan=plan).delete()
    case_refresh(case)


# --- approval ------------------------------------------------------------------------

@transaction.atomic
def plan_submit(*, actor, plan: Plan) -> Plan:
    plan, case = _locked_plan(plan)
    require_work(actor, case)
    if plan.state == PlanState.SUBMITTED:
        return plan
    _require_draft(plan)
    if not plan.lines.exists():
        raise ValidationError(MSG_PLAN_EMPTY)
    _check_ceiling(case, plan_total(plan))
    plan_transition(actor=actor, plan=plan, to=PlanState.SUBMITTED,
                    changes={"submitted_by": actor, "submitted_at": timezone.now()})
    case_refresh(case)
    return plan


@transaction.atomic
def plan_approve(*, actor, plan: Plan) -> Plan:
    """Four eyes: a supervisor of the case's team approves, and never the
    case's own caseworker nor whoever drafted or submitted the plan. The
    ceiling is checked again (a vulnerability may have been removed since) and
    kept with the plan; the case becomes "plan agreed"."""
    plan, case = _locked_plan(plan)
    rights = case_rights(actor, case)
    if not rights.see:
        raise PermissionDenied
    if not (actor.has_perm("reintegration.approve_plan") and rights.approve):
        raise ValidationError(MSG_APPROVER_ROLE, code="not_supervisor")
    if actor.pk == case.caseworker_id:
        raise ValidationError(MSG_FOUR_EYES_CASEWORKER, code="four_eyes")
    if actor.pk in (plan.created_by_id, plan.submitted_by_id):
        raise ValidationError(MSG_FOUR_EYES_AUTHOR, code="four_eyes")
    if plan.state == PlanState.APPROVED:
        return plan
    if plan.state != PlanState.SUBMITTED:
        raise ValidationError(MSG_PLAN_TRANSITION % {"from": PlanState(plan.state).label,
                                                     "to": PlanState.APPROVED.label})
    if case.state != State.RETURNED:
        raise ValidationError(MSG_APPROVE_BEFORE_ARRIVAL)
    ceiling = _check_ceiling(case, plan_total(plan))
    plan_transition(actor=actor, plan=plan, to=PlanState.APPROVED, changes={
        "approved_by": actor, "approved_at": timezone.now(), "ceiling": ceiling})
    case_transition(actor=actor, case=case, to=State.PLAN_AGREED, reason=REASON_PLAN_APPROVED)
    case_refresh(case)
    return plan


@transaction.atomic
def plan_return(*, actor, plan: Plan, reason: str) -> Plan:
    """Send a submitted plan back to draft, with the reason: a supervisor
    asking for changes, or the caseworker taking it back."""
    plan, case = _locked_plan(plan)
    rights = case_rights(actor, case)
    if not rights.work:
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    plan_transition(actor=actor, plan=plan, to=PlanState.DRAFT, reason=reason)
    case_refresh(case)
    return plan


@transaction.atomic
def plan_close(*, actor, plan: Plan, reason: str) -> Plan:
    """Close an approved plan whose remaining budget will not be used, with
    the reason. The case and the plan are locked first, then its lines: a
    delivery being recorded at the same moment finishes before, or finds the
    plan closed."""
    plan, case = _locked_plan(plan)
    list(BudgetLine.objects.select_for_update().filter(plan=plan).order_by("pk"))
    require_work(actor, case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    if plan.state == PlanState.APPROVED and not Delivery.objects.filter(
            line__plan=plan).exists():
        raise ValidationError(MSG_CLOSE_NOTHING_DELIVERED)
    now = timezone.now()
    plan_transition(actor=actor, plan=plan, to=PlanState.CLOSED, reason=reason, changes={
        "closed_at": now, "closed_by": actor, "closed_reason": reason})
    if case.state == State.ASSISTANCE_IN_PROGRESS:
        case_transition(actor=actor, case=case, to=State.MONITORING, reason=REASON_PLAN_CLOSED)
    case_refresh(case)
    return plan


# --- assistance delivered ----------------------------------------------------------------

@transaction.atomic
def delivery_record(*, actor, line: BudgetLine, kind: str, amount: Decimal,
                    delivered_on: datetime.date, description: str, evidence,
                    evidence_content_type: str, supplier: str = "") -> Delivery:
    """Record assistance against a budget line. Delivered never exceeds
    approved: the case, the plan and the line are locked (in that order) and
    read again before anything is checked, so two deliveries posted at the same
    moment are counted one after the other (and the database refuses a total
    above the amount in any case), and a plan closed or a case withdrawn while
    this one waited refuses it.

    The first delivery starts the assistance; the one that completes the plan
    moves the case to monitoring."""
    line, plan, case = _locked_line(line)
    # The case's caseworker or supervisor, or the staff of its partner
    # organisation, who deliver on the ground while the returnee's consent to
    # share with it is in force (checked here, under the case's, plan's and
    # line's locks: a withdrawal recorded before this point stops the
    # delivery).
    if not partner_delivers(actor, case):
        if (has_role(actor, Role.PARTNER) and not case_rights(actor, case).work
                and not partner_may_see(case)):
            raise SharingConsentMissing(MSG_NO_SHARING_CONSENT)
        require_work(actor, case)
    if plan.state != PlanState.APPROVED:
        raise ValidationError(MSG_PLAN_NOT_APPROVED)
    if kind == Delivery.Kind.SUPPLIER and not (supplier or "").strip():
        raise ValidationError({"supplier": MSG_SUPPLIER_REQUIRED})
    today = timezone.localdate()
    if delivered_on > today:
        raise ValidationError({"delivered_on": MSG_DELIVERY_IN_FUTURE})
    if case.arrived_on is None or delivered_on < case.arrived_on:
        raise ValidationError({"delivered_on": MSG_DELIVERY_BEFORE_ARRIVAL % {
            "arrived": iso(case.arrived_on) if case.arrived_on else "—"}})
    deadline = budget_deadline(case)
    if delivered_on > deadline:
        raise ValidationError({"delivered_on": MSG_DELIVERY_AFTER_DEADLINE % {
            "deadline": iso(deadline), "months": settings.REINTEGRATION_BUDGET_MONTHS}})
    if line.delivered + amount > line.amount:
        raise ValidationError({"amount": MSG_OVER_BUDGET % {
            "remaining": localize(line.remaining), "amount": localize(line.amount)}},
            code="over_budget")
    delivery = Delivery(
        line=line, kind=kind, supplier=(supplier or "").strip(), amount=amount,
        delivered_on=delivered_on, description=description.strip(), evidence=evidence,
        evidence_content_type=evidence_content_type, recorded_by=actor,
    )
    delivery.full_clean(exclude=["evidence_content_type"])
    delivery.save()
    line.delivered += amount
    line.save(update_fields=["delivered"])

    if case.state == State.PLAN_AGREED:
        case_transition(actor=actor, case=case, to=State.ASSISTANCE_IN_PROGRESS,
                        reason=REASON_FIRST_DELIVERY)
    if case.state == State.ASSISTANCE_IN_PROGRESS and plan_finished(plan):
        case_transition(actor=actor, case=case, to=State.MONITORING,
                        reason=REASON_ALL_DELIVERED)
    case_refresh(case)
    return delivery
