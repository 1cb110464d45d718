"""Things happening at the same moment, on PostgreSQL with real connections
in real threads (SQLite serialises whole transactions, which proves nothing):
two tabs submitting, two administrators deciding on one application, two
declines freeing places."""

import threading

import pytest
from django.db import connection
from django.utils import timezone, translation

from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    CallFactory,
    CompleteApplicationFactory,
    admin_user,
    offered_application,
    ranked_application,
    submitted_application,
)
from scholarships.models import Application, ApplicationTransition, AwardOffer, CommitteeMeeting
from scholarships.places import places_used
from scholarships.workflow import State

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def role_groups():
    """A transactional test may start on a database an earlier one emptied
    (the flush removes the role groups the migrations made); the services
    recognise an administrator by the group's name."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


def test_two_simultaneous_submissions_submit_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks between connections")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    actor = UserFactory()
    application = CompleteApplicationFactory(applicant__user=actor)
    barrier = threading.Barrier(3)
    errors = []

    def submit():
        try:
            barrier.wait()
            services.application_submit(actor=actor, application=application)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ApplicationTransition.objects.filter(application=application).count() == 1
    assert Application.objects.get(pk=application.pk).reference.endswith("-00001")


def run_at_once(*calls):
    """Run each callable in its own thread and connection, released together.
    Returns what each raised (None when it succeeded), in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)
    language = translation.get_language()  # each thread answers in the test's language

    def run(index, call):
        translation.activate(language)
        try:
            barrier.wait()
            call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks between connections")


def test_two_administrators_deciding_at_once_cannot_both_succeed(settings):
    needs_postgresql()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    application = submitted_application()
    first, second = admin_user(), admin_user()
    for _round in range(3):  # a few times: the second must lose every time
        Application.objects.filter(pk=application.pk).update(state=State.SUBMITTED)
        ApplicationTransition.objects.filter(application=application).exclude(
            to_state=State.SUBMITTED).delete()
        outcomes = run_at_once(
            lambda: services.application_transition(
                actor=first, application=application, to=State.ELIGIBLE,
                expected_state=State.SUBMITTED),
            lambda: services.application_transition(
                actor=second, application=application, to=State.INELIGIBLE,
                reason="Degree not recognised", expected_state=State.SUBMITTED))
        refused = [o for o in outcomes if o is not None]
        assert len(refused) == 1, outcomes
        assert isinstance(refused[0], services.InvalidTransition)
        assert refused[0].code == "changed"
        winner = State.ELIGIBLE if outcomes[0] is None else State.INELIGIBLE
        assert refused[0].messages == [str(services.MSG_CHANGED_MEANWHILE % {
            "state": State(winner).label})]
        assert Application.objects.get(pk=application.pk).state == winner
        assert ApplicationTransition.objects.filter(
            application=application, from_state=State.SUBMITTED).exclude(
            to_state=State.SUBMITTED).count() == 1


def test_two_committees_deciding_on_the_same_application_record_one(settings):
    needs_postgresql()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    admin = admin_user()
    call = CallFactory(quota=3, reviewers_per_application=1)
    application = ranked_application(admin=admin, call=call, percents=(85,))

    def decide(to):
        return lambda: services.committee_decide(
            actor=admin_user(), call=call, held_on=timezone.localdate(),
            members_present="A. Diop", rationale=f"Decided {to}",
            decisions=[services.Decision(application.pk, to, State.RANKED)])

    outcomes = run_at_once(decide(State.SELECTED), decide(State.NOT_SELECTED))
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 1 and isinstance(refused[0], services.DecisionsRefused), outcomes
    assert CommitteeMeeting.objects.count() == 1
    assert ApplicationTransition.objects.filter(application=application,
                                                meeting__isnull=False).count() == 1


def test_two_declines_at_once_never_offer_the_same_place_twice(settings):
    needs_postgresql()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    admin = admin_user()
    call = CallFactory(quota=2, reviewers_per_application=1)
    offered = [offered_application(admin=admin, call=call, percents=(95 - i,))
               for i in range(2)]
    reserves = [ranked_application(admin=admin, call=call, percents=(80 - 10 * i,))
                for i in range(3)]
    services.committee_decide(
        actor=admin, call=call, held_on=timezone.localdate(), members_present="A. Diop",
        rationale="Reserve list",
        decisions=[services.Decision(a.pk, State.RESERVE, State.RANKED) for a in reserves])
    outcomes = run_at_once(*[
        (lambda a=application, o=offer: services.award_offer_decline(
            actor=a.applicant.user, offer=o, reason="Elsewhere"))
        for application, offer in offered])
    assert outcomes == [None, None]
    states = [Application.objects.get(pk=a.pk).state for a in reserves]
    # The two best reserve candidates got one offer each, the third none.
    assert states == [State.OFFERED, State.OFFERED, State.RESERVE]
    per_candidate = [AwardOffer.objects.filter(application=a).count() for a in reserves]
    assert per_candidate == [1, 1, 0]
    replaced = AwardOffer.objects.filter(replaces__isnull=False).values_list("replaces",
                                                                             flat=True)
    assert sorted(replaced) == sorted(offer.pk for _a, offer in offered)
    assert places_used(call).call == 2


def test_two_declines_at_once_with_one_reserve_candidate_promote_once(settings):
    needs_postgresql()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    admin = admin_user()
    call = CallFactory(quota=2, reviewers_per_application=1)
    offered = [offered_application(admin=admin, call=call, percents=(95 - i,))
               for i in range(2)]
    reserve = ranked_application(admin=admin, call=call, percents=(70,))
    services.committee_decide(
        actor=admin, call=call, held_on=timezone.localdate(), members_present="A. Diop",
        rationale="Reserve list",
        decisions=[services.Decision(reserve.pk, State.RESERVE, State.RANKED)])
    outcomes = run_at_once(*[
        (lambda a=application, o=offer: services.award_offer_decline(
            actor=a.applicant.user, offer=o))
        for application, offer in offered])
    assert outcomes == [None, None]
    assert AwardOffer.objects.filter(application=reserve).count() == 1
    assert Application.objects.get(pk=reserve.pk).state == State.OFFERED
