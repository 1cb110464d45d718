"""In Chromium on a phone-sized screen (375 px): the 249 countries are found
by typing (listing/widgets.py, static/js/country-search.js). An applicant
types "Bel" in their nationalities and picks Belgium, removes one they chose
by mistake, and types their country of residence; what they picked is saved."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from registry.models import Person
from scholarships.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_an_applicant_on_a_phone_finds_belgium_by_typing(page: Page, live_server):
    user = UserFactory(username="amina", roles=[Role.APPLICANT])
    person = PersonFactory(user=user, given_names="Aminata", family_name="Diallo",
                           birth_date=datetime.date(1996, 3, 12), sex=Person.Sex.FEMALE,
                           nationalities=["SN"], country_of_residence="SN",
                           phone="+221771234567", preferred_language="en")
    application = ApplicationFactory(applicant=person)
    page.set_viewport_size({"width": 375, "height": 740})
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "amina")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("#content form").get_by_role("button").click()
    page.goto(base + reverse("scholarships:application_step",
                             args=[application.pk, "personal"]))

    # The plain <select multiple> is replaced by a text box with suggestions.
    search = page.locator("#id_nationalities-search")
    expect(search).to_be_visible()
    expect(page.locator(".country-search-chosen")).to_contain_text("Senegal")
    search.fill("Bel")
    suggestions = page.locator("#id_nationalities-suggestions [role=option]")
    expect(suggestions).to_have_text(["Belarus", "Belgium", "Belize"])
    suggestions.get_by_text("Belgium", exact=True).click()
    chosen = page.locator(".country-search-chosen")
    expect(chosen).to_contain_text("Belgium")
    expect(search).to_have_value("")

    # One picked by mistake goes with its button.
    search.fill("gha")
    page.locator("#id_nationalities-suggestions [role=option]",
                 has_text="Ghana").click()
    expect(chosen).to_contain_text("Ghana")
    chosen.get_by_role("button", name="Remove Ghana").click()
    expect(chosen).not_to_contain_text("Ghana")

    # A single choice: the text box shows the country and takes a new one.
    residence = page.locator("#id_country_of_residence-search")
    expect(residence).to_have_value("Senegal")
    residence.fill("belg")
    page.locator("#id_country_of_residence-suggestions [role=option]",
                 has_text="Belgium").click()
    expect(residence).to_have_value("Belgium")

    # Nothing sticks out sideways on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    person.refresh_from_db()
    assert sorted(country.code for country in person.nationalities) == ["BE", "SN"]
    assert person.country_of_residence.code == "BE"

