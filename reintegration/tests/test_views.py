"""The workspace pages: my caseload and the team's (fixed query counts,
filters, search, overdue first), the case page (fixed query count), the
export, and forms that keep what was typed and say what is wrong."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import OrganisationFactory, PersonFactory, UserFactory
from registry.models import Organisation
from reintegration.factories import (
    CaseFactory,
    CaseNoteFactory,
    ReturneeFactory,
    VulnerabilityFactory,
    case_through,
)
from reintegration.models import Case
from reintegration.services import monitoring, plans, records
from reintegration.workflow import State

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today
CASELOAD = "reintegration:caseload"


def rows(response):
    return list(response.context["page"].object_list)


def add_cases(worker, n, *, partner=None):
    for i in range(n):
        case = CaseFactory(caseworker=worker, partner=partner,
                           state=[State.INTAKE, State.COUNSELLING, State.CLOSED][i % 3])
        if i % 2:
            VulnerabilityFactory(case=case)


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries), response


# --- query counts ------------------------------------------------------------------

@pytest.mark.parametrize("params", [{}, {"q": "diallo", "state": "all", "country": "GN",
                                         "overdue": "on"}])
def test_my_caseload_runs_the_same_number_of_queries_for_3_and_40_cases(
        client, worker, params):
    partner = OrganisationFactory(name="AGR", country="GN",
                                  kind=Organisation.Kind.LOCAL_PARTNER)
    add_cases(worker, 3, partner=partner)
    client.force_login(worker)
    client.get(reverse(CASELOAD))  # warm the session and content-type caches
    few, _response = count_queries(client, reverse(CASELOAD), params)
    add_cases(worker, 37, partner=partner)
    many, response = count_queries(client, reverse(CASELOAD), params)
    assert many == few
    if not params:
        assert response.context["page"].count == 27  # the open ones
        assert len(rows(response)) == 25


def test_the_team_page_runs_the_same_number_of_queries_for_3_and_40_cases(
        client, worker, team, boss):
    from reintegration.factories import caseworker

    colleague = caseworker()
    team.caseworkers.add(colleague)
    add_cases(worker, 3)
    client.force_login(boss)
    client.get(reverse("reintegration:team"))
    few, _response = count_queries(client, reverse("reintegration:team"))
    add_cases(worker, 20)
    add_cases(colleague, 17)
    many, response = count_queries(client, reverse("reintegration:team"))
    assert many == few
    summary = {row["caseworker"]: row for row in response.context["summary"]}
    assert summary[worker]["open"] == 16 and summary[colleague]["open"] == 12


@pytest.mark.parametrize("scope_user", ["caseworker", "dpo"])
def test_the_export_runs_the_same_number_of_queries_for_3_and_40_cases(
        client, worker, scope_user):
    add_cases(worker, 3)
    user, scope = (worker, "mine") if scope_user == "caseworker" else (
        UserFactory(roles=[Role.DPO]), "all")
    client.force_login(user)
    url = reverse("reintegration:export", args=[scope])
    client.get(url)
    few, _response = count_queries(client, url, {"state": "all"})
    add_cases(worker, 37)
    many, response = count_queries(client, url, {"state": "all"})
    assert many == few
    assert len(response.content.decode("utf-8-sig").splitlines()) == 41


def test_the_case_page_runs_the_same_number_of_queries_whatever_it_holds(
        client, worker, boss):
    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss,
                        arrived_days_ago=100)
    kinds = ["medical", "elderly", "disability", "psychosocial", "single_parent", "trafficking"]
    line = case.plan.lines.order_by("id").last()

    def add(n, start):
        for i in range(start, start + n):
            records.note_add(actor=worker, case=case, text=f"Note {i}", is_confidential=i % 2)
            VulnerabilityFactory(case=case, kind=kinds[i])
            plans.delivery_record(actor=worker, line=line, kind="cash", amount=Decimal("10"),
                                  delivered_on=case.arrived_on, description="Transport",
                                  evidence=_pdf(), evidence_content_type="application/pdf")
            monitoring.visit_add(actor=worker, case=case, due_on=TODAY())

    add(2, 0)
    client.force_login(worker)
    client.get(case.get_absolute_url())
    few, _response = count_queries(client, case.get_absolute_url())
    add(4, 2)
    many, response = count_queries(client, case.get_absolute_url())
    assert many == few
    html = response.content.decode()
    assert "Note 5" in html and str(VulnerabilityFactory._meta.model.Kind.TRAFFICKING.label) in html


def test_the_access_log_runs_the_same_number_of_queries_for_few_and_many_entries(client):
    from reintegration.models import SensitiveAccess

    def log(n):
        for _i in range(n):
            SensitiveAccess.objects.create(user=UserFactory(), case=CaseFactory(),
                                           what=SensitiveAccess.What.CASE_PAGE)

    log(2)
    client.force_login(UserFactory(roles=[Role.DPO]))
    url = reverse("reintegration:access_log")
    client.get(url)
    few, _response = count_queries(client, url)
    log(20)
    many, _response = count_queries(client, url)
    assert many == few


def _pdf():
    from reintegration.factories import evidence_file

    return evidence_file()


# --- filters, search, order ----------------------------------------------------------

def test_overdue_cases_come_first_then_the_soonest_due(client, worker):
    later = CaseFactory(caseworker=worker, next_action_due=TODAY() + datetime.timedelta(9))
    overdue = CaseFactory(caseworker=worker, next_action_due=TODAY() - datetime.timedelta(3))
    soon = CaseFactory(caseworker=worker, next_action_due=TODAY() + datetime.timedelta(1))
    nothing_due = CaseFactory(caseworker=worker, next_action_due=None)
    client.force_login(worker)
    response = client.get(reverse(CASELOAD))
    assert rows(response) == [overdue, soon, later, nothing_due]
    assert 'class="table-warning"' in response.content.decode()


def test_the_caseload_filters_by_state_country_partner_and_overdue(client, worker):
    partner = OrganisationFactory(name="ASAR", country="SN",
                                  kind=Organisation.Kind.LOCAL_PARTNER)
    senegal = CaseFactory(caseworker=worker, principal=ReturneeFactory(country="SN"),
                          partner=partner, state=State.COUNSELLING,
                          next_action_due=TODAY() - datetime.timedelta(days=2))
    guinea = CaseFactory(caseworker=worker, principal=ReturneeFactory(country="GN"),
                         state=State.INTAKE, next_action_due=TODAY() + datetime.timedelta(5))
    closed = CaseFactory(caseworker=worker, principal=ReturneeFactory(country="GN"),
                         state=State.CLOSED, next_action_due=None)
    client.force_login(worker)

    def listed(**params):
        return set(rows(client.get(reverse(CASELOAD), params)))

    assert listed() == {senegal, guinea}  # open cases unless asked otherwise
    assert listed(state="all") == {senegal, guinea, closed}
    assert listed(state="final") == {closed}
    assert listed(state=State.COUNSELLING) == {senegal}
    assert listed(country="GN", state="all") == {guinea, closed}
    assert listed(partner=partner.pk) == {senegal}
    assert listed(overdue="on") == {senegal}


def test_the_caseload_finds_a_case_by_reference_or_folded_name_in_any_order(client, worker):
    aminata = CaseFactory(caseworker=worker, reference="RET-2026-00417", principal=ReturneeFactory(
        given_names="Aminata", family_name="Diallo", country="GN"))
    keita = CaseFactory(caseworker=worker, reference="RET-2026-00002", principal=ReturneeFactory(
        given_names="Sékou", family_name="Keïta", country="GN"))
    client.force_login(worker)

    def found(query):
        return set(rows(client.get(reverse(CASELOAD), {"q": query})))

    assert found("RET-2026-00417") == {aminata}
    assert found("00417") == {aminata}
    assert found("diallo aminata") == {aminata}
    assert found("KEITA sekou") == {keita}
    assert found("nobody") == set()


def test_the_team_page_filters_by_caseworker_and_lists_plans_awaiting_approval(
        client, worker, team, boss):
    from reintegration.factories import caseworker

    colleague = caseworker()
    team.caseworkers.add(colleague)
    mine = case_through(State.RETURNED, worker=worker, approver=boss)
    theirs = CaseFactory(caseworker=colleague)
    plan = plans.plan_start(actor=worker, case=mine)
    plans.line_add(actor=worker, plan=plan, category="housing", description="Rent",
                   amount=Decimal("300"))
    plans.plan_submit(actor=worker, plan=plan)
    client.force_login(boss)
    response = client.get(reverse("reintegration:team"))
    assert set(rows(response)) == {mine, theirs}
    assert response.context["awaiting"] == [mine]
    assert set(rows(client.get(reverse("reintegration:team"),
                               {"caseworker": colleague.pk}))) == {theirs}


def test_the_team_page_splits_submitted_plans_by_arrival_in_a_fixed_number_of_queries(
        client, worker, team, boss):
    def submitted(state):
        case = case_through(state, worker=worker, approver=boss)
        plan = plans.plan_start(actor=worker, case=case)
        plans.line_add(actor=worker, plan=plan, category="housing", description="Rent",
                       amount=Decimal("300"))
        plans.plan_submit(actor=worker, plan=plan)
        return case

    ready, early = submitted(State.RETURNED), submitted(State.RETURN_APPROVED)
    client.force_login(boss)
    client.get(reverse("reintegration:team"))
    few, response = count_queries(client, reverse("reintegration:team"))
    assert response.context["awaiting"] == [ready]
    assert response.context["waiting_for_arrival"] == [early]
    later = [submitted(State.RETURNED), submitted(State.RETURN_APPROVED)]
    many, response = count_queries(client, reverse("reintegration:team"))
    assert many == few
    assert response.context["awaiting"] == [ready, later[0]]
    assert response.context["waiting_for_arrival"] == [early, later[1]]


# --- forms: clear messages, nothing typed is lost -------------------------------------

def test_a_delivery_with_a_zero_amount_and_a_future_date_comes_back_with_both_errors(
        client, worker, boss):
    case = case_through(State.PLAN_AGREED, worker=worker, approver=boss)
    line = case.plan.lines.first()
    client.force_login(worker)
    response = client.post(reverse("reintegration:delivery_add", args=[case.pk]), {
        "line": line.pk, "kind": "supplier", "supplier": "Garage Touré", "amount": "0",
        "delivered_on": (TODAY() + datetime.timedelta(days=2)).isoformat(),
        "description": "Motorbike repair", "evidence": _pdf(),
    })
    assert response.status_code == 200
    form = response.context["form"]
    from reintegration.forms import MSG_AMOUNT_POSITIVE, MSG_NOT_IN_FUTURE

    assert form.errors["amount"] == [MSG_AMOUNT_POSITIVE]
    assert form.errors["delivered_on"] == [MSG_NOT_IN_FUTURE]
    assert form["supplier"].value() == "Garage Touré"
    assert form["description"].value() == "Motorbike repair"
    assert form.file_must_be_chosen_again
    assert not line.deliveries.exists()


def test_a_delivery_above_the_line_is_refused_next_to_the_amount(client, worker, boss):
    case = case_through(State.PLAN_AGREED, worker=worker, approver=boss)
    line = case.plan.lines.get(category="housing")
    client.force_login(worker)
    response = client.post(reverse("reintegration:delivery_add", args=[case.pk]), {
        "line": line.pk, "kind": "in_kind", "amount": "600.01", "delivered_on": TODAY(),
        "description": "Rent", "evidence": _pdf(),
    })
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [plans.MSG_OVER_BUDGET % {
        "remaining": Decimal("600.00"), "amount": Decimal("600.00")}]


def test_evidence_that_is_not_a_pdf_or_image_is_refused(client, worker, boss):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from privatemedia.files import MSG_WRONG_TYPE

    case = case_through(State.PLAN_AGREED, worker=worker, approver=boss)
    client.force_login(worker)
    response = client.post(reverse("reintegration:delivery_add", args=[case.pk]), {
        "line": case.plan.lines.first().pk, "kind": "cash", "amount": "10",
        "delivered_on": TODAY(), "description": "Cash",
        "evidence": SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 not a pdf"),
    })
    assert response.context["form"].errors["evidence"] == [MSG_WRONG_TYPE]


def test_a_departure_blocked_by_a_passport_shows_the_message_and_keeps_the_date(
        client, worker, boss):
    case = case_through(State.RETURN_APPROVED, worker=worker, approver=boss)
    passport = case.principal.documents.get()
    passport.expires_on = TODAY() + datetime.timedelta(days=3)
    passport.save()
    day = (TODAY() + datetime.timedelta(days=10)).isoformat()
    client.force_login(worker)
    response = client.post(reverse("reintegration:case_departure", args=[case.pk]),
                           {"planned_on": day})
    assert response.status_code == 200
    html = response.content.decode()
    assert passport.number in html and "expires on" in html
    assert response.context["form"]["planned_on"].value() == day
    assert Case.objects.get(pk=case.pk).state == State.RETURN_APPROVED


def test_a_departure_in_the_past_is_refused_next_to_the_date(client, worker, boss):
    from reintegration.forms import MSG_NOT_IN_PAST

    case = case_through(State.RETURN_APPROVED, worker=worker, approver=boss)
    client.force_login(worker)
    response = client.post(reverse("reintegration:case_departure", args=[case.pk]),
                           {"planned_on": "2001-01-01"})
    assert response.context["form"].errors["planned_on"] == [MSG_NOT_IN_PAST]


def test_a_withdrawal_without_a_reason_asks_for_one(client, worker, boss):
    case = case_through(State.COUNSELLING, worker=worker, approver=boss)
    client.force_login(worker)
    url = reverse("reintegration:case_move", args=[case.pk, State.WITHDRAWN])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    response = client.post(url, {"reason": "Found work in Belgium"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.WITHDRAWN


def test_a_move_that_is_not_a_button_of_the_case_page_is_not_found(client, worker, boss):
    case = case_through(State.DEPARTURE_PLANNED, worker=worker, approver=boss)
    client.force_login(worker)
    for target in (State.RETURNED, State.PLAN_AGREED, "nonsense"):
        assert client.get(reverse("reintegration:case_move",
                                  args=[case.pk, target])).status_code == 404


def test_a_budget_line_amount_must_be_positive_with_two_decimals(client, worker, boss):
    case = case_through(State.RETURNED, worker=worker, approver=boss)
    plans.plan_start(actor=worker, case=case)
    client.force_login(worker)
    from reintegration.forms import MSG_AMOUNT_POSITIVE

    for amount in ("-5", "0", "10.001", "abc"):
        response = client.post(reverse("reintegration:line_add", args=[case.pk]), {
            "category": "housing", "description": "Rent", "amount": amount})
        assert response.context["line_form"].errors["amount"] == [MSG_AMOUNT_POSITIVE], amount
        assert response.context["line_form"]["description"].value() == "Rent"
    assert not case.plan.lines.exists()


def test_the_case_page_shows_what_is_left_and_until_when(client, worker, boss):
    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss)
    client.force_login(worker)
    response = client.get(case.get_absolute_url())
    budget = response.context["budget"]
    assert budget.left == Decimal("1800.00") - Decimal("600.00")
    html = response.content.decode()
    assert 'id="budget-left"' in html and 'id="budget-deadline"' in html


# --- intake: the registry first ---------------------------------------------------------

def test_the_intake_finds_the_person_and_says_who_already_has_a_case(client, worker, boss):
    known = ReturneeFactory(given_names="Mariama", family_name="Bah", country="GN")
    busy = case_through(State.INTAKE, worker=worker, approver=boss, principal=ReturneeFactory(
        given_names="Mariama", family_name="Barry", country="GN")).principal
    client.force_login(worker)
    response = client.get(reverse("reintegration:intake"), {"q": "mariama"})
    found = {person: person.has_open_case for person in response.context["results"]}
    assert found == {known: False, busy: True}
    assert response.context["form"] is not None  # a new person only after a search


def test_a_new_person_from_the_intake_goes_through_the_registry_service(client, worker):
    existing = PersonFactory(given_names="Ousmane", family_name="Sylla",
                             birth_date=datetime.date(1990, 5, 1), country="GN")
    client.force_login(worker)
    response = client.post(reverse("reintegration:intake") + "?q=sylla", {
        "given_names": "Ousmane", "family_name": "SYLLA", "birth_date": "1990-05-01",
        "birth_date_precision": "day", "sex": "male", "nationalities": ["GN"],
        "country_of_residence": "BE", "preferred_language": "fr",
    }, follow=True)
    from registry.models import DuplicateCandidate, Person

    created = Person.objects.exclude(pk=existing.pk).get(family_name="SYLLA")
    assert response.redirect_chain[-1][0] == reverse("reintegration:case_open",
                                                     args=[created.pk])
    assert DuplicateCandidate.objects.filter(person_a=existing, person_b=created).exists()
    assert existing.reference in response.content.decode()  # the warning names the other


def test_opening_a_case_from_the_form_records_consent_and_members(client, worker):
    from registry.factories import HouseholdFactory, HouseholdMemberFactory
    from registry.models import Consent

    person = ReturneeFactory(consent=False, country="SN")
    household = HouseholdFactory(principal=person)
    child = HouseholdMemberFactory(household=household, relation="child",
                                   person=ReturneeFactory(consent=False, country="SN"))
    client.force_login(worker)
    url = reverse("reintegration:case_open", args=[person.pk])
    response = client.post(url, {"country_of_return": "SN", "region_of_return": "Thiès",
                                 "caseworker": worker.pk, "members": [child.pk]})
    assert response.status_code == 200
    assert response.context["form"].errors["consent_method"]
    assert response.context["form"]["region_of_return"].value() == "Thiès"
    response = client.post(url, {"country_of_return": "SN", "region_of_return": "Thiès",
                                 "caseworker": worker.pk, "members": [child.pk],
                                 "consent_method": "verbal"})
    case = Case.objects.get(principal=person)
    assert response.url == case.get_absolute_url()
    assert [m.person for m in case.members.all()] == [child.person]
    assert Consent.objects.filter(person=person, purpose="reintegration").exists()


def test_a_caseworker_with_a_closed_case_has_an_empty_caseload_message(client, worker):
    CaseFactory(caseworker=worker, state=State.CLOSED, next_action_due=None)
    client.force_login(worker)
    response = client.get(reverse(CASELOAD))
    assert rows(response) == []
    assert "No case matches." in response.content.decode()


def test_old_cases_are_listed_with_their_last_activity(client, worker):
    case = CaseFactory(caseworker=worker)
    Case.objects.filter(pk=case.pk).update(
        last_activity_at=timezone.now() - datetime.timedelta(days=45))
    CaseNoteFactory(case=case)
    client.force_login(worker)
    assert rows(client.get(reverse(CASELOAD)))[0].last_activity_at.date() < TODAY()


def test_the_intake_search_runs_the_same_number_of_queries_for_few_and_many_matches(
        client, worker, boss):
    def add(n):
        for _i in range(n):
            case_through(State.INTAKE, worker=worker, approver=boss,
                         principal=ReturneeFactory(family_name="Camara", country="GN"))
            ReturneeFactory(family_name="Camara", country="GN")

    add(1)
    client.force_login(worker)
    url = reverse("reintegration:intake")
    client.get(url, {"q": "camara"})
    few, _response = count_queries(client, url, {"q": "camara"})
    add(8)
    many, response = count_queries(client, url, {"q": "camara"})
    assert many == few
    assert len(response.context["results"]) == 18


def test_query_counts_of_the_workspace_pages_stay_small(client, worker, boss):
    """The fixed numbers themselves, so that a page that grows an extra
    query per section is noticed (session, user and groups included)."""
    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss)
    pages = {
        "caseload": (worker, reverse(CASELOAD), 8),
        "case page": (worker, case.get_absolute_url(), 24),
        "plan page": (worker, reverse("reintegration:plan", args=[case.pk]), 14),
        "export": (worker, reverse("reintegration:export", args=["mine"]), 6),
        "team page": (boss, reverse("reintegration:team"), 12),
    }
    for name, (user, url, limit) in pages.items():
        client.force_login(user)
        client.get(url)
        queries, _response = count_queries(client, url)
        assert queries <= limit, (name, queries)
