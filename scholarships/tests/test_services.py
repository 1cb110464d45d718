import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.factories import PersonFactory, UserFactory
from scholarships import services
from scholarships.eligibility import (
    MSG_DEGREE_TOO_LOW,
    MSG_EU_RESIDENT,
    MSG_HOLDS_AWARD,
    MSG_NATIONALITY,
    MSG_NO_BIRTH_DATE,
    MSG_TOO_OLD,
    eligibility_problems,
)
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    CompleteApplicationFactory,
)
from scholarships.models import ApplicationTransition, Degree
from scholarships.steps import missing_items
from scholarships.workflow import State, allowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return UserFactory()


# --- workflow ------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "target", "ok"), [
    (State.DRAFT, State.SUBMITTED, True),
    (State.DRAFT, State.ELIGIBLE, False),
    (State.SUBMITTED, State.ELIGIBLE, True),
    (State.RESERVE, State.OFFERED, True),
    (State.OFFERED, State.LAPSED, True),
    (State.ACCEPTED, State.WITHDRAWN, False),
    (State.INELIGIBLE, State.ELIGIBLE, False),
    (State.COMPLETED, State.ENROLLED, False),
    (State.RANKED, State.WITHDRAWN, True),
])
def test_declared_moves(current, target, ok):
    assert allowed(current, target) is ok


def test_a_move_not_declared_is_refused_and_leaves_no_trace(actor):
    application = ApplicationFactory()
    with pytest.raises(services.InvalidTransition):
        services.application_transition(actor=actor, application=application,
                                        to=State.ELIGIBLE)
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert not ApplicationTransition.objects.exists()


def test_moving_to_the_current_state_does_nothing(actor):
    application = ApplicationFactory()
    services.application_transition(actor=actor, application=application, to=State.DRAFT)
    assert not ApplicationTransition.objects.exists()


# --- eligibility ---------------------------------------------------------------------


def test_a_complete_application_from_a_partner_country_is_eligible():
    assert eligibility_problems(CompleteApplicationFactory()) == []


def test_each_unmet_rule_is_explained():
    call = CallFactory(max_age=30, age_reference_date=datetime.date(2027, 10, 1),
                       min_degree=Degree.MASTER)
    person = PersonFactory(country="SN", nationalities=["FR"], country_of_residence="BE",
                           birth_date=datetime.date(1990, 5, 1))
    application = CompleteApplicationFactory(call=call, applicant=person)
    problems = eligibility_problems(application)
    assert str(MSG_NATIONALITY) in problems
    assert str(MSG_TOO_OLD % {"max_age": 30, "date": "1 October 2027", "age": 37}) in problems
    assert str(MSG_DEGREE_TOO_LOW % {"degree": Degree.MASTER.label}) in problems
    assert str(MSG_EU_RESIDENT) in problems


def test_age_limit_needs_a_birth_date():
    application = CompleteApplicationFactory(applicant=PersonFactory(birth_date=None))
    assert str(MSG_NO_BIRTH_DATE) in eligibility_problems(application)


def test_someone_turning_the_limit_age_after_the_reference_date_is_eligible():
    call = CallFactory(max_age=35, age_reference_date=datetime.date(2027, 10, 1))
    person = PersonFactory(birth_date=datetime.date(1992, 10, 2))  # 34 on the reference date
    assert eligibility_problems(CompleteApplicationFactory(call=call, applicant=person)) == []


def test_holder_of_an_award_this_academic_year_is_not_eligible():
    first = CompleteApplicationFactory()
    ApplicationFactory._meta.model.objects.filter(pk=first.pk).update(
        state=State.ACCEPTED, reference="SCH-2026-09999", submitted_at=timezone.now())
    other_call = CallFactory(academic_year=first.call.academic_year)
    second = CompleteApplicationFactory(call=other_call, applicant=first.applicant)
    assert str(MSG_HOLDS_AWARD % {"year": other_call.academic_year_label}) in (
        eligibility_problems(second))


# --- starting and submitting ---------------------------------------------------------------


def test_starting_twice_gives_the_same_draft_prefilled_from_the_last_application(actor):
    previous = CompleteApplicationFactory()
    call = CallFactory()
    first = services.application_start(actor=actor, call=call, person=previous.applicant)
    again = services.application_start(actor=actor, call=call, person=previous.applicant)
    assert first.pk == again.pk
    assert first.degree_title == previous.degree_title
    assert first.english_level == previous.english_level


