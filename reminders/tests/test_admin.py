"""The reminders in the admin: the log with its filters and failed sends, the
"retry" action, who sees which kinds, and the pause."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from reintegration.factories import CaseFactory, caseworker, supervisor_of
from reintegration.reminders import CaseInactive, VisitDue
from reminders import services
from reminders.admin import MSG_PAUSE_NEEDS_REASON
from reminders.models import ReminderEvent, ReminderKind, ReminderLog
from reminders.workflow import State
from scholarships.factories import ApplicationFactory
from scholarships.reminders import DraftNotSubmitted

from .kinds import FollowUp

pytestmark = pytest.mark.django_db

LOG = "admin:reminders_reminderlog_changelist"
DUE = datetime.datetime(2027, 3, 24, 10, 0, tzinfo=datetime.UTC)


def log_row(kind, obj, *, recipient, state=State.PENDING, error="", created=None):
    """A row of the log as the services leave it (the admin only reads them)."""
    content_type = ContentType.objects.get_for_model(obj)
    return ReminderLog.objects.create(
        kind=kind, content_type=content_type, object_id=obj.pk, record_type=content_type,
        record_id=obj.pk, recipient=recipient, language="fr", due_at=DUE, state=state,
        last_error=error, attempts=1 if error or state == State.SENT else 0,
        sent_at=timezone.now() if state == State.SENT else None,
        created_at=created or timezone.now())


def staff(role):
    return UserFactory(username=role, is_staff=True, roles=[role])


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def failed_draft_reminder(settings, render_fails):
    """A draft reminder whose e-mail did not render (a mail server that refuses
    is the outbox's business: the reminder is sent when its e-mail is queued)."""
    application = ApplicationFactory(applicant__email="mariama.bah@example.org")
    failed = log_row(DraftNotSubmitted.code, application, recipient="mariama.bah@example.org")
    render_fails.failures = 1
    assert services.reminder_send(log_id=failed.pk) == services.FAILED_TO_RENDER
    failed.refresh_from_db()
    assert failed.state == State.FAILED
    return failed


def listed(client, **params):
    response = client.get(reverse(LOG), params)
    assert response.status_code == 200
    return {row.recipient for row in response.context["cl"].result_list}


# --- the log ---------------------------------------------------------------------------

def test_failed_sends_are_listed_with_their_error(root, test_kinds):
    person = PersonFactory()
    log_row(FollowUp.code, person, recipient="sent@example.org", state=State.SENT)
    log_row(FollowUp.code, person, recipient="failed@example.org", state=State.FAILED,
            error="SMTPServerDisconnected: Connection unexpectedly closed")
    assert listed(root, state__exact="failed") == {"failed@example.org"}
    html = root.get(reverse(LOG), {"state__exact": "failed"}).content.decode()
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in html


def test_the_log_filters_by_kind_and_date(root, test_kinds):
    person = PersonFactory()
    application = ApplicationFactory()
    log_row(FollowUp.code, person, recipient="old@example.org",
            created=timezone.now() - datetime.timedelta(days=40))
    log_row(FollowUp.code, person, recipient="new@example.org")
    log_row(DraftNotSubmitted.code, application, recipient="draft@example.org")
    assert listed(root, kind=DraftNotSubmitted.code) == {"draft@example.org"}
    assert listed(root, kind=FollowUp.code) == {"old@example.org", "new@example.org"}
    since = (timezone.now() - datetime.timedelta(days=7)).isoformat()
    assert "old@example.org" not in listed(root, created_at__gte=since)
    assert listed(root, q="draft@") == {"draft@example.org"}


def test_the_log_runs_the_same_number_of_queries_for_3_and_30_rows(root, test_kinds):
    def add(n, start):
        for i in range(start, start + n):
            log_row(FollowUp.code, PersonFactory(), recipient=f"p{i}@example.org",
                    state=State.FAILED, error="SMTPDataError: 451")
    add(3, 0)
    root.get(reverse(LOG))
    with CaptureQueriesContext(connection) as few:
        root.get(reverse(LOG))
    add(27, 3)
    with CaptureQueriesContext(connection) as many:
        response = root.get(reverse(LOG))
    assert len(response.context["cl"].result_list) == 30
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_state_changes_list_runs_the_same_number_of_queries_for_3_and_30_rows(
        root, test_kinds, render_fails):
    def add(n, start):
        for i in range(start, start + n):
            row = log_row(FollowUp.code, PersonFactory(), recipient=f"p{i}@example.org")
            render_fails.failures = 1
            assert services.reminder_send(log_id=row.pk) == services.FAILED_TO_RENDER
    url = reverse("admin:reminders_reminderevent_changelist")
    add(3, 0)
    root.get(url)
    with CaptureQueriesContext(connection) as few:
        root.get(url, {"to_state__exact": "failed"})
    add(27, 3)
    with CaptureQueriesContext(connection) as many:
        response = root.get(url, {"to_state__exact": "failed"})
    assert len(response.context["cl"].result_list) == 30
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_a_failed_reminder_page_shows_its_error_and_state_changes(root, failed_draft_reminder):
    url = reverse("admin:reminders_reminderlog_change", args=[failed_draft_reminder.pk])
    html = root.get(url).content.decode()
    assert "TemplateSyntaxError: Invalid block tag on line 3" in html
    assert reverse("scholarships:application_view",
                   args=[failed_draft_reminder.record_id]) in html


def test_nobody_adds_changes_or_deletes_a_reminder_here(root, failed_draft_reminder):
    assert root.get(reverse("admin:reminders_reminderlog_add")).status_code == 403
    assert root.get(reverse("admin:reminders_reminderlog_delete",
                            args=[failed_draft_reminder.pk])).status_code == 403
    root.post(reverse("admin:reminders_reminderlog_change", args=[failed_draft_reminder.pk]),
              {"recipient": "someone.else@example.org"})
    failed_draft_reminder.refresh_from_db()
    assert failed_draft_reminder.recipient == "mariama.bah@example.org"


# --- who sees which kinds ----------------------------------------------------------------------

def test_a_scholarship_administrator_sees_only_the_programmes_reminders(client, test_kinds):
    application = ApplicationFactory()
    hidden = log_row(FollowUp.code, PersonFactory(), recipient="other.programme@example.org")
    log_row(DraftNotSubmitted.code, application, recipient="draft@example.org")
    client.force_login(staff(Role.SCHOLARSHIP_ADMIN))
    assert listed(client) == {"draft@example.org"}
    response = client.get(reverse("admin:reminders_reminderlog_change", args=[hidden.pk]))
    assert response.status_code == 302  # the admin's "does not exist"
    assert "other.programme@example.org" not in client.get(response.url).content.decode()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.REVIEWER])
