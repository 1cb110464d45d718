"""For the tests of lists drawn by common.admin_list: a list's rows as Django's
own admin draws them (items_for_result) and as RowWriter draws them, for the
same request."""

from django.contrib.admin.templatetags.admin_list import items_for_result
from django.test import RequestFactory
from django.urls import resolve
from django.utils import translation

from common.admin_list import RowWriter


def changelist(model_admin, user, url: str, query: dict | None = None):
    """The admin's ChangeList for a GET of `url` by `user`, as changelist_view
    makes it (the preserved filters need the resolved URL)."""
    request = RequestFactory().get(url, query or {})
    request.user = user
    request.resolver_match = resolve(url)
    return model_admin.get_changelist_instance(request)


def rows_both_ways(model_admin, user, url: str, query: dict | None = None,
                   language: str = "en") -> list[tuple[str, str]]:
    """(Django's row, RowWriter's row) for each row of the list's first page."""
    with translation.override(language):
        cl = changelist(model_admin, user, url, query)
        writer = RowWriter(cl)
        return [("".join(items_for_result(cl, obj, None)), "".join(writer.cells(obj)))
                for obj in cl.result_list]


def assert_rows_as_django_draws_them(model_admin, url: str, query: dict | None = None,
                                     language: str = "en") -> None:
    """Every row of the list's first page, as a superuser sees it, is the HTML
    Django's own items_for_result would write."""
    from registry.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    rows = rows_both_ways(model_admin, root, url, query, language)
    assert rows
    for django_row, our_row in rows:
        assert our_row == django_row
