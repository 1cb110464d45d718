"""The review-and-submit step."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import Role
from common import formats
from registry.factories import PersonFactory, UserFactory
from scholarships import eligibility, services, steps
from scholarships.factories import ApplicationFactory, CallFactory, CompleteApplicationFactory
from scholarships.models import ApplicationTransition
from scholarships.views import uploads
from scholarships.views.uploads import MSG_ALREADY_SUBMITTED, MSG_CALL_HAS_CLOSED, MSG_SUBMITTED
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

SUBMIT_BUTTON = "Submit my application"


@pytest.fixture
def applicant():
    user = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=user, birth_date=datetime.date(1995, 1, 20), country="SN")
    return user


@pytest.fixture
def application(applicant):
    return CompleteApplicationFactory(applicant=applicant.person)


def page_url(application):
    return reverse("scholarships:submit_step", args=[application.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_a_complete_eligible_draft_shows_the_summary_and_the_submit_button(client, applicant,
                                                                            application):
    client.force_login(applicant)
    response = client.get(page_url(application))
    assert response.status_code == 200
    assert response.context["can_submit"] is True
    assert response.context["missing"] == [] and response.context["problems"] == []
    html = response.content.decode()
    assert SUBMIT_BUTTON in html
    assert escape(application.degree_title) in html
    assert escape(application.study_programme) in html
    assert response.context["current_step"] == "submit"


def test_the_deadline_is_shown_in_brussels_time(client, applicant):
    # 21:59:30 UTC in summer is 23:59:30 in Brussels.
    year = timezone.now().year + 1
    call = CallFactory(closes_at=datetime.datetime(year, 7, 31, 21, 59, 30, tzinfo=datetime.UTC))
    application = CompleteApplicationFactory(call=call, applicant=applicant.person)
    client.force_login(applicant)
    html = client.get(page_url(application)).content.decode()
    assert f"31 July {year}, 23:59:30</time>" in html
    assert "(Brussels time)" in html


def test_submitting_issues_a_reference_and_shows_it(client, applicant, application):
    client.force_login(applicant)
    response = client.post(page_url(application))
    application.refresh_from_db()
    year = timezone.localtime().year
    assert application.state == State.SUBMITTED
    assert application.reference == f"SCH-{year}-00001"
    assert response.status_code == 302
    assert response.url == reverse("scholarships:application_detail", args=[application.pk])
    assert str(MSG_SUBMITTED % {"reference": application.reference}) in [
        str(m) for m in response.wsgi_request._messages]


def test_references_increase_from_one_application_to_the_next(client, applicant, application):
    client.force_login(applicant)
    client.post(page_url(application))
    other_user = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=other_user, birth_date=datetime.date(1999, 6, 1), country="RW")
    other = CompleteApplicationFactory(applicant=other_user.person)
    client.force_login(other_user)
    client.post(page_url(other))
    application.refresh_from_db()
    other.refresh_from_db()
    year = timezone.localtime().year
    assert [application.reference, other.reference] == [f"SCH-{year}-00001",
                                                        f"SCH-{year}-00002"]


def test_a_double_submit_submits_once(client, applicant, application):
    client.force_login(applicant)
    client.post(page_url(application))
    second = client.post(page_url(application))
    application.refresh_from_db()
    assert second.status_code == 302
    assert str(MSG_ALREADY_SUBMITTED % {"reference": application.reference}) in [
        str(m) for m in second.wsgi_request._messages]
    assert ApplicationTransition.objects.filter(application=application).count() == 1


def test_two_tabs_posting_at_once_submit_once(client, applicant, application, monkeypatch):
    """The second tab's request read the draft before the first one committed:
    the service, behind the row lock, finds it submitted and answers the same."""
    stale = ApplicationFactory._meta.model.objects.get(pk=application.pk)
    original = uploads.selectors.application_for_applicant
    client.force_login(applicant)
    client.post(page_url(application))

    def still_draft(user, pk):
        found = original(user, pk)
        found.state = stale.state
        return found

    monkeypatch.setattr(uploads.selectors, "application_for_applicant", still_draft)
    second = client.post(page_url(application))
    application.refresh_from_db()
    assert second.status_code == 302
    assert str(MSG_SUBMITTED % {"reference": application.reference}) in [
        str(m) for m in second.wsgi_request._messages]
    assert ApplicationTransition.objects.filter(application=application).count() == 1
    assert application.reference.endswith("-00001")


def test_an_incomplete_application_lists_what_is_missing_with_links(client, applicant):
    application = ApplicationFactory(applicant=applicant.person)
    client.force_login(applicant)
    response = client.get(page_url(application))
    missing = response.context["missing"]
    assert [item["text"] for item in missing] == steps.missing_items(application)
    urls = {item["url"] for item in missing}
    assert reverse("scholarships:documents_step", args=[application.pk]) in urls
    assert reverse("scholarships:referees_step", args=[application.pk]) in urls
    assert reverse("scholarships:application_step", args=[application.pk, "motivation"]) in urls
    assert all(item["url"] for item in missing)
    assert SUBMIT_BUTTON not in response.content.decode()

    response = client.post(page_url(application))
    assert response.status_code == 200
    assert response.context["error"] == str(services.MSG_INCOMPLETE)
    application.refresh_from_db()
    assert application.state == State.DRAFT and application.reference is None


def test_an_ineligible_application_lists_the_reasons_before_submission(client, applicant):
    person = applicant.person
    person.nationalities = ["BR"]
    person.save()
    application = CompleteApplicationFactory(applicant=person)
    client.force_login(applicant)
    response = client.get(page_url(application))
    assert response.context["problems"] == [str(eligibility.MSG_NATIONALITY)]
    html = response.content.decode()
    assert escape(str(eligibility.MSG_NATIONALITY)) in html
    assert SUBMIT_BUTTON not in html

    response = client.post(page_url(application))
    assert response.context["error"] == str(services.MSG_NOT_ELIGIBLE)
    application.refresh_from_db()
    assert application.state == State.DRAFT and application.reference is None


def test_a_page_opened_before_the_deadline_and_posted_after_is_refused_and_kept(
        client, applicant, application):
    client.force_login(applicant)
    assert SUBMIT_BUTTON in client.get(page_url(application)).content.decode()
    # The deadline passes while the applicant reads the summary.
    call = application.call
    call.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    call.save()

    response = client.post(page_url(application))
    closed = formats.moment(call.closes_at)
    assert response.status_code == 200
    assert response.context["error"] == str(services.MSG_CALL_CLOSED % {"closed": closed})
    assert escape(response.context["error"]) in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert application.reference is None and application.submitted_at is None
    assert not ApplicationTransition.objects.exists()
    # The page now says the call is closed instead of offering the button.
    assert SUBMIT_BUTTON not in response.content.decode()
    assert escape(str(MSG_CALL_HAS_CLOSED % {"closed": closed})) in response.content.decode()


def test_a_submitted_application_is_shown_read_only(client, applicant, application):
    application = services.application_submit(actor=applicant, application=application)
    client.force_login(applicant)
    response = client.get(page_url(application))
    html = response.content.decode()
    assert application.reference in html
    assert SUBMIT_BUTTON not in html
    assert response.context["summary"] == steps.render(application.submitted_snapshot) | {
        "call": str(application.call)}


def test_another_applicant_gets_404_and_cannot_submit(client, application):
    intruder = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=intruder)
    client.force_login(intruder)
    assert client.get(page_url(application)).status_code == 404
    assert client.post(page_url(application)).status_code == 404
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_submission_sends_one_confirmation(client, applicant, application, mailoutbox,
                                           django_capture_on_commit_callbacks):
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(application))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(application))
    application.refresh_from_db()
    assert len(mailoutbox) == 1
    assert application.reference in mailoutbox[0].subject
    assert application.confirmation_sent_at is not None


def test_a_withdrawn_draft_cannot_be_submitted(client, applicant, application):
    application = services.application_withdraw(actor=applicant, application=application)
    client.force_login(applicant)
    page = client.get(page_url(application))
    assert SUBMIT_BUTTON not in page.content.decode()
    assert str(State.WITHDRAWN.label) in page.content.decode()
    response = client.post(page_url(application))
    assert response.status_code == 302
    assert str(services.MSG_NOT_EDITABLE) in [str(m) for m in response.wsgi_request._messages]
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN and application.reference is None


# --- the moment of receipt (common/receipt.py) ---------------------------------------------

def post_received_at(client, application, received, processed):
    """A POST the front proxy received at `received` (its X-Request-Start)
    and a worker processed at `processed`."""
    with time_machine.travel(processed, tick=False):
        return client.post(page_url(application),
                           HTTP_X_REQUEST_START=f"t={received.timestamp():.3f}")


@pytest.fixture
def closing(applicant, settings):
    settings.REQUEST_START_TRUSTED = True
    closes_at = (timezone.now() + datetime.timedelta(hours=1)).replace(microsecond=0)
    call = CallFactory(closes_at=closes_at)
    return CompleteApplicationFactory(call=call, applicant=applicant.person)


def test_a_submission_received_before_the_deadline_is_accepted_though_processed_after(
        client, applicant, closing):
    client.force_login(applicant)
    closes_at = closing.call.closes_at
    received = closes_at - datetime.timedelta(seconds=1)
    response = post_received_at(client, closing, received,
                                processed=closes_at + datetime.timedelta(seconds=4))
    assert response.status_code == 302
    closing.refresh_from_db()
    assert closing.state == State.SUBMITTED and closing.reference
    assert closing.submitted_at == received


def test_a_submission_received_after_the_deadline_is_refused_and_kept(client, applicant,
                                                                      closing):
    client.force_login(applicant)
    closes_at = closing.call.closes_at
    response = post_received_at(client, closing, closes_at + datetime.timedelta(seconds=1),
                                processed=closes_at + datetime.timedelta(seconds=4))
    assert response.context["error"] == str(services.MSG_CALL_CLOSED % {
        "closed": formats.moment(closes_at)})
    closing.refresh_from_db()
    assert closing.state == State.DRAFT and closing.reference is None


def test_without_a_trusted_proxy_a_claimed_receipt_time_is_ignored(client, applicant, closing,
                                                                   settings):
    # The header could come from the client itself: only the server's clock counts.
    settings.REQUEST_START_TRUSTED = False
    client.force_login(applicant)
    closes_at = closing.call.closes_at
    post_received_at(client, closing, closes_at - datetime.timedelta(seconds=1),
                     processed=closes_at + datetime.timedelta(seconds=4))
    closing.refresh_from_db()
    assert closing.state == State.DRAFT


def test_a_receipt_time_too_old_or_in_the_future_is_not_believed(client, applicant, closing):
    client.force_login(applicant)
    closes_at = closing.call.closes_at
    # Ten minutes in a queue is no queue: a wrong clock or a replayed header.
    post_received_at(client, closing, closes_at - datetime.timedelta(minutes=10),
                     processed=closes_at + datetime.timedelta(seconds=4))
    closing.refresh_from_db()
    assert closing.state == State.DRAFT
    # A receipt after the processing is impossible: the server's clock is used.
    post_received_at(client, closing, closes_at + datetime.timedelta(minutes=1),
                     processed=closes_at - datetime.timedelta(seconds=30))
    closing.refresh_from_db()
    assert closing.state == State.SUBMITTED
    assert closing.submitted_at == closes_at - datetime.timedelta(seconds=30)