def test_starting_on_a_closed_call_is_refused(actor):
    call = CallFactory(opens_at=timezone.now() - datetime.timedelta(days=30),
                       closes_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError) as error:
        services.application_start(actor=actor, call=call, person=PersonFactory())
    assert error.value.messages == [str(services.MSG_CALL_NOT_OPEN)]


def test_submission_numbers_freezes_and_records(actor, django_capture_on_commit_callbacks):
    application = CompleteApplicationFactory(applicant__user=actor)
    with django_capture_on_commit_callbacks(execute=False):
        services.application_submit(actor=actor, application=application)
    application.refresh_from_db()
    year = timezone.localtime().year
    assert application.state == State.SUBMITTED
    assert application.reference == f"SCH-{year}-00001"
    assert application.submitted_snapshot["answers"]["motivation"] == application.motivation
    transition = application.transitions.get()
    assert (transition.from_state, transition.to_state, transition.actor) == (
        State.DRAFT, State.SUBMITTED, actor)
    with pytest.raises(ValidationError) as error:
        services.application_step_save(actor=actor, application=application,
                                       step="motivation", values={"motivation": "changed"})
    assert error.value.messages == [str(services.MSG_NOT_EDITABLE)]


def test_submitting_twice_submits_once(actor, django_capture_on_commit_callbacks):
    application = CompleteApplicationFactory(applicant__user=actor)
    with django_capture_on_commit_callbacks(execute=False):
        services.application_submit(actor=actor, application=application)
        services.application_submit(actor=actor, application=application)
    assert application.transitions.count() == 1


def test_one_second_after_the_deadline_is_refused_and_kept_as_draft(actor):
    application = CompleteApplicationFactory()
    late = application.call.closes_at + datetime.timedelta(seconds=1)
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=actor, application=application, now=late)
    assert error.value.code == "closed"
    application.refresh_from_db()
    assert (application.state, application.reference) == (State.DRAFT, None)


def test_the_last_second_before_the_deadline_is_accepted(actor,
                                                         django_capture_on_commit_callbacks):
    application = CompleteApplicationFactory(applicant__user=actor)
    just_in_time = application.call.closes_at - datetime.timedelta(microseconds=1)
    with django_capture_on_commit_callbacks(execute=False):
        services.application_submit(actor=actor, application=application, now=just_in_time)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_an_incomplete_application_lists_what_is_missing_and_is_refused(actor):
    application = ApplicationFactory()
    assert len(missing_items(application)) >= 6
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=actor, application=application)
    assert error.value.code == "incomplete"


def test_an_ineligible_application_is_refused(actor):
    application = CompleteApplicationFactory(
        applicant=PersonFactory(nationalities=["FR"], country_of_residence="FR"))
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=actor, application=application)
    assert error.value.code == "ineligible"


def test_withdrawing_records_the_reason_and_frees_the_call_for_a_new_draft(
        actor, django_capture_on_commit_callbacks):
    application = CompleteApplicationFactory(applicant__user=actor)
    with django_capture_on_commit_callbacks(execute=False):
        services.application_submit(actor=actor, application=application)
    services.application_withdraw(actor=actor, application=application, reason="Other funding")
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN
    assert application.transitions.last().reason == "Other funding"
    fresh = services.application_start(actor=actor, call=application.call,
                                       person=application.applicant)
    assert fresh.pk != application.pk


def test_a_third_referee_is_refused_but_a_replacement_is_not(
        actor, django_capture_on_commit_callbacks):
    application = CompleteApplicationFactory()
    with pytest.raises(ValidationError) as error:
        services.referee_add(actor=actor, application=application, name="Third",
                             email="third@example.org")
    assert error.value.messages == [str(services.MSG_TOO_MANY_REFEREES)]
    old = application.referees.first()
    with django_capture_on_commit_callbacks(execute=False):
        new = services.referee_add(actor=actor, application=application, name="New",
                                   email="new@example.org", replaces=old)
    old.refresh_from_db()
    assert old.replaced_at is not None
    assert set(application.referees.filter(replaced_at__isnull=True)) == {
        new, application.referees.exclude(pk__in=[old.pk, new.pk]).get()}
