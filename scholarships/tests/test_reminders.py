"""The programme's reminders, on a moved clock: a draft not submitted 7 days
and 1 day before its call closes, a referee's letter still missing 7 days
before; each fires at its moment, not before, once, to the right person in
their language; and the staff page lists them."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from reminders import services
from reminders.models import ReminderLog
from reminders.workflow import State as ReminderState
from scholarships import services as scholarship_services
from scholarships.factories import ApplicationFactory, CallFactory, RefereeFactory
from scholarships.models import Application, Referee
from scholarships.reminders import DraftNotSubmitted, RefereeLetterMissing
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

DRAFT = DraftNotSubmitted.code
REFEREE = RefereeLetterMissing.code
# 12:00 in Brussels (summer time since 28 March 2027).
CLOSES = datetime.datetime(2027, 3, 31, 10, 0, tzinfo=datetime.UTC)
STARTED = CLOSES - datetime.timedelta(days=20)
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def call():
    with time_machine.travel(STARTED - DAY, tick=False):
        return CallFactory(title="Master's scholarships 2027", opens_at=CLOSES - 60 * DAY,
                           closes_at=CLOSES)


def draft(call, *, at=STARTED, **person):
    with time_machine.travel(at, tick=False):
        return ApplicationFactory(call=call, applicant=PersonFactory(**person))


def referee(application, *, invited=STARTED, **fields):
    return RefereeFactory(application=application, invited_at=invited, **fields)


def sweep(kind, moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return services.reminder_sweep(kind=kind)


def mails(kind):
    return [m for m in mail.outbox if m.extra_headers["X-Casework-Reminder"] == kind]


# --- draft not submitted ------------------------------------------------------------------

def test_a_draft_is_reminded_7_days_before_the_close_and_not_the_day_before(
        call, django_capture_on_commit_callbacks):
    application = draft(call, email="fifame.houngbedji@example.org", preferred_language="fr",
                        given_names="Fifamè", family_name="Houngbédji")
    sweep(DRAFT, CLOSES - 8 * DAY, django_capture_on_commit_callbacks)
    sweep(DRAFT, CLOSES - 7 * DAY - MINUTE, django_capture_on_commit_callbacks)
    assert mails(DRAFT) == [] and ReminderLog.objects.count() == 0

    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    [message] = mails(DRAFT)
    assert message.to == ["fifame.houngbedji@example.org"]
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.subject == ("Rappel : votre candidature à « Master's scholarships 2027 » "
                               "n’est pas encore soumise")
    assert message.body.startswith("Bonjour Fifamè Houngbédji,")
    assert "12:00" in message.body  # the close in Brussels time
    link = reverse("scholarships:application_detail", args=[application.pk])
    assert link in message.body

    sweep(DRAFT, CLOSES - 7 * DAY + 3 * 60 * MINUTE, django_capture_on_commit_callbacks)
    assert len(mails(DRAFT)) == 1


def test_a_draft_is_reminded_again_1_day_before_the_close(call,
                                                          django_capture_on_commit_callbacks):
    draft(call, email="moses.okello@example.org", preferred_language="en")
    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    sweep(DRAFT, CLOSES - DAY - MINUTE, django_capture_on_commit_callbacks)
    assert len(mails(DRAFT)) == 1
    sweep(DRAFT, CLOSES - DAY, django_capture_on_commit_callbacks)
    first, second = mails(DRAFT)
    assert second.subject == ("Reminder: your application to “Master's scholarships 2027” "
                              "is not submitted yet")
    assert sorted(ReminderLog.objects.values_list("due_at", flat=True)) == [
        CLOSES - 7 * DAY, CLOSES - DAY]
    sweep(DRAFT, CLOSES - MINUTE, django_capture_on_commit_callbacks)
    sweep(DRAFT, CLOSES, django_capture_on_commit_callbacks)
    assert len(mails(DRAFT)) == 2


def test_the_reminder_is_in_dutch_for_a_dutch_speaking_applicant(
        call, django_capture_on_commit_callbacks):
    draft(call, email="an.peeters@example.org", preferred_language="nl",
          given_names="An", family_name="Peeters")
    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    [message] = mails(DRAFT)
    assert message.subject == ("Herinnering: uw aanvraag voor “Master's scholarships 2027” "
                               "is nog niet ingediend")
    assert "Brusselse tijd" in message.body


def test_the_delays_come_from_the_settings(call, settings, django_capture_on_commit_callbacks):
    settings.REMINDER_DRAFT_DAYS_BEFORE_CLOSE = [3]
    draft(call)
    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    assert mails(DRAFT) == []
    sweep(DRAFT, CLOSES - 3 * DAY, django_capture_on_commit_callbacks)
    assert len(mails(DRAFT)) == 1


def test_a_draft_started_after_the_7_day_moment_gets_only_the_1_day_reminder(
        call, django_capture_on_commit_callbacks):
    draft(call, at=CLOSES - 5 * DAY)
    sweep(DRAFT, CLOSES - 5 * DAY + MINUTE, django_capture_on_commit_callbacks)
    assert mails(DRAFT) == []
    sweep(DRAFT, CLOSES - DAY, django_capture_on_commit_callbacks)
    assert ReminderLog.objects.get().due_at == CLOSES - DAY


def test_submitted_and_withdrawn_applications_get_no_reminder(
        call, django_capture_on_commit_callbacks):
    submitted = draft(call)
    withdrawn = draft(call)
    Application.objects.filter(pk=submitted.pk).update(
        state=State.SUBMITTED, reference="SCH-2027-00001", submitted_at=STARTED)
    Application.objects.filter(pk=withdrawn.pk).update(state=State.WITHDRAWN)
    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    assert mails(DRAFT) == []


def test_a_draft_submitted_after_the_claim_is_not_reminded(call):
    application = draft(call)
    with time_machine.travel(CLOSES - 7 * DAY, tick=False):
        services.reminder_sweep(kind=DRAFT)  # claimed; its send waits in the queue
        Application.objects.filter(pk=application.pk).update(
            state=State.SUBMITTED, reference="SCH-2027-00002", submitted_at=CLOSES - 7 * DAY)
        log = ReminderLog.objects.get()
        assert services.reminder_send(log_id=log.pk) == services.SKIPPED
    assert mails(DRAFT) == []
    assert ReminderLog.objects.get().state == ReminderState.SKIPPED


def test_an_applicant_without_a_personal_address_is_reminded_at_their_login_address(
        call, django_capture_on_commit_callbacks):
    user = UserFactory(email="k.mensah@login.example.org")
    draft(call, email="", user=user)
    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    assert [m.to for m in mails(DRAFT)] == [["k.mensah@login.example.org"]]


# --- referee letter missing ---------------------------------------------------------------

def test_a_referee_is_reminded_7_days_before_with_their_private_link(
        call, client, settings, django_capture_on_commit_callbacks):
    application = draft(call, given_names="Aline", family_name="Uwimana")
    named = referee(application, email="j.devries@ugent.example.org", language="nl",
                    name="Prof. Jan De Vries")
    sweep(REFEREE, CLOSES - 7 * DAY - MINUTE, django_capture_on_commit_callbacks)
    assert mails(REFEREE) == []
    sweep(REFEREE, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    [message] = mails(REFEREE)
    assert message.to == ["j.devries@ugent.example.org"]
    assert message.extra_headers["Content-Language"] == "nl"
    assert message.subject == "Herinnering: referentiebrief voor de beursaanvraag van Aline Uwimana"
    assert "Prof. Jan De Vries" in message.body
    log = ReminderLog.objects.get(kind=REFEREE)
    assert (log.object_id, log.record_id) == (named.pk, application.pk)

    site = settings.SITE_URL.rstrip("/")
    prefix = site + reverse("scholarships:referee_upload", args=["x"])[:-2]
    link = next(line for line in message.body.splitlines() if line.startswith(prefix))
    with time_machine.travel(CLOSES - 7 * DAY, tick=False):
        assert client.get(link[len(site):]).status_code == 200

    sweep(REFEREE, CLOSES - DAY, django_capture_on_commit_callbacks)
    assert len(mails(REFEREE)) == 1  # one reminder only, 7 days before


def test_no_referee_reminder_once_replaced_answered_or_withdrawn(
        call, django_capture_on_commit_callbacks):
    application = draft(call)
    replaced = referee(application, email="old@uni.example.org")
    replaced.replaced_at = STARTED + DAY
    replaced.save()
    answered = referee(application, email="done@uni.example.org")
    scholarship_services.referee_letter_upload(
        referee=answered, upload=SimpleUploadedFile("l.pdf", b"%PDF-1.4\n%%EOF\n"),
        content_type="application/pdf")
    withdrawn = draft(call)
    referee(withdrawn, email="withdrawn@uni.example.org")
    Application.objects.filter(pk=withdrawn.pk).update(state=State.WITHDRAWN)
    referee(draft(call), email="not.invited@uni.example.org", invited=None)
    referee(draft(call), email="late@uni.example.org", invited=CLOSES - 6 * DAY)
    waiting = referee(draft(call), email="waiting@uni.example.org")
    sweep(REFEREE, CLOSES - 7 * DAY + MINUTE, django_capture_on_commit_callbacks)
    assert [m.to for m in mails(REFEREE)] == [[waiting.email]]


def test_a_referee_whose_letter_arrives_after_the_claim_is_not_reminded(call):
    named = referee(draft(call))
    with time_machine.travel(CLOSES - 7 * DAY, tick=False):
        services.reminder_sweep(kind=REFEREE)
        scholarship_services.referee_letter_upload(
            referee=named, upload=SimpleUploadedFile("l.pdf", b"%PDF-1.4\n%%EOF\n"),
            content_type="application/pdf")
        assert services.reminder_send(log_id=ReminderLog.objects.get().pk) == services.SKIPPED
    assert mails(REFEREE) == []


# --- a fixed number of queries --------------------------------------------------------------

def add_drafts_with_referees(call, n):
    for _ in range(n):
        application = draft(call)
        referee(application)
        referee(application)


def statements(queries) -> list[str]:
    """The queries, with the INSERT counted once: SQLite (not PostgreSQL)
    splits a bulk INSERT in batches of 999 parameters."""
    sql = [query["sql"] for query in queries.captured_queries]
    inserts = [q for q in sql if q.startswith("INSERT")]
    if connection.vendor == "postgresql":
        assert len(inserts) <= 1, inserts
    return [q for q in sql if not q.startswith("INSERT")] + inserts[:1]


@pytest.mark.parametrize("kind", [DRAFT, REFEREE])
def test_a_sweep_runs_the_same_number_of_queries_for_3_and_40_applications(call, kind):
    ContentType.objects.get_for_models(Application, Referee)  # cached, as in a worker
    add_drafts_with_referees(call, 3)
    with CaptureQueriesContext(connection) as few:
        result = services.reminder_sweep(kind=kind, now=CLOSES - 7 * DAY)
    assert len(result.new) == (3 if kind == DRAFT else 6)
    add_drafts_with_referees(call, 37)
    with CaptureQueriesContext(connection) as many:
        result = services.reminder_sweep(kind=kind, now=CLOSES - 7 * DAY + MINUTE)
    assert len(result.due) == (40 if kind == DRAFT else 80)
    assert len(result.new) == (37 if kind == DRAFT else 74)
    assert len(statements(many)) == len(statements(few)), "\n".join(statements(many))
    # The pause check, the kind's query, what is claimed, the INSERT, the
    # fan-out's SELECT and UPDATE, and the savepoint around them (2).
    assert len(statements(many)) == 8


# --- the staff page ----------------------------------------------------------------------------

@pytest.fixture
def office(client):
    client.force_login(UserFactory(username="office", roles=[Role.SCHOLARSHIP_ADMIN]))
    return client


def test_the_staff_page_lists_the_reminders_about_the_application(
        call, office, django_capture_on_commit_callbacks):
    application = draft(call, email="awa.ndiaye@example.org")
    referee(application, email="referee.one@uni.example.org")
    other = draft(call, email="someone.else@example.org")
    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    sweep(REFEREE, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    html = office.get(reverse("scholarships:application_view", args=[application.pk])
                      ).content.decode()
    assert "awa.ndiaye@example.org" in html and "referee.one@uni.example.org" in html
    assert "Draft application not submitted before the call closes" in html
    assert "Referee&#x27;s letter still missing before the call closes" in html
    assert "someone.else@example.org" not in html
    other_html = office.get(reverse("scholarships:application_view", args=[other.pk])
                            ).content.decode()
    assert "awa.ndiaye@example.org" not in other_html


def test_the_reminders_table_names_its_columns_in_the_staff_members_language(
        call, office, django_capture_on_commit_callbacks):
    """"To" is the recipient here, not the new state of the history table."""
    application = draft(call)
    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    url = reverse("scholarships:application_view", args=[application.pk])
    html = office.get(url, headers={"accept-language": "fr"}).content.decode()
    table = html[html.index('id="reminders-title"'):]
    table = table[:table.index("</thead>")]
    assert '<th scope="col">Destinataire</th>' in table
    assert "Nouveau statut" not in table


def test_the_staff_page_runs_the_same_number_of_queries_for_1_and_12_reminders(call, office):
    application = draft(call)
    url = reverse("scholarships:application_view", args=[application.pk])
    services.reminder_sweep(kind=DRAFT, now=CLOSES - 7 * DAY)
    office.get(url)
    with CaptureQueriesContext(connection) as few:
        office.get(url)
    for n in range(11):
        referee(application, email=f"referee{n}@uni.example.org")
    services.reminder_sweep(kind=REFEREE, now=CLOSES - 7 * DAY)
    with CaptureQueriesContext(connection) as many:
        response = office.get(url)
    assert len(response.context["reminders"]) == 12
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_someone_who_may_not_see_the_application_sees_none_of_its_reminders(
        call, client, django_capture_on_commit_callbacks):
    application = draft(call, email="hidden.applicant@example.org")
    sweep(DRAFT, CLOSES - 7 * DAY, django_capture_on_commit_callbacks)
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    response = client.get(reverse("scholarships:application_view", args=[application.pk]))
    assert response.status_code == 403
    assert "hidden.applicant@example.org" not in response.content.decode()
