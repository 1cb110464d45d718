"""The persons' admin changelist at scale: country names from a list made once
per language, a count that stops at LIST_COUNT_LIMIT, the same queries
whatever the number of rows (bench/RESULTS.md for the timings)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def changelist(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:registry_person_changelist"),
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_country_of_residence_is_shown_by_name(root):
    PersonFactory(family_name="Zqxresident", country_of_residence="GN")
    html, _queries = changelist(root)
    assert "Guinea" in html


def test_above_the_count_limit_the_list_says_more_than_the_limit(root, settings):
    settings.LIST_COUNT_LIMIT = 3
    PersonFactory.create_batch(5)
    html, _queries = changelist(root)
    assert "more than 3 persons" in html
    settings.LIST_COUNT_LIMIT = 1000
    html, _queries = changelist(root)
    assert "5 persons" in html and "more than" not in html


def test_the_changelist_does_the_same_queries_for_few_or_many_persons(root):
    PersonFactory.create_batch(3)
    changelist(root)  # the first request also reads what is cached afterwards
    _html, few = changelist(root)
    PersonFactory.create_batch(12)
    _html, many = changelist(root)
    assert few == many


# --- the rows, written by common.admin_list ---------------------------------------

def _persons_with_every_kind_of_value():
    import datetime

    from registry.models import Person

    kept = PersonFactory(family_name="Keïta", given_names="Aïssa <b>", nationalities=["GN", "SN"],
                         user=UserFactory(username="aissa"))
    PersonFactory(family_name="Year", birth_date=datetime.date(1990, 1, 1),
                  birth_date_precision=Person.BirthDatePrecision.YEAR, nationalities=[])
    PersonFactory(family_name="Unknown", birth_date=None)
    PersonFactory(family_name="Merged", merged_into=kept)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("query", [{}, {"sex__exact": "female", "o": "-3.2"}])
def test_the_person_rows_are_the_admins_own(language, query):
    from django.contrib import admin

    from common.tests.admin_rows import assert_rows_as_django_draws_them
    from registry.models import Person

    _persons_with_every_kind_of_value()
    PersonFactory.create_batch(3, sex="female")
    assert_rows_as_django_draws_them(
        admin.site._registry[Person], reverse("admin:registry_person_changelist"), query, language)


def test_the_country_filter_offers_the_countries_persons_live_in_by_name(root):
    PersonFactory(family_name="Zqxone", country_of_residence="GN")
    PersonFactory(family_name="Zqxtwo", country_of_residence="SN")
    response = root.get(reverse("admin:registry_person_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    offered = [choice["display"] for spec in response.context["cl"].filter_specs
               if spec.title == "country of residence"
               for choice in spec.choices(response.context["cl"])]
    assert [str(name) for name in offered] == ["All", "Guinea", "Senegal"]
    response = root.get(reverse("admin:registry_person_changelist"),
                        {"country_of_residence": "SN"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [p.family_name for p in response.context["cl"].result_list] == ["Zqxtwo"]
