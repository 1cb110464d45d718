"""End to end in Chromium: every demo login reaches its role's start page,
in the person's language, and logs out again from the navbar."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from accounts.forms import MSG_INVALID_LOGIN
from accounts.roles import START_PAGES
from registry.factories import UserFactory
from registry.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS

# Browser tests flush the database when they end (live_server needs real
# commits); tests/conftest.py puts the role groups back before each one starts.
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True)]

# The English <h1> of each start page, as its template has it; the test expects
# it in the language the page is served in.
START_HEADINGS = {
    "scholarships:admin_home": "Scholarship administration",
    "reintegration:team": "Team caseload",
    "reintegration:caseload": "My caseload",
    "registry:changes": "Change log of the registry",
    "scholarships:reviewer_home": "My reviews",
    "scholarships:my_applications": "My applications",
    "admin:index": "Site administration",
}
LOGIN_PATH = "/accounts/login/"


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + LOGIN_PATH)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#content form").get_by_role("button").click()
    page.wait_for_load_state()


def expect_start_page(page: Page, base_url: str, url_name: str, language: str) -> None:
    expect(page).to_have_url(base_url + reverse(url_name))
    expect(page.locator("html")).to_have_attribute("lang", language)
    with translation.override(language):
        heading = gettext(START_HEADINGS[url_name])
    expect(page.locator("#content h1")).to_have_text(heading)


def test_each_demo_login_lands_on_its_start_page_and_logs_out(page: Page, live_server):
    call_command("seed_demo", persons=5, stdout=io.StringIO())
    base = live_server.url
    logout_form = f"form[action='{reverse('logout')}']"

    for username, (role, _staff, _given, _family, _country, language) in DEMO_USERS.items():
        page.context.clear_cookies()  # each login starts as a fresh visitor
        log_in(page, base, username, DEMO_PASSWORD)
        expect_start_page(page, base, START_PAGES[role], language)

        page.locator("nav").locator(logout_form).get_by_role("button").click()
        expect(page).to_have_url(base + LOGIN_PATH)
        expect(page.locator(logout_form)).to_have_count(0)

    # The superuser goes to the Django admin, which has its own logout button.
    page.context.clear_cookies()
    log_in(page, base, "admin", DEMO_PASSWORD)
    expect_start_page(page, base, "admin:index", "en")
    page.locator("#logout-form").get_by_role("button").click()
    expect(page).to_have_url(base + LOGIN_PATH)


def test_wrong_password_keeps_the_user_on_the_login_page_with_an_error(page: Page, live_server):
    user = UserFactory()
    log_in(page, live_server.url, user.username, "not-the-password")
    expect(page).to_have_url(live_server.url + LOGIN_PATH)
    expect(page.locator("#content form")).to_contain_text(str(MSG_INVALID_LOGIN))
    expect(page.locator("#id_username")).to_have_value(user.username)
    expect(page.locator("#id_password")).to_have_value("")


def test_navbar_language_select_switches_the_page_to_french_and_back(page: Page, live_server):
    page.goto(live_server.url + LOGIN_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    select = page.locator("nav select[name=language]")
    expect(select.locator("option")).to_have_text([re.compile("English", re.I),
                                                   re.compile("Français", re.I),
                                                   re.compile("Nederlands", re.I)])

    with page.expect_navigation():
        select.select_option("fr")
    expect(page).to_have_url(live_server.url + LOGIN_PATH)  # stays on the same page
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(select).to_have_value("fr")

    with page.expect_navigation():
        select.select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
