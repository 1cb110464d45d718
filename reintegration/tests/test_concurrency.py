"""Two deliveries against one budget line posted at the same moment, from two
real connections on PostgreSQL (SQLite serialises whole transactions, which
proves nothing): the line's row lock makes the second see the first, so what
is delivered never exceeds what was approved."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from reintegration.factories import case_through, caseworker, evidence_file, supervisor_of
from reintegration.models import BudgetLine, Delivery
from reintegration.services import plans as services
from reintegration.services.plans import MSG_OVER_BUDGET
from reintegration.workflow import State

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("emptied_database")]


def post_at_once(actor, line, amounts):
    """Record one delivery per amount, each from its own thread and
    connection, all released at the same instant."""
    barrier = threading.Barrier(len(amounts))
    done, refused, crashed = [], [], []

    def record(amount):
        try:
            barrier.wait()
            done.append(services.delivery_record(
                actor=actor, line=line, kind=Delivery.Kind.IN_KIND, amount=amount,
                delivered_on=datetime.date.today(), description="Tools",
                evidence=evidence_file(), evidence_content_type="application/pdf"))
        except Exception as exc:  # noqa: BLE001 - sorted below
            from django.core.exceptions import ValidationError

            (refused if isinstance(exc, ValidationError) else crashed).append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(amount,)) for amount in amounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused, crashed


def test_two_deliveries_posted_at_once_never_exceed_the_approved_amount():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks between connections")
    worker = caseworker()
    boss = supervisor_of(worker).supervisor
    case = case_through(State.PLAN_AGREED, worker=worker, approver=boss,
                        lines=(("business", "Market stall", Decimal("1000.00")),))
    line = BudgetLine.objects.get(plan__case=case)

    done, refused, crashed = post_at_once(worker, line, [Decimal("600.00"), Decimal("600.00")])

    assert crashed == []
    assert len(done) == 1 and len(refused) == 1
    assert refused[0].message_dict["amount"] == [MSG_OVER_BUDGET % {
        "remaining": Decimal("400.00"), "amount": Decimal("1000.00")}]
    line.refresh_from_db()
    assert line.delivered == Decimal("600.00")
    assert [d.amount for d in Delivery.objects.filter(line=line)] == [Decimal("600.00")]


def test_deliveries_that_fit_together_are_all_recorded_when_posted_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks between connections")
    worker = caseworker()
    boss = supervisor_of(worker).supervisor
    case = case_through(State.PLAN_AGREED, worker=worker, approver=boss,
                        lines=(("business", "Market stall", Decimal("1000.00")),))
    line = BudgetLine.objects.get(plan__case=case)

    done, refused, crashed = post_at_once(
        worker, line, [Decimal("250.00"), Decimal("250.00"), Decimal("500.00")])

    assert (len(done), refused, crashed) == (3, [], [])
    line.refresh_from_db()
    assert line.delivered == line.amount == Decimal("1000.00")
    assert case.__class__.objects.get(pk=case.pk).state == State.MONITORING
