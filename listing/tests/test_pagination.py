import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from listing.pagination import bounded_page, page_number
from registry.factories import PersonFactory, UserFactory
from registry.models import Person

pytestmark = pytest.mark.django_db


def persons(n):
    PersonFactory.create_batch(n)
    return Person.objects.order_by("id")


def test_below_the_limit_the_count_and_the_number_of_pages_are_exact():
    page = bounded_page(persons(12), "2", per_page=5, count_limit=100)
    assert page.count == 12
    assert page.num_pages == 3
    assert [p.pk for p in page] == list(Person.objects.order_by("id")
                                         .values_list("pk", flat=True)[5:10])
    assert page.has_previous and page.has_next
    assert (page.start_index, page.end_index) == (6, 10)


def test_above_the_limit_the_count_is_unknown_but_the_next_page_is_not():
    page = bounded_page(persons(12), 1, per_page=5, count_limit=10)
    assert page.count is None
    assert page.num_pages is None
    assert len(page) == 5
    assert page.has_next
    last = bounded_page(Person.objects.order_by("id"), 3, per_page=5, count_limit=10)
    assert len(last) == 2 and not last.has_next


def test_a_page_past_the_end_shows_the_last_page_when_the_count_is_known():
    page = bounded_page(persons(7), 9, per_page=5, count_limit=100)
    assert page.number == 2
    assert len(page) == 2


@pytest.mark.parametrize("value", [None, "", "abc", "0", "-3", "1.5"])
def test_a_page_number_that_is_not_a_positive_number_means_the_first_page(value):
    assert page_number(value) == 1


def test_an_empty_list_is_one_empty_page():
    page = bounded_page(Person.objects.order_by("id"), 4, per_page=5, count_limit=10)
    assert page.count == 0 and page.number == 1 and not page.has_other_pages
    assert page.start_index == 0


def test_the_count_reads_at_most_limit_plus_one_rows():
    with CaptureQueriesContext(connection) as queries:
        bounded_page(persons(3), 1, per_page=2, count_limit=50)
    count_sql = next(q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"])
    assert "LIMIT 51" in count_sql


def test_a_long_person_list_says_more_than_the_limit_and_links_the_next_page(client, settings):
    settings.LIST_COUNT_LIMIT = 10
    PersonFactory.create_batch(30)
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    html = client.get(reverse("registry:person_list")).content.decode()
    assert "More than 10 persons match" in html
    assert "?page=2" in html and "Page 1" in html and "Page 1 of" not in html
    html = client.get(reverse("registry:person_list"), {"page": 2}).content.decode()
    assert "?page=1" in html and "Page 2" in html
    assert "?page=3" not in html, "30 persons fill two pages of 25"


def test_a_short_list_gives_the_exact_count_and_the_number_of_pages(client):
    PersonFactory.create_batch(30)
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    html = client.get(reverse("registry:person_list"), {"page": 2}).content.decode()
    assert "30 persons" in html
    assert "Page 2 of 2" in html


def test_a_deep_page_joins_only_its_own_rows():
    """The page's records are chosen in a subquery on the filtered table, and
    only they are shaped (joined) by `rows`."""
    queryset = persons(12)
    with CaptureQueriesContext(connection) as queries:
        page = bounded_page(queryset, 3, per_page=5, count_limit=100,
                            rows=lambda qs: qs.values("id", "given_names"))
    assert [row["id"] for row in page] == list(queryset.values_list("id", flat=True)[10:12])
    rows_sql = queries.captured_queries[-1]["sql"]
    assert "IN (SELECT" in rows_sql and "OFFSET 10" in rows_sql


def test_the_count_reads_no_annotation_of_the_rows():
    from django.db.models import Exists, OuterRef

    from registry.models import IdentityDocument

    queryset = persons(3).annotate(has_document=Exists(
        IdentityDocument.objects.filter(person=OuterRef("pk"))))
    with CaptureQueriesContext(connection) as queries:
        page = bounded_page(queryset, 1, per_page=2, count_limit=50)
    count_sql = next(q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"])
    assert "EXISTS" not in count_sql.upper()
    assert page.count == 3


def test_the_admin_paginator_counts_at_most_limit_plus_one_rows():
    from listing.pagination import BoundedCountPaginator

    paginator = BoundedCountPaginator(persons(7), 2, count_limit=4)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 5
    assert "LIMIT 5" in queries.captured_queries[0]["sql"]
    assert not paginator.counted_all
    # A page past the counted rows is still served: the rows exist.
    assert len(paginator.page(4).object_list) == 1
    exact = BoundedCountPaginator(persons(0), 2, count_limit=100)
    assert exact.count == 7 and exact.counted_all and exact.num_pages == 4