def test_other_staff_cannot_open_the_reminder_log(client, role):
    client.force_login(staff(role))
    assert client.get(reverse(LOG)).status_code == 403


def test_a_supervisor_reads_no_scholarship_reminder(client):
    """Supervisors open the log for their teams' cases
    (reintegration/tests/test_reminders.py), and see no other programme's."""
    log_row(DraftNotSubmitted.code, ApplicationFactory(), recipient="draft@example.org")
    client.force_login(staff(Role.SUPERVISOR))
    assert listed(client) == set()


# --- reminders about return cases: who may see the case -----------------------------------

EVENTS = "admin:reminders_reminderevent_changelist"
SOPHIE, YOUSSEF = "sophie@casework.example.org", "youssef@casework.example.org"


def sent_row(kind, obj, *, recipient):
    row = log_row(kind, obj, recipient=recipient, state=State.SENT)
    ReminderEvent.objects.create(log=row, from_state=State.PENDING, to_state=State.SENT)
    return row


@pytest.fixture
def case_reminders():
    """A reminder about a case of Sophie's (her team's supervisor: Pieter),
    one about a case of Youssef's (another team: An's), and a draft's."""
    sophie, youssef = caseworker("sophie", is_staff=True), caseworker("youssef")
    supervisor_of(sophie, username="pieter", is_staff=True)
    supervisor_of(youssef, username="an", is_staff=True)
    sent_row(DraftNotSubmitted.code, ApplicationFactory(), recipient="draft@example.org")
    return {"mine": sent_row(VisitDue.code, CaseFactory(caseworker=sophie), recipient=SOPHIE),
            "theirs": sent_row(CaseInactive.code, CaseFactory(caseworker=youssef),
                               recipient=YOUSSEF),
            "sophie": sophie}


