"""One person, one award: the same name and date of birth under other e-mail
accounts does not collect a second scholarship of the academic year unwarned
(the attack: four accepted awards for one person)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.factories import PersonFactory, UserFactory
from registry.models import DuplicateCandidate
from registry.names import name_key
from scholarships import services
from scholarships.duplicates import MSG_DUPLICATE_APPLICANT
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    admin_user,
    offer_package,
    ranked_application,
)
from scholarships.models import ApplicationTransition, AwardOffer, CommitteeMeeting
from scholarships.services import Decision, DecisionsRefused, DuplicateAwardRefused
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

BORN = datetime.date(1998, 4, 12)
# A name no factory pool contains.
GIVEN, FAMILY = "Zoubeirou", "Quaxalaba"


def twin(given=GIVEN, family=FAMILY, born=BORN):
    """The same person's name and birth date under another e-mail account."""
    return PersonFactory(given_names=given, family_name=family,
                         name_key=name_key(given, family), birth_date=born,
                         nationalities=["ML"], country_of_residence="ML",
                         user=UserFactory())


@pytest.fixture
def admin():
    return admin_user()


@pytest.fixture
def year():
    return timezone.now().year + 1


def call_of(year):
    return CallFactory(academic_year=year, reviewers_per_application=1, quota=10)


def select(admin, application, **extra):
    return services.committee_decide(
        actor=admin, call=application.call, held_on=timezone.localdate(),
        members_present="Prof. A. Mbeki", rationale="Best ranked.",
        decisions=[Decision(application.pk, State.SELECTED, State.RANKED)], **extra)


def award(admin, person, year):
    """Ranked, selected, offered and accepted through the services."""
    application = ranked_application(admin=admin, call=call_of(year), applicant=person,
                                     percents=(85,))
    select(admin, application)
    offer = services.award_offer_make(actor=admin, application=application,
                                      **offer_package())
    services.award_offer_accept(actor=person.user, offer=offer)
    application.refresh_from_db()
    return application


def test_second_award_to_the_same_name_and_birth_is_refused_without_a_reason(admin, year):
    first = award(admin, twin(), year)
    assert first.state == State.ACCEPTED
    second = ranked_application(admin=admin, call=call_of(year), applicant=twin(),
                                percents=(90,))

    with pytest.raises(DecisionsRefused) as refused:
        select(admin, second)
    assert first.reference in refused.value.refused[second.pk]
    assert "Possible duplicate" in refused.value.refused[second.pk]
    with pytest.raises(DuplicateAwardRefused):
        services.application_transition(actor=admin, application=second, to=State.SELECTED)
    second.refresh_from_db()
    assert second.state == State.RANKED
    assert not CommitteeMeeting.objects.filter(call=second.call).exists()


def test_with_a_recorded_reason_the_second_award_goes_through_and_is_in_the_history(admin, year):
    first = award(admin, twin(), year)
    person = twin()
    second = ranked_application(admin=admin, call=call_of(year), applicant=person,
                                percents=(90,))

    select(admin, second, duplicate_reason="Checked passports: twin brothers.")
    decision = ApplicationTransition.objects.get(application=second, to_state=State.SELECTED)
    assert decision.actor == admin
    assert "Checked passports: twin brothers." in decision.reason
    assert first.reference in decision.reason
    # The offer and the acceptance do not ask again about what was proceeded past.
    offer = services.award_offer_make(actor=admin, application=second, **offer_package())
    services.award_offer_accept(actor=person.user, offer=offer)
    second.refresh_from_db()
    assert second.state == State.ACCEPTED


def test_four_accounts_end_with_one_award_unless_staff_proceed(admin, year):
    first = award(admin, twin(), year)
    others = [ranked_application(admin=admin, call=call_of(year), applicant=twin(),
                                 percents=(80,)) for _ in range(3)]
    for application in others:
        with pytest.raises(DecisionsRefused):
            select(admin, application)
    assert [a.state for a in (first, *others)] == [State.ACCEPTED] + [State.RANKED] * 3


def test_offer_to_a_reserve_candidate_is_refused_and_rolled_back(admin, year):
    first = award(admin, twin(), year)
    second = ranked_application(admin=admin, call=call_of(year), applicant=twin(),
                                percents=(70,))
    services.application_transition(actor=admin, application=second, to=State.RESERVE)

    with pytest.raises(DuplicateAwardRefused) as refused:
        services.award_offer_make(actor=admin, application=second, **offer_package())
    assert first.reference in refused.value.messages[0]
    assert not AwardOffer.objects.filter(application=second).exists()

    services.award_offer_make(actor=admin, application=second, **offer_package(),
                              duplicate_reason="Different fathers' names, checked.")
    second.refresh_from_db()
    assert second.state == State.OFFERED
    assert ApplicationTransition.objects.filter(
        application=second, to_state=State.OFFERED, actor=admin,
        reason__contains="Different fathers' names, checked.").exists()


def test_a_freed_place_does_not_go_to_a_likely_duplicate_automatically(admin, year):
    award(admin, twin(), year)
    call = call_of(year)
    declining = ranked_application(admin=admin, call=call, percents=(95,))
    waiting = ranked_application(admin=admin, call=call, applicant=twin(), percents=(60,))
    select(admin, declining)
    services.application_transition(actor=admin, application=waiting, to=State.RESERVE)
    offer = services.award_offer_make(actor=admin, application=declining, **offer_package())
    services.award_offer_decline(actor=declining.applicant.user, offer=offer)
    waiting.refresh_from_db()
    assert waiting.state == State.RESERVE


