import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import Role
from registry.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_dpo_may_read_but_not_change_persons():
    dpo = UserFactory(roles=[Role.DPO])
    assert dpo.has_perm("registry.view_person")
    assert not dpo.has_perm("registry.change_person")


@pytest.mark.parametrize(("role", "page"), [
    (Role.APPLICANT, "scholarships:my_applications"),
    (Role.REVIEWER, "scholarships:reviewer_home"),
    (Role.SCHOLARSHIP_ADMIN, "scholarships:admin_home"),
    (Role.CASEWORKER, "reintegration:caseload"),
    (Role.SUPERVISOR, "reintegration:team"),
    (Role.DPO, "registry:changes"),
])
def test_home_sends_each_role_to_its_start_page(client, role, page):
    client.force_login(UserFactory(roles=[role]))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(page)
    assert client.get(response["Location"]).status_code == 200
