import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from reintegration.models import Case, CaseTransition, SurveyResponse, Team
from reintegration.workflow import State

pytestmark = pytest.mark.django_db


def test_demo_cases_load_once_for_the_demo_caseworker_and_supervisor(client):
    call_command("seed_demo", persons=8, stdout=io.StringIO())
    call_command("seed_demo_reintegration", stdout=io.StringIO())
    counts = (Case.objects.count(), CaseTransition.objects.count())
    call_command("seed_demo_reintegration", stdout=io.StringIO())
    assert (Case.objects.count(), CaseTransition.objects.count()) == counts

    users = get_user_model().objects
    worker, boss = users.get(username="caseworker"), users.get(username="supervisor")
    team = Team.objects.get(supervisor=boss)
    assert worker in team.caseworkers.all()
    states = set(Case.objects.filter(caseworker=worker).values_list("state", flat=True))
    assert {State.INTAKE, State.DEPARTURE_PLANNED, State.ASSISTANCE_IN_PROGRESS,
            State.MONITORING, State.CLOSED} <= states
    assert set(Case.objects.values_list("country_of_return", flat=True)) >= {
        "GN", "SN", "CD", "MA", "IQ", "AF", "NG", "CM"}
    assert SurveyResponse.objects.exists()

    client.force_login(worker)
    page = client.get(reverse("reintegration:caseload"))
    assert page.status_code == 200 and len(page.context["page"].object_list) > 10
    overdue = [row for row in page.context["rows"] if row["overdue"]]
    assert overdue  # the demo shows what an overdue action looks like
    client.force_login(boss)
    team_page = client.get(reverse("reintegration:team"))
    assert {row["caseworker"] for row in team_page.context["summary"]} >= {worker}
    assert len(team_page.context["awaiting"]) == 1  # a plan for the supervisor to approve
    # The Guinean partner's staff see the Guinean case whose plan is agreed,
    # with the form to record the first delivery.
    client.force_login(users.get(username="partner"))
    partner_page = client.get(reverse("reintegration:partner_cases"))
    [row] = partner_page.context["rows"]
    case = Case.objects.get(reference=row["reference"])
    assert (case.country_of_return, case.state) == ("GN", State.PLAN_AGREED)
    assert client.get(reverse("reintegration:partner_case",
                              args=[case.pk])).context["form"] is not None


def test_the_demo_needs_the_demo_logins_first():
    out = io.StringIO()
    call_command("seed_demo_reintegration", stdout=out)
    assert "Run seed_demo first" in out.getvalue()
    assert not Case.objects.exists()
