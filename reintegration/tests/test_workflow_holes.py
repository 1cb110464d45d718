"""Holes in the reintegration workflow found by walking the supervisor's and
caseworker's journeys (issue 12, points 1, 2, 4 and 5): a supervisor taking a
case himself, an arrival before the departure, plans queued for approval
before they can be approved, and a hidden "send back to draft" error."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from common import formats
from reintegration.factories import case_through, caseworker
from reintegration.models import Case, CaseAssignment
from reintegration.services import cases as services
from reintegration.services import plans
from reintegration.services.cases import MSG_ARRIVAL_BEFORE_DEPARTURE
from reintegration.workflow import State

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def submitted(case, worker):
    plan = plans.plan_start(actor=worker, case=case)
    plans.line_add(actor=worker, plan=plan, category="housing", description="Rent",
                   amount=Decimal("300"))
    plans.plan_submit(actor=worker, plan=plan)
    return plan


# --- 1. a supervisor never holds a case he supervises ---------------------------------

def test_the_reassign_form_offers_the_team_caseworkers_but_not_the_supervisor(
        client, worker, team, boss):
    colleague = caseworker()
    team.caseworkers.add(colleague)
    case = case_through(State.INTAKE, worker=worker, approver=boss)
    client.force_login(boss)
    response = client.get(reverse("reintegration:case_reassign", args=[case.pk]))
    assert response.status_code == 200
    offered = set(response.context["form"].fields["caseworker"].queryset)
    assert colleague in offered and worker in offered
    assert boss not in offered


def test_a_supervisor_cannot_give_a_case_he_supervises_to_himself(client, worker, boss):
    case = case_through(State.INTAKE, worker=worker, approver=boss)
    assignments = CaseAssignment.objects.filter(case=case).count()
    with pytest.raises(ValidationError) as excinfo:
        services.case_reassign(actor=boss, case=case, to=boss)
    name = boss.get_full_name() or boss.get_username()
    assert excinfo.value.message_dict["caseworker"] == [
        services.MSG_SUPERVISOR_NOT_ASSIGNEE % {"user": name}]
    assert Case.objects.get(pk=case.pk).caseworker == worker
    assert CaseAssignment.objects.filter(case=case).count() == assignments

    # Through the page (a forged choice): the form refuses it, next to the field.
    client.force_login(boss)
    response = client.post(reverse("reintegration:case_reassign", args=[case.pk]),
                           {"caseworker": boss.pk, "reason": "I take it"})
    assert response.status_code == 200
    assert response.context["form"].errors["caseworker"]
    assert Case.objects.get(pk=case.pk).caseworker == worker


# --- 2. the arrival is not before the planned departure -------------------------------

def test_an_arrival_before_the_planned_departure_is_refused_next_to_the_field(
        client, worker, boss):
    case = case_through(State.DEPARTURE_PLANNED, worker=worker, approver=boss,
                        departure_in_days=0)
    departure = TODAY() + datetime.timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(planned_departure_on=departure)
    client.force_login(worker)
    response = client.post(reverse("reintegration:case_arrival", args=[case.pk]),
                           {"arrived_on": TODAY().isoformat(), "reason": "Met at the airport"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["arrived_on"] == [
        MSG_ARRIVAL_BEFORE_DEPARTURE % {"departure": formats.day(departure)}]
    assert form["reason"].value() == "Met at the airport"
    case.refresh_from_db()
    assert case.state == State.DEPARTURE_PLANNED and case.arrived_on is None
    assert not case.visits.exists()


def test_the_service_refuses_an_arrival_before_the_planned_departure(worker, boss):
    # The rule is the service's: the admin, a script or a task cannot go round it.
    case = case_through(State.DEPARTURE_PLANNED, worker=worker, approver=boss,
                        departure_in_days=0)
    departure = TODAY() + datetime.timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(planned_departure_on=departure)
    case.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.case_arrival_record(actor=worker, case=case, arrived_on=TODAY())
    assert refused.value.message_dict["arrived_on"] == [
        MSG_ARRIVAL_BEFORE_DEPARTURE % {"departure": formats.day(departure)}]
    assert Case.objects.get(pk=case.pk).state == State.DEPARTURE_PLANNED


def test_an_arrival_on_the_day_of_departure_is_recorded(client, worker, boss):
    case = case_through(State.DEPARTURE_PLANNED, worker=worker, approver=boss,
                        departure_in_days=0)
    client.force_login(worker)
    response = client.post(reverse("reintegration:case_arrival", args=[case.pk]),
                           {"arrived_on": TODAY().isoformat(), "reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RETURNED and case.arrived_on == TODAY()


# --- 4. only what can be approved is queued for approval ------------------------------

def test_a_plan_before_the_arrival_waits_apart_and_has_no_approve_button(
        client, worker, team, boss, django_assert_max_num_queries):
    early = case_through(State.DEPARTURE_PLANNED, worker=worker, approver=boss,
                         departure_in_days=5)
    submitted(early, worker)
    ready = case_through(State.RETURNED, worker=worker, approver=boss)
    submitted(ready, worker)
    client.force_login(boss)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("reintegration:team"))
    assert response.context["awaiting"] == [ready]
    assert response.context["waiting_for_arrival"] == [early]
    page = response.content.decode()
    assert "Submitted, waiting for the arrival" in page
    summary = {row["caseworker"]: row["awaiting"] for row in response.context["summary"]}
    assert summary[worker] == 1

    plan_page = client.get(reverse("reintegration:plan", args=[early.pk])).content.decode()
    assert "Approve the plan" not in plan_page
    assert "The plan is approved once the arrival is recorded." in plan_page
    ready_page = client.get(reverse("reintegration:plan", args=[ready.pk])).content.decode()
    assert "Approve the plan" in ready_page


def test_another_supervisor_sees_neither_list(client, worker, boss):
    from reintegration.factories import supervisor_of

    early = case_through(State.DEPARTURE_PLANNED, worker=worker, approver=boss,
                         departure_in_days=5)
    submitted(early, worker)
    stranger = supervisor_of(caseworker()).supervisor
    client.force_login(stranger)
    response = client.get(reverse("reintegration:team"))
    assert response.context["awaiting"] == []
    assert response.context["waiting_for_arrival"] == []
    assert client.get(reverse("reintegration:plan", args=[early.pk])).status_code == 404


# --- 5. the "send back to draft" error is visible -------------------------------------

def test_sending_back_with_a_blank_reason_opens_the_section_with_the_error(
        client, worker, boss):
    case = case_through(State.RETURNED, worker=worker, approver=boss)
    plan = submitted(case, worker)
    client.force_login(boss)
    response = client.post(reverse("reintegration:plan_return", args=[case.pk]),
                           {"reason": "  "})
    assert response.status_code == 200
    assert response.context["return_form"].errors["reason"]
    page = response.content.decode()
    assert "<details open>" in page
    plan.refresh_from_db()
    assert plan.state == "submitted"
    # Without errors the section stays collapsed.
    page = client.get(reverse("reintegration:plan", args=[case.pk])).content.decode()
    assert "<details open>" not in page


# --- 1 (rest). a case a supervisor already holds can be given to the team ----------------

def held_by(boss, worker):
    """A case the supervisor took himself before that was refused: opened by
    the caseworker, then given to the supervisor behind the services' back."""
    case = case_through(State.COUNSELLING, worker=worker, approver=boss)
    Case.objects.filter(pk=case.pk).update(caseworker=boss)
    return Case.objects.get(pk=case.pk)


