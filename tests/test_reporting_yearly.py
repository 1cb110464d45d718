"""The donor's yearly report: a PDF of the sections the user may see, in the
language asked for; refused to users who see no section."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import ReadEvent
from registry.factories import UserFactory
from reintegration.factories import CaseFactory, caseworker, supervisor_of
from reintegration.states import State as CaseState
from scholarships.factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures():
    CallFactory(academic_year=2031)
    worker = caseworker()
    team = supervisor_of(worker)
    CaseFactory(caseworker=worker, state=CaseState.MONITORING,
                arrived_on=timezone.localdate().replace(year=2031))
    return team


def _pdf(client, **params):
    response = client.get(reverse("reporting:yearly"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return response


def test_the_data_protection_officer_gets_both_programmes(client, figures):
    user = UserFactory(roles=[Role.DPO])
    client.force_login(user)
    page = client.get(reverse("reporting:yearly"))
    assert [s.key for s in page.context["sections"]] == ["scholarships", "reintegration"]
    response = _pdf(client, year=2031, language="en")
    assert b"(Yearly report 2031)" in response.content
    assert b"(2031 scholarships reintegration)" in response.content
    assert 'filename="yearly-report-2031-en.pdf"' in response["Content-Disposition"]
    assert ReadEvent.objects.filter(user=user, action=ReadEvent.Action.EXPORT,
                                    page="reporting:yearly").count() == 1


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_pdf_is_made_in_french_or_dutch(client, figures, language):
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    response = _pdf(client, year=2031, language=language)
    assert f"yearly-report-2031-{language}.pdf" in response["Content-Disposition"]
    assert b"/Lang (" + language.encode() in response.content


def test_a_supervisor_gets_only_the_return_figures(client, figures):
    client.force_login(figures.supervisor)
    response = _pdf(client, year=2031, language="en")
    assert b"(2031 reintegration)" in response.content


def test_an_unknown_year_is_refused_next_to_the_field(client, figures):
    client.force_login(UserFactory(roles=[Role.DPO]))
    response = client.get(reverse("reporting:yearly"), {"year": 1999, "language": "en"})
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["year"]


@pytest.mark.parametrize("roles", [[Role.CASEWORKER], [Role.APPLICANT], [Role.REVIEWER]])
def test_users_who_see_no_figures_are_refused(client, figures, roles):
    client.force_login(UserFactory(roles=roles))
    assert client.get(reverse("reporting:yearly")).status_code == 403
