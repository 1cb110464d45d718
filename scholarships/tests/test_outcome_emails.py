"""The applicant hears of a decision that offers them nothing (not eligible,
reserve list, not selected) by e-mail, in their language, once per decision;
a selected candidate hears through the offer's own e-mail."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from scholarships import services, tasks
from scholarships.factories import (
    CallFactory,
    admin_user,
    offer_package,
    ranked_application,
    submitted_application,
)
from scholarships.models import ApplicationTransition
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def admin():
    return admin_user()


def decide(admin, call, *pairs):
    return services.committee_decide(
        actor=admin, call=call, held_on=datetime.date(2026, 11, 24),
        members_present="A. Diop\nM. Peeters", rationale="Scores and balance.",
        decisions=[services.Decision(application.pk, to, State.RANKED)
                   for application, to in pairs])


def ranked(admin, call, *, language, email, **names):
    return ranked_application(admin=admin, call=call, percents=(70,),
                              applicant__preferred_language=language,
                              applicant__email=email, **{f"applicant__{k}": v
                                                         for k, v in names.items()})


def test_the_committee_s_reserve_and_not_selected_candidates_are_told_in_their_language(
        admin, client, mailoutbox, django_capture_on_commit_callbacks):
    call = CallFactory(quota=1, reviewers_per_application=1, title="Master's in Belgium 2027")
    chosen = ranked(admin, call, language="en", email="chosen@example.org")
    waiting = ranked(admin, call, language="fr", email="awa.ndiaye@example.org",
                     given_names="Awa", family_name="Ndiaye")
    refused = ranked(admin, call, language="nl", email="refused@example.org")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(admin, call, (chosen, State.SELECTED), (waiting, State.RESERVE),
               (refused, State.NOT_SELECTED))

    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert set(by_recipient) == {"awa.ndiaye@example.org", "refused@example.org"}
    french = by_recipient["awa.ndiaye@example.org"]
    assert french.subject == f"Une décision sur votre candidature {waiting.reference}"
    assert "Awa Ndiaye" in french.body and "liste de réserve" in french.body
    assert "24 novembre 2026" in french.body  # the meeting, in French
    assert waiting.get_absolute_url() in french.body
    dutch = by_recipient["refused@example.org"]
    assert dutch.subject == f"Een beslissing over uw aanvraag {refused.reference}"
    assert "niet geselecteerd" in dutch.body and "/calls/" in dutch.body
    stamped = ApplicationTransition.objects.filter(applicant_notified_at__isnull=False)
    assert set(stamped.values_list("application_id", flat=True)) == {waiting.pk, refused.pk}
    # The office sees on the application's history that the applicant was told.
    client.force_login(admin)
    told = "The applicant was e-mailed the decision on"
    assert told in client.get(reverse("scholarships:application_view",
                                      args=[waiting.pk])).content.decode()
    assert told not in client.get(reverse("scholarships:application_view",
                                          args=[chosen.pk])).content.decode()


def test_the_decision_e_mail_is_sent_once_even_if_the_task_runs_twice(admin, mailoutbox):
    call = CallFactory(quota=1, reviewers_per_application=1)
    refused = ranked(admin, call, language="en", email="refused@example.org")
    decide(admin, call, (refused, State.NOT_SELECTED))
    transition = ApplicationTransition.objects.get(application=refused,
                                                   to_state=State.NOT_SELECTED)
    mailoutbox.clear()
    assert tasks.application_outcome_notify(transition.pk) is True
    assert tasks.application_outcome_notify(transition.pk) is False
    assert len(mailoutbox) == 1
    assert "was not selected this time" in mailoutbox[0].body


def test_a_reserve_candidate_offered_a_place_before_the_e_mail_left_gets_the_offer_only(
        admin, mailoutbox):
    call = CallFactory(quota=1, reviewers_per_application=1)
    waiting = ranked(admin, call, language="en", email="waiting@example.org")
    decide(admin, call, (waiting, State.RESERVE))
    services.award_offer_make(actor=admin, application=waiting, **offer_package())
    waiting.refresh_from_db()
    assert waiting.state == State.OFFERED
    transition = ApplicationTransition.objects.get(application=waiting, to_state=State.RESERVE)
    mailoutbox.clear()
    assert tasks.application_outcome_notify(transition.pk) is False
    assert mailoutbox == []


def test_closing_the_reserve_list_tells_the_candidate_no_place_came_free(
        admin, mailoutbox, django_capture_on_commit_callbacks):
    call = CallFactory(quota=1, reviewers_per_application=1, title="PhD sandwich 2027")
    waiting = ranked(admin, call, language="en", email="waiting@example.org")
    decide(admin, call, (waiting, State.RESERVE))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(actor=admin, application=waiting,
                                        to=State.NOT_SELECTED,
                                        reason="All offers of the call were accepted.")
    [message] = mailoutbox
    assert "The reserve list of “PhD sandwich 2027” is now closed" in message.body
    assert "All offers of the call were accepted." not in message.body  # staff's own words


def test_an_application_found_ineligible_is_told_and_pointed_to_later_calls(
        admin, mailoutbox, django_capture_on_commit_callbacks):
    application = submitted_application(applicant__email="kofi@example.org",
                                        applicant__preferred_language="en")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(actor=admin, application=application,
                                        to=State.INELIGIBLE, reason="Degree not recognised")
    [message] = mailoutbox
    assert message.to == ["kofi@example.org"]
    assert "does not meet the conditions of the call" in message.body
    assert "apply to a later call" in message.body


def test_moves_that_offer_something_send_no_decision_e_mail(
        admin, mailoutbox, django_capture_on_commit_callbacks):
    application = submitted_application()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(actor=admin, application=application,
                                        to=State.ELIGIBLE, now=timezone.now())
    assert mailoutbox == []
    assert not ApplicationTransition.objects.filter(applicant_notified_at__isnull=False)