def test_a_supervisor_gives_a_case_he_holds_to_a_caseworker_of_his_team(client, worker, boss):
    case = held_by(boss, worker)
    client.force_login(boss)
    page = client.get(reverse("reintegration:case_reassign", args=[case.pk]))
    assert page.status_code == 200
    offered = set(page.context["form"].fields["caseworker"].queryset)
    assert worker in offered and boss not in offered
    detail = client.get(case.get_absolute_url())
    assert reverse("reintegration:case_reassign", args=[case.pk]) in detail.content.decode()

    response = client.post(reverse("reintegration:case_reassign", args=[case.pk]),
                           {"caseworker": worker.pk, "reason": "Back to the team"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).caseworker == worker
    assignment = CaseAssignment.objects.filter(case=case).latest("at")
    assert (assignment.from_caseworker, assignment.to_caseworker, assignment.actor,
            assignment.reason) == (boss, worker, boss, "Back to the team")


def test_a_caseworker_holding_a_case_still_cannot_reassign_it(client, worker, boss):
    case = case_through(State.COUNSELLING, worker=worker, approver=boss)
    client.force_login(worker)
    assert client.get(reverse("reintegration:case_reassign",
                              args=[case.pk])).status_code == 403
    with pytest.raises(Exception) as excinfo:
        services.case_reassign(actor=worker, case=case, to=caseworker())
    assert excinfo.type.__name__ == "PermissionDenied"
