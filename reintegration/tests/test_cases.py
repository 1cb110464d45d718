"""Opening cases and moving them through the declared state machine: guards,
reasons, audit rows, departure with travel documents, arrival with the
monitoring visits, reassignment, and the next action the caseload shows."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.roles import Role
from common import formats
from registry.factories import IdentityDocumentFactory, UserFactory
from registry.models import Consent, IdentityDocument
from reintegration.dates import add_months
from reintegration.factories import (
    ReturneeFactory,
    case_through,
    caseworker,
    supervisor_of,
)
from reintegration.models import Case, CaseAssignment, CaseTransition, MonitoringVisit
from reintegration.services import cases as services
from reintegration.workflow import (
    FINAL,
    OPEN,
    TRANSITIONS,
    NextAction,
    State,
    allowed,
    moves_from,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def errors_of(excinfo) -> list[str]:
    return excinfo.value.messages


def opened(worker, **kwargs):
    kwargs.setdefault("principal", ReturneeFactory(country="GN"))
    kwargs.setdefault("country_of_return", "GN")
    return services.case_open(actor=worker, **kwargs)


def at_return_approved(worker, **kwargs):
    case = opened(worker, **kwargs)
    services.case_move(actor=worker, case=case, to=State.COUNSELLING)
    services.case_move(actor=worker, case=case, to=State.RETURN_APPROVED)
    return Case.objects.get(pk=case.pk)


# --- the declared workflow ------------------------------------------------------

def test_the_table_has_the_moves_of_the_field():
    assert moves_from(State.INTAKE) == [State.COUNSELLING, State.WITHDRAWN]
    assert moves_from(State.DEPARTURE_PLANNED) == [State.RETURNED, State.WITHDRAWN,
                                                   State.NO_SHOW]
    assert moves_from(State.MONITORING) == [State.CLOSED, State.WITHDRAWN, State.LOST_CONTACT]
    for final in FINAL:
        assert moves_from(final) == []
    assert not allowed(State.INTAKE, State.RETURNED)
    assert all(allowed(state, State.WITHDRAWN) for state in OPEN)
    assert set(TRANSITIONS) | set(FINAL) == set(State)


def test_opening_a_case_numbers_it_and_records_who_opened_it(worker):
    case = opened(worker)
    year = timezone.localdate().year
    assert case.reference == f"RET-{year}-00001"
    assert case.state == State.INTAKE
    assert case.caseworker == worker and case.opened_by == worker
    assert opened(worker).reference == f"RET-{year}-00002"
    assignment = CaseAssignment.objects.get(case=case)
    assert assignment.to_caseworker == worker and assignment.from_caseworker is None


def test_each_move_appends_an_audit_row_with_actor_and_reason(worker):
    case = opened(worker)
    services.case_move(actor=worker, case=case, to=State.COUNSELLING, reason="First meeting")
    row = CaseTransition.objects.get(case=case)
    assert (row.from_state, row.to_state, row.actor, row.reason) == (
        State.INTAKE, State.COUNSELLING, worker, "First meeting")
    assert Case.objects.get(pk=case.pk).state == State.COUNSELLING


def test_moving_to_the_current_state_changes_nothing(worker):
    case = opened(worker)
    services.case_move(actor=worker, case=case, to=State.INTAKE)
    assert not CaseTransition.objects.filter(case=case).exists()


def test_a_move_the_table_does_not_allow_is_refused_with_both_states_named(worker):
    case = opened(worker)
    with pytest.raises(ValidationError) as excinfo:
        services.case_move(actor=worker, case=case, to=State.CLOSED)
    assert errors_of(excinfo) == [services.MSG_TRANSITION % {
        "from": State.INTAKE.label, "to": State.CLOSED.label}]
    assert Case.objects.get(pk=case.pk).state == State.INTAKE


@pytest.mark.parametrize("target", [State.WITHDRAWN])
def test_withdrawing_needs_a_reason(worker, target):
    case = opened(worker)
    with pytest.raises(ValidationError) as excinfo:
        services.case_move(actor=worker, case=case, to=target, reason="  ")
    assert errors_of(excinfo) == [services.MSG_REASON_REQUIRED]
    services.case_move(actor=worker, case=case, to=target, reason="Decided to stay")
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN and case.next_action == ""


def test_an_ended_case_can_no_longer_move(worker):
    case = opened(worker)
    services.case_move(actor=worker, case=case, to=State.WITHDRAWN, reason="Changed their mind")
    with pytest.raises(ValidationError) as excinfo:
        services.case_move(actor=worker, case=case, to=State.COUNSELLING)
    assert errors_of(excinfo) == [services.MSG_CASE_FINAL % {"state": State.WITHDRAWN.label}]


def test_only_the_caseworker_or_their_supervisor_moves_a_case(worker, boss):
    case = opened(worker)
    for outsider in (caseworker(), UserFactory(roles=[Role.DPO]),
                     supervisor_of(caseworker()).supervisor):
        with pytest.raises(PermissionDenied):
            services.case_move(actor=outsider, case=case, to=State.COUNSELLING)
    services.case_move(actor=boss, case=case, to=State.COUNSELLING)
    assert CaseTransition.objects.get(case=case).actor == boss


def test_the_data_protection_officer_changes_nothing_even_when_also_a_caseworker():
    both = UserFactory(roles=[Role.CASEWORKER, Role.DPO])
    case = opened(both)
    with pytest.raises(PermissionDenied):
        services.case_move(actor=both, case=case, to=State.COUNSELLING)


# --- opening: the registry person, consent, household --------------------------------

def test_a_person_has_one_open_case_at_a_time(worker):
    first = opened(worker)
    with pytest.raises(ValidationError) as excinfo:
        opened(worker, principal=first.principal)
    assert errors_of(excinfo) == [services.MSG_ALREADY_OPEN % {
        "name": first.principal.full_name, "reference": first.reference}]
    services.case_move(actor=worker, case=first, to=State.WITHDRAWN, reason="Stays in Belgium")
    assert opened(worker, principal=first.principal).principal == first.principal


def test_the_database_refuses_two_open_cases_for_one_person(worker):
    from django.db import IntegrityError, transaction

    from reintegration.factories import CaseFactory

    first = CaseFactory(state=State.COUNSELLING)
    CaseFactory(principal=first.principal, state=State.CLOSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(principal=first.principal, state=State.INTAKE)


def test_a_case_needs_the_persons_consent_recorded_before_or_now(worker):
    person = ReturneeFactory(consent=False)
    with pytest.raises(ValidationError) as excinfo:
        opened(worker, principal=person)
    assert excinfo.value.message_dict["consent_method"] == [
        services.MSG_CONSENT_NEEDED % {"name": person.full_name}]
    assert not Case.objects.exists()
    case = opened(worker, principal=person, consent_method=Consent.Method.SIGNED)
    consent = Consent.objects.get(person=person, purpose=Consent.Purpose.REINTEGRATION)
    assert consent.recorded_by == worker and consent.method == Consent.Method.SIGNED
    assert case.principal == person


def test_a_withdrawn_consent_does_not_count(worker):
    person = ReturneeFactory()
    Consent.objects.filter(person=person).update(withdrawn_at=timezone.now())
    with pytest.raises(ValidationError):
        opened(worker, principal=person)


def test_a_merged_record_cannot_be_the_principal(worker):
    survivor = ReturneeFactory()
    duplicate = ReturneeFactory(merged_into=survivor)
    with pytest.raises(ValidationError) as excinfo:
        opened(worker, principal=duplicate)
    assert errors_of(excinfo) == [services.MSG_PERSON_MERGED % {
        "reference": duplicate.reference, "survivor": survivor.reference}]


def test_household_members_return_with_the_principal_but_not_the_principal_twice(worker):
    principal, child = ReturneeFactory(), ReturneeFactory(consent=False)
    case = opened(worker, principal=principal, members=[(child, "child")])
    assert [(m.person, m.relation) for m in case.members.all()] == [(child, "child")]
    with pytest.raises(ValidationError) as excinfo:
        services.case_member_add(actor=worker, case=case, person=principal, relation="spouse")
    assert excinfo.value.message_dict["person"] == [services.MSG_MEMBER_IS_PRINCIPAL]


def test_a_caseworker_gives_a_new_case_only_to_themselves(worker):
    colleague = caseworker()
    with pytest.raises(ValidationError) as excinfo:
        opened(worker, caseworker=colleague)
    assert "caseworker" in excinfo.value.message_dict


def test_a_supervisor_opens_a_case_for_a_caseworker_of_their_team(worker, boss):
    case = opened(boss, caseworker=worker)
    assert case.caseworker == worker and case.opened_by == boss


def test_a_case_goes_to_a_user_with_a_case_role_only(boss):
    stranger = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    with pytest.raises(ValidationError) as excinfo:
        opened(boss, caseworker=stranger)
    assert excinfo.value.message_dict["caseworker"] == [
        services.MSG_CASEWORKER_ROLE % {"user": stranger.get_username()}]


def test_users_without_a_case_role_cannot_open_cases():
    with pytest.raises(PermissionDenied):
        opened(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))


# --- departure: travel documents ----------------------------------------------------------

def test_a_passport_expiring_before_the_departure_blocks_it_naming_the_passport(worker):
    case = at_return_approved(worker)
    passport = case.principal.documents.get()
    passport.expires_on = TODAY() + datetime.timedelta(days=20)
    passport.save()
    departure = TODAY() + datetime.timedelta(days=30)
    with pytest.raises(ValidationError) as excinfo:
        services.case_departure_plan(actor=worker, case=case, planned_on=departure)
    assert errors_of(excinfo) == [services.MSG_DOCUMENT_EXPIRES % {
        "document": f"Passport {passport.number}", "name": case.principal.full_name,
        "expires": formats.day(passport.expires_on), "departure": formats.day(departure)}]
    case.refresh_from_db()
    assert case.state == State.RETURN_APPROVED and case.planned_departure_on is None

    # A laissez-passer valid on the day lets the departure go ahead.
    IdentityDocumentFactory(person=case.principal, kind=IdentityDocument.Kind.TRAVEL_DOCUMENT,
                            issued_on=TODAY(), expires_on=departure + datetime.timedelta(days=1))
    services.case_departure_plan(actor=worker, case=case, planned_on=departure)
    case.refresh_from_db()
    assert case.state == State.DEPARTURE_PLANNED and case.planned_departure_on == departure


def test_a_document_expiring_on_the_day_of_departure_is_still_valid(worker):
    case = at_return_approved(worker)
    departure = TODAY() + datetime.timedelta(days=5)
    case.principal.documents.update(expires_on=departure)
    services.case_departure_plan(actor=worker, case=case, planned_on=departure)
    assert Case.objects.get(pk=case.pk).state == State.DEPARTURE_PLANNED


def test_a_birth_certificate_is_not_a_travel_document(worker):
    person = ReturneeFactory(passport=False)
    IdentityDocumentFactory(person=person, kind=IdentityDocument.Kind.BIRTH_CERTIFICATE,
                            expires_on=None)
    case = at_return_approved(worker, principal=person)
    departure = TODAY() + datetime.timedelta(days=10)
    with pytest.raises(ValidationError) as excinfo:
        services.case_departure_plan(actor=worker, case=case, planned_on=departure)
    assert errors_of(excinfo) == [services.MSG_NO_TRAVEL_DOCUMENT % {
        "name": person.full_name, "departure": formats.day(departure)}]


def test_every_returning_member_needs_a_valid_travel_document(worker):
    child = ReturneeFactory(consent=False, passport=False)
    case = at_return_approved(worker, members=[(child, "child")])
    departure = TODAY() + datetime.timedelta(days=10)
    with pytest.raises(ValidationError) as excinfo:
        services.case_departure_plan(actor=worker, case=case, planned_on=departure)
    assert errors_of(excinfo) == [services.MSG_NO_TRAVEL_DOCUMENT % {
        "name": child.full_name, "departure": formats.day(departure)}]


def test_a_departure_cannot_be_planned_in_the_past_or_before_the_return_is_approved(worker):
    case = at_return_approved(worker)
    with pytest.raises(ValidationError) as excinfo:
        services.case_departure_plan(actor=worker, case=case,
                                     planned_on=TODAY() - datetime.timedelta(days=1))
    assert excinfo.value.message_dict["planned_departure_on"] == [
        services.MSG_DEPARTURE_IN_PAST]
    early = opened(worker)
    with pytest.raises(ValidationError) as excinfo:
        services.case_departure_plan(actor=worker, case=early, planned_on=TODAY())
    assert errors_of(excinfo) == [services.MSG_NOT_DEPARTING]


def test_moving_a_planned_departure_checks_the_documents_again(worker):
    case = at_return_approved(worker)
    services.case_departure_plan(actor=worker, case=case, planned_on=TODAY())
    expiry = case.principal.documents.get().expires_on
    later = expiry + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.case_departure_plan(actor=worker, case=case, planned_on=later)
    assert Case.objects.get(pk=case.pk).planned_departure_on == TODAY()


def test_a_no_show_needs_a_reason_and_ends_the_case(worker):
    case = at_return_approved(worker)
    services.case_departure_plan(actor=worker, case=case, planned_on=TODAY())
    with pytest.raises(ValidationError):
        services.case_move(actor=worker, case=case, to=State.NO_SHOW)
    services.case_move(actor=worker, case=case, to=State.NO_SHOW, reason="Not at the airport")
    assert Case.objects.get(pk=case.pk).state == State.NO_SHOW


# --- arrival and the visits ------------------------------------------------------------

def test_arrival_schedules_the_visits_at_the_months_of_the_setting(worker, settings):
    settings.REINTEGRATION_VISIT_MONTHS = [3, 6, 12]
    case = at_return_approved(worker)
    services.case_departure_plan(actor=worker, case=case, planned_on=TODAY())
    arrived = TODAY()
    services.case_arrival_record(actor=worker, case=case, arrived_on=arrived)
    case.refresh_from_db()
    assert case.state == State.RETURNED and case.arrived_on == arrived
    visits = list(case.visits.order_by("due_on"))
    assert [v.months_after_arrival for v in visits] == [3, 6, 12]
    assert all(v.status == MonitoringVisit.Status.PLANNED for v in visits)
    assert [v.due_on for v in visits] == [add_months(arrived, m) for m in (3, 6, 12)]
    assert visits[2].due_on == arrived.replace(year=arrived.year + 1) or (
        arrived.month == 2 and arrived.day == 29)


def test_other_visit_offsets_come_from_the_setting(worker, settings):
    settings.REINTEGRATION_VISIT_MONTHS = [1, 4]
    case = at_return_approved(worker)
    services.case_departure_plan(actor=worker, case=case, planned_on=TODAY())
    services.case_arrival_record(actor=worker, case=case, arrived_on=TODAY())
    assert list(case.visits.values_list("months_after_arrival", flat=True)
                .order_by("due_on")) == [1, 4]


def test_an_arrival_in_the_future_is_refused(worker):
    case = at_return_approved(worker)
    services.case_departure_plan(actor=worker, case=case, planned_on=TODAY())
    with pytest.raises(ValidationError) as excinfo:
        services.case_arrival_record(actor=worker, case=case,
                                     arrived_on=TODAY() + datetime.timedelta(days=1))
    assert excinfo.value.message_dict["arrived_on"] == [services.MSG_ARRIVAL_IN_FUTURE]
    assert not case.visits.exists()


@pytest.mark.parametrize(("day", "months", "expected"), [
    (datetime.date(2026, 1, 15), 3, datetime.date(2026, 4, 15)),
    (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
    (datetime.date(2027, 8, 31), 6, datetime.date(2028, 2, 29)),
    (datetime.date(2026, 3, 31), 12, datetime.date(2027, 3, 31)),
])
def test_months_after_arrival_fall_on_the_same_day_or_the_end_of_a_shorter_month(
        day, months, expected):
    assert add_months(day, months) == expected


# --- the next action ------------------------------------------------------------------

def test_the_next_action_and_its_due_date_follow_the_state(worker, settings):
    settings.REINTEGRATION_ACTION_DAYS = {**settings.REINTEGRATION_ACTION_DAYS, "counsel": 7}
    case = opened(worker)
    assert (case.next_action, case.next_action_due) == (
        NextAction.COUNSEL, TODAY() + datetime.timedelta(days=7))
    case = at_return_approved(worker)
    departure = TODAY() + datetime.timedelta(days=9)
    services.case_departure_plan(actor=worker, case=case, planned_on=departure)
    case.refresh_from_db()
    assert (case.next_action, case.next_action_due) == (NextAction.RECORD_ARRIVAL, departure)


def test_a_monitoring_visit_due_sooner_comes_before_the_state_action(worker, boss):
    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss,
                        arrived_days_ago=100)
    first_visit = case.visits.order_by("due_on").first()
    assert (case.next_action, case.next_action_due) == (NextAction.VISIT, first_visit.due_on)


def test_services_record_the_last_activity_on_the_case(worker):
    case = opened(worker)
    Case.objects.filter(pk=case.pk).update(
        last_activity_at=timezone.now() - datetime.timedelta(days=40))
    services.case_move(actor=worker, case=case, to=State.COUNSELLING)
    case.refresh_from_db()
    assert timezone.now() - case.last_activity_at < datetime.timedelta(minutes=1)


# --- closing -----------------------------------------------------------------------------

def test_a_case_closes_only_when_the_plan_is_finished_and_the_last_visit_settled(worker, boss):
    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss)
    with pytest.raises(ValidationError) as excinfo:
        services.case_move(actor=worker, case=case, to=State.MONITORING)
    assert errors_of(excinfo) == [services.MSG_PLAN_NOT_FINISHED]

    from reintegration.services import monitoring, plans

    plans.plan_close(actor=worker, plan=case.plan, reason="Found a job, no longer needed")
    case.refresh_from_db()
    assert case.state == State.MONITORING
    last = case.visits.order_by("-due_on").first()
    with pytest.raises(ValidationError) as excinfo:
        services.case_move(actor=worker, case=case, to=State.CLOSED)
    assert errors_of(excinfo) == [services.MSG_LAST_VISIT_OPEN % {"due": formats.day(last.due_on)}]
    monitoring.visit_waive(actor=worker, visit=last, reason="Moved abroad, reached by phone")
    services.case_move(actor=worker, case=case, to=State.CLOSED, reason="Reintegrated")
    assert Case.objects.get(pk=case.pk).state == State.CLOSED


# --- reassignment --------------------------------------------------------------------

def test_a_supervisor_reassigns_a_team_case_and_the_move_is_recorded(worker, team, boss):
    colleague = caseworker()
    team.caseworkers.add(colleague)
    case = opened(worker)
    services.case_reassign(actor=boss, case=case, to=colleague, reason="Sophie on leave")
    case.refresh_from_db()
    assert case.caseworker == colleague
    row = CaseAssignment.objects.filter(case=case).latest("at")
    assert (row.from_caseworker, row.to_caseworker, row.actor, row.reason) == (
        worker, colleague, boss, "Sophie on leave")
    from reintegration.access import visible_cases

    assert not visible_cases(worker).filter(pk=case.pk).exists()
    assert visible_cases(colleague).filter(pk=case.pk).exists()


def test_a_caseworker_cannot_reassign_their_own_case(worker):
    case = opened(worker)
    with pytest.raises(PermissionDenied):
        services.case_reassign(actor=worker, case=case, to=caseworker())


def test_a_supervisor_reassigns_only_within_their_teams(worker, boss):
    outsider = caseworker()
    case = opened(worker)
    with pytest.raises(ValidationError) as excinfo:
        services.case_reassign(actor=boss, case=case, to=outsider)
    assert excinfo.value.message_dict["caseworker"] == [
        services.MSG_CASEWORKER_NOT_IN_TEAM % {"user": outsider.get_username()}]


def test_a_registry_merge_moves_the_return_case_to_the_kept_record(worker, boss):
    """The registry merges persons without knowing the programmes: the case,
    and a membership of another case, follow the kept record."""
    from registry.services import person_merge

    duplicate, survivor = ReturneeFactory(), ReturneeFactory()
    child = ReturneeFactory(consent=False)
    earlier = case_through(State.INTAKE, worker=worker, approver=boss, principal=survivor)
    services.case_move(actor=worker, case=earlier, to=State.WITHDRAWN, reason="Stayed")
    case = case_through(State.COUNSELLING, worker=worker, approver=boss, principal=duplicate)
    other = case_through(State.INTAKE, worker=worker, approver=boss,
                         members=[(child, "child")])
    person_merge(actor=UserFactory(), survivor=survivor, duplicate=duplicate)
    case.refresh_from_db()
    assert case.principal == survivor
    assert set(survivor.return_cases.all()) == {earlier, case}
    person_merge(actor=UserFactory(), survivor=survivor, duplicate=child)
    assert [m.person for m in other.members.all()] == [survivor]


def test_a_registry_merge_of_two_persons_with_an_open_case_each_is_refused(worker, boss):
    """Two open cases for one person cannot be: the merge says so instead of
    failing, and nothing moves."""
    from django.core.exceptions import ValidationError

    from registry.models import Person
    from registry.services import MSG_MERGE_CLASH, person_merge

    duplicate, survivor = ReturneeFactory(), ReturneeFactory()
    theirs = case_through(State.COUNSELLING, worker=worker, approver=boss, principal=duplicate)
    case_through(State.INTAKE, worker=worker, approver=boss, principal=survivor)
    with pytest.raises(ValidationError) as excinfo:
        person_merge(actor=UserFactory(), survivor=survivor, duplicate=duplicate)
    assert excinfo.value.messages == [MSG_MERGE_CLASH % {"what": "return cases"}]
    theirs.refresh_from_db()
    assert theirs.principal == duplicate
    assert not Person.objects.get(pk=duplicate.pk).merged_into_id
