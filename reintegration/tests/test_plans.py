"""The reintegration plan: ceilings that are data, four-eyes approval, and
assistance delivered that never exceeds what was approved."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role
from common import formats
from registry.factories import UserFactory
from reintegration.factories import (
    ReturneeFactory,
    TeamFactory,
    case_through,
    caseworker,
    evidence_file,
    supervisor_of,
)
from reintegration.models import (
    BudgetCeiling,
    BudgetLine,
    Case,
    Delivery,
    PlanTransition,
    Vulnerability,
    VulnerabilityTopUp,
)
from reintegration.services import plans as services
from reintegration.services import records
from reintegration.workflow import PlanState, State

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today
D = Decimal


def returned_case(worker, boss, **kwargs):
    return case_through(State.RETURNED, worker=worker, approver=boss, **kwargs)


def drafted(worker, case, lines=(("business", "Sewing machines", "1200.00"),
                                 ("housing", "Rent, three months", "600.00"))):
    plan = services.plan_start(actor=worker, case=case, objectives="A tailoring workshop")
    for category, description, amount in lines:
        services.line_add(actor=worker, plan=plan, category=category,
                          description=description, amount=D(amount))
    return plan


def approved(worker, boss, **kwargs):
    case = returned_case(worker, boss, **kwargs)
    plan = drafted(worker, case)
    services.plan_submit(actor=worker, plan=plan)
    services.plan_approve(actor=boss, plan=plan)
    plan.refresh_from_db()
    return plan


def deliver(worker, line, amount, **kwargs):
    kwargs.setdefault("delivered_on", TODAY())
    kwargs.setdefault("kind", Delivery.Kind.SUPPLIER)
    kwargs.setdefault("supplier", "Quincaillerie Bah et Fils")
    return services.delivery_record(
        actor=worker, line=line, amount=D(amount), description="Purchase",
        evidence=evidence_file(), evidence_content_type="application/pdf", **kwargs)


# --- ceilings are data -----------------------------------------------------------

def test_the_default_ceilings_and_top_ups_are_loaded_by_the_data_migration():
    assert list(BudgetCeiling.objects.values_list("household_size", flat=True)) == [1, 2, 3, 4, 5]
    assert set(VulnerabilityTopUp.objects.values_list("kind", flat=True)) == set(
        Vulnerability.Kind.values)


def test_the_ceiling_depends_on_household_size_and_vulnerabilities(worker, boss):
    BudgetCeiling.objects.filter(household_size=1).update(amount=D("2000.00"))
    BudgetCeiling.objects.filter(household_size=3).update(amount=D("3700.00"))
    VulnerabilityTopUp.objects.filter(kind="medical").update(amount=D("1500.00"))
    alone = returned_case(worker, boss)
    assert services.plan_ceiling(alone).total == D("2000.00")
    family = returned_case(worker, boss, members=[
        (ReturneeFactory(consent=False), "spouse"), (ReturneeFactory(consent=False), "child")])
    assert services.plan_ceiling(family).household_size == 3
    assert services.plan_ceiling(family).total == D("3700.00")
    records.vulnerability_save(actor=worker, case=family, kind="medical", notes="Insulin")
    ceiling = services.plan_ceiling(family)
    assert ceiling.total == D("5200.00")
    assert ceiling.top_ups == [(Vulnerability.Kind.MEDICAL.label, D("1500.00"))]


def test_a_household_larger_than_the_last_row_gets_the_last_rows_ceiling(worker, boss):
    BudgetCeiling.objects.filter(household_size=5).update(amount=D("4800.00"))
    members = [(ReturneeFactory(consent=False), "child") for _i in range(6)]
    case = returned_case(worker, boss, members=members)
    assert services.plan_ceiling(case).total == D("4800.00")


def test_an_administrator_changing_a_ceiling_changes_what_a_plan_may_budget(worker, boss):
    case = returned_case(worker, boss)
    BudgetCeiling.objects.filter(household_size=1).update(amount=D("1000.00"))
    plan = services.plan_start(actor=worker, case=case)
    with pytest.raises(ValidationError) as excinfo:
        services.line_add(actor=worker, plan=plan, category="business",
                          description="Motorbike taxi", amount=D("1000.01"))
    assert excinfo.value.messages == [services.MSG_OVER_CEILING % {
        "total": D("1000.01"), "ceiling": D("1000.00")}]
    BudgetCeiling.objects.filter(household_size=1).update(amount=D("1500.00"))
    services.line_add(actor=worker, plan=plan, category="business",
                      description="Motorbike taxi", amount=D("1000.01"))
    assert plan.lines.count() == 1


def test_without_any_ceiling_row_no_budget_can_be_planned(worker, boss):
    case = returned_case(worker, boss)
    BudgetCeiling.objects.all().delete()
    plan = services.plan_start(actor=worker, case=case)
    with pytest.raises(ValidationError) as excinfo:
        services.line_add(actor=worker, plan=plan, category="housing", description="Rent",
                          amount=D("10"))
    assert excinfo.value.messages == [services.MSG_NO_CEILING % {"size": 1}]


# --- drafting, submitting, four eyes -----------------------------------------------------

def test_a_plan_cannot_be_submitted_without_lines(worker, boss):
    case = returned_case(worker, boss)
    plan = services.plan_start(actor=worker, case=case)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_submit(actor=worker, plan=plan)
    assert excinfo.value.messages == [services.MSG_PLAN_EMPTY]


def test_lines_change_only_while_the_plan_is_a_draft(worker, boss):
    case = returned_case(worker, boss)
    plan = drafted(worker, case)
    services.plan_submit(actor=worker, plan=plan)
    line = plan.lines.first()
    with pytest.raises(ValidationError) as excinfo:
        services.line_change(actor=worker, line=line, category="housing",
                             description="More", amount=D("50"))
    assert excinfo.value.messages == [services.MSG_PLAN_NOT_DRAFT % {
        "state": PlanState.SUBMITTED.label}]
    with pytest.raises(ValidationError):
        services.line_remove(actor=worker, line=line)


def test_a_supervisor_of_the_team_approves_and_the_case_becomes_plan_agreed(worker, boss):
    plan = approved(worker, boss)
    assert plan.state == PlanState.APPROVED
    assert plan.approved_by == boss and plan.ceiling == services.plan_ceiling(plan.case).total
    assert Case.objects.get(pk=plan.case_id).state == State.PLAN_AGREED
    assert list(PlanTransition.objects.filter(plan=plan).values_list("to_state", flat=True)) == [
        PlanState.SUBMITTED, PlanState.APPROVED]


def test_four_eyes_the_cases_own_caseworker_cannot_approve_even_as_a_supervisor():
    senior = UserFactory(roles=[Role.CASEWORKER, Role.SUPERVISOR])
    team = supervisor_of(senior)  # someone else supervises the senior caseworker...
    TeamFactory(supervisor=senior, caseworkers=[senior])  # ...and so do they themselves
    case = returned_case(senior, team.supervisor)
    plan = drafted(senior, case)
    services.plan_submit(actor=senior, plan=plan)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_approve(actor=senior, plan=plan)
    assert excinfo.value.messages == [services.MSG_FOUR_EYES_CASEWORKER]
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    services.plan_approve(actor=team.supervisor, plan=plan)
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED


def test_four_eyes_the_supervisor_who_drafted_the_plan_cannot_approve_it(worker, team, boss):
    second = supervisor_of(worker).supervisor  # the caseworker is in two teams
    case = returned_case(worker, boss)
    plan = drafted(boss, case)  # the supervisor drafted it for the caseworker
    services.plan_submit(actor=worker, plan=plan)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_approve(actor=boss, plan=plan)
    assert excinfo.value.messages == [services.MSG_FOUR_EYES_AUTHOR]
    services.plan_approve(actor=second, plan=plan)
    assert Case.objects.get(pk=case.pk).state == State.PLAN_AGREED


def test_a_caseworker_cannot_approve_a_plan(worker, boss):
    case = returned_case(worker, boss)
    plan = drafted(worker, case)
    services.plan_submit(actor=worker, plan=plan)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_approve(actor=worker, plan=plan)
    assert excinfo.value.messages == [services.MSG_APPROVER_ROLE]


def test_a_supervisor_of_another_team_cannot_approve(worker, boss):
    case = returned_case(worker, boss)
    plan = drafted(worker, case)
    services.plan_submit(actor=worker, plan=plan)
    stranger = supervisor_of(caseworker()).supervisor
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=stranger, plan=plan)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED


def test_approval_checks_the_ceiling_again(worker, boss):
    case = returned_case(worker, boss)
    plan = drafted(worker, case)
    services.plan_submit(actor=worker, plan=plan)
    BudgetCeiling.objects.filter(household_size=1).update(amount=D("100.00"))
    with pytest.raises(ValidationError) as excinfo:
        services.plan_approve(actor=boss, plan=plan)
    assert excinfo.value.code == "over_ceiling"


def test_a_plan_sent_back_returns_to_draft_with_the_reason(worker, boss):
    case = returned_case(worker, boss)
    plan = drafted(worker, case)
    services.plan_submit(actor=worker, plan=plan)
    with pytest.raises(ValidationError):
        services.plan_return(actor=boss, plan=plan, reason="")
    services.plan_return(actor=boss, plan=plan, reason="Add the school fees")
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT
    assert plan.transitions.last().reason == "Add the school fees"


# --- deliveries -----------------------------------------------------------------------

def test_the_first_delivery_starts_the_assistance_and_the_last_moves_to_monitoring(
        worker, boss):
    plan = approved(worker, boss)
    business, housing = plan.lines.order_by("id")
    deliver(worker, business, "1200.00")
    assert Case.objects.get(pk=plan.case_id).state == State.ASSISTANCE_IN_PROGRESS
    deliver(worker, housing, "600.00")
    assert Case.objects.get(pk=plan.case_id).state == State.MONITORING


def test_a_delivery_above_what_is_left_of_the_line_is_refused(worker, boss):
    plan = approved(worker, boss)
    line = plan.lines.get(category="business")
    deliver(worker, line, "1000.00")
    with pytest.raises(ValidationError) as excinfo:
        deliver(worker, line, "200.01")
    assert excinfo.value.message_dict["amount"] == [services.MSG_OVER_BUDGET % {
        "remaining": D("200.00"), "amount": D("1200.00")}]
    deliver(worker, line, "200.00")
    line.refresh_from_db()
    assert line.delivered == line.amount == D("1200.00")
    assert sum(d.amount for d in line.deliveries.all()) == D("1200.00")


def test_the_database_refuses_a_delivered_total_above_the_amount(worker, boss):
    from django.db import IntegrityError, transaction

    plan = approved(worker, boss)
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(pk=plan.lines.first().pk).update(delivered=D("99999"))


def test_assistance_is_delivered_only_against_an_approved_plan(worker, boss):
    case = returned_case(worker, boss)
    plan = drafted(worker, case)
    with pytest.raises(ValidationError) as excinfo:
        deliver(worker, plan.lines.first(), "10")
    assert excinfo.value.messages == [services.MSG_PLAN_NOT_APPROVED]


def test_a_delivery_is_dated_between_arrival_and_the_budget_deadline(worker, boss, settings):
    settings.REINTEGRATION_BUDGET_MONTHS = 12
    plan = approved(worker, boss, arrived_days_ago=400)
    line = plan.lines.first()
    with pytest.raises(ValidationError) as excinfo:
        deliver(worker, line, "10", delivered_on=TODAY())
    arrived = plan.case.arrived_on
    from reintegration.dates import add_months

    assert excinfo.value.message_dict["delivered_on"] == [
        services.MSG_DELIVERY_AFTER_DEADLINE % {
            "deadline": formats.day(add_months(arrived, 12)), "months": 12}]
    with pytest.raises(ValidationError) as excinfo:
        deliver(worker, line, "10", delivered_on=arrived - datetime.timedelta(days=1))
    assert "delivered_on" in excinfo.value.message_dict
    deliver(worker, line, "10", delivered_on=arrived + datetime.timedelta(days=30))


def test_a_longer_budget_period_from_the_setting_allows_later_deliveries(
        worker, boss, settings):
    settings.REINTEGRATION_BUDGET_MONTHS = 18
    plan = approved(worker, boss, arrived_days_ago=400)
    deliver(worker, plan.lines.first(), "10", delivered_on=TODAY())


def test_a_payment_to_a_supplier_names_the_supplier(worker, boss):
    plan = approved(worker, boss)
    with pytest.raises(ValidationError) as excinfo:
        deliver(worker, plan.lines.first(), "10", supplier=" ")
    assert excinfo.value.message_dict["supplier"] == [services.MSG_SUPPLIER_REQUIRED]
    deliver(worker, plan.lines.first(), "10", kind=Delivery.Kind.IN_KIND, supplier="")


def test_only_the_cases_workers_record_deliveries(worker, boss):
    plan = approved(worker, boss)
    for outsider in (caseworker(), UserFactory(roles=[Role.DPO])):
        with pytest.raises(PermissionDenied):
            deliver(outsider, plan.lines.first(), "10")


# --- closing a plan ------------------------------------------------------------------

def test_closing_a_plan_needs_a_reason_and_a_first_delivery(worker, boss):
    plan = approved(worker, boss)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_close(actor=worker, plan=plan, reason="")
    assert excinfo.value.message_dict["reason"] == [services.MSG_REASON_REQUIRED]
    with pytest.raises(ValidationError) as excinfo:
        services.plan_close(actor=worker, plan=plan, reason="Does not need it")
    assert excinfo.value.messages == [services.MSG_CLOSE_NOTHING_DELIVERED]
    deliver(worker, plan.lines.first(), "100")
    services.plan_close(actor=worker, plan=plan, reason="Found a job in Conakry")
    plan.refresh_from_db()
    assert plan.state == PlanState.CLOSED and plan.closed_by == worker
    assert plan.closed_reason == "Found a job in Conakry"
    assert Case.objects.get(pk=plan.case_id).state == State.MONITORING
    with pytest.raises(ValidationError):
        deliver(worker, plan.lines.first(), "10")


def test_a_plan_is_drafted_from_counselling_on(worker, boss):
    case = case_through(State.INTAKE, worker=worker, approver=boss)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_start(actor=worker, case=case)
    assert excinfo.value.messages == [services.MSG_PLAN_TOO_EARLY]
    counselling = case_through(State.COUNSELLING, worker=worker, approver=boss)
    plan = drafted(worker, counselling)
    services.plan_submit(actor=worker, plan=plan)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_approve(actor=boss, plan=plan)
    assert excinfo.value.messages == [services.MSG_APPROVE_BEFORE_ARRIVAL]


def test_the_budget_shows_what_is_left_and_until_when(worker, boss, settings):
    from reintegration import selectors
    from reintegration.dates import add_months

    settings.REINTEGRATION_BUDGET_MONTHS = 12
    plan = approved(worker, boss)
    deliver(worker, plan.lines.get(category="business"), "450.50")
    case = Case.objects.get(pk=plan.case_id)
    budget = selectors.budget_of(case, selectors.plan_for(case))
    assert (budget.approved, budget.delivered, budget.left) == (
        D("1800.00"), D("450.50"), D("1349.50"))
    assert budget.deadline == add_months(case.arrived_on, 12)
    assert timezone.localdate() <= budget.deadline
