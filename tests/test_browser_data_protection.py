"""End to end in Chromium: the data protection work of issue 10 as its users
meet it. The data protection officer reads everything about a person who is
both a scholarship applicant and a returnee, follows who read them, exports
what is held and runs the retention schedule; the scholarship administrator
sees only the scholarship side of the same person; and a stranger who signs
up with a returnee's name and birth date gets a new, empty record and none
of the returnee's data."""

import datetime
import json
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from playwright.sync_api import Browser, Page, expect

from accounts.roles import Role
from registry.dpo_views import MSG_DRY_RUN_DONE
from registry.factories import (
    ConsentFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    IdentityDocumentFactory,
    PersonFactory,
    UserFactory,
)
from registry.models import Consent, DuplicateCandidate, IdentityDocument, Person, Side
from reintegration.factories import CaseFactory, ReturneeFactory, caseworker
from scholarships.factories import admin_user, submitted_application
from tests.languages import expect_no_untranslated, journey_languages
from tests.test_browser_application import link_in, local
from tests.test_browser_reintegration import PDF, click, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Names no factory pool holds: a search or a match can only find these persons.
GIVEN, FAMILY = "Nafissatou", "Zongo-Kaboré"
BORN = datetime.date(1994, 3, 17)
PASSPORT = "SN7788990"
PHONE = "+32470550123"
SIGNUP_PASSWORD = "Baobab-Dakar-2026"


def _scanned_passport(person: Person, number: str) -> IdentityDocument:
    """A passport added by the reintegration staff, with its scan."""
    return IdentityDocumentFactory(
        person=person, side=Side.REINTEGRATION, number=number,
        scan=ContentFile(PDF, name="passport.pdf"), scan_content_type="application/pdf")


@pytest.fixture
def both_sides():
    """A returnee who also applied for a scholarship: a return case with
    Sophie, a household, a reintegration passport and consent; a submitted
    application and its consent."""
    sophie = caseworker("sophie", first_name="Sophie", last_name="Lambert")
    # Back home in Senegal, she applies from there (calls exclude EU residents).
    person = ReturneeFactory(given_names=GIVEN, family_name=FAMILY, birth_date=BORN,
                             country="SN", country_of_residence="SN", phone=PHONE,
                             passport=False, user=UserFactory(username="nafissatou"))
    passport = _scanned_passport(person, PASSPORT)
    ConsentFactory(person=person, purpose=Consent.Purpose.SCHOLARSHIP)
    household = HouseholdFactory(principal=person)
    HouseholdMemberFactory(household=household,
                           person=PersonFactory(given_names="Ismaël", family_name=FAMILY))
    case = CaseFactory(principal=person, caseworker=sophie)
    application = submitted_application(applicant=person)
    return {"person": person, "passport": passport, "household": household, "case": case,
            "application": application}


