"""The retention schedule: who is due, the dry run, the anonymisation, the
nightly task, the command and the DPO's page."""

import datetime

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry import selectors
from registry.factories import (
    ConsentFactory,
    IdentityDocumentFactory,
    PersonFactory,
    UserFactory,
)
from registry.models import IdentityDocument, Person, RetentionRun
from registry.retention import NO_RECORD, PLACEHOLDER_FAMILY_NAME, retention_run
from registry.tasks import retention_run_task
from reintegration.factories import CaseFactory, CaseNoteFactory
from reintegration.workflow import State as CaseState
from scholarships.factories import CallFactory, CompleteApplicationFactory
from scholarships.models import Application, ApplicationDocument
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

YEAR = datetime.timedelta(days=366)
# Names no factory pool holds, so a search cannot meet a random person.
NAME = {"given_names": "Zqxaminata", "family_name": "Zqxdiallo-Sow"}


def old_applicant(years=6, **person):
    closes = timezone.now() - years * YEAR
    call = CallFactory(opens_at=closes - datetime.timedelta(days=60), closes_at=closes,
                       academic_year=closes.year)
    application = CompleteApplicationFactory(
        call=call, state=State.NOT_SELECTED, submitted_at=closes - datetime.timedelta(days=2),
        reference=f"SCH-OLD-{call.pk}", applicant=PersonFactory(**person))
    return application.applicant


def old_returnee(years=11, **person):
    case = CaseFactory(state=CaseState.CLOSED, state_changed_at=timezone.now() - years * YEAR,
                       principal=PersonFactory(**person))
    return case.principal


def searchable(person) -> dict:
    """Full names and keys as the services derive them."""
    from registry.services import _derive_name_keys

    _derive_name_keys(person)
    Person.objects.filter(pk=person.pk).update(search_key=person.search_key,
                                               name_key=person.name_key)
    return person


@pytest.fixture
def world():
    due_applicant = searchable(old_applicant(**NAME, birth_date=datetime.date(1990, 7, 14),
                                             sex="female", nationalities=["SN"]))
    IdentityDocumentFactory(person=due_applicant, number="ZQ7654321")
    ConsentFactory(person=due_applicant)
    due_returnee = old_returnee()
    CaseNoteFactory(case=due_returnee.return_cases.get(), text="Zqx note")
    # Old closed case, but a live application: kept.
    mixed = old_returnee()
    CompleteApplicationFactory(applicant=mixed)
    recent = old_applicant(years=2)
    # In no programme, in the registry for longer than the longest period.
    forgotten = PersonFactory()
    Person.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - 11 * YEAR)
    newcomer = PersonFactory()
    return {"due": [due_applicant, due_returnee, forgotten],
            "kept": [mixed, recent, newcomer]}


def test_a_dry_run_reports_the_persons_due_and_changes_nothing(world):
    before = list(Person.objects.order_by("pk").values())
    run = retention_run(dry_run=True)
    assert run.dry_run and run.persons == 0 and run.ran_by is None
    assert set(run.report["persons"]) == {p.pk for p in world["due"]}
    assert run.report["due"] == 3
    assert run.report["by_programme"]["scholarship"] == {"not_awarded": 1}
    assert run.report["by_programme"]["reintegration"] == {"closed": 1}
    assert run.report["by_programme"]["registry"] == {NO_RECORD: 1}
    assert list(Person.objects.order_by("pk").values()) == before
    assert IdentityDocument.objects.filter(number="ZQ7654321").exists()


def test_a_person_with_a_live_record_is_not_due(world):
    mixed = world["kept"][0]
    assert mixed.pk not in retention_run(dry_run=True).report["persons"]


