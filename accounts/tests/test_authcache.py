"""Roles and permissions kept in the cache between requests (authcache): not
read again on every page, and never kept after they change."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import authcache
from accounts.roles import Role
from registry.factories import UserFactory

pytestmark = pytest.mark.django_db

PERSONS = "registry:person_list"


def auth_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, [q["sql"] for q in queries.captured_queries
                                  if "auth_group" in q["sql"] or "auth_permission" in q["sql"]]


def test_the_second_page_reads_no_roles_or_permissions_from_the_database(client):
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    status, first = auth_queries(client, reverse(PERSONS))
    assert status == 200 and first, "the first request reads them"
    status, second = auth_queries(client, reverse(PERSONS))
    assert status == 200 and second == []


def test_a_role_taken_away_closes_the_pages_at_the_next_request(
        client, django_capture_on_commit_callbacks):
    worker = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(worker)
    assert client.get(reverse(PERSONS)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        worker.groups.remove(Group.objects.get(name=Role.CASEWORKER))
    assert client.get(reverse(PERSONS)).status_code == 403
    assert client.get(reverse("reintegration:caseload")).status_code == 403


def test_a_permission_taken_from_a_group_is_gone_for_its_members_at_once(
        client, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(roles=[Role.DPO]))
    assert client.get(reverse(PERSONS)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        Group.objects.get(name=Role.DPO).permissions.remove(
            Permission.objects.get(codename="view_person"))
    assert client.get(reverse(PERSONS)).status_code == 403


def test_a_role_given_opens_the_pages_at_the_next_request(
        client, django_capture_on_commit_callbacks):
    reviewer = UserFactory(roles=[Role.REVIEWER])
    client.force_login(reviewer)
    assert client.get(reverse(PERSONS)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.groups.add(Group.objects.get(name=Role.SCHOLARSHIP_ADMIN))
    assert client.get(reverse(PERSONS)).status_code == 200


def test_rights_cached_by_a_request_racing_the_change_are_forgotten_when_it_commits(
        client, django_capture_on_commit_callbacks):
    """A request that read the old rights before the change committed writes
    them back into the cache; the forget after commit removes them."""
    worker = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(worker)
    assert client.get(reverse(PERSONS)).status_code == 200
    old = cache.get(authcache._user_key(worker.pk))
    with django_capture_on_commit_callbacks(execute=True):
        worker.groups.clear()
        # The racing request: it computed `old` and stores it now.
        cache.set(authcache._user_key(worker.pk), {**old, "generation": cache.get(
            authcache.GENERATION_KEY)})
    assert client.get(reverse(PERSONS)).status_code == 403


def test_a_user_made_superuser_gets_every_permission_at_once(
        client, django_capture_on_commit_callbacks):
    user = UserFactory(roles=[Role.REVIEWER])
    client.force_login(user)
    assert client.get(reverse(PERSONS)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        user.is_superuser = True
        user.save()
    assert client.get(reverse(PERSONS)).status_code == 200
