"""Assigning reviewers (by hand and automatically), the conflict-of-interest
declaration, scoring, and the score and spread of an application."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from registry.factories import OrganisationFactory, UserFactory
from scholarships import selectors, services
from scholarships.factories import (
    CallFactory,
    ReviewerProfileFactory,
    admin_user,
    eligible_application,
    review_as,
    reviewer,
)
from scholarships.models import Criterion, ReviewAssignment
from scholarships.services import review as review_services
from scholarships.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return admin_user()


def senegalese(admin, **kwargs):
    kwargs.setdefault("call", CallFactory(reviewers_per_application=2))
    return eligible_application(admin=admin, applicant__country="SN",
                                applicant__nationalities=["SN"], **kwargs)


# --- by hand -----------------------------------------------------------------------------

def test_assigning_the_call_s_number_of_reviewers_starts_the_review(admin):
    application = senegalese(admin)
    services.review_assign(actor=admin, application=application, reviewer=reviewer())
    application.refresh_from_db()
    assert application.state == State.ELIGIBLE
    services.review_assign(actor=admin, application=application, reviewer=reviewer())
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW
    assert application.transitions.last().actor == admin


def test_a_reviewer_from_the_applicant_s_country_is_refused(admin):
    application = senegalese(admin)
    compatriot = reviewer(country="SN")
    with pytest.raises(ValidationError) as error:
        services.review_assign(actor=admin, application=application, reviewer=compatriot)
    assert error.value.messages == [str(review_services.MSG_SAME_COUNTRY % {
        "reviewer": compatriot.get_full_name(), "country": "Senegal"})]


def test_a_reviewer_from_the_host_institution_is_refused(admin):
    host = OrganisationFactory(name="KU Leuven")
    application = senegalese(admin, call=CallFactory(hosts=[host]))
    colleague = reviewer(institution=host)
    with pytest.raises(ValidationError) as error:
        services.review_assign(actor=admin, application=application, reviewer=colleague)
    assert error.value.messages == [str(review_services.MSG_SAME_INSTITUTION % {
        "reviewer": colleague.get_full_name(), "institution": host})]


def test_only_active_reviewers_can_be_assigned(admin):
    application = senegalese(admin)
    for user in (UserFactory(roles=[Role.REVIEWER]),  # no profile
                 reviewer(is_active=False),
                 ReviewerProfileFactory(user=UserFactory(roles=[Role.CASEWORKER])).user):
        with pytest.raises(ValidationError) as error:
            services.review_assign(actor=admin, application=application, reviewer=user)
        assert error.value.messages == [str(review_services.MSG_NOT_A_REVIEWER % {
            "user": user.get_full_name() or user.get_username()})]


def test_nobody_but_an_administrator_assigns_reviewers(admin):
    application = senegalese(admin)
    for actor in (UserFactory(roles=[Role.REVIEWER]), application.applicant.user,
                  UserFactory(roles=[Role.DPO])):
        with pytest.raises(ValidationError) as error:
            services.review_assign(actor=actor, application=application, reviewer=reviewer())
        assert error.value.messages == [str(review_services.MSG_REVIEW_ADMIN_ONLY)]
    assert not ReviewAssignment.objects.exists()


def test_reviewers_are_assigned_to_eligible_applications_only(admin):
    from scholarships.factories import submitted_application

    application = submitted_application()
    with pytest.raises(ValidationError) as error:
        services.review_assign(actor=admin, application=application, reviewer=reviewer())
    assert error.value.messages == [str(review_services.MSG_NOT_REVIEWABLE % {
        "state": State.SUBMITTED.label})]


# --- automatically -----------------------------------------------------------------------

def test_automatic_assignment_skips_compatriots_and_colleagues_and_balances_load(admin):
    host = OrganisationFactory(name="Ghent University")
    call = CallFactory(reviewers_per_application=2, hosts=[host])
    compatriot = reviewer(country="SN")
    colleague = reviewer(institution=host)
    free = [reviewer(country=country) for country in ("BE", "KE", "FR", "NL")]
    applications = [senegalese(admin, call=call) for _ in range(6)]
    for application in applications:
        assert len(services.reviewers_assign_automatically(
            actor=admin, application=application)) == 2
    assigned = ReviewAssignment.objects.values_list("reviewer", flat=True)
    assert compatriot.pk not in assigned and colleague.pk not in assigned
    # 12 reviews over 4 free reviewers: 3 each.
    assert sorted(list(assigned).count(user.pk) for user in free) == [3, 3, 3, 3]
    assert all(a.state == State.IN_REVIEW for a in
               type(applications[0]).objects.filter(pk__in=[a.pk for a in applications]))


def test_automatic_assignment_says_when_reviewers_run_short(admin):
    application = senegalese(admin, call=CallFactory(reviewers_per_application=3))
    reviewer()
    created = services.reviewers_assign_automatically(actor=admin, application=application)
    assert len(created) == 1
    application.refresh_from_db()
    assert application.state == State.ELIGIBLE
    summary = selectors.review_summary(application)
    assert (summary.live, summary.needed) == (1, 3)


# --- the declaration -------------------------------------------------------------------------

def test_declaring_a_conflict_returns_the_application_for_reassignment(admin):
    application = senegalese(admin)
    first, second = (reviewer(), reviewer())
    for user in (first, second):
        services.review_assign(actor=admin, application=application, reviewer=user)
    stand_in = reviewer()
    assignment = ReviewAssignment.objects.get(reviewer=first)
    services.review_declare(actor=first, assignment=assignment, conflict=True,
                            note="I supervised her bachelor's thesis.")
    assignment.refresh_from_db()
    assert assignment.status == ReviewAssignment.Status.CONFLICT
    assert assignment.declared_at is not None
    replacement = ReviewAssignment.objects.get(application=application, reviewer=stand_in)
    assert replacement.assigned_by is None  # assigned automatically
    assert selectors.review_summary(application).live == 2


def test_a_conflict_needs_a_word_of_explanation(admin):
    application = senegalese(admin)
    user = reviewer()
    assignment = services.review_assign(actor=admin, application=application, reviewer=user)
    with pytest.raises(ValidationError) as error:
        services.review_declare(actor=user, assignment=assignment, conflict=True, note=" ")
    assert error.value.messages == [str(review_services.MSG_CONFLICT_NOTE)]


def test_only_the_assigned_reviewer_declares_and_only_once(admin):
    application = senegalese(admin)
    user = reviewer()
    assignment = services.review_assign(actor=admin, application=application, reviewer=user)
    with pytest.raises(ValidationError) as error:
        services.review_declare(actor=reviewer(), assignment=assignment, conflict=False)
    assert error.value.messages == [str(review_services.MSG_NOT_YOUR_ASSIGNMENT)]
    services.review_declare(actor=user, assignment=assignment, conflict=False)
    with pytest.raises(ValidationError) as error:
        services.review_declare(actor=user, assignment=assignment, conflict=True, note="x")
    assert error.value.messages == [str(review_services.MSG_ALREADY_DECLARED)]


# --- scores ---------------------------------------------------------------------------------

def scores_for(application, value):
    return {c.pk: value for c in application.call.criteria.all()}


def test_scoring_before_declaring_is_refused(admin):
    application = senegalese(admin)
    user = reviewer()
    assignment = services.review_assign(actor=admin, application=application, reviewer=user)
    with pytest.raises(ValidationError) as error:
        services.review_submit(actor=user, assignment=assignment,
                               scores=scores_for(application, 4), comment="Good")
    assert error.value.messages == [str(review_services.MSG_NOT_TO_SCORE)]


def test_each_score_must_be_on_the_criterion_s_scale_with_a_comment(admin):
    application = senegalese(admin)
    user = reviewer()
    assignment = services.review_assign(actor=admin, application=application, reviewer=user)
    services.review_declare(actor=user, assignment=assignment, conflict=False)
    first, second, third = application.call.criteria.all()
    with pytest.raises(ValidationError) as error:
        services.review_submit(actor=user, assignment=assignment,
                               scores={first.pk: 6, second.pk: 3}, comment="")
    assert error.value.message_dict == {
        str(first.pk): [str(review_services.MSG_SCORE_RANGE % {"max": 5})],
        str(third.pk): [str(review_services.MSG_SCORE_MISSING)],
        "comment": [str(review_services.MSG_COMMENT_REQUIRED)],
    }
    assignment.refresh_from_db()
    assert assignment.status == ReviewAssignment.Status.TO_SCORE
    assert not assignment.scores.exists()


def test_a_review_s_score_is_the_weighted_mean_out_of_100(admin):
    call = CallFactory(reviewers_per_application=1, criteria=False)
    excellence = Criterion.objects.create(call=call, name="Excellence",
                                          weight=Decimal("3"), scale_max=5)
    relevance = Criterion.objects.create(call=call, name="Relevance",
                                         weight=Decimal("1"), scale_max=10)
    application = senegalese(admin, call=call)
    user = reviewer()
    assignment = services.review_assign(actor=admin, application=application, reviewer=user)
    services.review_declare(actor=user, assignment=assignment, conflict=False)
    services.review_submit(actor=user, assignment=assignment,
                           scores={excellence.pk: 4, relevance.pk: 5}, comment="Solid")
    assignment.refresh_from_db()
    # (3 * 4/5 + 1 * 5/10) / 4 * 100 = 72.50
    assert assignment.total == Decimal("72.50")
    application.refresh_from_db()
    assert application.state == State.RANKED  # the last review closes the review


def test_the_application_score_is_the_mean_of_submitted_reviews_only(admin):
    call = CallFactory(reviewers_per_application=2)
    application = senegalese(admin, call=call)
    first, second = (services.review_assign(actor=admin, application=application,
                                            reviewer=reviewer()) for _ in range(2))
    review_as(first, percent=80)
    assert selectors.review_summary(application).score == Decimal("80.00")
    review_as(second, percent=60)
    summary = selectors.review_summary(application)
    assert (summary.score, summary.spread, summary.submitted) == (
        Decimal("70.00"), Decimal("20.00"), 2)
    assert not summary.high_spread  # 20 is the threshold, not above it


def test_a_spread_above_the_threshold_brings_in_a_third_reviewer(admin, settings):
    settings.SCHOLARSHIP_REVIEW_SPREAD_THRESHOLD = 15
    application = senegalese(admin)
    first, second = (services.review_assign(actor=admin, application=application,
                                            reviewer=reviewer()) for _ in range(2))
    third = reviewer()
    review_as(first, percent=100)
    review_as(second, percent=60)
    extra = ReviewAssignment.objects.get(application=application, reviewer=third)
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW
    review_as(extra, percent=80)
    application.refresh_from_db()
    assert application.state == State.RANKED
    assert selectors.review_summary(application).score == Decimal("80.00")


# --- no peeking -------------------------------------------------------------------------------

def test_a_reviewer_sees_the_other_reviews_only_after_submitting_their_own(admin):
    application = senegalese(admin)
    mine, theirs = (services.review_assign(actor=admin, application=application,
                                           reviewer=reviewer()) for _ in range(2))
    review_as(theirs, percent=60, comment="Weak methodology.")
    services.review_declare(actor=mine.reviewer, assignment=mine, conflict=False)
    mine.refresh_from_db()
    assert selectors.reviews_seen_by(mine) == []
    services.review_submit(actor=mine.reviewer, assignment=mine,
                           scores=scores_for(application, 4), comment="Promising.")
    mine.refresh_from_db()
    seen = selectors.reviews_seen_by(mine)
    assert [(r.pk, r.comment) for r in seen] == [(theirs.pk, "Weak methodology.")]


def test_withdrawing_stops_the_reviews_in_progress(admin):
    application = senegalese(admin)
    assignment = services.review_assign(actor=admin, application=application,
                                        reviewer=reviewer())
    services.application_withdraw(actor=application.applicant.user, application=application)
    assignment.refresh_from_db()
    assert assignment.status == ReviewAssignment.Status.CANCELLED
    assert selectors.reviewer_queue(assignment.reviewer)["to_declare"] == []