def test_an_applied_run_anonymises_only_the_persons_due(
        world, private_storage, django_capture_on_commit_callbacks):
    applicant = world["due"][0]
    application = Application.objects.get(applicant=applicant)
    files = [private_storage / d.file.name for d in application.documents.all()]
    document = IdentityDocument.objects.get(number="ZQ7654321")
    assert Person.history.filter(id=applicant.pk, family_name=NAME["family_name"]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        run = retention_run(actor=None, dry_run=False)
    assert run.persons == 3 and sorted(run.report["anonymised"]) == sorted(
        p.pk for p in world["due"])

    applicant.refresh_from_db()
    assert applicant.anonymised_at is not None
    assert (applicant.given_names, applicant.family_name) == ("", PLACEHOLDER_FAMILY_NAME)
    assert applicant.email == "" and applicant.phone == "" and applicant.user_id is None
    # What the statistics need is still there.
    assert applicant.birth_date == datetime.date(1990, 1, 1)
    assert applicant.birth_date_precision == Person.BirthDatePrecision.YEAR
    assert applicant.sex == "female" and [c.code for c in applicant.nationalities] == ["SN"]
    application.refresh_from_db()
    assert application.call.academic_year and application.state == State.NOT_SELECTED
    assert application.motivation == ""
    # Not found by name, in the registry's search or the admin's.
    persons = Person.objects.all()
    for term in ("Zqxaminata", "zqxdiallo", "Zqxaminata Zqxdiallo-Sow"):
        assert not selectors.person_search(persons, term).filter(pk=applicant.pk).exists()
        request = RequestFactory().get("/")
        found, _dup = site._registry[Person].get_search_results(request, persons, term)
        assert not found.filter(pk=applicant.pk).exists()
    # Documents and their files are gone, in the history too.
    assert not IdentityDocument.objects.filter(person=applicant).exists()
    assert not IdentityDocument.history.filter(id=document.pk).exists()
    assert not ApplicationDocument.objects.filter(application=application).exists()
    assert files and not any(f.exists() for f in files)
    # No old version holds the name.
    history = Person.history.filter(id=applicant.pk)
    assert history.exists()
    assert not history.exclude(given_names="", family_name=PLACEHOLDER_FAMILY_NAME).exists()
    assert not history.exclude(email="").exists()

    for kept in world["kept"]:
        fresh = Person.objects.get(pk=kept.pk)
        assert fresh.anonymised_at is None and fresh.family_name == kept.family_name
    # Done once: the next run finds nobody due.
    assert retention_run(dry_run=True).report["due"] == 0


def test_the_login_of_an_anonymised_applicant_is_closed_and_forgets_who_it_was():
    from django.contrib.auth import get_user_model

    login = UserFactory(username="zqx.applicant@example.org", email="zqx.applicant@example.org",
                        first_name=NAME["given_names"], last_name=NAME["family_name"])
    applicant = old_applicant(**NAME, user=login)
    assert retention_run(dry_run=False).persons == 1
    login.refresh_from_db()
    assert not login.is_active and not login.has_usable_password()
    assert "zqx" not in (login.username + login.email + login.first_name).lower()
    assert not login.groups.exists()
    history = get_user_model().history.filter(id=login.pk)
    assert history.exists()
    assert not history.filter(username__icontains="zqx").exists()
    assert not history.filter(email__icontains="zqx").exists()
    applicant.refresh_from_db()
    assert applicant.user_id is None


def test_anonymised_persons_are_not_flagged_as_duplicates_of_each_other():
    from registry.models import DuplicateCandidate
    from registry.services import duplicates_flag

    twins = [PersonFactory(birth_date=datetime.date(1980, 5, 5)) for _ in range(2)]
    Person.objects.filter(pk__in=[p.pk for p in twins]).update(
        created_at=timezone.now() - 11 * YEAR)
    assert retention_run(dry_run=False).persons == 2
    duplicates_flag()
    assert not DuplicateCandidate.objects.exists()


def test_the_nightly_task_only_reports_unless_the_settings_apply(world, settings):
    settings.RETENTION = {**settings.RETENTION, "apply": False}
    run = RetentionRun.objects.get(pk=retention_run_task())
    assert run.dry_run and run.report["due"] == 3
    assert not Person.objects.filter(anonymised_at__isnull=False).exists()
    settings.RETENTION = {**settings.RETENTION, "apply": True}
    run = RetentionRun.objects.get(pk=retention_run_task())
    assert not run.dry_run and run.persons == 3


def test_the_command_reports_and_applies_with_apply(world, capsys):
    call_command("retention_run")
    assert "3 person(s) due" in capsys.readouterr().out
    assert RetentionRun.objects.get().dry_run
    call_command("retention_run", "--apply")
    assert "3 anonymised" in capsys.readouterr().out
    assert Person.objects.filter(anonymised_at__isnull=False).count() == 3


# --- the DPO's page ----------------------------------------------------------------------

PAGE = reverse("registry:retention")


@pytest.mark.parametrize("role", [None, Role.APPLICANT, Role.REVIEWER, Role.SCHOLARSHIP_ADMIN,
                                  Role.CASEWORKER, Role.SUPERVISOR, Role.PARTNER])
def test_the_page_is_refused_to_every_other_role(client, role, world):
    client.force_login(UserFactory(roles=[role] if role else []))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"apply": "1", "confirm": "yes"}).status_code == 403
    assert not RetentionRun.objects.exists()


def test_the_page_is_refused_to_a_superuser_without_the_role(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(PAGE).status_code == 403


def test_the_dpo_runs_a_dry_run_then_applies_it_after_confirming(client, world):
    dpo = UserFactory(roles=[Role.DPO])
    client.force_login(dpo)
    response = client.post(PAGE, {"dry_run": "1"}, follow=True)
    assert "3 person(s) due" in response.content.decode()
    dry = RetentionRun.objects.get()
    assert dry.ran_by == dpo and dry.dry_run
    assert "Anonymise the 3 persons due" in response.content.decode()
    assert "applications that led to no scholarship: 1" in response.content.decode()

    # Without the confirmation nothing happens.
    response = client.post(PAGE, {"apply": "1", "run": dry.pk}, follow=True)
    assert "Tick the confirmation" in response.content.decode()
    assert RetentionRun.objects.count() == 1
    # A person due since the dry run is not part of what the DPO confirmed.
    late = old_applicant(years=8)
    client.post(PAGE, {"apply": "1", "run": dry.pk, "confirm": "yes"})
    applied = RetentionRun.objects.filter(dry_run=False).get()
    assert applied.persons == 3 and applied.ran_by == dpo
    assert Person.objects.get(pk=late.pk).anonymised_at is None


def test_the_runs_list_costs_the_same_whatever_the_number_of_runs(
        client, django_assert_max_num_queries):
    client.force_login(UserFactory(roles=[Role.DPO]))
    for _ in range(3):
        retention_run(dry_run=True)
    with django_assert_max_num_queries(8):
        response = client.get(PAGE)
    assert response.status_code == 200
    for _ in range(10):
        retention_run(dry_run=True, actor=UserFactory())
    with django_assert_max_num_queries(8):
        assert client.get(PAGE).status_code == 200