def events_listed(client):
    response = client.get(reverse(EVENTS))
    assert response.status_code == 200
    return {row.log.recipient for row in response.context["cl"].result_list}


def test_a_supervisor_reads_the_reminders_of_the_team_s_cases_only(client, case_reminders):
    client.force_login(UserFactory(username="pieter"))
    assert listed(client) == {SOPHIE}
    assert events_listed(client) == {SOPHIE}
    hidden = client.get(reverse("admin:reminders_reminderlog_change",
                                args=[case_reminders["theirs"].pk]))
    assert hidden.status_code == 302  # the admin's "does not exist"
    assert YOUSSEF not in client.get(hidden.url).content.decode()
    mine = case_reminders["mine"]
    shown = client.get(reverse("admin:reminders_reminderlog_change", args=[mine.pk]))
    assert reverse("reintegration:case_detail", args=[mine.record_id]) in (
        shown.content.decode())


def test_the_data_protection_officer_reads_the_reminders_of_every_case(client, case_reminders):
    client.force_login(staff(Role.DPO))
    assert listed(client) == {SOPHIE, YOUSSEF, "draft@example.org"}
    assert events_listed(client) == {SOPHIE, YOUSSEF, "draft@example.org"}


def test_a_scholarship_administrator_reads_no_reminder_about_a_case(client, case_reminders):
    client.force_login(staff(Role.SCHOLARSHIP_ADMIN))
    assert listed(client) == {"draft@example.org"}
    assert events_listed(client) == {"draft@example.org"}
    kinds_page = client.get(reverse("admin:reminders_reminderkind_changelist")).content.decode()
    assert "Case without activity" not in kinds_page


def test_a_caseworker_cannot_open_the_reminder_log(client, case_reminders):
    client.force_login(case_reminders["sophie"])
    assert client.get(reverse(LOG)).status_code == 403
    assert client.get(reverse(EVENTS)).status_code == 403


def test_a_caseworker_who_also_runs_scholarships_reads_only_their_own_cases_reminders(
        client, case_reminders):
    sophie = case_reminders["sophie"]
    sophie.groups.add(Group.objects.get(name=Role.SCHOLARSHIP_ADMIN))
    client.force_login(sophie)
    assert listed(client) == {SOPHIE, "draft@example.org"}
    assert events_listed(client) == {SOPHIE, "draft@example.org"}


def test_a_supervisor_retries_a_failed_reminder_of_the_team_only(
        client, case_reminders, django_capture_on_commit_callbacks):
    failed = log_row(VisitDue.code, CaseFactory(caseworker=case_reminders["sophie"]),
                     recipient="failed@casework.example.org", state=State.FAILED,
                     error="SMTPServerDisconnected")
    theirs = ReminderLog.objects.filter(recipient=YOUSSEF)
    theirs.update(state=State.FAILED, sent_at=None)
    client.force_login(UserFactory(username="pieter"))
    with django_capture_on_commit_callbacks():  # queued, not sent: the state says it
        client.post(reverse(LOG), {"action": "retry",
                                   "_selected_action": [failed.pk, theirs.get().pk]})
    failed.refresh_from_db()
    assert failed.state == State.PENDING
    assert theirs.get().state == State.FAILED  # not the supervisor's to retry


