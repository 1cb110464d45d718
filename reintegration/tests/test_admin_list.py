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
