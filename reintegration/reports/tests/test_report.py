"""The reintegration report: each role sees the figures of its own cases
(supervisors their teams, partners their organisation, the data protection
officer everything), computed by the database, small counts suppressed."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import ReadEvent
from registry.factories import OrganisationFactory, UserFactory
from registry.models import Organisation
from reintegration.factories import (
    BudgetLineFactory,
    CaseFactory,
    MonitoringVisitFactory,
    PlanFactory,
    ReturneeFactory,
    VulnerabilityFactory,
    caseworker,
    supervisor_of,
)
from reintegration.models import (
    CaseTransition,
    Delivery,
    MonitoringVisit,
    PartnerDesk,
    SurveyResponse,
    SurveyVersion,
)
from reintegration.reports import selectors
from reintegration.reports.selectors import Filters
from reintegration.states import State

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2031, 6, 15)
ARRIVED = datetime.date(2031, 3, 10)


@pytest.fixture
def world():
    """Two teams: Senegal's (6 returns, partner "Enda") and Guinea's (5 returns,
    partner "Sabou")."""
    senegal_worker, guinea_worker = caseworker(), caseworker()
    senegal = supervisor_of(senegal_worker)
    guinea = supervisor_of(guinea_worker)
    type(senegal).objects.filter(pk=senegal.pk).update(name="Dakar desk")
    type(guinea).objects.filter(pk=guinea.pk).update(name="Conakry desk")
    enda = OrganisationFactory(name="Enda Tiers Monde", kind=Organisation.Kind.NGO, country="SN")
    sabou = OrganisationFactory(name="Sabou Guinée", kind=Organisation.Kind.NGO, country="GN")
    cases = {"SN": [], "GN": []}
    for country, worker, partner, count in (("SN", senegal_worker, enda, 6),
                                            ("GN", guinea_worker, sabou, 5)):
        for _ in range(count):
            cases[country].append(CaseFactory(
                principal=ReturneeFactory(country=country), country_of_return=country,
                caseworker=worker, partner=partner, state=State.MONITORING,
                arrived_on=ARRIVED, planned_departure_on=ARRIVED))
    return {"senegal": senegal, "guinea": guinea, "enda": enda, "sabou": sabou,
            "cases": cases}


def _countries(response):
    return {row[0]: row[1] for row in response.context["shown"]["countries"].body}


def _partner_user(organisation):
    user = UserFactory(roles=[Role.PARTNER])
    desk, _created = PartnerDesk.objects.get_or_create(organisation=organisation)
    desk.staff.add(user)
    return user


def test_a_supervisor_sees_the_returns_of_their_teams_only(client, world):
    client.force_login(world["senegal"].supervisor)
    response = client.get(reverse("reintegration:report"))
    assert response.status_code == 200
    assert _countries(response) == {"Senegal": "6"}


def test_the_data_protection_officer_sees_every_team(client, world):
    client.force_login(UserFactory(roles=[Role.DPO]))
    response = client.get(reverse("reintegration:report"))
    assert _countries(response) == {"Guinea": "5", "Senegal": "6"}
    teams = {row[0]: row[1] for row in response.context["shown"]["teams"].body}
    assert teams == {"Conakry desk": "5", "Dakar desk": "6"}


def test_a_partner_sees_its_own_organisation_and_no_vulnerabilities(client, world):
    VulnerabilityFactory(case=world["cases"]["GN"][0])
    client.force_login(_partner_user(world["sabou"]))
    response = client.get(reverse("reintegration:report"))
    assert _countries(response) == {"Guinea": "5"}
    assert response.context["vulnerabilities"] is None
    assert "vulnerabilities" not in response.context["shown"]


@pytest.mark.parametrize("roles", [[Role.CASEWORKER], [Role.SCHOLARSHIP_ADMIN],
                                   [Role.REVIEWER], [Role.APPLICANT]])
def test_caseworkers_and_other_roles_have_no_report(client, world, roles):
    client.force_login(UserFactory(roles=roles))
    assert client.get(reverse("reintegration:report")).status_code == 403
    assert client.get(reverse("reintegration:report_export", args=["csv"])).status_code == 403


def test_small_counts_are_hidden_with_their_complement(client, world):
    for case in world["cases"]["SN"][:3]:
        VulnerabilityFactory(case=case, kind="medical")
    client.force_login(UserFactory(roles=[Role.DPO]))
    response = client.get(reverse("reintegration:report"))
    vulnerable = response.context["shown"]["vulnerabilities"]
    assert vulnerable.body == [["Medical condition", "<5"]]


def test_days_from_counselling_to_departure_and_to_first_assistance(world):
    start = datetime.datetime(2031, 1, 1, 10, tzinfo=datetime.UTC)
    for index, case in enumerate(world["cases"]["SN"]):
        CaseTransition.objects.create(case=case, from_state=State.INTAKE,
                                      to_state=State.COUNSELLING, at=start)
        # Departures 60, 60, 60, 70, 70, 100 days after counselling.
        departure = start.date() + datetime.timedelta(days=[60, 60, 60, 70, 70, 100][index])
        type(case).objects.filter(pk=case.pk).update(planned_departure_on=departure,
                                                     arrived_on=departure)
        line = BudgetLineFactory(plan=PlanFactory(case=case))
        Delivery.objects.create(line=line, kind="cash", amount=Decimal("10.00"),
                                delivered_on=departure + datetime.timedelta(days=10 + index),
                                description="Rent", evidence="x.pdf",
                                evidence_content_type="application/pdf")
    (row,) = [r for r in selectors.durations(UserFactory(roles=[Role.DPO]), Filters())
              if r["key"] == "SN"]
    assert row["n_departure"] == 6 and row["n_help"] == 6
    assert row["median_departure"] == datetime.timedelta(days=65)
    assert row["mean_departure"] == datetime.timedelta(days=70)
    assert row["median_help"] == datetime.timedelta(days=12.5)


def test_assistance_approved_against_delivered_by_category_and_partner(client, world):
    approved = timezone.now()
    for case in world["cases"]["SN"]:
        plan = PlanFactory(case=case, approved_at=approved)
        BudgetLineFactory(plan=plan, category="business", amount=Decimal("1000.00"),
                          delivered=Decimal("250.00"))
    PlanFactory(case=world["cases"]["GN"][0])  # not approved: not counted
    rows = selectors.assistance(UserFactory(roles=[Role.DPO]), Filters(), "category")
    assert rows == [{"key": "business", "approved": Decimal("6000.00"),
                     "delivered": Decimal("1500.00"), "n": 6}]
    client.force_login(UserFactory(roles=[Role.DPO]))
    shown = client.get(reverse("reintegration:report")).context["shown"]
    assert shown["assistance_category"].body == [
        ["Business start-up", "6000.00", "1500.00", "25.00"]]
    assert shown["assistance_partner"].body[0][0] == "Enda Tiers Monde"


def test_monitoring_visits_done_on_time(world):
    cases = world["cases"]["SN"]
    due = datetime.date(2031, 6, 10)
    for case in cases[:5]:
        MonitoringVisitFactory(case=case, months_after_arrival=3, due_on=due,
                               status=MonitoringVisit.Status.DONE, mode="phone",
                               done_on=due + datetime.timedelta(days=3))
    MonitoringVisitFactory(case=cases[5], months_after_arrival=3, due_on=due,
                           status=MonitoringVisit.Status.DONE, mode="phone",
                           done_on=due + datetime.timedelta(days=30))
    MonitoringVisitFactory(case=cases[0], months_after_arrival=6, due_on=due,
                           status=MonitoringVisit.Status.PLANNED)
    MonitoringVisitFactory(case=cases[0], months_after_arrival=12, due_on=due.replace(
        year=2040))  # not due yet
    rows = selectors.visits(UserFactory(roles=[Role.DPO]), Filters(), today=TODAY.replace(
        month=12))
    assert rows == [{"key": 3, "on_time": 5, "late": 1, "waived": 0, "overdue": 0},
                    {"key": 6, "on_time": 0, "late": 0, "waived": 0, "overdue": 1}]


def test_sustainability_scores_by_round_and_country(client, world):
    version = SurveyVersion.objects.create(number=7, title="Weights of 2031")
    for months, score in ((3, "0.50"), (6, "0.60")):
        for case in world["cases"]["SN"]:
            visit = MonitoringVisitFactory(case=case, months_after_arrival=months,
                                           due_on=ARRIVED, status="done", mode="phone",
                                           done_on=ARRIVED)
            SurveyResponse.objects.create(visit=visit, version=version, economic=score,
                                          social=score, psychosocial=score, composite=score)
    client.force_login(UserFactory(roles=[Role.DPO]))
    response = client.get(reverse("reintegration:report"))
    shown = response.context["shown"]
    assert shown["scores_country"].body == [["Senegal", "0.50", "0.60", "–"]]
    assert shown["scores_version"].body == [["Version 7", "0.50", "0.60", "–"]]
    assert "<polyline" in response.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_cases(client, world):
    client.force_login(UserFactory(roles=[Role.DPO]))
    url = reverse("reintegration:report")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for country in ("CM", "CD", "MA"):
        for _ in range(5):
            case = CaseFactory(principal=ReturneeFactory(country=country),
                               country_of_return=country, state=State.MONITORING,
                               arrived_on=ARRIVED)
            VulnerabilityFactory(case=case)
            MonitoringVisitFactory(case=case, due_on=ARRIVED)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["shown"]["countries"].body) == 5
    assert len(many) == len(few), [q["sql"][:100] for q in many.captured_queries]
    assert len(many) <= 20


def test_the_export_is_suppressed_and_logged(client, world):
    for case in world["cases"]["SN"][:2]:
        VulnerabilityFactory(case=case, kind="elderly")
    user = UserFactory(roles=[Role.DPO])
    client.force_login(user)
    response = client.get(reverse("reintegration:report_export", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Elderly person", "<5"] in rows
    assert world["cases"]["SN"][0].principal.family_name not in text
    event = ReadEvent.objects.get(user=user, action=ReadEvent.Action.EXPORT)
    assert event.model == "reintegration.case" and event.rows > 0
