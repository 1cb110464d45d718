"""The reintegration reminders, on a moved clock: a monitoring visit due in 7
days and overdue the day after its date; a planned departure that someone
travelling holds no valid travel document for, 30 and 7 days before; a case
without activity for 30 days (its caseworker) and 45 days (the supervisors).
Each fires at its moment and not before, to the right person in their
language, not once it is no longer due, in a fixed number of queries; the
e-mails carry no special category data; the case page lists the reminders
about the case, to who may see the case (the admin's log:
reminders/tests/test_admin.py)."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from registry.factories import IdentityDocumentFactory, PersonFactory
from registry.models import IdentityDocument
from reintegration.factories import (
    CaseFactory,
    MonitoringVisitFactory,
    ReturneeFactory,
    case_through,
    caseworker,
    supervisor_of,
)
from reintegration.models import Case, MonitoringVisit, Vulnerability
from reintegration.reminders import CaseInactive, TravelDocumentExpires, VisitDue
from reintegration.services import cases as case_services
from reintegration.services import monitoring, records
from reintegration.workflow import State
from reminders import services
from reminders.models import ReminderLog
from reminders.schedule import day_start
from reminders.workflow import State as ReminderState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

VISIT = VisitDue.code
DOCUMENT = TravelDocumentExpires.code
INACTIVE = CaseInactive.code
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
# 10:00 in Brussels (winter time), a Monday.
T0 = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
DUE = datetime.date(2027, 4, 12)  # a visit's due date (summer time by then)
SOON = day_start(DUE - 7 * DAY)
OVERDUE = day_start(DUE + DAY)

WORKER_ADDRESS = "sophie.lambert@casework.example.org"
BOSS_ADDRESS = "pieter.janssens@casework.example.org"


@pytest.fixture
def worker(worker):
    """Sophie Lambert, caseworker, French-speaking (her registry record says so)."""
    worker.email = WORKER_ADDRESS
    worker.save(update_fields=["email"])
    PersonFactory(user=worker, preferred_language="fr", email="")
    return worker


@pytest.fixture
def boss(boss):
    """Pieter Janssens, the supervisor of Sophie's team, Dutch-speaking."""
    boss.email = BOSS_ADDRESS
    boss.save(update_fields=["email"])
    PersonFactory(user=boss, preferred_language="nl", email="")
    return boss