@pytest.mark.parametrize("language", journey_languages("nl"))
def test_the_dpo_reads_follows_exports_and_runs_the_retention_schedule(
        page: Page, browser: Browser, live_server, both_sides, language, texts):
    base = live_server.url
    person, case, application = (both_sides["person"], both_sides["case"],
                                 both_sides["application"])
    UserFactory(username="anne", first_name="Anne", last_name="Peeters", roles=[Role.DPO])

    # A moment ago, in her own browser, the caseworker opened the person's page.
    other = browser.new_context(locale="en-GB")
    try:
        sophie = other.new_page()
        log_in(sophie, base, "sophie")
        sophie.goto(f"{base}/registry/persons/{person.pk}/")
        expect(sophie.locator("#content h1")).to_contain_text(person.reference)
    finally:
        other.close()

    # The officer finds the person in the registry.
    log_in(page, base, "anne", language)
    expect(page.locator("#content h1")).to_have_text(texts("Change log of the registry"))
    click(page, page.locator("nav").get_by_role("link", name=texts("Registry")))
    page.fill("#id_q", FAMILY)
    click(page, page.get_by_role("button", name=texts("Search")))
    click(page, page.get_by_role("link", name=person.reference))

    # Everything of both programmes, and nothing to change it with.
    content = page.locator("#content")
    expect(content.locator("h1")).to_contain_text(f"{GIVEN} {FAMILY}")
    expect(page.locator("section:has(#documents-title)")).to_contain_text(PASSPORT)
    consents = page.locator("section:has(#consents-title)")
    expect(consents).to_contain_text(texts.label(Consent.Purpose.SCHOLARSHIP))
    expect(consents).to_contain_text(texts.label(Consent.Purpose.REINTEGRATION))
    expect(page.locator("section:has(#households-title)")).to_contain_text("Ismaël")
    for label in ("Edit", "Add a document", "Record a consent", "Withdraw", "Add a member",
                  "Create a household with this person as principal"):
        expect(content.get_by_role("link", name=texts(label), exact=True)).to_have_count(0)
    expect_no_untranslated(page, texts, ["Subject-access export",
                                         "Reads and changes of this person"], where="#content")

    # Who read this person: the caseworker, on the person's page.
    click(page, page.get_by_role("link", name=texts("Reads and changes of this person")))
    expect(content.locator("h1")).to_contain_text(person.reference)
    sophie_read = content.locator("table").first.locator("tbody tr", has_text="sophie")
    expect(sophie_read.first).to_contain_text(f"/registry/persons/{person.pk}/")

    # The console, narrowed to the caseworker.
    click(page, page.get_by_role("link", name=texts("Read log")))
    page.fill("#id_user", "sophie")
    click(page, page.get_by_role("button", name=texts("Search")))
    rows = content.locator("table tbody tr")
    expect(rows.first).to_contain_text("sophie")
    expect(rows.filter(has_text=f"/registry/persons/{person.pk}/")).not_to_have_count(0)
    expect(rows.filter(has_not_text="sophie")).to_have_count(0)

    # The subject-access export, as JSON and as PDF.
    page.goto(f"{base}/registry/persons/{person.pk}/")
    click(page, page.get_by_role("link", name=texts("Subject-access export")))
    expect(content.locator("h1")).to_contain_text(texts(
        "Everything held about %(name)s (%(reference)s)", name=f"{GIVEN} {FAMILY}",
        reference=person.reference))
    with page.expect_download() as download:
        page.get_by_role("link", name=texts("Download as JSON")).click()
    assert download.value.suggested_filename.startswith(person.reference)
    with open(download.value.path(), encoding="utf-8") as file:
        export = json.load(file)
    sections = {section["key"]: section["rows"] for section in export["sections"]}
    assert export["reference"] == person.reference
    assert [row["reference"] for row in sections["scholarships.applications"]] == [
        application.reference]
    assert [row["reference"] for row in sections["reintegration.cases"]] == [case.reference]
    assert any(row["user"] == "sophie" for row in sections["audit.reads"])
    with page.expect_download() as download:
        page.get_by_role("link", name=texts("Download as PDF")).click()
    with open(download.value.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    # The retention schedule, from the officer's start page: a dry run, reported.
    click(page, page.locator("nav").get_by_role("link", name=texts("Change log")))
    click(page, content.get_by_role("link", name=texts("Retention schedule")))
    expect(content.locator("h1")).to_have_text(texts("Retention schedule"))
    click(page, page.get_by_role("button", name=texts("Dry run now")))
    expect(content).to_contain_text(texts(MSG_DRY_RUN_DONE, count=0))
    run = content.locator("table tbody tr").first
    expect(run).to_contain_text("anne")
    expect(run).to_contain_text(texts("dry run"))
    expect(run).to_contain_text(texts("Nobody due."))


def test_the_scholarship_administrator_sees_only_the_scholarship_side(
        page: Page, live_server, both_sides):
    base = live_server.url
    person, passport = both_sides["person"], both_sides["passport"]
    admin_user(username="jules")

    log_in(page, base, "jules")
    page.goto(f"{base}/registry/persons/{person.pk}/")
    content = page.locator("#content")
    expect(content.locator("h1")).to_contain_text(f"{GIVEN} {FAMILY}")
    consents = page.locator("section:has(#consents-title)")
    expect(consents).to_contain_text(str(Consent.Purpose.SCHOLARSHIP.label))
    expect(consents).not_to_contain_text(str(Consent.Purpose.REINTEGRATION.label))
    expect(page.locator("section:has(#documents-title)")).to_contain_text(
        "No identity document recorded.")
    expect(content).not_to_contain_text(PASSPORT)
    expect(page.locator("#households-title")).to_have_count(0)
    expect(content).not_to_contain_text(both_sides["household"].reference)
    expect(content).not_to_contain_text("Ismaël")
    expect(content).not_to_contain_text(both_sides["case"].reference)
    expect(content).not_to_contain_text(re.compile("return case", re.I))

    # The reintegration passport's scan, asked for directly: the 404 page.
    response = page.goto(f"{base}/registry/documents/{passport.pk}/scan/")
    assert response.status == 404
    expect(page.locator("body")).to_contain_text("Page not found")


def test_signing_up_as_a_returnee_gives_a_new_empty_record(page: Page, live_server):
    base = live_server.url
    returnee = ReturneeFactory(given_names=GIVEN, family_name=FAMILY, birth_date=BORN,
                               country="SN", phone=PHONE, passport=False)
    passport = _scanned_passport(returnee, PASSPORT)
    case = CaseFactory(principal=returnee, caseworker=caseworker("sophie"))
    mail.outbox.clear()

    # A stranger signs up with the returnee's name and exact date of birth.
    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_given_names", GIVEN)
    page.fill("#id_family_name", FAMILY)
    page.fill("#id_birth_date", BORN.isoformat())
    page.fill("#id_email", "not.the.returnee@example.org")
    page.fill("#id_password1", SIGNUP_PASSWORD)
    page.fill("#id_password2", SIGNUP_PASSWORD)
    page.select_option("#id_preferred_language", "en")
    page.check("#id_privacy_consent")
    click(page, page.get_by_role("button", name="Create my account"))
    assert len(mail.outbox) == 1
    page.goto(local(link_in(mail.outbox[0], "/accounts/confirm/"), base))
    click(page, page.get_by_role("button", name="Confirm my account"))
    expect(page.locator("#content")).to_contain_text("Your e-mail address is confirmed.")

    # Their own details: a new reference, none of the returnee's data.
    click(page, page.locator("nav").get_by_role("link", name="not.the.returnee@example.org"))
    content = page.locator("#content")
    expect(content.locator("h1")).to_have_text("My details")
    stranger = Person.objects.get(user__email="not.the.returnee@example.org")
    assert stranger.pk != returnee.pk
    expect(content).to_contain_text(f"Your registry reference is {stranger.reference}.")
    expect(content).not_to_contain_text(returnee.reference)
    expect(page.locator("#id_phone")).to_have_value("")
    expect(content).not_to_contain_text(PHONE[3:])
    expect(content).not_to_contain_text(case.reference)
    returnee.refresh_from_db()
    assert returnee.user_id is None
    # The match waits for a human decision in the duplicate queue.
    assert DuplicateCandidate.objects.filter(person_a__in=[returnee, stranger],
                                             person_b__in=[returnee, stranger]).exists()

    # The returnee's case and passport scan, asked for directly: refused.
    response = page.goto(f"{base}/cases/{case.pk}/")
    assert response.status in (403, 404)
    expect(page.locator("body")).not_to_contain_text(case.reference)
    expect(page.locator("body")).not_to_contain_text(FAMILY)
    response = page.goto(f"{base}/registry/documents/{passport.pk}/scan/")
    assert response.status == 404
