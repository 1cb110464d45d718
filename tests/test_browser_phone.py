"""End to end in Chromium on a phone (375 px wide) with JavaScript turned
off: the collapsed menu still offers the language selector and "Log out", and
the partner reads what is left on each budget line without scrolling
sideways."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.roles import Role
from registry.factories import OrganisationFactory, UserFactory
from registry.models import Organisation
from reintegration import defaults
from reintegration.factories import case_through, caseworker, supervisor_of
from reintegration.models import PartnerDesk
from reintegration.workflow import State
from scholarships.factories import CallFactory
from tests.test_browser_reintegration import click, log_in

PHONE = {"viewport": {"width": 375, "height": 740}, "java_script_enabled": False}
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.browser_context_args(**PHONE)]


def no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"


def test_without_javascript_the_phone_menu_offers_the_language(page: Page, live_server):
    call = CallFactory(title="Master's scholarships ZQX")
    page.goto(live_server.url + reverse("scholarships:call_list"))
    expect(page.get_by_text(call.title).first).to_be_visible()
    expect(page.locator("#language")).to_be_visible()
    page.select_option("#language", "fr")
    click(page, page.locator("nav").get_by_role("button", name="Change"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("nav").get_by_role("link", name="Se connecter")).to_be_visible()
    no_sideways_scrolling(page)


def test_on_a_phone_the_partner_reads_what_is_left_and_logs_out(page: Page, live_server):
    defaults.load_all()  # the database of a live-server test starts empty
    base = live_server.url
    agr = OrganisationFactory(name="Association Guinéenne pour la Réinsertion",
                              acronym="AGR", country="GN",
                              kind=Organisation.Kind.LOCAL_PARTNER)
    mariama = UserFactory(username="mariama", roles=[Role.PARTNER])
    PartnerDesk.objects.create(organisation=agr).staff.add(mariama)
    worker = caseworker("sophie")
    case = case_through(State.PLAN_AGREED, worker=worker,
                        approver=supervisor_of(worker).supervisor, partner=agr,
                        shared_with_partner=True)

    log_in(page, base, "mariama")
    page.goto(base + reverse("reintegration:partner_case", args=[case.pk]))
    lines = page.locator("#budget-lines tbody tr")
    expect(lines).to_have_count(case.plan.lines.count())
    for row in lines.all():
        left = row.locator('td[data-label="Left"]')
        expect(left).to_be_visible()
        assert left.evaluate("td => getComputedStyle(td, '::before').content") == '"Left"'
        box = left.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    no_sideways_scrolling(page)

    logout = page.locator("nav").get_by_role("button", name="Log out")
    expect(logout).to_be_visible()
    click(page, logout)
    expect(page.locator("nav").get_by_role("link", name="Log in")).to_be_visible()
