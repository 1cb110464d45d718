"""Award offers: the package, the applicant's answer, the lapse of an offer
not answered in time, the letter, and the place a decline, a lapse or a
withdrawal frees for the next reserve candidate."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.factories import UserFactory
from scholarships import selectors, services, tasks
from scholarships.factories import (
    CallFactory,
    admin_user,
    offer_package,
    offered_application,
    ranked_application,
)
from scholarships.models import AwardOffer, ScholarFollowUp
from scholarships.pdf import award_letter_pdf
from scholarships.places import MSG_GUARD_QUOTA
from scholarships.services import SYSTEM, Decision
from scholarships.services import awards as award_services
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def admin():
    return admin_user(email="office@example.org")


def call_with_reserve(admin, *, quota=1, reserves=2):
    """A call whose quota is taken by an offered candidate, with reserve
    candidates ranked behind: (offer, [reserve applications, best first])."""
    call = CallFactory(quota=quota, reviewers_per_application=1)
    application, offer = offered_application(admin=admin, call=call, percents=(95,))
    reserve = [ranked_application(admin=admin, call=call, percents=(80 - 10 * i,),
                                  applicant__preferred_language="fr")
               for i in range(reserves)]
    if reserve:
        services.committee_decide(
            actor=admin, call=call, held_on=timezone.localdate(), members_present="A. Diop",
            rationale="Reserve list in ranking order.",
            decisions=[Decision(a.pk, State.RESERVE, State.RANKED) for a in reserve])
    return offer, reserve


def state_of(application):
    application.refresh_from_db()
    return application.state


# --- making an offer -----------------------------------------------------------------------

def test_an_offer_carries_its_package_and_is_e_mailed_with_the_letter(
        admin, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application, offer = offered_application(admin=admin, applicant__preferred_language="nl")
    assert application.state == State.OFFERED
    assert offer.status == AwardOffer.Status.OPEN and offer.created_by == admin
    assert offer.monthly_allowance == Decimal("1150.00")
    assert offer.total == Decimal("1150.00") * offer.months + Decimal("5855.00")
    sent = [m for m in mailoutbox if application.applicant.email in m.to
            and m.attachments and "award-letter" in m.attachments[0][0]]
    assert len(sent) == 1
    name, content, mimetype = sent[0].attachments[0]
    assert name == f"{application.reference}-award-letter.pdf"
    assert content.startswith(b"%PDF") and b"/Lang (nl)" in content
    offer.refresh_from_db()
    assert offer.applicant_notified_at is not None
    # Sent once, whatever re-runs.
    assert tasks.award_offer_notify(offer.pk) is False


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"monthly_allowance": Decimal("0")}, "monthly_allowance",
     award_services.MSG_ALLOWANCE_POSITIVE),
    ({"tuition": Decimal("-1")}, "tuition", award_services.MSG_AMOUNT_NEGATIVE),
    ({"ends_on": timezone.localdate()}, "ends_on", award_services.MSG_ENDS_BEFORE_START),
    ({"deadline": timezone.now() - datetime.timedelta(hours=1)}, "deadline",
     award_services.MSG_DEADLINE_PAST),
    ({"deadline": timezone.now() + datetime.timedelta(days=90)}, "deadline",
     award_services.MSG_DEADLINE_AFTER_START),
])
def test_a_package_that_makes_no_sense_is_refused(admin, overrides, field, message):
    application = ranked_application(admin=admin, call=CallFactory(reviewers_per_application=1),
                                     percents=(80,))
    services.committee_decide(actor=admin, call=application.call, held_on=timezone.localdate(),
                              members_present="A. Diop", rationale="Top",
                              decisions=[Decision(application.pk, State.SELECTED,
                                                  State.RANKED)])
    with pytest.raises(ValidationError) as error:
        services.award_offer_make(actor=admin, application=application,
                                  **offer_package(**overrides))
    assert error.value.message_dict == {field: [str(message)]}
    assert state_of(application) == State.SELECTED
    assert not AwardOffer.objects.exists()


def test_an_offer_to_a_reserve_candidate_needs_a_free_place_or_an_override(admin):
    _offer, (reserve, _other) = call_with_reserve(admin)
    with pytest.raises(services.InvalidTransition) as error:
        services.award_offer_make(actor=admin, application=reserve, **offer_package())
    assert error.value.messages == [str(MSG_GUARD_QUOTA % {"quota": 1, "used": 1})]
    assert not AwardOffer.objects.filter(application=reserve).exists()
    services.award_offer_make(actor=admin, application=reserve, **offer_package(),
                              override_reason="Extra funding from the region.")
    assert state_of(reserve) == State.OFFERED
    assert reserve.transitions.last().override_reason == "Extra funding from the region."


# --- answers -------------------------------------------------------------------------------

def test_accepting_starts_the_follow_up(admin):
    application, offer = offered_application(admin=admin)
    services.award_offer_accept(actor=application.applicant.user, offer=offer)
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.ACCEPTED and offer.answered_at
    assert state_of(application) == State.ACCEPTED
    assert ScholarFollowUp.objects.filter(application=application).exists()


def test_nobody_else_answers_an_applicant_s_offer(admin):
    application, offer = offered_application(admin=admin)
    for actor in (UserFactory(), admin):
        with pytest.raises(services.InvalidTransition) as error:
            services.award_offer_accept(actor=actor, offer=offer)
        assert error.value.code == "not_permitted"
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.OPEN


def test_an_answered_offer_cannot_be_answered_again(admin):
    application, offer = offered_application(admin=admin)
    services.award_offer_accept(actor=application.applicant.user, offer=offer)
    with pytest.raises(ValidationError) as error:
        services.award_offer_decline(actor=application.applicant.user, offer=offer)
    assert error.value.messages == [str(award_services.MSG_OFFER_NOT_OPEN)]


# --- places freed ---------------------------------------------------------------------------

def test_a_decline_offers_the_place_to_the_best_reserve_candidate_and_tells_the_office(
        admin, mailoutbox, django_capture_on_commit_callbacks):
    offer, (best, second) = call_with_reserve(admin)
    declined = offer.application
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.award_offer_decline(actor=declined.applicant.user, offer=offer,
                                     reason="I got a place in Canada.")
    assert state_of(declined) == State.DECLINED
    assert state_of(best) == State.OFFERED and state_of(second) == State.RESERVE
    new = AwardOffer.objects.get(application=best)
    assert (new.replaces, new.created_by, new.monthly_allowance, new.tuition) == (
        offer, None, offer.monthly_allowance, offer.tuition)
    promotion = best.transitions.last()
    assert promotion.actor is None
    assert promotion.reason == str(award_services.MSG_PROMOTED_REASON % {
        "reference": declined.reference, "status": AwardOffer.Status.DECLINED.label})
    # The reserve candidate gets the offer; the office is told who took the place.
    assert any(best.applicant.email in m.to for m in mailoutbox)
    office = [m for m in mailoutbox if "office@example.org" in m.to]
    assert len(office) == 1 and best.reference in office[0].body
    assert [(f.pk, [r.pk for r in f.replacements.all()])
            for f in selectors.freed_places(best.call)] == [(offer.pk, [new.pk])]


def test_a_decline_with_nobody_on_the_reserve_list_leaves_the_place_free(
        admin, mailoutbox, django_capture_on_commit_callbacks):
    offer, _reserve = call_with_reserve(admin, reserves=0)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.award_offer_decline(actor=offer.application.applicant.user, offer=offer)
    assert AwardOffer.objects.count() == 1
    office = [m for m in mailoutbox if "office@example.org" in m.to]
    assert len(office) == 1 and "No reserve candidate could take the place" in office[0].body


def test_the_sweep_lapses_overdue_offers_once_and_promotes_the_reserve(admin):
    offer, (best, _second) = call_with_reserve(admin)
    AwardOffer.objects.filter(pk=offer.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    assert selectors.offers_overdue() == [offer.pk]
    assert tasks.award_offers_lapse_sweep() == 1
    assert tasks.award_offers_lapse_sweep() == 0
    assert tasks.award_offer_lapse(offer.pk) is False
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.LAPSED
    assert state_of(offer.application) == State.LAPSED
    assert state_of(best) == State.OFFERED
    assert AwardOffer.objects.filter(application=best).count() == 1


def test_an_offer_not_yet_due_does_not_lapse(admin):
    application, offer = offered_application(admin=admin)
    assert services.award_offer_lapse(actor=SYSTEM, offer=offer) is False
    assert tasks.award_offers_lapse_sweep() == 0
    assert state_of(application) == State.OFFERED


def test_withdrawing_an_offered_application_frees_its_place(admin):
    offer, (best, _second) = call_with_reserve(admin)
    services.application_withdraw(actor=offer.application.applicant.user,
                                  application=offer.application)
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.WITHDRAWN
    assert state_of(best) == State.OFFERED


def test_a_place_taken_by_override_is_not_given_again(admin):
    offer, (best, second) = call_with_reserve(admin)
    services.award_offer_make(actor=admin, application=best, **offer_package(),
                              override_reason="Extra funding.")
    # Two awards for a quota of one: a decline leaves one, which fills the quota.
    services.award_offer_decline(actor=offer.application.applicant.user, offer=offer)
    assert state_of(second) == State.RESERVE


def test_the_letter_is_in_the_applicant_s_language(admin):
    from django.utils import translation

    _application, offer = offered_application(admin=admin)
    with translation.override("fr"):
        pdf = award_letter_pdf(offer)
    assert pdf.startswith(b"%PDF") and b"/Lang (fr)" in pdf
    assert f"/Keywords ({offer.application.reference})".encode() in pdf
