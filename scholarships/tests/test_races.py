"""Two people acting on the same application, its offer or its reviews at the
same moment, each from a real connection in its own thread, on PostgreSQL
(SQLite serialises whole transactions, which proves nothing; these tests are
skipped there and run in CI).

Each race is run on fresh data, released by a barrier, so that the window in
which one service reads a state before waiting for the other's lock is hit;
the races that need three parties in one order are driven step by step,
waiting until the database shows each party queued. Whatever the order the
locks are granted in, the outcome must be one a user could also get by doing
the things one after the other, and no race may crash (a deadlock aborted by
PostgreSQL, a row that vanishes: anything else than a refusal the user reads).
The lock order they check is written in scholarships/services/__init__.py."""

import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from scholarships import services
from scholarships.factories import (
    CallFactory,
    admin_user,
    eligible_application,
    offer_package,
    ranked_application,
    reviewer,
    submitted_application,
)
from scholarships.models import (
    Application,
    ApplicationTransition,
    AwardOffer,
    ReviewAssignment,
)
from scholarships.workflow import State

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 12


@pytest.fixture(autouse=True)
def postgresql_only(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks between connections")
    # The e-mails (and the award letters they carry) are tested elsewhere; here
    # they only slow each round down.
    from scholarships import tasks

    for name in ("referee_invitation_send", "submission_confirmation_send",
                 "review_assignment_notify", "award_offer_notify", "place_freed_notify",
                 "application_outcome_notify"):
        monkeypatch.setattr(getattr(tasks, name), "delay", lambda *args, **kwargs: None)
    # A transactional test may start on a database an earlier one emptied (the
    # flush removes the role groups the migrations made); the services
    # recognise an administrator by the group's name.
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def run(calls, *, outcomes, crashed, barrier=None):
    language = translation.get_language()

    def target(index, call):
        translation.activate(language)
        try:
            if barrier is not None:
                barrier.wait()
            call()
        except ValidationError as exc:
            outcomes[index] = exc
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            crashed.append(exc)
        finally:
            connection.close()

    return [threading.Thread(target=target, args=(i, call)) for i, call in enumerate(calls)]


def at_once(*calls):
    """Run each callable in its own thread and connection, released together.
    Returns, in order, None for a call that succeeded or the refusal it
    raised; a crash (a deadlock, any other exception) fails the test."""
    outcomes, crashed = [None] * len(calls), []
    threads = run(calls, outcomes=outcomes, crashed=crashed,
                  barrier=threading.Barrier(len(calls)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert crashed == [], crashed
    return outcomes


def waiting_for_a_lock() -> int:
    """How many connections to this database wait for a row lock now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def until_waiting(count: int, thread: threading.Thread) -> None:
    """Until `count` connections wait for a lock, or `thread` ended without
    waiting (then the test reads what it did)."""
    deadline = time.monotonic() + 20
    while waiting_for_a_lock() < count and thread.is_alive():
        assert time.monotonic() < deadline, "a party never queued for its lock"
        time.sleep(0.02)


def one_after_the_other(hold, *calls):
    """`hold` runs in its own transaction and keeps it open; each of `calls`
    then starts in its own thread, in order, once the one before waits for a
    lock; then `hold` commits. Returns the outcomes of `calls` as at_once."""
    held, release = threading.Event(), threading.Event()
    crashed = []

    def holder():
        try:
            with transaction.atomic():
                hold()
                held.set()
                release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported below
            crashed.append(exc)
            held.set()
        finally:
            connection.close()

    holder_thread = threading.Thread(target=holder)
    holder_thread.start()
    held.wait(timeout=30)
    outcomes = [None] * len(calls)
    threads = run(calls, outcomes=outcomes, crashed=crashed)
    try:
        waiting = 0
        for thread in threads:
            thread.start()
            until_waiting(waiting + 1, thread)
            waiting += thread.is_alive()
    finally:
        release.set()
    for thread in [holder_thread, *threads]:
        thread.join(timeout=60)
    assert crashed == [], crashed
    return outcomes


def messages(outcome) -> list[str]:
    return [str(message) for message in outcome.messages] if outcome is not None else []


def in_review(admin):
    """An application in review with its two reviewers assigned."""
    application = eligible_application(admin=admin, call=CallFactory(reviewers_per_application=2))
    assignments = [services.review_assign(actor=admin, application=application,
                                          reviewer=reviewer()) for _ in range(2)]
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW
    return application, assignments


def scores_for(application) -> dict:
    return {c.pk: c.scale_max for c in application.call.criteria.all()}


def withdrawal(application):
    return ApplicationTransition.objects.get(application=application,
                                             to_state=State.WITHDRAWN)


# --- 1. a review and the withdrawal of its application ------------------------------

def test_a_review_submitted_while_the_application_is_withdrawn(transactional_db):
    """Scored before the withdrawal, or refused: never a deadlock, never a
    score on a withdrawn application."""
    admin = admin_user()
    for _round in range(ROUNDS):
        application, (assignment, _other) = in_review(admin)
        services.review_declare(actor=assignment.reviewer, assignment=assignment,
                                conflict=False)

        submit, withdraw = at_once(
            lambda a=assignment, app=application: services.review_submit(
                actor=a.reviewer, assignment=a, scores=scores_for(app), comment="Sound."),
            lambda app=application: services.application_withdraw(
                actor=app.applicant.user, application=app))

        assert withdraw is None
        assignment.refresh_from_db()
        if submit is None:
            assert assignment.status == ReviewAssignment.Status.SUBMITTED
            assert assignment.submitted_at <= withdrawal(application).at
        else:
            assert assignment.status == ReviewAssignment.Status.CANCELLED
        assert Application.objects.get(pk=application.pk).state == State.WITHDRAWN


def test_a_conflict_declared_while_the_application_is_withdrawn(transactional_db):
    """A declared conflict looks for another reviewer on an application being
    withdrawn: never a deadlock, never a reviewer assigned to a withdrawn one."""
    admin = admin_user()
    for _round in range(ROUNDS):
        reviewer()  # free to replace the one in conflict
        application, (assignment, _other) = in_review(admin)

        declare, withdraw = at_once(
            lambda a=assignment: services.review_declare(
                actor=a.reviewer, assignment=a, conflict=True, note="My student."),
            lambda app=application: services.application_withdraw(
                actor=app.applicant.user, application=app))

        assert withdraw is None
        assert declare is None or messages(declare) == [
            str(services.MSG_ALREADY_DECLARED)], messages(declare)
        live = ReviewAssignment.objects.filter(
            application=application, status__in=(ReviewAssignment.Status.TO_DECLARE,
                                                 ReviewAssignment.Status.TO_SCORE))
        assert not live.exists(), "a review is still open on a withdrawn application"


# --- 2. a review taken back while the application is withdrawn ----------------------

def test_a_review_cancelled_while_the_application_is_withdrawn(transactional_db):
    """Both stop the review: whichever comes first, it is cancelled once and
    neither crashes (the cancellation now queues on the application, as the
    withdrawal does, before the assignment)."""
    admin = admin_user()
    for _round in range(ROUNDS):
        application, (assignment, _other) = in_review(admin)

        cancel, withdraw = at_once(
            lambda a=assignment: services.review_assignment_cancel(actor=admin, assignment=a),
            lambda app=application: services.application_withdraw(
                actor=app.applicant.user, application=app))

        assert withdraw is None
        assert cancel is None or messages(cancel) == [str(services.MSG_NOT_CANCELLABLE)]
        assignment.refresh_from_db()
        assert assignment.status == ReviewAssignment.Status.CANCELLED
        assert Application.objects.get(pk=application.pk).state == State.WITHDRAWN


def test_a_review_cancelled_by_an_administrator_who_becomes_the_applicant(transactional_db):
    """A registry merge makes the administrator's own person the applicant
    while they take a review back: refused when the merge came first, done
    when it came after, as one after the other."""
    for _round in range(5):
        admin = admin_user()
        application, (assignment, _other) = in_review(admin_user())
        mine = PersonFactory(user=admin)

        def merge(app=application, me=mine):
            Application.objects.filter(pk=app.pk).update(applicant=me)

        (cancel,) = one_after_the_other(
            merge, lambda a=assignment, me=admin: services.review_assignment_cancel(
                actor=me, assignment=a))

        assert messages(cancel) == [str(services.MSG_REVIEW_ADMIN_ONLY)]
        assignment.refresh_from_db()
        assert assignment.status == ReviewAssignment.Status.TO_DECLARE


# --- 3. a withdrawal whose application moved while it waited -------------------------

def test_a_withdrawal_of_an_application_moved_meanwhile_keeps_the_lock_order(transactional_db):
    """The withdrawal reads "submitted" (no place involved), waits for an
    administrator confirming eligibility, while another administrator makes
    an offer from a stale page (the year's calls locked, waiting for the
    application). The withdrawal must not then lock the calls after the
    application: PostgreSQL would abort one of them as a deadlock."""
    admin = admin_user()
    for _round in range(ROUNDS):
        application = submitted_application()

        def confirm(app=application):
            services.application_transition(actor=admin, application=app, to=State.ELIGIBLE)

        withdraw, offer = one_after_the_other(
            confirm,
            lambda app=application: services.application_withdraw(
                actor=app.applicant.user, application=app),
            lambda app=application: services.award_offer_make(
                actor=admin, application=app, **offer_package()))

        assert withdraw is None
        assert offer is not None  # never offerable: submitted, eligible, then withdrawn
        assert Application.objects.get(pk=application.pk).state == State.WITHDRAWN
        assert not AwardOffer.objects.filter(application=application).exists()


# --- 4. the admin's bulk decline and an offer made meanwhile -------------------------

def test_a_bulk_decline_of_an_application_offered_meanwhile_frees_the_place(transactional_db):
    """The bulk action works from the list the administrator loaded: an offer
    made since is declined through the offer, whose place goes to the next
    reserve candidate, never left open on a declined application."""
    admin = admin_user()
    for _round in range(ROUNDS):
        call = CallFactory(quota=1, reviewers_per_application=1)
        chosen = ranked_application(admin=admin, call=call, percents=(90,))
        reserve = ranked_application(admin=admin, call=call, percents=(70,))
        services.committee_decide(
            actor=admin, call=call, held_on=timezone.localdate(), members_present="A. Diop",
            rationale="Best ranked.",
            decisions=[services.Decision(chosen.pk, State.SELECTED, State.RANKED),
                       services.Decision(reserve.pk, State.RESERVE, State.RANKED)])
        listed = Application.objects.get(pk=chosen.pk)  # the admin's list: "selected"
        results = {}

        def bulk(app=listed, results=results):
            results["moved"], results["refused"] = services.applications_move(
                actor=admin, applications=[app], to=State.DECLINED, reason="Said so by phone.")

        offer, _bulk = at_once(
            lambda app=chosen: services.award_offer_make(
                actor=admin, application=app, **offer_package()),
            bulk)

        assert offer is None
        chosen.refresh_from_db()
        if results["moved"]:
            assert chosen.state == State.DECLINED
            assert not AwardOffer.objects.filter(application=chosen,
                                                 status=AwardOffer.Status.OPEN).exists()
            assert Application.objects.get(pk=reserve.pk).state == State.OFFERED
        else:
            assert chosen.state == State.OFFERED
            assert AwardOffer.objects.filter(application=chosen,
                                             status=AwardOffer.Status.OPEN).exists()


# --- 5. two clicks on "Apply" ---------------------------------------------------------

def test_two_clicks_on_apply_open_one_draft(transactional_db):
    for _round in range(ROUNDS):
        user = UserFactory()
        person = PersonFactory(user=user)
        call = CallFactory()
        started = []

        def start(p=person, c=call, u=user, started=started):
            started.append(services.application_start(actor=u, call=c, person=p).pk)

        assert at_once(start, start) == [None, None]
        assert Application.objects.filter(call=call, applicant=person).count() == 1
        assert len(set(started)) == 1


# --- 6. a registry merge re-pointing the applicant while the row is locked -----------

def test_an_application_moved_while_a_merge_repoints_its_applicant(transactional_db):
    """The merge changes the application's applicant while an administrator
    decides on it: the decision waits and is taken, on the survivor."""
    admin = admin_user()
    for _round in range(ROUNDS):
        application = submitted_application()
        survivor = PersonFactory()

        def merge(app=application, person=survivor):
            Application.objects.filter(pk=app.pk).update(applicant=person)

        (decide,) = one_after_the_other(
            merge, lambda app=application: services.application_transition(
                actor=admin, application=app, to=State.INELIGIBLE, reason="Too old."))

        assert decide is None
        application = Application.objects.get(pk=application.pk)
        assert (application.state, application.applicant_id) == (State.INELIGIBLE,
                                                                 survivor.pk)


def test_an_offer_accepted_while_a_merge_repoints_its_applicant(transactional_db):
    admin = admin_user()
    for _round in range(5):
        application = ranked_application(admin=admin, call=CallFactory(
            reviewers_per_application=1), percents=(80,))
        services.committee_decide(
            actor=admin, call=application.call, held_on=timezone.localdate(),
            members_present="A. Diop", rationale="Best ranked.",
            decisions=[services.Decision(application.pk, State.SELECTED, State.RANKED)])
        offer = services.award_offer_make(actor=admin, application=application,
                                          **offer_package())
        user = application.applicant.user
        survivor = PersonFactory()

        def merge(app=application, person=survivor, user=user):
            # The survivor takes the login account, as person_merge does.
            Application.objects.filter(pk=app.pk).update(applicant=person)
            type(person).objects.filter(pk=app.applicant_id).update(user=None)
            type(person).objects.filter(pk=person.pk).update(user=user)

        (accept,) = one_after_the_other(
            merge, lambda o=offer, u=user: services.award_offer_accept(actor=u, offer=o))

        assert accept is None
        assert Application.objects.get(pk=application.pk).state == State.ACCEPTED
