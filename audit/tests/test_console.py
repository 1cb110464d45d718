"""The data protection officer's console: the read log, filtered, and
everything read and changed about one person."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.filters import MSG_BAD_PERSON
from audit.models import ReadEvent
from audit.services import record_read
from registry import services as registry_services
from registry.factories import ConsentFactory, PersonFactory, UserFactory
from reintegration.factories import CaseFactory
from reintegration.models import CaseMember
from scholarships.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

CONSOLE = reverse("audit:console")
VIEW, LIST = ReadEvent.Action.VIEW, ReadEvent.Action.LIST


@pytest.fixture
def dpo(client):
    user = UserFactory(username="dpo-officer", roles=[Role.DPO])
    client.force_login(user)
    return user


def read(user, model, object_id="", person_id=None, action=VIEW, at=None):
    event = record_read(user=user, action=action, model=model, object_id=object_id,
                        person_id=person_id, page="test", path="/somewhere/")
    if at:
        ReadEvent.objects.filter(pk=event.pk).update(at=at)
    return event


def shown(response) -> set[int]:
    return {event.pk for event in response.context["page"].object_list}


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.DPO])
def test_other_roles_are_refused(client, role):
    person = PersonFactory()
    client.force_login(UserFactory(roles=[role]))
    assert client.get(CONSOLE).status_code == 403
    assert client.get(reverse("audit:person", args=[person.pk])).status_code == 403


def test_a_superuser_without_the_dpo_role_is_refused(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(CONSOLE).status_code == 403


def test_anonymous_visitors_go_to_the_login_page(client):
    response = client.get(CONSOLE)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_console_filters_by_person_user_dates_action_and_record_type(client, dpo):
    alice = UserFactory(username="alice-zq")
    bob = UserFactory(username="bob-zq")
    person = PersonFactory()
    now = timezone.now()
    by_person = read(alice, "registry.person", person.pk, person_id=person.pk)
    by_bob = read(bob, "reintegration.case", 7)
    old = read(alice, "scholarships.application", 3, at=now - datetime.timedelta(days=40))
    listed = read(bob, "registry.person", action=LIST)

    def get(**params):
        response = client.get(CONSOLE, params)
        assert response.status_code == 200
        return shown(response)

    everything = get()
    assert {by_person.pk, by_bob.pk, old.pk, listed.pk} <= everything
    assert get(person=person.reference) == {by_person.pk}
    assert get(person=str(person.pk)) == {by_person.pk}
    assert get(user="BOB-ZQ") == {by_bob.pk, listed.pk}
    day = (now - datetime.timedelta(days=40)).date().isoformat()
    assert get(user="alice-zq", date_from=day, date_to=day) == {old.pk}
    assert get(user="alice-zq", date_from=timezone.localdate().isoformat()) == {by_person.pk}
    assert get(user="bob-zq", action="list") == {listed.pk}
    assert get(model="reintegration.case") == {by_bob.pk}


def test_a_person_that_is_not_a_reference_is_said_so_and_shows_nothing(client, dpo):
    read(dpo, "registry.person", 1)
    response = client.get(CONSOLE, {"person": "Zebulon", "user": "dpo-officer"})
    assert response.status_code == 200
    html = response.content.decode()
    assert str(MSG_BAD_PERSON) in html
    assert 'value="dpo-officer"' in html  # what was entered stays
    assert not shown(response)


def test_the_console_runs_the_same_number_of_queries_for_few_and_many_rows(
        client, dpo, django_assert_max_num_queries):
    users = [UserFactory() for _ in range(3)]
    for user in users:
        read(user, "registry.person", 1, person_id=1)
    client.get(CONSOLE)
    with django_assert_max_num_queries(8):
        client.get(CONSOLE)
    for user in [UserFactory() for _ in range(30)]:
        read(user, "registry.person", 1, person_id=1)
    with django_assert_max_num_queries(8):
        response = client.get(CONSOLE)
    assert len(response.context["page"].object_list) == 35  # 33 reads and the two pages


def test_the_person_page_lists_reads_of_the_persons_case_and_application(client, dpo):
    person = PersonFactory()
    member_of = CaseFactory()
    CaseMember.objects.create(case=member_of, person=person, relation="spouse")
    principal_of = CaseFactory(principal=person)
    application = ApplicationFactory(applicant=person)
    consent = ConsentFactory(person=person)
    worker = UserFactory(username="reader-zq")
    reads = [
        read(worker, "reintegration.case", principal_of.pk),
        read(worker, "reintegration.case", member_of.pk),
        read(worker, "scholarships.application", application.pk),
        read(worker, "registry.consent", consent.pk),
        read(worker, "registry.person", person.pk, person_id=person.pk),
    ]
    others = [
        read(worker, "reintegration.case", CaseFactory().pk),
        read(worker, "scholarships.application", ApplicationFactory().pk),
        read(worker, "registry.person", PersonFactory().pk),
    ]
    response = client.get(reverse("audit:person", args=[person.pk]))
    assert response.status_code == 200
    ids = shown(response)
    assert {event.pk for event in reads} <= ids
    assert not ids & {event.pk for event in others}
    # The DPO's own visit of this page is a read of the person too.
    assert ReadEvent.objects.filter(user=dpo, page="audit:person", person_id=person.pk).exists()


def test_the_person_page_lists_what_changed_and_who_changed_it(client, dpo):
    officer = UserFactory(username="officer-zq", roles=[Role.SCHOLARSHIP_ADMIN])
    person = PersonFactory(given_names="Zebulon")
    person.family_name = "Quixote"
    person._history_user = officer  # as HistoryRequestMiddleware does for a page
    registry_services.person_update(actor=officer, person=person)
    response = client.get(reverse("audit:person", args=[person.pk]))
    html = response.content.decode()
    assert "officer-zq" in html
    changes = response.context["changes"]
    assert any("family name" in " ".join(change.fields).lower() for change in changes)


def test_the_person_page_runs_the_same_number_of_queries_whatever_it_holds(
        client, dpo, django_assert_max_num_queries):
    person = PersonFactory()
    case = CaseFactory(principal=person)
    client.get(reverse("audit:person", args=[person.pk]))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("audit:person", args=[person.pk]))
    for _ in range(10):
        ApplicationFactory(applicant=person)
        ConsentFactory(person=person)
        read(dpo, "reintegration.case", case.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("audit:person", args=[person.pk]))


def test_an_unknown_person_is_not_found(client, dpo):
    assert client.get(reverse("audit:person", args=[987654])).status_code == 404
