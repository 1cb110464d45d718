"""An award offer's and a review assignment's status change only through the
moves declared in workflow.py, each recorded with who, when and why (as an
application's are)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from scholarships import services
from scholarships.access import SYSTEM
from scholarships.factories import (
    CallFactory,
    admin_user,
    eligible_application,
    offered_application,
    reviewer,
)
from scholarships.models import OfferTransition, ReviewTransition
from scholarships.services import review as review_services
from scholarships.states import OfferStatus, ReviewStatus
from scholarships.workflow import OFFER, REVIEW

pytestmark = pytest.mark.django_db


def test_an_accepted_offer_records_the_applicant_and_when():
    application, offer = offered_application()
    services.award_offer_accept(actor=application.applicant.user, offer=offer)
    change = OfferTransition.objects.get(offer=offer)
    assert (change.from_status, change.to_status) == (OfferStatus.OPEN, OfferStatus.ACCEPTED)
    assert change.actor == application.applicant.user
    assert abs(change.at - timezone.now()) < datetime.timedelta(minutes=5)


def test_a_decline_recorded_by_an_administrator_keeps_the_reason():
    admin = admin_user()
    _application, offer = offered_application(admin=admin)
    services.award_offer_decline(actor=admin, offer=offer, reason="Phoned: took another offer")
    change = OfferTransition.objects.get(offer=offer)
    assert (change.to_status, change.actor, change.reason) == (
        OfferStatus.DECLINED, admin, "Phoned: took another offer")


def test_a_lapse_is_recorded_as_the_system_s():
    _application, offer = offered_application()
    later = offer.deadline + datetime.timedelta(minutes=1)
    assert services.award_offer_lapse(actor=SYSTEM, offer=offer, now=later) is True
    change = OfferTransition.objects.get(offer=offer)
    assert (change.to_status, change.actor, change.at) == (OfferStatus.LAPSED, None, later)


def test_a_withdrawal_closes_the_open_offer_and_says_who_withdrew():
    application, offer = offered_application()
    services.application_withdraw(actor=application.applicant.user, application=application)
    change = OfferTransition.objects.get(offer=offer)
    assert (change.to_status, change.actor) == (OfferStatus.WITHDRAWN,
                                                application.applicant.user)


def test_an_answered_offer_cannot_move_again_and_nothing_is_recorded():
    admin = admin_user()
    application, offer = offered_application(admin=admin)
    services.award_offer_accept(actor=application.applicant.user, offer=offer)
    offer.refresh_from_db()
    with pytest.raises(ValidationError):
        services.offer_transition(actor=admin, offer=offer, to=OfferStatus.DECLINED,
                                  reason="Changed their mind")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert OfferTransition.objects.filter(offer=offer).count() == 1


def _assignment(admin):
    application = eligible_application(admin=admin, call=CallFactory(reviewers_per_application=2))
    return services.review_assign(actor=admin, application=application, reviewer=reviewer())


def test_a_declared_conflict_records_the_reviewer_and_what_it_is():
    admin = admin_user()
    assignment = _assignment(admin)
    services.review_declare(actor=assignment.reviewer, assignment=assignment, conflict=True,
                            note="I supervised the applicant's thesis.")
    change = ReviewTransition.objects.get(assignment=assignment)
    assert (change.from_status, change.to_status, change.actor, change.reason) == (
        ReviewStatus.TO_DECLARE, ReviewStatus.CONFLICT, assignment.reviewer,
        "I supervised the applicant's thesis.")


def test_a_review_taken_back_records_the_administrator():
    admin = admin_user()
    assignment = _assignment(admin)
    services.review_assignment_cancel(actor=admin, assignment=assignment)
    change = ReviewTransition.objects.get(assignment=assignment)
    assert (change.to_status, change.actor) == (ReviewStatus.CANCELLED, admin)


def test_a_withdrawal_cancels_the_open_reviews_saying_why():
    admin = admin_user()
    assignment = _assignment(admin)
    application = assignment.application
    services.application_withdraw(actor=application.applicant.user, application=application)
    change = ReviewTransition.objects.get(assignment=assignment)
    assert (change.to_status, change.actor, change.reason) == (
        ReviewStatus.CANCELLED, None, str(review_services.MSG_WITHDRAWN))


def test_a_review_is_not_scored_before_the_declaration():
    admin = admin_user()
    assignment = _assignment(admin)
    with pytest.raises(ValidationError):
        review_services.review_transition(actor=assignment.reviewer, assignment=assignment,
                                          to=ReviewStatus.SUBMITTED, capacity="reviewer")
    assignment.refresh_from_db()
    assert assignment.status == ReviewStatus.TO_DECLARE
    assert not ReviewTransition.objects.filter(assignment=assignment).exists()


def test_the_declarations_name_who_makes_each_move():
    assert OFFER.move_between(OfferStatus.OPEN, OfferStatus.ACCEPTED).by == ("applicant",)
    assert REVIEW.move_between(ReviewStatus.TO_DECLARE, ReviewStatus.CONFLICT).reason
    assert not REVIEW.moves_from(ReviewStatus.SUBMITTED)
