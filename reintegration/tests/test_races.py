"""Two people acting on the same case, plan, budget line or visit at the same
moment, each from a real connection in its own thread, on PostgreSQL
(SQLite serialises whole transactions, which proves nothing; these tests are
skipped there and run in CI).

Each race is run ROUNDS times on fresh data, released by a barrier, so that
the window in which one service reads a state before waiting for the other's
lock is hit: whatever the order the database grants the locks in, the outcome
must be one a user could also get by doing the two things one after the
other. No race may crash (anything else than a refusal the user reads)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from reintegration.dates import add_months
from reintegration.factories import (
    case_through,
    caseworker,
    evidence_file,
    supervisor_of,
)
from reintegration.models import (
    BudgetLine,
    Case,
    CaseTransition,
    Delivery,
    MonitoringVisit,
    Plan,
    PlanTransition,
)
from reintegration.services import cases as case_services
from reintegration.services import monitoring as monitoring_services
from reintegration.services import plans as services
from reintegration.services.monitoring import LAST_VISIT_MONTHS
from reintegration.services.plans import MSG_OVER_BUDGET, MSG_PLAN_NOT_APPROVED, plan_ceiling
from reintegration.workflow import PlanState, State

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("emptied_database")]

ROUNDS = 20


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks between connections")


@pytest.fixture
def people():
    worker = caseworker()
    boss = supervisor_of(worker).supervisor
    return worker, boss


def at_once(*calls):
    """Run each callable in its own thread and connection, released together.
    Returns, in order, None for a call that succeeded or the refusal it
    raised; a crash (any other exception) fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)
    crashed = []
    language = translation.get_language()

    def run(index, call):
        translation.activate(language)
        try:
            barrier.wait()
            call()
        except (ValidationError, PermissionDenied) as exc:
            outcomes[index] = exc
        except Exception as exc:  # noqa: BLE001 - reported below
            crashed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashed == [], crashed
    return outcomes


def messages(outcome) -> list[str]:
    return [str(message) for message in outcome.messages] if outcome is not None else []


def assert_history_is_a_chain(case: Case) -> None:
    """Every recorded move starts where the previous one ended, and the case
    is where the last one led (two moves from one state mean one read a state
    that had already changed)."""
    moves = list(CaseTransition.objects.filter(case=case).order_by("at", "id"))
    assert moves, "the case has no history"
    for before, after in zip(moves, moves[1:], strict=False):
        assert after.from_state == before.to_state, [(m.from_state, m.to_state) for m in moves]
    assert Case.objects.get(pk=case.pk).state == moves[-1].to_state
    plan = Plan.objects.filter(case=case).first()
    if plan is not None:
        plan_moves = list(PlanTransition.objects.filter(plan=plan).order_by("at", "id"))
        for before, after in zip(plan_moves, plan_moves[1:], strict=False):
            assert after.from_state == before.to_state
        assert plan.state == (plan_moves[-1].to_state if plan_moves else PlanState.DRAFT)


def deliver(actor, line, amount, on=None):
    def call():
        services.delivery_record(
            actor=actor, line=line, kind=Delivery.Kind.IN_KIND, amount=amount,
            delivered_on=on or timezone.localdate(), description="Tools",
            evidence=evidence_file(), evidence_content_type="application/pdf")
    return call


def submitted_plan(worker, boss) -> Plan:
    case = case_through(State.RETURNED, worker=worker, approver=boss)
    plan = services.plan_start(actor=worker, case=case, objectives="A shop.")
    services.line_add(actor=worker, plan=plan, category="business", description="Stock",
                      amount=Decimal("800.00"))
    return services.plan_submit(actor=worker, plan=plan)


# --- money: deliveries, the plan's close, the budget ---------------------------------

def test_a_delivery_is_never_recorded_on_a_plan_closed_at_the_same_moment(people):
    """Refused ("approved plan"), or recorded before the close: never after."""
    worker, boss = people
    orders = set()
    for _round in range(ROUNDS):
        case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss)
        plan = Plan.objects.get(case=case)
        untouched = plan.lines.get(delivered=0)

        delivery, close = at_once(
            deliver(worker, untouched, Decimal("100.00")),
            lambda plan=plan: services.plan_close(actor=worker, plan=plan, reason="Not needed."))

        assert close is None
        plan.refresh_from_db()
        assert plan.state == PlanState.CLOSED
        if delivery is None:
            recorded = Delivery.objects.get(line=untouched)
            assert recorded.recorded_at < plan.closed_at, "delivery recorded on a closed plan"
            orders.add("delivery first")
        else:
            assert messages(delivery) == [str(MSG_PLAN_NOT_APPROVED)]
            assert not Delivery.objects.filter(line=untouched).exists()
            orders.add("close first")
        untouched.refresh_from_db()
        assert untouched.delivered == sum(
            (d.amount for d in Delivery.objects.filter(line=untouched)), Decimal("0"))
        assert Case.objects.get(pk=case.pk).state == State.MONITORING
        assert_history_is_a_chain(case)


