"""End to end in Chromium: each role's main pages in the language its full
journey does not walk (issue 12, "Done when").

The full journeys run in English and in one other language each, alternately,
to keep the browser tests within the CI budget: the applicant's and the
caseworker's and supervisor's in French, the reviewer's, the administrator's,
the partner's and the data protection officer's in Dutch; the administrator
and the applicant answer an offer in French too (test_browser_selection).
Here the reviewer, the partner and the officer walk their main pages in French,
the caseworker and the supervisor in Dutch, each choosing the language from
the menu, and no page shows its own strings in English."""

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
from scholarships import services
from scholarships.factories import admin_user, eligible_application, reviewer
from scholarships.forms.decisions import DeclarationForm
from tests.languages import Texts, expect_no_untranslated
from tests.test_browser_reintegration import click, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_role_walks_its_main_pages_in_the_other_language(page: Page, live_server):
    defaults.load_all()  # the database of a live-server test starts empty
    base = live_server.url
    admin = admin_user(username="office")
    application = eligible_application(admin=admin)
    services.review_assign(actor=admin, application=application,
                           reviewer=reviewer(user__username="reviewer-fr"))
    agr = OrganisationFactory(name="Association Guinéenne pour la Réinsertion", acronym="AGR",
                              country="GN", kind=Organisation.Kind.LOCAL_PARTNER)
    PartnerDesk.objects.create(organisation=agr).staff.add(
        UserFactory(username="mariama", roles=[Role.PARTNER]))
    worker = caseworker("sophie")
    boss = supervisor_of(worker, username="pieter").supervisor
    case = case_through(State.PLAN_AGREED, worker=worker, approver=boss, partner=agr,
                        shared_with_partner=True)
    UserFactory(username="anne", roles=[Role.DPO])

    # The reviewer, in French: the reviews, then the declaration of an assignment.
    fr = Texts("fr")
    log_in(page, base, "reviewer-fr", "fr")
    expect(page.locator("#content h1")).to_have_text(fr("My reviews"))
    click(page, page.get_by_role("link", name=application.reference))
    expect_no_untranslated(page, fr, ["Send my declaration", DeclarationForm.CHOICES[0][1],
                                      DeclarationForm.CHOICES[1][1]], where="#content")

    # The partner, in French: the organisation's cases, then one of them.
    log_in(page, base, "mariama", "fr")
    expect_no_untranslated(page, fr, ["Cases of my organisation", "Approved (EUR)",
                                      "Left (EUR)"], where="#content")
    click(page, page.get_by_role("link", name=case.reference))
    expect_no_untranslated(page, fr, ["Record a delivery", "Budget line", "Amount (EUR)",
                                      "Record the delivery"], where="#content")

    # The data protection officer, in French: the change log, the retention
    # schedule and the read log.
    log_in(page, base, "anne", "fr")
    expect_no_untranslated(page, fr, ["Change log of the registry", "Retention schedule"],
                           where="#content")
    click(page, page.locator("#content").get_by_role("link", name=fr("Retention schedule")))
    expect_no_untranslated(page, fr, ["Retention schedule", "Dry run now"], where="#content")
    page.goto(base + reverse("audit:console"))
    expect_no_untranslated(page, fr, ["Read log", "Search"], where="#content")

    # The caseworker, in Dutch: the caseload, the case, its plan.
    nl = Texts("nl")
    log_in(page, base, "sophie", "nl")
    expect_no_untranslated(page, nl, ["My caseload", "Open a case"], where="#content")
    click(page, page.get_by_role("link", name=case.reference).first)
    expect(page.locator("#case-state")).to_have_text(nl.label(State.PLAN_AGREED))
    expect_no_untranslated(page, nl, ["Plan and assistance", "Record a delivery"],
                           where="#content")
    click(page, page.get_by_role("link", name=nl("Plan and assistance")).first)
    expect_no_untranslated(page, nl, ["Category", "Amount (EUR)", "Left"],
                           where="#content")

    # The supervisor, in Dutch: the team's caseload.
    log_in(page, base, "pieter", "nl")
    expect_no_untranslated(page, nl, ["Team caseload", "Caseworkers",
                                      "Plans awaiting your approval", "The team's cases"],
                           where="#content")
    expect(page.locator("#content")).to_contain_text(case.reference)
