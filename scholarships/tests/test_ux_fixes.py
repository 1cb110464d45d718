"""Issue 12, points 6, 7 and 9: counting the selection again without the
meeting's errors, accepting an award with its conditions and a confirmation,
and a reviewer list without the reviewers already asked."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    CallFactory,
    admin_user,
    eligible_application,
    offered_application,
    ranked_application,
    reviewer,
)
from scholarships.forms.decisions import AcceptForm
from scholarships.models import AwardOffer, CommitteeMeeting, ReviewAssignment, ScholarFollowUp
from scholarships.views import awards as award_views
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

REQUIRED = "This field is required."


@pytest.fixture
def admin():
    return admin_user()


def ranking_url(call):
    return reverse("scholarships:ranking", args=[call.pk])


def accept_url(application, offer):
    return reverse("scholarships:offer_accept", args=[application.pk, offer.pk])


def state_of(application):
    application.refresh_from_db()
    return application.state


# --- 6. counting the selection again -----------------------------------------------------------

def test_counting_again_shows_the_counts_and_no_error_on_the_meeting(client, admin):
    call = CallFactory(quota=5, reviewers_per_application=1)
    woman = ranked_application(admin=admin, call=call, percents=(90,), applicant__sex="female",
                               applicant__country="SN", applicant__nationalities=["SN"])
    client.force_login(admin)
    response = client.post(ranking_url(call), {
        "action": "preview", "page": "1",
        f"decision-{woman.pk}": State.SELECTED, f"seen-{woman.pk}": woman.state})
    content = response.content.decode()
    assert response.status_code == 200
    assert REQUIRED not in content
    assert "is-invalid" not in content
    assert response.context["split"]["total"] == 1
    assert response.context["split"]["country"] == [("Senegal", 1, 100)]
    assert 'id="marked-count">1<' in content
    assert not CommitteeMeeting.objects.exists()


def test_counting_again_keeps_what_was_typed_for_the_meeting(client, admin):
    call = CallFactory(quota=5, reviewers_per_application=1)
    ranked_application(admin=admin, call=call, percents=(90,))
    client.force_login(admin)
    content = client.post(ranking_url(call), {
        "action": "preview", "members_present": "Prof. Zephyrine Quillfeather",
        "rationale": ""}).content.decode()
    assert "Prof. Zephyrine Quillfeather" in content
    assert REQUIRED not in content


def test_recording_still_asks_for_the_meeting(client, admin):
    call = CallFactory(quota=5, reviewers_per_application=1)
    application = ranked_application(admin=admin, call=call, percents=(90,))
    client.force_login(admin)
    content = client.post(ranking_url(call), {
        "action": "record", f"decision-{application.pk}": State.SELECTED,
        f"seen-{application.pk}": application.state}).content.decode()
    assert REQUIRED in content
    assert not CommitteeMeeting.objects.exists()
    assert state_of(application) == State.RANKED


# --- 7. accepting an award -------------------------------------------------------------------

def test_the_accept_page_shows_the_package_and_the_conditions_and_changes_nothing(client, admin):
    application, offer = offered_application(admin=admin)
    client.force_login(application.applicant.user)
    response = client.get(accept_url(application, offer))
    content = response.content.decode()
    assert response.status_code == 200
    assert f"EUR {offer.total:,.2f}" in content
    assert f"EUR {offer.tuition:,.2f}" in content
    assert "The conditions" in content
    assert "report your progress each academic year" in content
    assert 'name="confirm"' in content
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.OPEN
    assert state_of(application) == State.OFFERED


def test_the_portal_leads_to_the_accept_page_instead_of_accepting(client, admin):
    application, offer = offered_application(admin=admin)
    client.force_login(application.applicant.user)
    content = client.get(application.get_absolute_url()).content.decode()
    assert f'action="{accept_url(application, offer)}"' in content
    assert re.search(r'<form method="get" action="' + re.escape(accept_url(application, offer)),
                     content)


def test_accepting_without_the_confirmation_does_not_accept_and_says_why(client, admin):
    application, offer = offered_application(admin=admin)
    client.force_login(application.applicant.user)
    response = client.post(accept_url(application, offer), {})
    content = response.content.decode()
    assert response.status_code == 200
    message = escape(str(AcceptForm.base_fields["confirm"].error_messages["required"]))
    # Next to the box: crispy's error of the field, not a message at the top.
    assert re.search(r'id="error_1_id_confirm"[^>]*>\s*<strong>' + re.escape(message), content)
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.OPEN
    assert state_of(application) == State.OFFERED


def test_accepting_with_the_confirmation_accepts(client, admin):
    application, offer = offered_application(admin=admin)
    client.force_login(application.applicant.user)
    response = client.post(accept_url(application, offer), {"confirm": "on"}, follow=True)
    assert escape(str(award_views.MSG_ACCEPTED)) in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == AwardOffer.Status.ACCEPTED
    assert state_of(application) == State.ACCEPTED
    assert ScholarFollowUp.objects.filter(application=application).exists()


def test_an_answered_or_lapsed_offer_shows_no_confirmation(client, admin):
    application, offer = offered_application(admin=admin)
    AwardOffer.objects.filter(pk=offer.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(application.applicant.user)
    content = client.get(accept_url(application, offer)).content.decode()
    assert 'name="confirm"' not in content
    assert "can no longer be answered" in content
    client.post(accept_url(application, offer), {"confirm": "on"})
    assert state_of(application) == State.OFFERED


def test_nobody_else_opens_the_accept_page(client, admin):
    application, offer = offered_application(admin=admin)
    for user in (UserFactory(roles=[Role.APPLICANT]), reviewer(), admin):
        client.force_login(user)
        assert client.get(accept_url(application, offer)).status_code == 404, user
        assert client.post(accept_url(application, offer),
                           {"confirm": "on"}).status_code == 404, user
    assert state_of(application) == State.OFFERED


@pytest.mark.parametrize(("language", "allowance"), [
    ("fr", "Allocation mensuelle"), ("nl", "Maandelijkse toelage")])
def test_the_accept_page_speaks_the_applicants_language(client, admin, language, allowance):
    application, offer = offered_application(admin=admin)
    client.force_login(application.applicant.user)
    try:
        content = client.get(accept_url(application, offer),
                             HTTP_ACCEPT_LANGUAGE=language).content.decode()
    finally:
        translation.activate("en")
    assert allowance in content
    assert f'lang="{language}"' in content


# --- 9. the reviewer list --------------------------------------------------------------------

def reviewer_options(content: str) -> set[str]:
    select = re.search(r'<select name="reviewer".*?</select>', content, re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', select))


def test_a_reviewer_already_asked_is_not_offered_again(client, admin):
    application = eligible_application(admin=admin, call=CallFactory(reviewers_per_application=3))
    asked, cancelled, free = reviewer(), reviewer(), reviewer()
    services.review_assign(actor=admin, application=application, reviewer=asked)
    taken_back = services.review_assign(actor=admin, application=application, reviewer=cancelled)
    services.review_assignment_cancel(actor=admin, assignment=taken_back)
    client.force_login(admin)
    content = client.get(reverse("scholarships:application_view",
                                 args=[application.pk])).content.decode()
    options = reviewer_options(content)
    assert str(free.pk) in options
    assert str(asked.pk) not in options
    # One assignment per reviewer and application: a cancelled one cannot be made again.
    assert str(cancelled.pk) not in options


def test_posting_a_reviewer_already_asked_is_refused_with_a_message(client, admin):
    application = eligible_application(admin=admin, call=CallFactory(reviewers_per_application=3))
    asked = reviewer()
    services.review_assign(actor=admin, application=application, reviewer=asked)
    client.force_login(admin)
    response = client.post(reverse("scholarships:reviewers_assign", args=[application.pk]),
                           {"reviewer": asked.pk}, follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert ReviewAssignment.objects.filter(application=application, reviewer=asked).count() == 1