def test_two_deliveries_that_together_exceed_a_line_one_is_refused(people):
    worker, boss = people
    for _round in range(ROUNDS):
        case = case_through(State.PLAN_AGREED, worker=worker, approver=boss,
                            lines=(("business", "Market stall", Decimal("1000.00")),))
        line = BudgetLine.objects.get(plan__case=case)

        outcomes = at_once(deliver(worker, line, Decimal("600.00")),
                           deliver(worker, line, Decimal("600.00")))

        refused = [outcome for outcome in outcomes if outcome is not None]
        assert len(refused) == 1
        assert refused[0].message_dict["amount"] == [MSG_OVER_BUDGET % {
            "remaining": Decimal("400.00"), "amount": Decimal("1000.00")}]
        line.refresh_from_db()
        assert line.delivered == Decimal("600.00")
        assert list(Delivery.objects.filter(line=line).values_list("amount", flat=True)) == [
            Decimal("600.00")]
        assert Case.objects.get(pk=case.pk).state == State.ASSISTANCE_IN_PROGRESS
        assert_history_is_a_chain(case)


def test_a_budget_line_edit_and_a_delivery_at_once(people):
    """An approved plan's line cannot be changed; the delivery counts in full."""
    worker, boss = people
    for _round in range(ROUNDS):
        case = case_through(State.PLAN_AGREED, worker=worker, approver=boss,
                            lines=(("business", "Market stall", Decimal("1000.00")),))
        line = BudgetLine.objects.get(plan__case=case)

        delivery, edit = at_once(
            deliver(worker, line, Decimal("300.00")),
            lambda line=line: services.line_change(
                actor=worker, line=line, category="business", description="Smaller stall",
                amount=Decimal("200.00")))

        assert delivery is None
        assert edit is not None
        line.refresh_from_db()
        assert (line.amount, line.delivered) == (Decimal("1000.00"), Decimal("300.00"))


def test_two_budget_lines_added_at_once_stay_under_the_ceiling(people):
    worker, boss = people
    for _round in range(ROUNDS):
        case = case_through(State.RETURNED, worker=worker, approver=boss)
        plan = services.plan_start(actor=worker, case=case, objectives="A shop.")
        half = (plan_ceiling(case).total * Decimal("0.6")).quantize(Decimal("0.01"))

        def add(description, plan=plan, half=half):
            return lambda: services.line_add(actor=worker, plan=plan, category="business",
                                             description=description, amount=half)

        outcomes = at_once(add("Stock"), add("Tools"))

        refused = [outcome for outcome in outcomes if outcome is not None]
        assert len(refused) == 1 and refused[0].code == "over_ceiling"
        assert BudgetLine.objects.filter(plan=plan).count() == 1


def test_a_delivery_is_never_recorded_on_a_case_withdrawn_at_the_same_moment(people):
    worker, boss = people
    for _round in range(ROUNDS):
        case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss)
        untouched = BudgetLine.objects.get(plan__case=case, delivered=0)

        delivery, withdraw = at_once(
            deliver(worker, untouched, Decimal("100.00")),
            lambda case=case: case_services.case_move(actor=worker, case=case,
                                                      to=State.WITHDRAWN, reason="Moved away."))

        assert withdraw is None
        withdrawn = CaseTransition.objects.get(case=case, to_state=State.WITHDRAWN)
        if delivery is None:
            recorded = Delivery.objects.get(line=untouched)
            assert recorded.recorded_at < withdrawn.at, "delivery recorded on a withdrawn case"
        else:
            assert not Delivery.objects.filter(line=untouched).exists()
        assert_history_is_a_chain(case)


# --- the plan's approval ----------------------------------------------------------------

def test_plan_approval_and_sending_back_to_draft_at_once(people):
    worker, boss = people
    for _round in range(ROUNDS):
        plan = submitted_plan(worker, boss)

        approve, send_back = at_once(
            lambda plan=plan: services.plan_approve(actor=boss, plan=plan),
            lambda plan=plan: services.plan_return(actor=worker, plan=plan,
                                                   reason="One more line."))

        assert [approve, send_back].count(None) == 1
        plan.refresh_from_db()
        case = Case.objects.get(pk=plan.case_id)
        if approve is None:
            assert (plan.state, case.state) == (PlanState.APPROVED, State.PLAN_AGREED)
        else:
            assert (plan.state, case.state) == (PlanState.DRAFT, State.RETURNED)
        assert_history_is_a_chain(case)


