"""The declared workflow: every move not in the table is refused, every move
refuses the actors it does not name, and every guard refuses when it does
not hold, each leaving the application and its history as they were."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import places, services, workflow
from scholarships.eligibility import MSG_NATIONALITY
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    ReviewerProfileFactory,
    admin_user,
    eligible_application,
    offered_application,
    ranked_application,
    review_as,
    submitted_application,
)
from scholarships.models import (
    Application,
    ApplicationTransition,
    AwardOffer,
    ReviewAssignment,
    ScholarFollowUp,
)
from scholarships.services import SYSTEM, InvalidTransition
from scholarships.workflow import Actor, State

pytestmark = pytest.mark.django_db

DECLARED = {(move.source, move.target) for move in workflow.MOVES}


def in_state(state: str, **kwargs) -> Application:
    """An application put straight into a state: the setup of a test about the
    move out of it (the other tests walk there through the services)."""
    application = ApplicationFactory(applicant__user=UserFactory(), **kwargs)
    Application.objects.filter(pk=application.pk).update(
        state=state, reference=f"SCH-2027-{application.pk:05d}",
        submitted_at=None if state == State.DRAFT else timezone.now())
    application.refresh_from_db()
    return application


def refused(actor, application, to, **kwargs) -> InvalidTransition:
    before = application.state
    with pytest.raises(InvalidTransition) as error:
        services.application_transition(actor=actor, application=application, to=to,
                                        **kwargs)
    application.refresh_from_db()
    assert application.state == before
    assert not ApplicationTransition.objects.filter(application=application,
                                                    to_state=to).exists()
    return error.value


# --- the table ------------------------------------------------------------------------

@pytest.mark.parametrize("source", list(State))
def test_every_move_not_declared_is_refused_and_leaves_no_trace(source):
    application = in_state(source)
    admin = admin_user()
    forbidden = [target for target in State
                 if target != source and (source, target) not in DECLARED]
    assert forbidden, "every state has moves it may not make"
    for target in forbidden:
        for actor in (admin, application.applicant.user, SYSTEM):
            error = refused(actor, application, target)
            assert error.code == "not_declared"
            assert error.messages == [str(services.MSG_TRANSITION % {
                "from": State(source).label, "to": State(target).label})]


def test_final_states_have_no_way_out():
    for state in workflow.FINAL:
        assert workflow.TRANSITIONS.get(state, ()) == ()


def actor_for(capacity: str, application: Application):
    return {Actor.APPLICANT: application.applicant.user,
            Actor.ADMINISTRATOR: admin_user(),
            Actor.SYSTEM: SYSTEM}[capacity]


@pytest.mark.parametrize("move", workflow.MOVES,
                         ids=[f"{m.source}-{m.target}" for m in workflow.MOVES])
def test_each_move_refuses_every_actor_it_does_not_name(move):
    application = in_state(move.source)
    others = [actor_for(c, application) for c in Actor if c not in move.by]
    others += [UserFactory(roles=[Role.REVIEWER]), UserFactory(roles=[Role.DPO]),
               UserFactory(roles=[Role.CASEWORKER]), AnonymousUser(), None]
    for actor in others:
        error = refused(actor, application, move.target, reason="Because")
        assert error.code == "not_permitted", actor


def test_an_administrator_never_moves_their_own_application():
    user = admin_user()
    application = in_state(State.SUBMITTED)
    application.applicant.user = user
    application.applicant.save()
    error = refused(user, application, State.ELIGIBLE)
    assert error.code == "not_permitted"


def test_a_refusal_names_who_may_make_the_move():
    application = in_state(State.SUBMITTED)
    error = refused(application.applicant.user, application, State.ELIGIBLE)
    assert error.messages == [str(services.MSG_NOT_PERMITTED % {
        "from": State.SUBMITTED.label, "to": State.ELIGIBLE.label,
        "who": Actor.ADMINISTRATOR.label})]


def test_moving_to_the_current_state_changes_nothing():
    application = in_state(State.SUBMITTED)
    services.application_transition(actor=admin_user(), application=application,
                                    to=State.SUBMITTED)
    assert not application.transitions.exists()


# --- reasons and stale pages -------------------------------------------------------------

@pytest.mark.parametrize(("source", "target"), [
    (State.SUBMITTED, State.INELIGIBLE), (State.RESERVE, State.NOT_SELECTED),
    (State.OFFERED, State.DECLINED), (State.SUBMITTED, State.WITHDRAWN),
])
def test_an_administrator_must_give_a_reason(source, target):
    application = in_state(source)
    error = refused(admin_user(), application, target, reason="   ")
    assert error.messages == [str(services.MSG_REASON_REQUIRED)]


def test_the_reason_is_kept_on_the_audit_row():
    application = in_state(State.SUBMITTED)
    admin = admin_user()
    services.application_transition(actor=admin, application=application,
                                    to=State.INELIGIBLE, reason="Degree not recognised")
    row = application.transitions.get()
    assert (row.actor, row.from_state, row.to_state, row.reason) == (
        admin, State.SUBMITTED, State.INELIGIBLE, "Degree not recognised")


def test_a_decision_on_a_page_seen_before_someone_else_moved_it_is_refused():
    application = submitted_application()
    services.application_transition(actor=admin_user(), application=application,
                                    to=State.INELIGIBLE, reason="Too old")
    error = refused(admin_user(), application, State.ELIGIBLE,
                    expected_state=State.SUBMITTED)
    assert error.code == "changed"
    assert error.messages == [str(services.MSG_CHANGED_MEANWHILE % {
        "state": State.INELIGIBLE.label})]


# --- the guards -------------------------------------------------------------------------

def test_submission_needs_a_complete_application():
    application = ApplicationFactory(applicant__user=UserFactory())
    error = refused(application.applicant.user, application, State.SUBMITTED)
    assert error.messages == [str(workflow.MSG_GUARD_NO_SUBMISSION)]


def test_eligibility_is_confirmed_only_when_the_pre_check_passes():
    application = submitted_application()
    application.applicant.nationalities = ["FR"]
    application.applicant.save()
    error = refused(admin_user(), application, State.ELIGIBLE)
    assert error.code == "guard"
    assert error.messages == [str(workflow.MSG_GUARD_NOT_ELIGIBLE % {
        "problems": str(MSG_NATIONALITY)})]


def test_the_review_starts_only_with_its_reviewers():
    application = eligible_application(call=CallFactory(reviewers_per_application=2))
    error = refused(admin_user(), application, State.IN_REVIEW)
    assert error.messages == [str(workflow.MSG_GUARD_REVIEWERS % {"needed": 2, "count": 0})]


def test_the_review_closes_only_when_every_review_is_in():
    admin = admin_user()
    ReviewerProfileFactory.create_batch(2)
    application = eligible_application(admin=admin,
                                       call=CallFactory(reviewers_per_application=2))
    first, _second = services.reviewers_assign_automatically(actor=admin,
                                                             application=application)
    review_as(first, percent=80)
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW
    error = refused(admin, application, State.RANKED)
    assert error.messages == [str(workflow.MSG_GUARD_REVIEWS_PENDING % {
        "submitted": 1, "needed": 2})]


def test_a_wide_spread_needs_a_third_review_before_ranking(settings):
    settings.SCHOLARSHIP_REVIEW_SPREAD_THRESHOLD = 20
    admin = admin_user()
    ReviewerProfileFactory.create_batch(2)
    application = eligible_application(admin=admin,
                                       call=CallFactory(reviewers_per_application=2))
    for assignment, percent in zip(
            services.reviewers_assign_automatically(actor=admin, application=application),
            (100, 40), strict=True):
        review_as(assignment, percent=percent)
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW
    error = refused(admin, application, State.RANKED)
    assert error.messages == [str(workflow.MSG_GUARD_THIRD_REVIEW % {"threshold": 20})]


def test_selection_beyond_the_quota_is_refused_without_an_override():
    call = CallFactory(quota=1, reviewers_per_application=1)
    admin = admin_user()
    offered_application(admin=admin, call=call, percents=(90,))
    application = ranked_application(admin=admin, call=call, percents=(80,))
    error = refused(admin, application, State.SELECTED)
    assert error.messages == [str(places.MSG_GUARD_QUOTA % {"quota": 1, "used": 1})]


def test_an_offer_needs_its_package_first():
    application = in_state(State.SELECTED)
    error = refused(admin_user(), application, State.OFFERED)
    assert error.messages == [str(workflow.MSG_GUARD_NO_OFFER)]


def test_an_offer_is_accepted_only_before_its_deadline():
    application, offer = offered_application()
    AwardOffer.objects.filter(pk=offer.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1))
    error = refused(application.applicant.user, application, State.ACCEPTED)
    assert error.messages == [str(workflow.MSG_GUARD_DEADLINE_PASSED)]


def test_an_offer_lapses_only_after_its_deadline():
    application, _offer = offered_application()
    error = refused(SYSTEM, application, State.LAPSED)
    assert error.messages == [str(workflow.MSG_GUARD_DEADLINE_NOT_PASSED)]


def test_enrolment_needs_the_arrival_and_the_confirmation():
    application = in_state(State.ACCEPTED)
    ScholarFollowUp.objects.create(application=application)
    error = refused(admin_user(), application, State.ENROLLED)
    assert error.messages == [str(workflow.MSG_GUARD_NO_ARRIVAL)]


def test_completion_needs_its_date():
    application = in_state(State.ENROLLED)
    error = refused(admin_user(), application, State.COMPLETED)
    assert error.messages == [str(workflow.MSG_GUARD_NO_COMPLETION)]


def test_the_system_moves_are_recorded_without_a_user():
    application, offer = offered_application()
    AwardOffer.objects.filter(pk=offer.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1))
    offer.refresh_from_db()
    assert services.award_offer_lapse(actor=SYSTEM, offer=offer)
    row = application.transitions.get(to_state=State.LAPSED)
    assert row.actor is None and row.by_system


def test_available_moves_show_an_administrator_the_next_steps_with_what_stops_them():
    application = submitted_application()
    moves = services.available_moves(actor=admin_user(), application=application)
    assert [(m.target, problem) for m, problem in moves] == [
        (State.ELIGIBLE, None), (State.INELIGIBLE, None), (State.WITHDRAWN, None)]
    assert services.available_moves(actor=UserFactory(roles=[Role.REVIEWER]),
                                    application=application) == []


def test_bulk_moves_go_through_the_same_service_and_report_each_refusal():
    admin = admin_user()
    good = [submitted_application() for _ in range(3)]
    draft = ApplicationFactory()
    foreign = submitted_application()
    foreign.applicant.nationalities = ["FR"]
    foreign.applicant.save()
    moved, refusals = services.applications_move(
        actor=admin, applications=[*good, draft, foreign], to=State.ELIGIBLE)
    assert {a.pk for a in moved} == {a.pk for a in good}
    assert [a.pk for a, _reason in refusals] == [draft.pk, foreign.pk]
    assert refusals[0][1] == str(services.MSG_TRANSITION % {"from": State.DRAFT.label,
                                                            "to": State.ELIGIBLE.label})
    assert Application.objects.filter(state=State.ELIGIBLE).count() == 3
    assert ReviewAssignment.objects.count() == 0
