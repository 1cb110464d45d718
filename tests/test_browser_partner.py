"""End to end in Chromium: the staff of a partner organisation log in, find
their organisation's case whose plan is agreed, are refused a delivery above
what is left (the message beside the amount, what they typed kept), record
one with its evidence, and the caseworker reads who delivered what."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import Role
from registry.factories import OrganisationFactory, UserFactory
from registry.models import Organisation
from reintegration import defaults
from reintegration.factories import case_through, caseworker, supervisor_of
from reintegration.models import Delivery, PartnerDesk
from reintegration.workflow import State
from tests.languages import expect_no_untranslated, journey_languages
from tests.test_browser_reintegration import PDF, click, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", journey_languages("nl"))
def test_a_partner_records_the_first_delivery_of_a_case(page: Page, live_server, language,
                                                        texts):
    defaults.load_all()  # the database of a live-server test starts empty
    base = live_server.url
    agr = OrganisationFactory(name="Association Guinéenne pour la Réinsertion",
                              acronym="AGR", country="GN",
                              kind=Organisation.Kind.LOCAL_PARTNER)
    mariama = UserFactory(username="mariama", first_name="Mariama", last_name="Camara",
                          roles=[Role.PARTNER])
    PartnerDesk.objects.create(organisation=agr).staff.add(mariama)
    worker = caseworker("sophie", first_name="Sophie", last_name="Lambert")
    boss = supervisor_of(worker).supervisor
    case = case_through(State.PLAN_AGREED, worker=worker, approver=boss, partner=agr,
                        shared_with_partner=True)
    stall = case.plan.lines.get(description="Market stall and first stock")

    log_in(page, base, "mariama", language)
    expect(page.locator("h1")).to_have_text(texts("Cases of my organisation"))
    expect_no_untranslated(page, texts, ["Approved (EUR)", "Left (EUR)"], where="#content")
    expect(page.locator("#partner-cases")).to_contain_text(texts.amount("1800.00"))
    click(page, page.get_by_role("link", name=case.reference))

    def left(amount: str) -> str:
        return texts("%(left)s EUR is left, to be used by %(day)s.", left=texts.amount(amount),
                     day="").rstrip(". ")

    expect(page.locator("#budget-left")).to_contain_text(left("1800.00"))
    expect(page.locator("#content")).not_to_contain_text(texts("Vulnerabilities"))
    expect_no_untranslated(page, texts, ["Record a delivery", "Budget line", "Amount (EUR)"],
                           where="#content")

    form = page.locator("#partner-delivery")
    page.select_option("#id_line", str(stall.pk))
    page.select_option("#id_kind", "in_kind")
    page.fill("#id_amount", "1500.00")
    page.fill("#id_delivered_on", timezone.localdate().isoformat())
    page.fill("#id_description", "Stall, scales and first stock of rice")
    page.set_input_files("#id_evidence", files=[
        {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    click(page, form.get_by_role("button", name=texts("Record the delivery")))
    expect(page.locator("#id_amount").locator("..")).to_contain_text(texts.amount("1200.00"))
    expect(page.locator("#id_description")).to_have_value(
        "Stall, scales and first stock of rice")
    assert not Delivery.objects.exists()

    page.fill("#id_amount", "1200.00")
    page.set_input_files("#id_evidence", files=[
        {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    click(page, form.get_by_role("button", name=texts("Record the delivery")))
    expect(page.locator("#deliveries")).to_contain_text("Stall, scales and first stock")
    expect(page.locator("#budget-left")).to_contain_text(left("600.00"))
    expect(page.locator("#case-state")).to_have_text(texts.label(State.ASSISTANCE_IN_PROGRESS))

    log_in(page, base, "sophie")
    page.goto(base + f"/cases/{case.pk}/plan/")
    expect(page.locator("#deliveries")).to_contain_text("Mariama Camara")
