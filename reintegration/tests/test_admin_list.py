"""The return cases' admin changelist: the country of return by name from a
list made once per language, the same queries whatever the number of cases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.factories import UserFactory
from reintegration.factories import CaseFactory

pytestmark = pytest.mark.django_db


def changelist(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:reintegration_case_changelist"),
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_case_list_shows_the_country_by_name_in_the_same_queries_for_more_cases(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    CaseFactory(country_of_return="GN")
    changelist(client)  # the first request also reads what is cached afterwards
    html, few = changelist(client)
    assert "Guinea" in html
    CaseFactory.create_batch(6, country_of_return="SN")
    html, many = changelist(client)
    assert "Senegal" in html
    assert few == many


# --- the rows, written by common.admin_list, and the country filter ---------------

@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("query", [{}, {"state__exact": "intake", "o": "-7"}])
def test_the_case_rows_are_the_admins_own(language, query):
    from django.contrib import admin

    from common.tests.admin_rows import assert_rows_as_django_draws_them
    from registry.factories import OrganisationFactory
    from reintegration.models import Case

    CaseFactory(country_of_return="GN", partner=OrganisationFactory(acronym="ONG"))
    CaseFactory(country_of_return="SN", next_action_due=None)
    CaseFactory.create_batch(2)
    assert_rows_as_django_draws_them(
        admin.site._registry[Case], reverse("admin:reintegration_case_changelist"), query, language)


def test_the_country_filter_offers_the_countries_cases_return_to(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    guinea = CaseFactory(country_of_return="GN")
    CaseFactory(country_of_return="SN")
    url = reverse("admin:reintegration_case_changelist")
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    cl = response.context["cl"]
    offered = [str(choice["display"]) for spec in cl.filter_specs
               if spec.title == "country of return" for choice in spec.choices(cl)]
    assert offered == ["All", "Guinea", "Senegal"]
    response = client.get(url, {"country_of_return": "GN"}, HTTP_ACCEPT_LANGUAGE="en")
    assert list(response.context["cl"].result_list) == [guinea]
    # A link made when the filter offered every country still filters.
    response = client.get(url, {"country_of_return__exact": "GN"}, HTTP_ACCEPT_LANGUAGE="en")
    assert list(response.context["cl"].result_list) == [guinea]