def test_withdrawal_and_plan_approval_at_once(people):
    """Withdrawn first: the approval is refused. Approved first: the case is
    withdrawn from "plan agreed". Never a plan approved on a withdrawn case."""
    worker, boss = people
    for _round in range(ROUNDS):
        plan = submitted_plan(worker, boss)
        case = plan.case

        approve, withdraw = at_once(
            lambda plan=plan: services.plan_approve(actor=boss, plan=plan),
            lambda case=case: case_services.case_move(actor=worker, case=case,
                                                      to=State.WITHDRAWN, reason="Moved away."))

        assert withdraw is None
        plan.refresh_from_db()
        assert Case.objects.get(pk=case.pk).state == State.WITHDRAWN
        assert plan.state == (PlanState.APPROVED if approve is None else PlanState.SUBMITTED)
        assert_history_is_a_chain(case)


# --- moves of the case ------------------------------------------------------------------

def test_no_show_and_arrival_at_once(people):
    worker, boss = people
    for _round in range(ROUNDS):
        case = case_through(State.DEPARTURE_PLANNED, worker=worker, approver=boss)

        arrival, no_show = at_once(
            lambda case=case: case_services.case_arrival_record(
                actor=worker, case=case, arrived_on=timezone.localdate()),
            lambda case=case: case_services.case_move(actor=worker, case=case,
                                                      to=State.NO_SHOW, reason="Not there."))

        assert [arrival, no_show].count(None) == 1
        state = Case.objects.get(pk=case.pk).state
        assert state == (State.RETURNED if arrival is None else State.NO_SHOW)
        assert MonitoringVisit.objects.filter(case=case).exists() == (state == State.RETURNED)
        assert_history_is_a_chain(case)


def test_two_departure_dates_at_once_leave_one_move(people):
    worker, boss = people
    today = timezone.localdate()
    for _round in range(ROUNDS):
        case = case_through(State.RETURN_APPROVED, worker=worker, approver=boss)

        outcomes = at_once(*[
            lambda case=case, days=days: case_services.case_departure_plan(
                actor=worker, case=case, planned_on=today + datetime.timedelta(days=days))
            for days in (5, 9)])

        assert outcomes == [None, None]
        assert CaseTransition.objects.filter(
            case=case, to_state=State.DEPARTURE_PLANNED).count() == 1
        assert_history_is_a_chain(case)


def test_reassignment_and_a_move_at_once():
    """The supervisor gives the case to a colleague while moving it on: both
    happen, in either order, and nothing fails."""
    worker, colleague = caseworker(), caseworker()
    boss = supervisor_of(worker, colleague).supervisor
    for _round in range(ROUNDS):
        case = case_through(State.INTAKE, worker=worker, approver=boss)

        reassign, move = at_once(
            lambda case=case: case_services.case_reassign(actor=boss, case=case, to=colleague),
            lambda case=case: case_services.case_move(actor=boss, case=case,
                                                      to=State.COUNSELLING))

        assert (reassign, move) == (None, None)
        case.refresh_from_db()
        assert (case.caseworker_id, case.state) == (colleague.pk, State.COUNSELLING)


def test_closing_a_case_and_adding_a_last_visit_at_once(people):
    """The case is closed once its last visit is done or waived: a visit
    added after the last one at the same moment refuses the close, or is
    refused on the closed case; a closed case never ends with it to do."""
    worker, boss = people
    for _round in range(ROUNDS):
        case = case_through(State.MONITORING, worker=worker, approver=boss)
        for visit in case.visits.all():
            monitoring_services.visit_waive(actor=worker, visit=visit, reason="By phone.")
        later = add_months(case.arrived_on, LAST_VISIT_MONTHS - 1)

        close, add = at_once(
            lambda case=case: case_services.case_move(actor=worker, case=case, to=State.CLOSED),
            lambda case=case, later=later: monitoring_services.visit_add(
                actor=worker, case=case, due_on=later))

        assert [close, add].count(None) == 1
        state = Case.objects.get(pk=case.pk).state
        added = MonitoringVisit.objects.filter(case=case, due_on=later).exists()
        assert (state, added) in ((State.CLOSED, False), (State.MONITORING, True))
        assert_history_is_a_chain(case)


def test_a_visit_recorded_and_waived_at_once(people):
    worker, boss = people
    version = monitoring_services.current_survey_version()
    answers = {question.pk: question.options.all()[0].pk
               for question in monitoring_services.survey_questions(version)}
    mode = MonitoringVisit._meta.get_field("mode").choices[0][0]
    for _round in range(ROUNDS):
        case = case_through(State.MONITORING, worker=worker, approver=boss)
        visit = case.visits.order_by("due_on").first()

        record, waive = at_once(
            lambda visit=visit: monitoring_services.visit_record(
                actor=worker, visit=visit, done_on=timezone.localdate(), mode=mode,
                answers=answers),
            lambda visit=visit: monitoring_services.visit_waive(actor=worker, visit=visit,
                                                                reason="By phone."))

        assert [record, waive].count(None) == 1
        visit.refresh_from_db()
        assert visit.status == (MonitoringVisit.Status.DONE if record is None
                                else MonitoringVisit.Status.WAIVED)
