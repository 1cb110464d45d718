"""The admin of review, selection, awards and follow-up: each list runs a
fixed number of queries, the application page shows its next steps as
buttons that go through the one service, and the bulk actions report what
was refused and why."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    ReviewerProfileFactory,
    admin_user,
    eligible_application,
    review_as,
    submitted_application,
)
from scholarships.models import (
    Application,
    AwardOffer,
    CommitteeMeeting,
    ProgressReport,
    ReviewAssignment,
    ScholarFollowUp,
)
from scholarships.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def changelist(model_name):
    return reverse(f"admin:scholarships_{model_name}_changelist")


def results(response):
    return list(response.context["cl"].result_list)


# --- rows of each list (the records are written by the services elsewhere; here
# they are only rows to list) ------------------------------------------------------------------

def add_profiles(n):
    ReviewerProfileFactory.create_batch(n)


def add_assignments(n):
    admin = admin_user()
    call = CallFactory(reviewers_per_application=n + 1)
    application = eligible_application(admin=admin, call=call)
    for profile in ReviewerProfileFactory.create_batch(n):
        services.review_assign(actor=admin, application=application, reviewer=profile.user)


def add_scores(n):
    admin = admin_user()
    call = CallFactory(reviewers_per_application=n)
    application = eligible_application(admin=admin, call=call)
    for profile in ReviewerProfileFactory.create_batch(max(n // 3, 1)):
        review_as(services.review_assign(actor=admin, application=application,
                                         reviewer=profile.user), percent=70)


def add_meetings(n):
    call = CallFactory()
    user = admin_user()
    for i in range(n):
        CommitteeMeeting.objects.create(call=call, held_on=datetime.date(2027, 1, 1 + i % 28),
                                        members_present="A\nB", rationale="R", recorded_by=user)


def _offer(application, **kwargs):
    today = timezone.localdate()
    return AwardOffer.objects.create(
        application=application, monthly_allowance=Decimal("1000"), tuition=Decimal("0"),
        travel=Decimal("0"), insurance=Decimal("0"), starts_on=today,
        ends_on=today + datetime.timedelta(days=300), deadline=timezone.now(), **kwargs)


def add_offers(n):
    call = CallFactory()
    for _i in range(n):
        _offer(ApplicationFactory(call=call), created_by=admin_user())


def add_follow_ups(n):
    call = CallFactory()
    for _i in range(n):
        ScholarFollowUp.objects.create(application=ApplicationFactory(call=call),
                                       arrived_on=datetime.date(2027, 9, 1))


def add_reports(n):
    call = CallFactory()
    for i in range(n):
        follow_up = ScholarFollowUp.objects.create(application=ApplicationFactory(call=call))
        ProgressReport.objects.create(follow_up=follow_up, academic_year=2027 + i % 3,
                                      received_on=datetime.date(2027, 6, 1),
                                      assessment=ProgressReport.Assessment.GOOD)


ROWS = {
    "reviewerprofile": add_profiles,
    "reviewassignment": add_assignments,
    "reviewscore": add_scores,
    "committeemeeting": add_meetings,
    "awardoffer": add_offers,
    "scholarfollowup": add_follow_ups,
    "progressreport": add_reports,
}


@pytest.mark.parametrize("model_name", list(ROWS))
def test_each_list_runs_the_same_number_of_queries_for_3_and_30_rows(root, model_name):
    url = changelist(model_name)
    ROWS[model_name](3)
    root.get(url)
    with CaptureQueriesContext(connection) as few:
        response = root.get(url)
    shown = len(results(response))
    ROWS[model_name](27)
    with CaptureQueriesContext(connection) as many:
        response = root.get(url)
    assert response.status_code == 200
    assert len(results(response)) > shown
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


@pytest.mark.parametrize("model_name", list(ROWS))
def test_each_change_page_opens(root, model_name):
    ROWS[model_name](3)
    obj = results(root.get(changelist(model_name)))[0]
    url = reverse(f"admin:scholarships_{model_name}_change", args=[obj.pk])
    assert root.get(url).status_code == 200


@pytest.mark.parametrize("role", [Role.SCHOLARSHIP_ADMIN, Role.DPO])
@pytest.mark.parametrize("model_name", list(ROWS))
def test_scholarship_staff_can_read_each_list(client, role, model_name):
    ROWS[model_name](2)
    client.force_login(UserFactory(is_staff=True, roles=[role]))
    assert client.get(changelist(model_name)).status_code == 200


def test_only_reviewer_profiles_are_edited_in_the_admin(client):
    client.force_login(UserFactory(is_staff=True, roles=[Role.SCHOLARSHIP_ADMIN]))
    assert client.get(reverse("admin:scholarships_reviewerprofile_add")).status_code == 200
    for model_name in ("reviewassignment", "committeemeeting", "awardoffer",
                       "scholarfollowup"):
        assert client.get(reverse(f"admin:scholarships_{model_name}_add")).status_code == 403


# --- the application page ----------------------------------------------------------------------

def office():
    return admin_user(is_staff=True, username="office")


def test_the_admin_page_shows_the_next_steps_and_a_button_moves_through_the_service(client):
    application = submitted_application()
    user = office()
    client.force_login(user)
    url = reverse("admin:scholarships_application_change", args=[application.pk])
    page = client.get(url)
    assert [item["move"].target for item in page.context["next_moves"]] == [
        State.ELIGIBLE, State.INELIGIBLE, State.WITHDRAWN]
    move = reverse("admin:scholarships_application_move", args=[application.pk])
    response = client.post(move, {"to": State.INELIGIBLE, "seen": State.SUBMITTED,
                                  "reason": ""})
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [str(services.MSG_REASON_REQUIRED)]
    client.post(move, {"to": State.INELIGIBLE, "seen": State.SUBMITTED,
                       "reason": "Diploma not recognised"})
    application.refresh_from_db()
    assert application.state == State.INELIGIBLE
    assert application.transitions.last().actor == user


def test_the_data_protection_officer_gets_no_buttons_and_cannot_post(client):
    application = submitted_application()
    client.force_login(UserFactory(is_staff=True, roles=[Role.DPO]))
    page = client.get(reverse("admin:scholarships_application_change", args=[application.pk]))
    assert page.context["next_moves"] == []
    response = client.post(reverse("admin:scholarships_application_move",
                                   args=[application.pk]),
                           {"to": State.ELIGIBLE, "seen": State.SUBMITTED})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_each_application_row_has_its_checkbox_and_its_state(client):
    submitted = submitted_application()
    draft = ApplicationFactory()
    client.force_login(office())
    content = client.get(changelist("application")).content.decode()
    for application, state in ((submitted, State.SUBMITTED), (draft, State.DRAFT)):
        assert (f'<input type="checkbox" name="_selected_action" value="{application.pk}" '
                f'class="action-select" aria-label="'
                f'{escape(f"Select this object for an action - {application}")}">') in content
        row = content.split(f'value="{application.pk}"', 1)[1].split("</tr>", 1)[0]
        assert f"<td class=\"field-state_label\">{state.label}</td>" in row


def test_bulk_confirmation_of_eligibility_reports_each_refusal(client):
    good = [submitted_application() for _ in range(3)]
    draft = ApplicationFactory()
    client.force_login(office())
    response = client.post(changelist("application"), {
        "action": "confirm_eligibility",
        "_selected_action": [a.pk for a in [*good, draft]]}, follow=True)
    content = response.content.decode()
    assert "Eligibility confirmed for 3 applications." in content
    assert "1 application was refused:" in content
    assert escape(f"{draft}: " + str(services.MSG_TRANSITION % {
        "from": State.DRAFT.label, "to": State.ELIGIBLE.label})) in content
    assert Application.objects.filter(state=State.ELIGIBLE).count() == 3
    assert Application.objects.get(pk=draft.pk).state == State.DRAFT


def test_bulk_automatic_assignment_says_which_applications_lack_reviewers(client):
    admin = office()
    ready = eligible_application(admin=admin, call=CallFactory(reviewers_per_application=1))
    short = eligible_application(admin=admin, call=CallFactory(reviewers_per_application=3))
    ReviewerProfileFactory.create_batch(2)
    client.force_login(admin)
    response = client.post(changelist("application"), {
        "action": "assign_reviewers", "_selected_action": [ready.pk, short.pk]}, follow=True)
    content = response.content.decode()
    assert "Reviewers assigned to 1 applications." in content
    assert "2 of 3 reviewers found." in content
    assert ReviewAssignment.objects.filter(application=ready).count() == 1


def test_the_data_protection_officer_cannot_revert_a_reviewer_profile(client):
    profile = ReviewerProfileFactory(country="BE")
    profile.country = "KE"
    profile.save()
    first = profile.history.order_by("history_date").first()
    client.force_login(UserFactory(is_staff=True, roles=[Role.DPO]))
    url = reverse("admin:scholarships_reviewerprofile_simple_history",
                  args=[profile.pk, first.history_id])
    assert client.post(url, {}).status_code == 403
    profile.refresh_from_db()
    assert profile.country.code == "KE"