def sweep(kind, moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return services.reminder_sweep(kind=kind)


def mails(kind=None):
    return [m for m in mail.outbox
            if kind is None or m.extra_headers["X-Casework-Reminder"] == kind]


def recipients(kind):
    return sorted(address for m in mails(kind) for address in m.to)


def monitored(worker, **fields):
    with time_machine.travel(T0, tick=False):
        return CaseFactory(state=State.MONITORING, caseworker=worker,
                           arrived_on=DUE - 90 * DAY, **fields)


def planned_visit(case, due_on=DUE):
    return MonitoringVisitFactory(case=case, due_on=due_on, months_after_arrival=3)


def answers():
    version = monitoring.current_survey_version()
    return {question.pk: question.options.first().pk for question in version.questions.all()}


# --- monitoring visits ---------------------------------------------------------------------

def test_a_visit_is_reminded_7_days_before_its_date_and_not_before(
        worker, team, django_capture_on_commit_callbacks):
    case = monitored(worker)
    visit = planned_visit(case)
    sweep(VISIT, SOON - DAY, django_capture_on_commit_callbacks)
    sweep(VISIT, SOON - MINUTE, django_capture_on_commit_callbacks)
    assert mails(VISIT) == [] and ReminderLog.objects.count() == 0

    sweep(VISIT, SOON, django_capture_on_commit_callbacks)
    [message] = mails(VISIT)
    assert message.to == [WORKER_ADDRESS]
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.subject == (f"Rappel : une visite de suivi du dossier {case.reference} est "
                               "prévue le 12 avril 2027")
    assert message.body.startswith("Bonjour Sophie Lambert,")
    assert "Le dossier est « Suivi »." in message.body
    assert reverse("reintegration:case_detail", args=[case.pk]) in message.body
    log = ReminderLog.objects.get()
    assert (log.object_id, log.record_id, log.due_at) == (visit.pk, case.pk, SOON)
    # The start of the day in Brussels (summer time): 22:00 UTC the day before.
    assert log.due_at == datetime.datetime(2027, 4, 4, 22, 0, tzinfo=datetime.UTC)

    sweep(VISIT, SOON + 3 * DAY, django_capture_on_commit_callbacks)
    sweep(VISIT, OVERDUE - MINUTE, django_capture_on_commit_callbacks)
    assert len(mails(VISIT)) == 1


def test_an_overdue_visit_is_reminded_the_day_after_its_date(
        worker, team, django_capture_on_commit_callbacks):
    case = monitored(worker)
    planned_visit(case)
    sweep(VISIT, SOON, django_capture_on_commit_callbacks)
    sweep(VISIT, day_start(DUE), django_capture_on_commit_callbacks)  # due today: not overdue
    assert len(mails(VISIT)) == 1
    sweep(VISIT, OVERDUE, django_capture_on_commit_callbacks)
    first, overdue = mails(VISIT)
    assert overdue.subject == (f"Rappel : une visite de suivi du dossier {case.reference} est "
                               "en retard")
    assert "prévue le 12 avril 2027 n’est pas encore enregistrée" in overdue.body
    sweep(VISIT, OVERDUE + 10 * DAY, django_capture_on_commit_callbacks)
    assert len(mails(VISIT)) == 2
    assert sorted(ReminderLog.objects.values_list("due_at", flat=True)) == [SOON, OVERDUE]


def test_a_visit_planned_late_gets_only_the_overdue_reminder(
        worker, team, django_capture_on_commit_callbacks):
    planned_visit(monitored(worker))
    sweep(VISIT, OVERDUE + 2 * DAY, django_capture_on_commit_callbacks)
    assert ReminderLog.objects.get().due_at == OVERDUE


def test_a_caseworker_without_a_registry_record_is_reminded_in_english(
        team, django_capture_on_commit_callbacks):
    colleague = caseworker("youssef", first_name="Youssef", last_name="Benali",
                           email="y.benali@casework.example.org")
    team.caseworkers.add(colleague)
    case = monitored(colleague)
    planned_visit(case)
    sweep(VISIT, SOON, django_capture_on_commit_callbacks)
    [message] = mails(VISIT)
    assert message.extra_headers["Content-Language"] == "en"
    assert message.subject == (f"Reminder: a monitoring visit of case {case.reference} is due "
                               "on 12 April 2027")  # the English date format (common/formats/en)
    assert message.body.startswith("Dear Youssef Benali,")


def test_only_planned_visits_of_open_cases_are_reminded(
        worker, team, django_capture_on_commit_callbacks):
    done, waived, waiting = (planned_visit(monitored(worker)) for _ in range(3))
    with time_machine.travel(DUE - 10 * DAY, tick=False):
        monitoring.visit_record(actor=worker, visit=done, done_on=DUE - 10 * DAY,
                                mode=MonitoringVisit.Mode.PHONE, answers=answers())
        monitoring.visit_waive(actor=worker, visit=waived, reason="Moved abroad again.")
    closed = monitored(worker)
    Case.objects.filter(pk=closed.pk).update(state=State.CLOSED)
    planned_visit(closed)
    sweep(VISIT, OVERDUE, django_capture_on_commit_callbacks)
    assert [log.object_id for log in ReminderLog.objects.all()] == [waiting.pk]


def test_a_visit_done_after_the_claim_is_not_reminded(worker, team):
    visit = planned_visit(monitored(worker))
    with time_machine.travel(SOON, tick=False):
        services.reminder_sweep(kind=VISIT)  # claimed; its send waits in the queue
        monitoring.visit_record(actor=worker, visit=visit, done_on=DUE - 7 * DAY,
                                mode=MonitoringVisit.Mode.IN_PERSON, answers=answers())
        assert services.reminder_send(log_id=ReminderLog.objects.get().pk) == services.SKIPPED
    assert mails(VISIT) == []
    assert ReminderLog.objects.get().state == ReminderState.SKIPPED


def test_a_visit_moved_to_another_day_is_reminded_for_its_new_date(
        worker, team, django_capture_on_commit_callbacks):
    visit = planned_visit(monitored(worker))
    with time_machine.travel(SOON, tick=False):
        services.reminder_sweep(kind=VISIT)
        monitoring.visit_reschedule(actor=worker, visit=visit, due_on=DUE + 14 * DAY)
        assert services.reminder_send(log_id=ReminderLog.objects.get().pk) == services.SKIPPED
    sweep(VISIT, day_start(DUE + 7 * DAY) - MINUTE, django_capture_on_commit_callbacks)
    assert mails(VISIT) == []
    sweep(VISIT, day_start(DUE + 7 * DAY), django_capture_on_commit_callbacks)
    [message] = mails(VISIT)
    assert "26 avril 2027" in message.subject


def test_a_reassigned_case_s_reminder_goes_to_the_new_caseworker_only(
        worker, team, boss, django_capture_on_commit_callbacks):
    colleague = caseworker("youssef", email="y.benali@casework.example.org")
    team.caseworkers.add(colleague)
    case = monitored(worker)
    planned_visit(case)
    with time_machine.travel(SOON, tick=False):
        services.reminder_sweep(kind=VISIT)  # for Sophie, still waiting to be sent
        case_services.case_reassign(actor=boss, case=case, to=colleague, reason="Leave")
        assert services.reminder_send(log_id=ReminderLog.objects.get().pk) == services.SKIPPED
    sweep(VISIT, SOON + MINUTE, django_capture_on_commit_callbacks)
    assert recipients(VISIT) == ["y.benali@casework.example.org"]


# --- travel documents before a planned departure ---------------------------------------------

DEPARTURE = T0.date() + 40 * DAY


def departing(worker, boss, *, days=40, **open_kwargs):
    """A case whose departure was planned at T0 for `days` later (DEPARTURE by
    default); the documents were valid then: the service checks."""
    with time_machine.travel(T0, tick=False):
        return case_through(State.DEPARTURE_PLANNED, worker=worker, approver=boss,
                            departure_in_days=days, **open_kwargs)


def expires(person, day):
    """The registry corrects the expiry date of the person's passport."""
    IdentityDocument.objects.filter(person=person).update(expires_on=day)


def test_a_passport_expiring_before_the_departure_is_reminded_30_and_7_days_before(
        worker, boss, django_capture_on_commit_callbacks):
    case = departing(worker, boss)
    expires(case.principal, DEPARTURE - 10 * DAY)
    first, second = day_start(DEPARTURE - 30 * DAY), day_start(DEPARTURE - 7 * DAY)
    sweep(DOCUMENT, first - MINUTE, django_capture_on_commit_callbacks)
    assert mails(DOCUMENT) == []

    sweep(DOCUMENT, first, django_capture_on_commit_callbacks)
    [message] = mails(DOCUMENT)
    assert message.to == [WORKER_ADDRESS]
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.subject == (f"Rappel : un document de voyage du dossier {case.reference} "
                               "n’est pas valable au départ")
    assert "est prévu le 10 avril 2027" in message.body
    assert "- La personne principale qui rentre : Passeport, expire le 31 mars 2027" in (
        message.body)
    assert reverse("reintegration:case_detail", args=[case.pk]) in message.body

    sweep(DOCUMENT, second - MINUTE, django_capture_on_commit_callbacks)
    assert len(mails(DOCUMENT)) == 1
    sweep(DOCUMENT, second, django_capture_on_commit_callbacks)
    sweep(DOCUMENT, day_start(DEPARTURE), django_capture_on_commit_callbacks)
    assert len(mails(DOCUMENT)) == 2
    assert sorted(ReminderLog.objects.values_list("due_at", flat=True)) == [first, second]


def test_a_returning_member_without_a_valid_document_counts_too(
        worker, boss, django_capture_on_commit_callbacks):
    child = ReturneeFactory(given_names="Awa")
    case = departing(worker, boss, members=[(child, "child")])
    IdentityDocument.objects.filter(person=child).delete()
    sweep(DOCUMENT, day_start(DEPARTURE - 30 * DAY), django_capture_on_commit_callbacks)
    [message] = mails(DOCUMENT)
    assert "- Enfant : aucun document de voyage enregistré" in message.body
    assert "La personne principale" not in message.body  # the principal's passport is fine
    assert ReminderLog.objects.get().object_id == case.pk


def test_valid_documents_and_cases_not_departing_get_no_document_reminder(
        worker, boss, django_capture_on_commit_callbacks):
    fine = departing(worker, boss)
    withdrawn = departing(worker, boss)
    expires(withdrawn.principal, DEPARTURE - 10 * DAY)
    Case.objects.filter(pk=withdrawn.pk).update(state=State.WITHDRAWN)
    far = departing(worker, boss)
    Case.objects.filter(pk=far.pk).update(planned_departure_on=DEPARTURE + 60 * DAY)
    expires(far.principal, DEPARTURE)
    sweep(DOCUMENT, day_start(DEPARTURE - 30 * DAY), django_capture_on_commit_callbacks)
    assert mails(DOCUMENT) == [] and fine.state == State.DEPARTURE_PLANNED


def test_a_document_renewed_after_the_claim_is_not_reminded(worker, boss):
    case = departing(worker, boss)
    expires(case.principal, DEPARTURE - 10 * DAY)
    with time_machine.travel(day_start(DEPARTURE - 30 * DAY), tick=False):
        services.reminder_sweep(kind=DOCUMENT)
        IdentityDocumentFactory(person=case.principal, kind=IdentityDocument.Kind.TRAVEL_DOCUMENT,
                                expires_on=DEPARTURE + 30 * DAY)
        assert services.reminder_send(log_id=ReminderLog.objects.get().pk) == services.SKIPPED
        assert services.reminder_sweep(kind=DOCUMENT).due == []
    assert mails(DOCUMENT) == []


# --- a case without activity ----------------------------------------------------------------

def idle(worker, **fields):
    fields.setdefault("state", State.COUNSELLING)
    with time_machine.travel(T0, tick=False):
        return CaseFactory(caseworker=worker, **fields)


def test_an_idle_case_is_reminded_to_its_caseworker_after_30_days_and_not_before(
        worker, boss, django_capture_on_commit_callbacks):
    case = idle(worker)
    sweep(INACTIVE, T0 + 30 * DAY - MINUTE, django_capture_on_commit_callbacks)
    assert mails(INACTIVE) == []
    sweep(INACTIVE, T0 + 30 * DAY, django_capture_on_commit_callbacks)
    [message] = mails(INACTIVE)
    assert message.to == [WORKER_ADDRESS]
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.subject == (f"Rappel : aucune activité dans le dossier {case.reference} "
                               "depuis 30 jours")
    assert "depuis le 1 mars 2027 (30 jours)" in message.body
    assert "État : Accompagnement" in message.body  # counselling
    assert reverse("reintegration:case_detail", args=[case.pk]) in message.body
    sweep(INACTIVE, T0 + 45 * DAY - MINUTE, django_capture_on_commit_callbacks)
    assert len(mails(INACTIVE)) == 1


def test_after_45_days_the_supervisors_of_the_caseworker_s_teams_are_told(
        worker, team, boss, django_capture_on_commit_callbacks):
    other_team = supervisor_of(worker, username="an", email="an.claes@casework.example.org")
    supervisor_of(caseworker(), username="not.hers", email="not.hers@casework.example.org")
    case = idle(worker)
    sweep(INACTIVE, T0 + 30 * DAY, django_capture_on_commit_callbacks)
    sweep(INACTIVE, T0 + 45 * DAY, django_capture_on_commit_callbacks)
    assert recipients(INACTIVE) == ["an.claes@casework.example.org", BOSS_ADDRESS,
                                    WORKER_ADDRESS]
    dutch = next(m for m in mails(INACTIVE) if m.to == [BOSS_ADDRESS])
    assert dutch.extra_headers["Content-Language"] == "nl"
    assert dutch.subject == (f"Herinnering: geen activiteit in dossier {case.reference} sinds "
                             "45 dagen")
    assert "gevolgd door Sophie Lambert" in dutch.body
    assert "kreeg na 30 dagen een herinnering" in dutch.body
    assert other_team.supervisor.email == "an.claes@casework.example.org"
    sweep(INACTIVE, T0 + 90 * DAY, django_capture_on_commit_callbacks)
    assert len(mails(INACTIVE)) == 3


def test_recorded_activity_moves_the_reminders_on(worker, team,
                                                  django_capture_on_commit_callbacks):
    case = idle(worker)
    with time_machine.travel(T0 + 20 * DAY, tick=False):
        records.note_add(actor=worker, case=case, text="Phoned: still deciding.")
    sweep(INACTIVE, T0 + 30 * DAY, django_capture_on_commit_callbacks)
    assert mails(INACTIVE) == []
    sweep(INACTIVE, T0 + 50 * DAY, django_capture_on_commit_callbacks)
    assert recipients(INACTIVE) == [WORKER_ADDRESS]
    assert ReminderLog.objects.get().due_at == T0 + 50 * DAY


def test_activity_after_the_claim_makes_the_reminder_no_longer_due(worker, team):
    case = idle(worker)
    with time_machine.travel(T0 + 30 * DAY, tick=False):
        services.reminder_sweep(kind=INACTIVE)
        case_services.case_move(actor=worker, case=case, to=State.RETURN_APPROVED)
        assert services.reminder_send(log_id=ReminderLog.objects.get().pk) == services.SKIPPED
    assert mails(INACTIVE) == []


def test_closed_cases_are_not_reminded(worker, team, django_capture_on_commit_callbacks):
    idle(worker, state=State.CLOSED, arrived_on=T0.date() - 90 * DAY)
    idle(worker, state=State.WITHDRAWN)
    sweep(INACTIVE, T0 + 60 * DAY, django_capture_on_commit_callbacks)
    assert mails(INACTIVE) == []


def test_the_inactivity_delays_come_from_the_settings(worker, boss, settings,
                                                      django_capture_on_commit_callbacks):
    settings.REMINDER_CASE_INACTIVE_DAYS = [14, 21]
    idle(worker)
    sweep(INACTIVE, T0 + 14 * DAY, django_capture_on_commit_callbacks)
    assert recipients(INACTIVE) == [WORKER_ADDRESS]
    sweep(INACTIVE, T0 + 21 * DAY, django_capture_on_commit_callbacks)
    assert recipients(INACTIVE) == [BOSS_ADDRESS, WORKER_ADDRESS]


# --- no special category data in an e-mail ------------------------------------------------------

VULNERABILITY_NOTE = "Trafficked through Agadez; owes the network 3,000 euros"
CONFIDENTIAL_NOTE = "Fears reprisals from the smugglers in Benin City"


def test_no_reintegration_reminder_carries_vulnerabilities_or_confidential_notes(
        worker, boss, django_capture_on_commit_callbacks):
    principal = ReturneeFactory(given_names="Blessing", family_name="Okonkwo", country="NG")
    traveller = ReturneeFactory(given_names="Chinedu", family_name="Nwosu", country="NG")
    with time_machine.travel(T0, tick=False):
        returned = case_through(State.RETURNED, worker=worker, approver=boss,
                                principal=principal, arrived_days_ago=100)
    leaving = departing(worker, boss, days=50, principal=traveller)
    with time_machine.travel(T0, tick=False):
        for case in (returned, leaving):
            records.vulnerability_save(actor=worker, case=case,
                                       kind=Vulnerability.Kind.TRAFFICKING,
                                       notes=VULNERABILITY_NOTE)
            records.note_add(actor=worker, case=case, text=CONFIDENTIAL_NOTE,
                             is_confidential=True)
    expires(traveller, T0.date() + 49 * DAY)
    moment = T0 + 45 * DAY  # a visit overdue, the departure in 5 days, 45 days idle
    for kind in (VISIT, DOCUMENT, INACTIVE):
        sweep(kind, moment, django_capture_on_commit_callbacks)
    sent = mails()
    assert {m.extra_headers["X-Casework-Reminder"] for m in sent} == {VISIT, DOCUMENT, INACTIVE}
    assert len(mails(INACTIVE)) == 4  # two cases, to the caseworker and the supervisor
    secrets = [VULNERABILITY_NOTE, CONFIDENTIAL_NOTE, "Blessing", "Okonkwo", "Chinedu", "Nwosu",
               *IdentityDocument.objects.filter(person__in=[principal, traveller])
               .values_list("number", flat=True)]
    for language in ("en", "fr", "nl"):
        with translation.override(language):
            secrets += [str(kind.label) for kind in Vulnerability.Kind]
    for message in sent:
        text = message.subject + "\n" + message.body
        leaked = [secret for secret in secrets if secret in text]
        assert leaked == [], (message.subject, leaked)


# --- a fixed number of queries ----------------------------------------------------------------

def add_due_visits(worker, n):
    for _ in range(n):
        planned_visit(monitored(worker))


def add_departures_without_documents(worker, n):
    with time_machine.travel(T0, tick=False):
        for _ in range(n):
            case = CaseFactory(state=State.DEPARTURE_PLANNED, caseworker=worker,
                               planned_departure_on=DEPARTURE,
                               principal=ReturneeFactory(passport=False))
            IdentityDocumentFactory(person=case.principal, expires_on=DEPARTURE - DAY)


def add_idle_cases(worker, n):
    for _ in range(n):
        idle(worker)


def statements(queries) -> list[str]:
    """The queries, with the INSERT counted once: SQLite (not PostgreSQL)
    splits a bulk INSERT in batches of 999 parameters."""
    sql = [query["sql"] for query in queries.captured_queries]
    inserts = [q for q in sql if q.startswith("INSERT")]
    if connection.vendor == "postgresql":
        assert len(inserts) <= 1, inserts
    return [q for q in sql if not q.startswith("INSERT")] + inserts[:1]


@pytest.mark.parametrize("kind, add, moment, per_object, expected", [
    (VISIT, add_due_visits, SOON, 1, 8),
    (DOCUMENT, add_departures_without_documents, day_start(DEPARTURE - 30 * DAY), 1, 8),
    # The supervisors are the inactive kind's second query.
    (INACTIVE, add_idle_cases, T0 + 45 * DAY, 2, 9),
])
def test_a_sweep_runs_the_same_number_of_queries_for_3_and_40_objects(
        worker, team, kind, add, moment, per_object, expected):
    ContentType.objects.get_for_models(Case, MonitoringVisit)
    add(worker, 3)
    with CaptureQueriesContext(connection) as few:
        result = services.reminder_sweep(kind=kind, now=moment)
    assert len(result.new) == 3 * per_object
    add(worker, 37)
    with CaptureQueriesContext(connection) as many:
        result = services.reminder_sweep(kind=kind, now=moment + MINUTE)
    assert len(result.due) == 40 * per_object
    assert len(result.new) == 37 * per_object
    assert len(statements(many)) == len(statements(few)), "\n".join(statements(many))
    # The pause check, the kind's queries, what is claimed, the INSERT, the
    # fan-out's SELECT and UPDATE, and the savepoint around them (2).
    assert len(statements(many)) == expected


# --- the case page ---------------------------------------------------------------------------

def test_the_case_page_lists_the_reminders_about_the_case(
        client, worker, boss, django_capture_on_commit_callbacks):
    case = monitored(worker)
    planned_visit(case)
    other = monitored(worker)
    with time_machine.travel(T0, tick=False):
        planned_visit(other, due_on=DUE + 60 * DAY)
    sweep(VISIT, SOON, django_capture_on_commit_callbacks)
    sweep(INACTIVE, T0 + 45 * DAY, django_capture_on_commit_callbacks)
    for user in (worker, boss):
        # Logged in on the moved clock: a session made before it would have expired.
        with time_machine.travel(T0 + 45 * DAY, tick=False):
            client.force_login(user)
            response = client.get(case.get_absolute_url())
        html = response.content.decode()
        assert "Monitoring visit due soon or overdue" in html
        assert "Case without activity" in html
        assert WORKER_ADDRESS in html and BOSS_ADDRESS in html
        assert {reminder.record_id for reminder in response.context["reminders"]} == {case.pk}
        kinds = sorted(reminder.kind for reminder in response.context["reminders"])
        assert kinds == [INACTIVE, INACTIVE, VISIT]


def test_the_case_page_runs_the_same_number_of_queries_for_1_and_12_reminders(
        client, worker, team):
    case = monitored(worker)
    planned_visit(case)
    services.reminder_sweep(kind=VISIT, now=SOON)
    client.force_login(worker)
    client.get(case.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(case.get_absolute_url())
    for n in range(11):
        planned_visit(case, due_on=DUE + n * DAY)
    services.reminder_sweep(kind=VISIT, now=OVERDUE + 20 * DAY)
    with CaptureQueriesContext(connection) as many:
        response = client.get(case.get_absolute_url())
    assert len(response.context["reminders"]) == 13
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_a_caseworker_sees_no_reminder_of_another_caseworker_s_case(
        client, worker, team, django_capture_on_commit_callbacks):
    case = monitored(worker)
    planned_visit(case)
    sweep(VISIT, SOON, django_capture_on_commit_callbacks)
    stranger = caseworker("youssef", is_staff=True)
    client.force_login(stranger)
    response = client.get(case.get_absolute_url())
    assert response.status_code == 404
    assert WORKER_ADDRESS not in response.content.decode()
