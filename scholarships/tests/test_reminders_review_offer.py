"""The programme's reminders about reviews and offers, on a moved clock: a
review assignment still waiting for its reviewer 5 days after it was
assigned, then every 5 days, and from the third reminder also to the
scholarship administrators; an award offer not answered 3 days before its
deadline. Each fires at its moment and not before, to the right person in
their language, not once it is no longer due, in a fixed number of queries;
and the staff page of the application lists them."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.factories import PersonFactory, UserFactory
from reminders import services
from reminders.models import ReminderLog
from reminders.workflow import State as ReminderState
from scholarships import services as scholarship_services
from scholarships.factories import (
    ApplicationFactory,
    admin_user,
    eligible_application,
    offer_package,
    offered_application,
    review_as,
    reviewer,
)
from scholarships.models import Application, AwardOffer, ReviewAssignment
from scholarships.reminders import OfferNotAnswered, ReviewNotScored
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

REVIEW = ReviewNotScored.code
OFFER = OfferNotAnswered.code
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
# 09:30 in Brussels (summer time).
ASSIGNED = datetime.datetime(2027, 5, 3, 7, 30, tzinfo=datetime.UTC)
OFFERED = datetime.datetime(2027, 6, 1, 8, 0, tzinfo=datetime.UTC)


def sweep(kind, moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return services.reminder_sweep(kind=kind)


def mails(kind):
    return [m for m in mail.outbox if m.extra_headers["X-Casework-Reminder"] == kind]


def recipients(kind):
    return sorted(address for m in mails(kind) for address in m.to)


def staff_user(username, *, email, language=None, **fields):
    """A scholarship administrator, with a registry record in `language`
    (none: the site's language applies)."""
    user = admin_user(username=username, email=email, **fields)
    if language:
        PersonFactory(user=user, preferred_language=language, email="")
    return user


@pytest.fixture
def office():
    """Two administrators who get the escalation (one Dutch-speaking, one
    without a registry record: English), and two who do not."""
    staff_user("els", email="els.peeters@office.example.org", language="nl",
               first_name="Els", last_name="Peeters")
    staff_user("tom", email="tom.mertens@office.example.org")
    staff_user("gone", email="gone@office.example.org", is_active=False)
    staff_user("noaddress", email="")


def a_reviewer(email="hiwot.tesfaye@aau.example.org", language="fr", **fields):
    user = reviewer(user__username=email.split("@")[0], user__email=email,
                    user__first_name=fields.pop("first_name", "Hiwot"),
                    user__last_name=fields.pop("last_name", "Tesfaye"), **fields)
    if language:
        PersonFactory(user=user, preferred_language=language, email="")
    return user


@pytest.fixture
def assignment(office):
    """An eligible application assigned to a French-speaking reviewer at ASSIGNED."""
    with time_machine.travel(ASSIGNED, tick=False):
        admin = UserFactory(username="els")
        application = eligible_application(admin=admin)
        return scholarship_services.review_assign(actor=admin, application=application,
                                                  reviewer=a_reviewer())


# --- a review not scored ---------------------------------------------------------------------

def test_a_reviewer_is_reminded_5_days_after_the_assignment_and_not_before(
        assignment, django_capture_on_commit_callbacks):
    sweep(REVIEW, ASSIGNED + 4 * DAY, django_capture_on_commit_callbacks)
    sweep(REVIEW, ASSIGNED + 5 * DAY - MINUTE, django_capture_on_commit_callbacks)
    assert mails(REVIEW) == [] and ReminderLog.objects.count() == 0

    sweep(REVIEW, ASSIGNED + 5 * DAY, django_capture_on_commit_callbacks)
    [message] = mails(REVIEW)
    assert message.to == ["hiwot.tesfaye@aau.example.org"]
    assert message.extra_headers["Content-Language"] == "fr"
    reference = assignment.application.reference
    assert message.subject == (f"Rappel : votre évaluation de la candidature {reference} "
                               "est toujours attendue")
    assert message.body.startswith("Bonjour Hiwot Tesfaye,")
    assert "conflit d’intérêts" in message.body  # not declared yet
    assert reverse("scholarships:review_detail", args=[assignment.pk]) in message.body
    log = ReminderLog.objects.get()
    assert (log.object_id, log.record_id, log.due_at) == (
        assignment.pk, assignment.application_id, ASSIGNED + 5 * DAY)

    sweep(REVIEW, ASSIGNED + 9 * DAY, django_capture_on_commit_callbacks)
    assert len(mails(REVIEW)) == 1


def test_the_2nd_and_3rd_reminders_come_at_10_and_15_days_and_the_3rd_also_to_the_office(
        assignment, django_capture_on_commit_callbacks):
    reviewer_address = ["hiwot.tesfaye@aau.example.org"]
    sweep(REVIEW, ASSIGNED + 5 * DAY, django_capture_on_commit_callbacks)
    sweep(REVIEW, ASSIGNED + 10 * DAY - MINUTE, django_capture_on_commit_callbacks)
    assert recipients(REVIEW) == reviewer_address

    sweep(REVIEW, ASSIGNED + 10 * DAY, django_capture_on_commit_callbacks)
    assert recipients(REVIEW) == reviewer_address * 2  # the second: the reviewer only
    sweep(REVIEW, ASSIGNED + 15 * DAY - MINUTE, django_capture_on_commit_callbacks)
    assert len(mails(REVIEW)) == 2

    sweep(REVIEW, ASSIGNED + 15 * DAY, django_capture_on_commit_callbacks)
    third = mails(REVIEW)[2:]
    assert sorted(address for m in third for address in m.to) == [
        "els.peeters@office.example.org", "hiwot.tesfaye@aau.example.org",
        "tom.mertens@office.example.org"]
    assert sorted(ReminderLog.objects.filter(recipient__endswith="aau.example.org")
                  .values_list("due_at", flat=True)) == [
        ASSIGNED + 5 * DAY, ASSIGNED + 10 * DAY, ASSIGNED + 15 * DAY]

    to_office = {m.to[0]: m for m in third if "office" in m.to[0]}
    dutch = to_office["els.peeters@office.example.org"]
    reference = assignment.application.reference
    assert dutch.extra_headers["Content-Language"] == "nl"
    assert dutch.subject == f"Herinnering: de beoordeling van {reference} is nog niet gescoord"
    assert "Hiwot Tesfaye" in dutch.body and "15 dagen" in dutch.body
    assert "De beoordelaar werd 2 keer herinnerd." in dutch.body
    english = to_office["tom.mertens@office.example.org"]
    assert english.extra_headers["Content-Language"] == "en"
    assert "The reviewer was reminded 2 times." in english.body
    link = reverse("scholarships:application_view", args=[assignment.application_id])
    assert link in english.body
    assert reverse("scholarships:review_detail", args=[assignment.pk]) not in english.body

    sweep(REVIEW, ASSIGNED + 20 * DAY, django_capture_on_commit_callbacks)
    assert len(mails(REVIEW)) == 8  # the fourth: the reviewer and the office again


def test_the_office_is_told_from_the_reminder_the_settings_say(
        assignment, settings, django_capture_on_commit_callbacks):
    settings.REMINDER_REVIEW_OFFICE_AFTER = 1
    settings.REMINDER_REVIEW_FIRST_DAYS = 3
    settings.REMINDER_REVIEW_EVERY_DAYS = 7
    sweep(REVIEW, ASSIGNED + 3 * DAY, django_capture_on_commit_callbacks)
    assert recipients(REVIEW) == ["hiwot.tesfaye@aau.example.org"]
    sweep(REVIEW, ASSIGNED + 10 * DAY, django_capture_on_commit_callbacks)
    assert len(mails(REVIEW)) == 4


def test_a_reviewer_without_a_registry_record_is_reminded_in_the_site_language(
        office, django_capture_on_commit_callbacks):
    with time_machine.travel(ASSIGNED, tick=False):
        admin = UserFactory(username="els")
        application = eligible_application(admin=admin)
        scholarship_services.review_assign(
            actor=admin, application=application,
            reviewer=a_reviewer("k.asante@ug.example.org", language=None,
                                first_name="Kwame", last_name="Asante"))
    sweep(REVIEW, ASSIGNED + 5 * DAY, django_capture_on_commit_callbacks)
    [message] = mails(REVIEW)
    assert message.extra_headers["Content-Language"] == "en"
    assert message.subject.startswith("Reminder: your review of the application ")
    assert "Dear Kwame Asante," in message.body


def test_only_assignments_still_waiting_for_their_reviewer_are_reminded(
        office, django_capture_on_commit_callbacks):
    with time_machine.travel(ASSIGNED, tick=False):
        admin = UserFactory(username="els")
        application = eligible_application(admin=admin)
        people = {name: a_reviewer(f"{name}@uni.example.org", first_name=name.title())
                  for name in ("declared", "scored", "conflict", "cancelled", "waiting")}
        assigned = {name: scholarship_services.review_assign(
            actor=admin, application=application, reviewer=user)
            for name, user in people.items()}
        scholarship_services.review_declare(actor=people["declared"],
                                            assignment=assigned["declared"], conflict=False)
        review_as(assigned["scored"], percent=70)
        scholarship_services.review_declare(actor=people["conflict"],
                                            assignment=assigned["conflict"], conflict=True,
                                            note="My former student.")
        scholarship_services.review_assignment_cancel(actor=admin,
                                                      assignment=assigned["cancelled"])
    sweep(REVIEW, ASSIGNED + 5 * DAY, django_capture_on_commit_callbacks)
    assert recipients(REVIEW) == ["declared@uni.example.org", "waiting@uni.example.org"]
    declared = next(m for m in mails(REVIEW) if m.to == ["declared@uni.example.org"])
    assert "Vos notes n’ont pas encore été envoyées." in declared.body


def test_a_review_submitted_after_the_claim_is_not_reminded(assignment):
    with time_machine.travel(ASSIGNED + 5 * DAY, tick=False):
        services.reminder_sweep(kind=REVIEW)  # claimed; its send waits in the queue
        review_as(assignment, percent=80)
        log = ReminderLog.objects.get()
        assert services.reminder_send(log_id=log.pk) == services.SKIPPED
    assert mails(REVIEW) == []
    assert ReminderLog.objects.get().state == ReminderState.SKIPPED


def test_an_administrator_who_left_before_the_send_is_not_told(
        assignment, django_capture_on_commit_callbacks):
    with time_machine.travel(ASSIGNED + 15 * DAY, tick=False):
        services.reminder_sweep(kind=REVIEW)
        get_user_model().objects.filter(username="tom").update(is_active=False)
        # The reminders hand their e-mails to the outbox, delivered after commit.
        with django_capture_on_commit_callbacks(execute=True):
            for log in ReminderLog.objects.order_by("id"):
                services.reminder_send(log_id=log.pk)
    assert recipients(REVIEW) == ["els.peeters@office.example.org",
                                  "hiwot.tesfaye@aau.example.org"]
    assert ReminderLog.objects.get(recipient="tom.mertens@office.example.org").state == (
        ReminderState.SKIPPED)


# --- an offer not answered ---------------------------------------------------------------------

DEADLINE = OFFERED + 14 * DAY


@pytest.fixture
def offer():
    """An offer made at OFFERED to a French-speaking applicant, to answer in 14 days."""
    with time_machine.travel(OFFERED, tick=False):
        _application, made = offered_application(
            admin=admin_user(username="els"), deadline=DEADLINE,
            applicant__email="aminata.diallo@example.org", applicant__preferred_language="fr",
            applicant__given_names="Aminata", applicant__family_name="Diallo")
    return made


def test_an_offer_is_reminded_3_days_before_its_deadline_and_not_before(
        offer, django_capture_on_commit_callbacks):
    sweep(OFFER, DEADLINE - 4 * DAY, django_capture_on_commit_callbacks)
    sweep(OFFER, DEADLINE - 3 * DAY - MINUTE, django_capture_on_commit_callbacks)
    assert mails(OFFER) == [] and ReminderLog.objects.count() == 0

    sweep(OFFER, DEADLINE - 3 * DAY, django_capture_on_commit_callbacks)
    [message] = mails(OFFER)
    assert message.to == ["aminata.diallo@example.org"]
    assert message.extra_headers["Content-Language"] == "fr"
    reference = offer.application.reference
    assert message.subject == (f"Rappel : votre offre de bourse ({reference}) attend votre "
                               "réponse")
    assert message.body.startswith("Bonjour Aminata Diallo,")
    assert "10:00" in message.body  # the deadline, in Brussels time
    assert reverse("scholarships:application_detail", args=[offer.application_id]) in (
        message.body)
    log = ReminderLog.objects.get()
    assert (log.object_id, log.record_id) == (offer.pk, offer.application_id)

    sweep(OFFER, DEADLINE - DAY, django_capture_on_commit_callbacks)
    sweep(OFFER, DEADLINE + DAY, django_capture_on_commit_callbacks)
    assert len(mails(OFFER)) == 1


def test_the_offer_reminder_is_in_dutch_for_a_dutch_speaking_applicant(
        django_capture_on_commit_callbacks):
    with time_machine.travel(OFFERED, tick=False):
        _application, made = offered_application(
            admin=admin_user(username="els"), deadline=DEADLINE,
            applicant__preferred_language="nl")
    sweep(OFFER, DEADLINE - 3 * DAY, django_capture_on_commit_callbacks)
    [message] = mails(OFFER)
    assert message.subject.startswith("Herinnering: uw beursaanbod")
    assert "Brusselse tijd" in message.body


def test_an_answered_offer_is_not_reminded(offer, django_capture_on_commit_callbacks):
    with time_machine.travel(DEADLINE - 5 * DAY, tick=False):
        scholarship_services.award_offer_accept(actor=offer.application.applicant.user,
                                                offer=offer)
    sweep(OFFER, DEADLINE - 3 * DAY, django_capture_on_commit_callbacks)
    assert mails(OFFER) == []


def test_an_offer_answered_after_the_claim_is_not_reminded(offer):
    with time_machine.travel(DEADLINE - 3 * DAY, tick=False):
        services.reminder_sweep(kind=OFFER)
        scholarship_services.award_offer_decline(actor=offer.application.applicant.user,
                                                 offer=offer, reason="I accepted another.")
        assert services.reminder_send(log_id=ReminderLog.objects.get().pk) == services.SKIPPED
    assert mails(OFFER) == []


def test_an_offer_made_less_than_3_days_before_its_deadline_gets_no_reminder(
        django_capture_on_commit_callbacks):
    with time_machine.travel(OFFERED, tick=False):
        offered_application(admin=admin_user(username="els"), deadline=OFFERED + 2 * DAY)
    sweep(OFFER, OFFERED + DAY, django_capture_on_commit_callbacks)
    assert mails(OFFER) == []


def test_the_offer_delays_come_from_the_settings(offer, settings,
                                                 django_capture_on_commit_callbacks):
    settings.REMINDER_OFFER_DAYS_BEFORE_DEADLINE = [7, 1]
    sweep(OFFER, DEADLINE - 3 * DAY, django_capture_on_commit_callbacks)
    assert len(mails(OFFER)) == 1  # the 7-day one, late
    sweep(OFFER, DEADLINE - DAY, django_capture_on_commit_callbacks)
    assert sorted(ReminderLog.objects.values_list("due_at", flat=True)) == [
        DEADLINE - 7 * DAY, DEADLINE - DAY]


# --- a fixed number of queries ----------------------------------------------------------------

def add_waiting_assignments(n):
    with time_machine.travel(ASSIGNED, tick=False):
        for _ in range(n):
            ReviewAssignment.objects.create(application=ApplicationFactory(),
                                            reviewer=a_reviewer(
                                                f"r{ReviewAssignment.objects.count()}"
                                                "@uni.example.org"))


def add_open_offers(n):
    package = offer_package(deadline=DEADLINE)
    with time_machine.travel(OFFERED, tick=False):
        for _ in range(n):
            AwardOffer.objects.create(application=ApplicationFactory(), **package)


def statements(queries) -> list[str]:
    """The queries, with the INSERT counted once: SQLite (not PostgreSQL)
    splits a bulk INSERT in batches of 999 parameters."""
    sql = [query["sql"] for query in queries.captured_queries]
    inserts = [q for q in sql if q.startswith("INSERT")]
    if connection.vendor == "postgresql":
        assert len(inserts) <= 1, inserts
    return [q for q in sql if not q.startswith("INSERT")] + inserts[:1]


@pytest.mark.parametrize("kind, add, moment, per_object, statements_expected", [
    # The review's second query is the administrators' (told from the third).
    (REVIEW, add_waiting_assignments, ASSIGNED + 15 * DAY, 3, 9),
    (OFFER, add_open_offers, DEADLINE - 3 * DAY, 1, 8),
])
def test_a_sweep_runs_the_same_number_of_queries_for_3_and_40_objects(
        office, kind, add, moment, per_object, statements_expected):
    ContentType.objects.get_for_models(ReviewAssignment, AwardOffer, Application)
    add(3)
    with CaptureQueriesContext(connection) as few:
        result = services.reminder_sweep(kind=kind, now=moment)
    assert len(result.new) == 3 * per_object
    add(37)
    with CaptureQueriesContext(connection) as many:
        result = services.reminder_sweep(kind=kind, now=moment + MINUTE)
    assert len(result.due) == 40 * per_object
    assert len(result.new) == 37 * per_object
    assert len(statements(many)) == len(statements(few)), "\n".join(statements(many))
    # The pause check, the kind's queries, what is claimed, the INSERT, the
    # fan-out's SELECT and UPDATE, and the savepoint around them (2).
    assert len(statements(many)) == statements_expected


# --- the staff page ----------------------------------------------------------------------------

def test_the_staff_page_lists_the_review_and_offer_reminders(
        client, django_capture_on_commit_callbacks):
    with time_machine.travel(OFFERED, tick=False):
        admin = admin_user(username="els", email="els.peeters@office.example.org")
        application, made = offered_application(
            admin=admin, deadline=DEADLINE, applicant__email="aminata.diallo@example.org")
        late = ReviewAssignment.objects.create(
            application=application, reviewer=a_reviewer("late.reviewer@uni.example.org"),
            assigned_at=OFFERED - 20 * DAY)
    with time_machine.travel(OFFERED, tick=False):
        other, _other_offer = offered_application(
            admin=admin, deadline=DEADLINE, applicant__email="someone.else@example.org")
    sweep(OFFER, DEADLINE - 3 * DAY, django_capture_on_commit_callbacks)
    sweep(REVIEW, DEADLINE - 3 * DAY, django_capture_on_commit_callbacks)
    assert ReminderLog.objects.filter(kind=REVIEW, object_id=late.pk).count() == 2
    client.force_login(admin)
    html = client.get(reverse("scholarships:application_view", args=[application.pk])
                      ).content.decode()
    assert "Award offer not answered before its deadline" in html
    assert "aminata.diallo@example.org" in html
    assert "Review not scored after its assignment" in html
    assert "late.reviewer@uni.example.org" in html and "els.peeters@office.example.org" in html
    assert "someone.else@example.org" not in html
    other_html = client.get(reverse("scholarships:application_view", args=[other.pk])
                            ).content.decode()
    assert "someone.else@example.org" in other_html
    assert "aminata.diallo@example.org" not in other_html
    assert Application.objects.get(pk=application.pk).state == State.OFFERED
    assert made.status == AwardOffer.Status.OPEN