def test_the_applicant_is_refused_politely_without_the_other_persons_data(client, admin, year):
    person = twin()
    first = ranked_application(admin=admin, call=call_of(year), applicant=person,
                               percents=(85,))
    select(admin, first)
    offer = services.award_offer_make(actor=admin, application=first, **offer_package())
    # Meanwhile the twin account got its award, staff proceeding for that one only.
    other = twin()
    second = ranked_application(admin=admin, call=call_of(year), applicant=other,
                                percents=(90,))
    select(admin, second, duplicate_reason="Looked like two people.")
    services.award_offer_accept(actor=other.user, offer=services.award_offer_make(
        actor=admin, application=second, **offer_package()))

    client.force_login(person.user)
    response = client.post(reverse("scholarships:offer_accept", args=[first.pk, offer.pk]),
                           {"confirm": "on"}, follow=True)
    page = response.content.decode()
    assert str(MSG_DUPLICATE_APPLICANT) in page
    assert second.reference not in page
    assert other.reference not in page
    first.refresh_from_db()
    assert first.state == State.OFFERED


def test_a_dismissed_pair_does_not_block(admin, year):
    first_person, second_person = twin(), twin()
    award(admin, first_person, year)
    a, b = sorted((first_person.pk, second_person.pk))
    DuplicateCandidate.objects.create(
        person_a_id=a, person_b_id=b, reason=DuplicateCandidate.Reason.NAME_AND_BIRTH,
        status=DuplicateCandidate.Status.DISMISSED, resolved_by=admin)
    second = ranked_application(admin=admin, call=call_of(year), applicant=second_person,
                                percents=(90,))
    select(admin, second)
    second.refresh_from_db()
    assert second.state == State.SELECTED


def test_another_academic_year_does_not_block(admin, year):
    award(admin, twin(), year)
    second = ranked_application(admin=admin, call=call_of(year + 1), applicant=twin(),
                                percents=(90,))
    select(admin, second)
    second.refresh_from_db()
    assert second.state == State.SELECTED


# --- where decisions are made: the warning ---------------------------------------------

def test_the_warning_shows_on_the_application_ranking_and_committee_pages(client, admin, year):
    first = award(admin, twin(), year)
    second = ranked_application(admin=admin, call=call_of(year), applicant=twin(),
                                percents=(90,))
    client.force_login(admin)
    expected = f"Possible duplicate: {first.applicant.reference} (same name and date of birth)"

    page = client.get(reverse("scholarships:application_view", args=[second.pk]))
    text = page.content.decode()
    assert expected in text and f"also applied as {first.reference} (Offer accepted)" in text

    ranking = client.get(reverse("scholarships:ranking", args=[second.call.pk])).content.decode()
    assert expected in ranking and first.reference in ranking

    meeting = select(admin, second, duplicate_reason="Checked: two people.")
    committee = client.get(meeting.get_absolute_url()).content.decode()
    assert expected in committee and first.reference in committee

    # The other way round, on the first application's page.
    text = client.get(reverse("scholarships:application_view", args=[first.pk])).content
    assert second.reference in text.decode()


def test_the_warning_names_no_other_programme_and_no_one_without_an_application(client, admin,
                                                                              year):
    application = ranked_application(admin=admin, call=call_of(year), applicant=twin(),
                                     percents=(90,))
    registry_only = twin()
    client.force_login(admin)
    text = client.get(reverse("scholarships:application_view", args=[application.pk]))
    assert registry_only.reference not in text.content.decode()
    assert "Possible duplicate" not in text.content.decode()


def test_an_applicant_or_reviewer_does_not_see_the_staff_pages(client, admin, year):
    from accounts.roles import Role

    first = award(admin, twin(), year)
    client.force_login(UserFactory(roles=[Role.REVIEWER]))
    assert client.get(reverse("scholarships:application_view",
                              args=[first.pk])).status_code in (403, 404)
    client.force_login(first.applicant.user)
    assert client.get(reverse("scholarships:ranking",
                              args=[first.call.pk])).status_code in (403, 404)


def _twins_on(call, other_call, n, start):
    """n eligible applications in `call`, each applicant with a twin who
    applied in `other_call` (test data, written directly)."""
    applications = []
    for i in range(start, start + n):
        given = f"Qzw{i}"
        applications.append(ApplicationFactory(
            call=call, applicant=twin(given=given), state=State.ELIGIBLE,
            reference=f"SCH-T1-{i:05d}", submitted_at=timezone.now()))
        ApplicationFactory(call=other_call, applicant=twin(given=given), state=State.SUBMITTED,
                           reference=f"SCH-T2-{i:05d}", submitted_at=timezone.now())
    return applications


def test_ranking_and_committee_pages_run_the_same_queries_for_3_and_30_rows(client, admin,
                                                                              year):
    client.force_login(admin)
    call, other_call = call_of(year), call_of(year)
    url = reverse("scholarships:ranking", args=[call.pk])
    _twins_on(call, other_call, 3, 0)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _twins_on(call, other_call, 27, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == 30
    assert all(row["duplicates"] for row in response.context["rows"])
    assert "SCH-T2-00029" in response.content.decode()
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]

    def meeting_of(applications):
        meeting = CommitteeMeeting.objects.create(
            call=call, held_on=timezone.localdate(), members_present="A. Diop",
            rationale="R", recorded_by=admin)
        ApplicationTransition.objects.bulk_create([ApplicationTransition(
            application=a, from_state=State.RANKED, to_state=State.RESERVE, actor=admin,
            meeting=meeting) for a in applications])
        return meeting

    applications = list(call.applications.order_by("reference"))
    small, large = meeting_of(applications[:3]), meeting_of(applications)
    client.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as many:
        response = client.get(large.get_absolute_url())
    assert response.content.decode().count("Possible duplicate") == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