def test_the_log_runs_the_same_number_of_queries_for_3_and_30_case_reminders(client):
    sophie = caseworker("sophie")
    supervisor_of(sophie, username="pieter", is_staff=True)

    def add(n, start):
        for i in range(start, start + n):
            sent_row(VisitDue.code, CaseFactory(caseworker=sophie), recipient=f"c{i}@example.org")
    add(3, 0)
    client.force_login(UserFactory(username="pieter"))
    client.get(reverse(LOG))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(LOG))
    add(27, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(LOG))
    assert len(response.context["cl"].result_list) == 30
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


# --- retry ---------------------------------------------------------------------------------

def test_the_retry_action_sends_a_failed_reminder_once(client, failed_draft_reminder, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    office = staff(Role.SCHOLARSHIP_ADMIN)
    client.force_login(office)
    sent = log_row(DraftNotSubmitted.code, ApplicationFactory(), recipient="done@example.org",
                   state=State.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(LOG), {
            "action": "retry", "_selected_action": [failed_draft_reminder.pk, sent.pk]},
            follow=True)
    failed_draft_reminder.refresh_from_db()
    assert failed_draft_reminder.state == State.SENT
    assert [m.to for m in mailoutbox] == [["mariama.bah@example.org"]]
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["1 failed reminder was queued again.",
                     "1 selected reminder was not failed and was left as it is."]
    retried = failed_draft_reminder.events.get(to_state=State.PENDING)
    assert retried.actor == office


def test_the_data_protection_officer_reads_the_log_but_cannot_retry(
        client, failed_draft_reminder, django_capture_on_commit_callbacks):
    client.force_login(staff(Role.DPO))
    response = client.get(reverse(LOG))
    listed_rows = response.context["cl"].result_list
    assert failed_draft_reminder.recipient in {row.recipient for row in listed_rows}
    action_form = response.context["action_form"]
    assert action_form is None or "retry" not in dict(action_form.fields["action"].choices)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(LOG), {"action": "retry",
                                   "_selected_action": [failed_draft_reminder.pk]})
    failed_draft_reminder.refresh_from_db()
    assert failed_draft_reminder.state == State.FAILED


# --- pausing a kind --------------------------------------------------------------------------

def kind_url(code):
    return reverse("admin:reminders_reminderkind_change",
                   args=[ReminderKind.objects.get(code=code).pk])


def test_every_declared_kind_is_listed_with_its_delays(root):
    html = root.get(reverse("admin:reminders_reminderkind_changelist")).content.decode()
    assert "Draft application not submitted before the call closes" in html
    assert "7 days, 1 day" in html
    assert root.get(reverse("admin:reminders_reminderkind_add")).status_code == 403


def test_pausing_a_kind_needs_a_reason_shown_next_to_the_field(client):
    client.force_login(staff(Role.SCHOLARSHIP_ADMIN))
    response = client.post(kind_url(DraftNotSubmitted.code), {"paused": "on", "reason": " "})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"reason": [str(MSG_PAUSE_NEEDS_REASON)]}
    assert not ReminderKind.objects.get(code=DraftNotSubmitted.code).paused


def test_pausing_a_kind_records_who_when_and_why(client):
    office = staff(Role.SCHOLARSHIP_ADMIN)
    client.force_login(office)
    response = client.post(kind_url(DraftNotSubmitted.code),
                           {"paused": "on", "reason": "The e-mail names the wrong deadline."})
    assert response.status_code == 302
    switch = ReminderKind.objects.get(code=DraftNotSubmitted.code)
    assert switch.paused and switch.changed_by == office and switch.changed_at is not None
    assert switch.reason == "The e-mail names the wrong deadline."
    assert switch.history.first().history_user == office
    assert services.reminder_sweep(kind=DraftNotSubmitted.code).paused
