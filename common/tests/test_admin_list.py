"""common.admin_list writes a changelist's rows as Django's admin does, cell
for cell: booleans as the admin's icons, dates and moments in the active
language, empty values, computed columns, the links to the change page with
the preserved filters, the action checkbox. Here on the users' list, whose
columns have every kind of value; the project's lists are compared in their
apps' tests."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from common.admin_list import FastChangeListMixin, localized
from common.tests.admin_rows import rows_both_ways

pytestmark = pytest.mark.django_db

User = get_user_model()


@admin.display(description="joined on", ordering="date_joined")
def joined_on(user):
    return timezone.localtime(user.date_joined).date()


@admin.display(description="has a name", boolean=True)
def has_name(user):
    return bool(user.first_name) if user.email else None


class UserListAdmin(FastChangeListMixin, admin.ModelAdmin):
    list_display = ["username", "email", "first_name", "is_staff", "is_active", "last_login",
                    "date_joined", "id", joined_on, has_name, "get_full_name", "__str__",
                    "initials"]
    list_display_links = ["username", "email"]
    list_filter = ["is_staff"]

    @admin.display(description="initials", empty_value="(none)")
    def initials(self, user):
        return "".join(part[:1] for part in (user.first_name, user.last_name)).upper()


@pytest.fixture
def users():
    root = User.objects.create_superuser("root", "root@example.org", "x")
    User.objects.create_user("amina", "", "x", first_name="Amina", last_name="Diallo",
                             last_login=timezone.now() - datetime.timedelta(days=3))
    User.objects.create_user("jean<script>", "jean&co@example.org", "x", first_name="Jean",
                             is_active=False)
    User.objects.create_user("blank", "  ", "x", is_staff=True)
    return root


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
@pytest.mark.parametrize("query", [{}, {"is_staff__exact": "1", "o": "-2"}, {"_popup": "1"}])
def test_the_rows_are_the_same_as_the_admins_own(users, language, query):
    model_admin = UserListAdmin(User, admin.site)
    url = reverse("admin:auth_user_changelist")
    rows = rows_both_ways(model_admin, users, url, query, language)
    assert rows
    for django_row, our_row in rows:
        assert our_row == django_row


def test_a_link_keeps_the_lists_filters(users):
    model_admin = UserListAdmin(User, admin.site)
    url = reverse("admin:auth_user_changelist")
    ((_django, ours),) = rows_both_ways(model_admin, users, url,
                                        {"is_staff__exact": "1", "q": ""})[:1]
    assert "_changelist_filters=is_staff__exact%3D1" in ours
    assert 'class="action-select"' in ours


def test_a_date_is_written_in_the_active_language():
    from django.utils import translation
    from django.utils.formats import get_format

    day = datetime.date(2026, 12, 3)
    with translation.override("fr"):
        french = localized(day, get_format("DATE_FORMAT"))
    with translation.override("en"):
        english = localized(day, get_format("DATE_FORMAT"))
    assert "décembre" in french
    assert "December" in english
