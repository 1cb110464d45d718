"""End to end in Chromium: a new applicant from the call page to the status
page, with a referee uploading through their private link; and a submission
posted after the deadline, refused with the draft kept."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from registry.factories import OrganisationFactory, PersonFactory, UserFactory
from scholarships.factories import CallFactory, CompleteApplicationFactory
from scholarships.forms.steps import MSG_REQUIRED
from scholarships.models import Application
from scholarships.referee_links import MSG_LETTER_ALREADY
from scholarships.workflow import State
from tests.languages import Texts, choose_language, expect_no_untranslated, journey_languages

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Baobab-Dakar-2026"


def link_in(message, path_part: str) -> str:
    match = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", message.body)
    assert match, message.body
    return match.group(0)


def local(url: str, base: str) -> str:
    """E-mails carry SITE_URL; the test server listens elsewhere."""
    return base + re.sub(r"^https?://[^/]+", "", url)


def submit(page: Page, button) -> None:
    """Click a button that posts a form and wait for the answer page."""
    with page.expect_navigation():
        button.click()


def save_and_continue(page: Page, texts: Texts) -> None:
    submit(page, page.get_by_role("button", name=texts("Save and continue")))


@pytest.mark.parametrize("language", journey_languages("fr"))
def test_a_new_applicant_applies_with_referees_and_follows_the_status(
        page: Page, live_server, language, texts):
    host = OrganisationFactory(name="Ghent University")
    call = CallFactory(title="Master's scholarships 2027", hosts=[host])
    base = live_server.url
    mail.outbox.clear()

    # The public call page, in the language picked from the menu, then an account.
    page.goto(f"{base}/scholarships/calls/{call.slug}/")
    choose_language(page, language)
    expect(page.locator("h1")).to_contain_text("Master's scholarships 2027")
    page.get_by_role("link", name=texts("Create an account")).first.click()
    expect(page.locator("#id_preferred_language")).to_have_value(language)
    expect_no_untranslated(page, texts, [
        "Create an account", "Create my account", "Language of our messages to you",
        "Password again"], where="#content")
    page.fill("#id_given_names", "Aminata")
    page.fill("#id_family_name", "Diallo")
    page.fill("#id_birth_date", "1996-04-12")
    page.fill("#id_email", "aminata.diallo@example.org")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.check("#id_privacy_consent")
    submit(page, page.get_by_role("button", name=texts("Create my account")))
    assert len(mail.outbox) == 1
    page.goto(local(link_in(mail.outbox[0], "/accounts/confirm/"), base))
    submit(page, page.get_by_role("button", name=texts("Confirm my account")))
    submit(page, page.get_by_role("button", name=texts("Start my application")))

    # Personal data (the names come from the sign-up).
    expect(page.locator("#id_given_names")).to_have_value("Aminata")
    page.select_option("#id_sex", "female")
    page.select_option("#id_nationalities", ["SN"])
    page.select_option("#id_country_of_residence", "SN")
    save_and_continue(page, texts)

    # Education, with one mistake fixed on the way: the year is missing.
    page.select_option("#id_highest_degree", "bachelor")
    page.fill("#id_degree_title", "Licence en agronomie")
    page.fill("#id_degree_institution", "Université Cheikh Anta Diop")
    page.select_option("#id_degree_country", "SN")
    save_and_continue(page, texts)
    expect(page.locator("#id_degree_year")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#id_degree_title")).to_have_value("Licence en agronomie")
    expect_no_untranslated(page, texts, ["Save and continue", MSG_REQUIRED], where="#content")
    page.fill("#id_degree_year", "2019")
    save_and_continue(page, texts)

    save_and_continue(page, texts)  # employment: nothing required
    page.select_option("#id_host_institution", str(host.pk))
    page.fill("#id_study_programme", "MSc Rural Development")
    page.fill("#id_planned_start", f"{call.academic_year}-09-15")
    page.fill("#id_duration_months", "24")
    save_and_continue(page, texts)
    page.select_option("#id_english_level", "B2")
    page.select_option("#id_french_level", "C2")
    save_and_continue(page, texts)
    page.fill("#id_motivation", "Je souhaite renforcer la sécurité alimentaire. " * 10)
    save_and_continue(page, texts)

    # Documents: the call asks for the diploma and a CV.
    for kind in ("diploma", "cv"):
        page.set_input_files(f"#id_{kind}-file", files=[
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        submit(page, page.locator(f"form:has(#id_{kind}-file) button[type=submit]"))
    expect(page.locator(".badge", has_text=texts("Uploaded"))).to_have_count(2)

    # Two referees, each invited by e-mail with a private link.
    page.goto(f"{base}/scholarships/portal/applications/"
              f"{Application.objects.get().pk}/referees/")
    for name, email in (("Prof. Ousmane Sy", "o.sy@ucad.example.org"),
                        ("Dr. Fatou Ndiaye", "f.ndiaye@isra.example.org")):
        page.fill("#id_add-name", name)
        page.fill("#id_add-email", email)
        submit(page, page.get_by_role("button", name=texts("Name this referee")))
    invitations = [m for m in mail.outbox if "o.sy@ucad.example.org" in m.to]
    assert len(invitations) == 1

    # The referee uploads a letter without an account; the link works once.
    referee_page = page.context.new_page()
    link = local(link_in(invitations[0], "/scholarships/reference/"), base)
    referee_page.goto(link)
    expect(referee_page.get_by_text("Aminata Diallo")).to_be_visible()
    referee_page.set_input_files("#id_file", files=[
        {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    submit(referee_page, referee_page.get_by_role("button", name=texts("Send the letter")))
    referee_page.goto(link)
    expect(referee_page.locator("body")).to_contain_text(texts(str(MSG_LETTER_ALREADY)))
    referee_page.close()

    # Review and submit.
    page.reload()
    expect(page.get_by_text("Prof. Ousmane Sy")).to_be_visible()
    page.goto(f"{base}/scholarships/portal/applications/"
              f"{Application.objects.get().pk}/submit/")
    expect_no_untranslated(page, texts, ["Submit my application"], where="#content")
    submit(page, page.get_by_role("button", name=texts("Submit my application")))
    application = Application.objects.get()
    assert application.state == State.SUBMITTED
    expect(page.locator("body")).to_contain_text(application.reference)
    confirmation = [m for m in mail.outbox if "aminata.diallo@example.org" in m.to][-1]
    assert confirmation.attachments[0][0] == f"{application.reference}.pdf"

    # The status page says where it stands.
    page.goto(f"{base}/scholarships/portal/")
    expect(page.locator("body")).to_contain_text(application.reference)
    expect(page.locator("body")).to_contain_text(texts.label(State.SUBMITTED))
    expect_no_untranslated(page, texts, ["My applications"], where="#content")


def test_a_submission_posted_after_the_deadline_is_refused_and_kept(page: Page, live_server):
    user = UserFactory(username="kwame", roles=["applicant"])
    person = PersonFactory(user=user, given_names="Kwame", family_name="Mensah",
                           birth_date=datetime.date(1995, 3, 1),
                           nationalities=["SN"], country="SN", preferred_language="en")
    application = CompleteApplicationFactory(applicant=person)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "kwame")
    page.fill("#id_password", "correct-horse-battery")
    submit(page, page.locator("#content form").get_by_role("button"))

    # The page is opened before the deadline ...
    page.goto(f"{base}/scholarships/portal/applications/{application.pk}/submit/")
    button = page.get_by_role("button", name="Submit my application")
    expect(button).to_be_visible()
    # ... and the deadline passes before the applicant clicks.
    call = application.call
    call.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    call.opens_at = call.closes_at - datetime.timedelta(days=30)
    call.save()
    submit(page, button)

    expect(page.locator("body")).to_contain_text("was not submitted")
    application.refresh_from_db()
    assert (application.state, application.reference) == (State.DRAFT, None)
    page.goto(f"{base}/scholarships/portal/")
    expect(page.locator("body")).to_contain_text(str(State.DRAFT.label))
