"""{% memo %} (common/templatetags/memo.py): the base layout's menu and
language switcher are drawn once per kind of user and language, then reused;
nobody is shown another kind of user's menu or another language."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from registry.factories import UserFactory

pytestmark = pytest.mark.django_db


def _nav(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    html = client.get(reverse("privacy_notice")).content.decode()
    return html.split("</nav>")[0]


def test_each_kind_of_user_and_language_gets_its_own_menu_from_one_process(client):
    caseload, scholarships = reverse("reintegration:caseload"), reverse("scholarships:admin_home")
    worker = UserFactory(roles=[Role.CASEWORKER])
    office = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    for _ in range(2):  # the second time from what the first drew
        nav = _nav(client, worker)
        assert f'href="{caseload}"' in nav and f'href="{scholarships}"' not in nav
        nav = _nav(client, office)
        assert f'href="{scholarships}"' in nav and f'href="{caseload}"' not in nav
        assert 'value="en" selected' in nav
        nav = _nav(client, office, "fr")
        assert f'href="{scholarships}"' in nav and 'value="fr" selected' in nav
        assert ">Bourses<" in nav
