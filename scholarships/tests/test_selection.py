"""The selection committee: its meeting holds its decisions, all or nothing,
within the call's quota and the yearly ceiling unless overridden with a
reason that is recorded."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import places, services
from scholarships.factories import (
    CallFactory,
    ReviewerProfileFactory,
    admin_user,
    ranked_application,
)
from scholarships.models import Application, CommitteeMeeting
from scholarships.services import Decision, DecisionsRefused
from scholarships.services import selection as selection_services
from scholarships.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return admin_user()


def ranked(admin, call, n):
    return [ranked_application(admin=admin, call=call, percents=(90 - i,)) for i in range(n)]


def decide(admin, call, decisions, **kwargs):
    """decisions: (application, to) pairs, or Decision rows already taken."""
    return services.committee_decide(
        actor=admin, call=call, held_on=kwargs.pop("held_on", timezone.localdate()),
        members_present=kwargs.pop("members_present", "Prof. Amina Ouédraogo\nDr. Jan Peeters"),
        rationale=kwargs.pop("rationale", "Ranking followed; balance of countries."),
        decisions=[d if isinstance(d, Decision) else Decision(d[0].pk, d[1], d[0].state)
                   for d in decisions], **kwargs)


def states(applications):
    return [Application.objects.get(pk=a.pk).state for a in applications]


def test_the_meeting_holds_its_decisions_with_the_rationale(admin):
    call = CallFactory(quota=2, reviewers_per_application=1)
    first, second, third = ranked(admin, call, 3)
    meeting = decide(admin, call, [(first, State.SELECTED), (second, State.RESERVE),
                                   (third, State.NOT_SELECTED)])
    assert states([first, second, third]) == [State.SELECTED, State.RESERVE,
                                              State.NOT_SELECTED]
    assert meeting.members == ["Prof. Amina Ouédraogo", "Dr. Jan Peeters"]
    assert meeting.held_on == timezone.localdate()
    assert sorted(meeting.decisions.values_list("to_state", flat=True)) == sorted(
        [State.SELECTED, State.RESERVE, State.NOT_SELECTED])
    assert all(row.actor == admin for row in meeting.decisions.all())


def test_the_quota_cannot_be_exceeded_without_an_override(admin):
    call = CallFactory(quota=2, reviewers_per_application=1)
    applications = ranked(admin, call, 3)
    with pytest.raises(DecisionsRefused) as error:
        decide(admin, call, [(a, State.SELECTED) for a in applications])
    assert error.value.messages == [str(selection_services.MSG_EXCEEDS % {
        "selected": 3, "free": 2, "call_free": 2, "quota": 2, "year_free": 1500,
        "ceiling": 1500})]
    assert states(applications) == [State.RANKED] * 3
    assert not CommitteeMeeting.objects.exists()


def test_an_override_with_a_reason_exceeds_the_quota_and_is_recorded(admin):
    call = CallFactory(quota=2, reviewers_per_application=1)
    applications = ranked(admin, call, 3)
    meeting = decide(admin, call, [(a, State.SELECTED) for a in applications],
                     override_reason="Third candidate co-funded by the host university.")
    assert states(applications) == [State.SELECTED] * 3
    assert meeting.override_reason == "Third candidate co-funded by the host university."
    overrides = meeting.decisions.exclude(override_reason="")
    # Only the decision beyond the quota needed it.
    assert [row.application_id for row in overrides] == [applications[2].pk]


def test_the_yearly_ceiling_counts_every_call_of_the_academic_year(admin, settings):
    settings.SCHOLARSHIP_YEARLY_CEILING = 2
    year = timezone.now().year + 1
    first_call = CallFactory(academic_year=year, quota=5, reviewers_per_application=1)
    other_call = CallFactory(academic_year=year, quota=5, reviewers_per_application=1)
    next_year = CallFactory(academic_year=year + 1, quota=5, reviewers_per_application=1)
    decide(admin, first_call, [(a, State.SELECTED) for a in ranked(admin, first_call, 2)])
    decide(admin, next_year, [(a, State.SELECTED) for a in ranked(admin, next_year, 2)])
    late = ranked(admin, other_call, 1)
    with pytest.raises(DecisionsRefused) as error:
        decide(admin, other_call, [(late[0], State.SELECTED)])
    assert error.value.messages == [str(selection_services.MSG_EXCEEDS % {
        "selected": 1, "free": 0, "call_free": 5, "quota": 5, "year_free": 0, "ceiling": 2})]
    # The guard of the one service says the same for a single move.
    with pytest.raises(services.InvalidTransition) as guard:
        services.application_transition(actor=admin, application=late[0], to=State.SELECTED)
    assert guard.value.messages == [str(places.MSG_GUARD_CEILING % {
        "ceiling": 2, "year": first_call.academic_year_label, "used": 2})]
    meeting = decide(admin, other_call, [(late[0], State.SELECTED)],
                     override_reason="Minister's decision of 3 March.")
    assert states(late) == [State.SELECTED]
    assert meeting.decisions.get().override_reason == "Minister's decision of 3 March."


def test_a_decision_on_an_application_changed_meanwhile_records_nothing(admin):
    call = CallFactory(quota=3, reviewers_per_application=1)
    first, second = ranked(admin, call, 2)
    # The committee's page shows both ranked; then the second withdraws.
    seen = [Decision(first.pk, State.SELECTED, State.RANKED),
            Decision(second.pk, State.SELECTED, State.RANKED)]
    services.application_withdraw(actor=second.applicant.user, application=second)
    with pytest.raises(DecisionsRefused) as error:
        decide(admin, call, seen)
    assert error.value.refused == {second.pk: str(services.MSG_CHANGED_MEANWHILE % {
        "state": State.WITHDRAWN.label})}
    assert states([first]) == [State.RANKED]
    assert not CommitteeMeeting.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("members_present", "  ", selection_services.MSG_MEMBERS_REQUIRED),
    ("rationale", "", selection_services.MSG_RATIONALE_REQUIRED),
    # Tomorrow, taken when the test runs (a date taken at collection goes
    # stale when the suite crosses midnight).
    ("held_on", "tomorrow", selection_services.MSG_MEETING_IN_FUTURE),
])
def test_the_meeting_needs_its_members_rationale_and_a_past_date(admin, field, value, message):
    if value == "tomorrow":
        value = timezone.localdate() + datetime.timedelta(days=1)
    call = CallFactory(reviewers_per_application=1)
    application = ranked(admin, call, 1)[0]
    with pytest.raises(ValidationError) as error:
        decide(admin, call, [(application, State.SELECTED)], **{field: value})
    assert error.value.messages == [str(message)]


def test_only_an_administrator_records_the_committee(admin):
    call = CallFactory(reviewers_per_application=1)
    application = ranked(admin, call, 1)[0]
    for actor in (UserFactory(roles=[Role.REVIEWER]), UserFactory(roles=[Role.DPO])):
        with pytest.raises(ValidationError) as error:
            decide(actor, call, [(application, State.SELECTED)])
        assert error.value.messages == [str(selection_services.MSG_COMMITTEE_ADMIN_ONLY)]


def test_the_split_counts_who_holds_the_awards_by_sex_and_nationality(admin):
    from scholarships.selectors import selection_split

    ReviewerProfileFactory.create_batch(1)
    call = CallFactory(quota=5, reviewers_per_application=1)
    women = [ranked_application(admin=admin, call=call, percents=(80,),
                                applicant__sex="female", applicant__country="SN",
                                applicant__nationalities=["SN"]) for _ in range(2)]
    man = ranked_application(admin=admin, call=call, percents=(70,), applicant__sex="male",
                             applicant__country="ET", applicant__nationalities=["ET", "KE"])
    other = ranked_application(admin=admin, call=call, percents=(60,))
    decide(admin, call, [(women[0], State.SELECTED), (women[1], State.SELECTED),
                         (man, State.SELECTED), (other, State.RESERVE)])
    assert selection_split(call) == {"sex": {"female": 2, "male": 1},
                                     "country": {"SN": 2, "ET": 1}}
