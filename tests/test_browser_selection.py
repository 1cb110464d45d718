"""End to end in Chromium, from eligibility to the award: the administrator
confirms eligibility and assigns reviewers, one reviewer declares a conflict
(a third takes over), two reviewers score, the committee selects within the
quota on the ranking page, the administrator makes the offer, and the
applicant accepts it in the portal and downloads the award letter. And a
selected candidate who declines, whose place goes to the reserve candidate."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    CallFactory,
    ReviewerProfileFactory,
    offered_application,
    ranked_application,
    submitted_application,
)
from scholarships.forms.decisions import AcceptForm, DeclarationForm
from scholarships.models import Application, AwardOffer, ReviewAssignment
from scholarships.views.awards import MSG_ACCEPTED, MSG_DECLINED
from scholarships.views.review import MSG_CONFLICT_DECLARED, MSG_REVIEW_SUBMITTED
from scholarships.workflow import State
from tests.languages import choose_language, expect_no_untranslated, journey_languages

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # registry.factories.UserFactory's


def log_in(page: Page, base: str, user, language: str = "en") -> None:
    """A fresh visitor picks the language from the menu and logs in (a user
    with a person's record then gets their own language back)."""
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    choose_language(page, language)
    page.locator("#id_username").fill(user.get_username())
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#content form").get_by_role("button").click()


def click(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def state_of(application) -> str:
    return Application.objects.get(pk=application.pk).state


@pytest.mark.parametrize("language", journey_languages("nl"))
def test_from_eligibility_to_an_accepted_award(page: Page, live_server, tmp_path,
                                               language, texts):
    base = live_server.url
    admin = UserFactory(username="office", is_staff=True, roles=["scholarship_admin"],
                        first_name="Els", last_name="Peeters")
    # Created in this order, equally free: automatic assignment takes the first two.
    conflicted, second, stand_in = (
        ReviewerProfileFactory(user__username=name, country="BE").user
        for name in ("reviewer-a", "reviewer-b", "reviewer-c"))
    call = CallFactory(title="Master's scholarships 2027", quota=1,
                       reviewers_per_application=2)
    application = submitted_application(call=call, applicant__given_names="Aminata",
                                        applicant__family_name="Diallo",
                                        applicant__country="SN",
                                        applicant__nationalities=["SN"],
                                        applicant__preferred_language=language)
    staff_page = base + reverse("scholarships:application_view", args=[application.pk])

    # The administrator confirms eligibility and assigns reviewers.
    log_in(page, base, admin, language)
    page.goto(staff_page)
    click(page, page.get_by_role("button", name=texts("Confirm eligibility")))
    expect(page.locator(".alert-success")).to_contain_text(texts.label(State.ELIGIBLE))
    expect_no_untranslated(page, texts, ["Assign reviewers automatically"], where="#content")
    click(page, page.get_by_role("button", name=texts("Assign reviewers automatically")))
    assert state_of(application) == State.IN_REVIEW
    assert set(ReviewAssignment.objects.values_list("reviewer", flat=True)) == {
        conflicted.pk, second.pk}

    # The first reviewer declares a conflict: the application goes to another.
    log_in(page, base, conflicted, language)
    expect_no_untranslated(page, texts, ["My reviews"], where="#content")
    click(page, page.get_by_role("link", name=application.reference))
    no_conflict, conflict = (texts(label) for _value, label in DeclarationForm.CHOICES)
    page.get_by_label(conflict, exact=True).check()
    page.locator("#id_note").fill("She was my student.")
    click(page, page.get_by_role("button", name=texts("Send my declaration")))
    expect(page.locator(".alert-success")).to_contain_text(texts(MSG_CONFLICT_DECLARED))
    assert ReviewAssignment.objects.filter(reviewer=stand_in, application=application).exists()

    # Two reviewers declare no conflict and score.
    criteria = list(call.criteria.all())
    for user, score in ((second, 4), (stand_in, 5)):
        log_in(page, base, user, language)
        click(page, page.get_by_role("link", name=application.reference))
        page.get_by_label(no_conflict).check()
        click(page, page.get_by_role("button", name=texts("Send my declaration")))
        for criterion in criteria:
            page.locator(f"#id_criterion_{criterion.pk}").fill(str(score))
        page.locator("#id_comment").fill("A clear plan with strong relevance at home.")
        expect_no_untranslated(page, texts, ["Submit my review"], where="#content")
        click(page, page.get_by_role("button", name=texts("Submit my review")))
        expect(page.locator(".alert-success")).to_contain_text(texts(MSG_REVIEW_SUBMITTED))
    assert state_of(application) == State.RANKED

    # The committee selects on the ranking page; the split follows the marks.
    log_in(page, base, admin, language)
    page.goto(base + reverse("scholarships:ranking", args=[call.pk]))
    expect_no_untranslated(page, texts, ["The committee's meeting"], where="#content")
    expect(page.locator("#split-total")).to_have_text("0")
    page.locator(f"#decision-{application.pk}").select_option(State.SELECTED)
    expect(page.locator("#split-total")).to_have_text("1")
    with translation.override(language):
        sex = application.applicant.get_sex_display()
    expect(page.locator("#split-sex")).to_contain_text(sex)
    expect(page.locator("#split-country")).to_contain_text(texts.country("SN"))
    page.locator("#id_held_on").fill(timezone.localdate().isoformat())
    page.locator("#id_members_present").fill("Prof. Amina Ouédraogo\nDr. Jan Peeters")
    page.locator("#id_rationale").fill("Best ranked; within the quota.")
    click(page, page.get_by_role("button", name=texts("Record the committee's decisions")))
    expect(page.locator("h1")).to_contain_text(
        texts("Committee meeting of %(date)s", date=texts.day(timezone.localdate())))
    assert state_of(application) == State.SELECTED

    # The administrator makes the offer.
    page.goto(staff_page)
    click(page, page.get_by_role("link", name=texts("Make the offer")))
    for field, value in (("monthly_allowance", "1150.00"), ("tuition", "4175.00"),
                         ("travel", "1200.00"), ("insurance", "480.00")):
        page.locator(f"#id_{field}").fill(value)
    click(page, page.get_by_role("button", name=texts("Make the offer")))
    assert state_of(application) == State.OFFERED

    # The applicant accepts in the portal and downloads the award letter.
    log_in(page, base, application.applicant.user)  # in the language of their account
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto(base + reverse("scholarships:application_detail", args=[application.pk]))
    expect(page.locator("#offer-title")).to_contain_text(texts("Your scholarship offer"))
    expect(page.locator("body")).to_contain_text(texts.amount("1150.00", grouping=True))
    expect_no_untranslated(page, texts, ["Monthly allowance", "Tuition fees", "Insurance",
                                         "Decline the offer"], where="#content")
    click(page, page.get_by_role("button", name=texts("Accept the scholarship")))
    expect(page.locator("#conditions-title")).to_be_visible()  # the package and the conditions
    page.get_by_label(texts(AcceptForm.base_fields["confirm"].label)).check()
    click(page, page.get_by_role("button", name=texts("Accept the scholarship")))
    expect(page.locator(".alert-success")).to_contain_text(texts(MSG_ACCEPTED))
    assert state_of(application) == State.ACCEPTED
    with page.expect_download() as download:
        page.get_by_role("link", name=texts("Download the award letter (PDF)")).click()
    letter = tmp_path / "letter.pdf"
    download.value.save_as(letter)
    assert letter.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename == f"{application.reference}-award-letter.pdf"


@pytest.mark.parametrize("language", journey_languages("fr"))
def test_a_declined_offer_goes_to_the_reserve_candidate(page: Page, live_server, language,
                                                        texts):
    base = live_server.url
    admin = UserFactory(username="office", is_staff=True, roles=["scholarship_admin"])
    call = CallFactory(quota=1, reviewers_per_application=1)
    selected, offer = offered_application(admin=admin, call=call, percents=(95,),
                                          applicant__preferred_language=language)
    reserve = ranked_application(admin=admin, call=call, percents=(75,),
                                 applicant__preferred_language=language)
    services.committee_decide(actor=admin, call=call, held_on=datetime.date.today(),
                              members_present="A. Diop", rationale="Reserve list",
                              decisions=[services.Decision(reserve.pk, State.RESERVE,
                                                           State.RANKED)])

    # The selected candidate declines in the portal, after a confirmation.
    log_in(page, base, selected.applicant.user)
    page.goto(base + reverse("scholarships:application_detail", args=[selected.pk]))
    click(page, page.get_by_role("link", name=texts("Decline the offer")))
    page.locator("#id_reason").fill("I accepted a place in Canada.")
    click(page, page.get_by_role("button", name=texts("Decline the offer")))
    expect(page.locator(".alert-success")).to_contain_text(texts(MSG_DECLINED))
    assert state_of(selected) == State.DECLINED

    # The reserve candidate has the offer in their portal.
    assert state_of(reserve) == State.OFFERED
    promoted = AwardOffer.objects.get(application=reserve)
    assert promoted.replaces_id == offer.pk
    log_in(page, base, reserve.applicant.user)
    page.goto(base + reverse("scholarships:my_applications"))
    expect(page.locator("body")).to_contain_text(texts.label(State.OFFERED))
    page.goto(base + reverse("scholarships:application_detail", args=[reserve.pk]))
    expect(page.get_by_role("button", name=texts("Accept the scholarship"))).to_be_visible()

    # The office sees on the ranking page who took the place.
    log_in(page, base, admin, language)
    page.goto(base + reverse("scholarships:ranking", args=[call.pk]))
    expect(page.locator("#freed-title + ul")).to_contain_text(reserve.reference)
