"""The reviewer's pages: their queue, the declaration, the scoring, and that a
reviewer opens nothing but the applications assigned to them, and those only
after declaring no conflict of interest; and the administrator's buttons."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Role
from registry.factories import UserFactory
from scholarships import selectors, services
from scholarships.factories import (
    CallFactory,
    admin_user,
    eligible_application,
    review_as,
    reviewer,
)
from scholarships.models import ReviewAssignment
from scholarships.services import review as review_services
from scholarships.views import review as review_views
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def admin():
    return admin_user()


def assigned(admin, user, **kwargs):
    application = eligible_application(admin=admin,
                                       call=kwargs.pop("call", None)
                                       or CallFactory(reviewers_per_application=2), **kwargs)
    return services.review_assign(actor=admin, application=application, reviewer=user)


def detail(assignment):
    return reverse("scholarships:review_detail", args=[assignment.pk])


def document_url(assignment):
    document = assignment.application.documents.first()
    return reverse("scholarships:reviewer_document", args=[assignment.pk, document.pk])


def letter_url(assignment):
    referee = assignment.application.referees.first()
    referee.letter = ContentFile(b"%PDF-1.4\n%%EOF\n", name="letter.pdf")
    referee.letter_content_type = "application/pdf"
    from django.utils import timezone

    referee.letter_received_at = timezone.now()
    referee.save()
    return reverse("scholarships:reviewer_letter", args=[assignment.pk, referee.pk])


# --- isolation --------------------------------------------------------------------------------

def test_a_reviewer_cannot_open_an_application_assigned_to_someone_else(client, admin):
    mine = assigned(admin, reviewer())
    theirs = assigned(admin, reviewer())
    review_as(theirs, percent=70)
    client.force_login(mine.reviewer)
    for url in (detail(theirs), document_url(theirs), letter_url(theirs),
                reverse("scholarships:application_view", args=[theirs.application_id])):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert theirs.application.applicant.full_name not in response.content.decode()
    assert client.get(detail(mine)).status_code == 200


def test_the_application_opens_only_after_declaring_no_conflict(client, admin):
    assignment = assigned(admin, reviewer())
    client.force_login(assignment.reviewer)
    page = client.get(detail(assignment)).content.decode()
    assert escape(assignment.application.motivation[:40]) not in page
    assert client.get(document_url(assignment)).status_code == 404
    response = client.post(detail(assignment), {"conflict": "no"})
    assert response.status_code == 302
    page = client.get(detail(assignment)).content.decode()
    assert escape(assignment.application.motivation[:40]) in page
    assert client.get(document_url(assignment)).status_code == 200


def test_a_reviewer_who_declared_a_conflict_downloads_nothing(client, admin):
    assignment = assigned(admin, reviewer())
    client.force_login(assignment.reviewer)
    response = client.post(detail(assignment), {"conflict": "yes", "note": "My cousin."})
    assert response.url == reverse("scholarships:reviewer_home")
    assert client.get(document_url(assignment)).status_code == 404
    assert client.get(letter_url(assignment)).status_code == 404


def test_a_conflict_without_explanation_is_asked_again_beside_the_field(client, admin):
    assignment = assigned(admin, reviewer())
    client.force_login(assignment.reviewer)
    response = client.post(detail(assignment), {"conflict": "yes", "note": ""})
    assert response.status_code == 200
    assert escape(str(review_services.MSG_CONFLICT_NOTE)) in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == ReviewAssignment.Status.TO_DECLARE


def test_other_reviewers_scores_are_hidden_until_one_s_own_is_submitted(client, admin):
    mine = assigned(admin, reviewer())
    theirs = services.review_assign(actor=admin, application=mine.application,
                                    reviewer=reviewer())
    review_as(theirs, percent=40, comment="Methodology is weak and unfocused.")
    client.force_login(mine.reviewer)
    client.post(detail(mine), {"conflict": "no"})
    page = client.get(detail(mine)).content.decode()
    assert "Methodology is weak" not in page and "40.00" not in page
    criteria = list(mine.application.call.criteria.all())
    data = {f"criterion_{c.pk}": 4 for c in criteria} | {"comment": "Clear, relevant plan."}
    assert client.post(detail(mine), data).status_code == 302
    page = client.get(detail(mine)).content.decode()
    assert "Methodology is weak" in page and "40.00" in page
    assert theirs.reviewer.get_full_name() not in page  # anonymous


def test_a_reviewer_comments_each_criterion_and_reads_the_others_comments_after(client, admin):
    mine = assigned(admin, reviewer())
    theirs = services.review_assign(actor=admin, application=mine.application,
                                    reviewer=reviewer())
    review_as(theirs, percent=60, criterion_comment="Budget line for fieldwork is missing.")
    client.force_login(mine.reviewer)
    client.post(detail(mine), {"conflict": "no"})
    page = client.get(detail(mine)).content.decode()
    assert "Budget line for fieldwork" not in page
    first, *others = mine.application.call.criteria.all()
    data = {f"criterion_{c.pk}": 4 for c in (first, *others)} | {"comment": "Clear plan."}
    data[f"criterion_{first.pk}_comment"] = "  Two strong publications.  "
    assert client.post(detail(mine), data).status_code == 302
    score = mine.scores.get(criterion=first)
    assert score.comment == "Two strong publications."
    assert set(mine.scores.exclude(criterion=first).values_list("comment", flat=True)) == {""}
    page = client.get(detail(mine)).content.decode()
    assert "Two strong publications." in page  # my own review
    assert "Budget line for fieldwork is missing." in page  # the other, now I have scored
    # The administrator reads each reviewer's scores and comments per criterion.
    client.force_login(admin)
    page = client.get(reverse("scholarships:application_view",
                              args=[mine.application_id])).content.decode()
    assert f"{escape(first.name)}: 4/{first.scale_max}" in page
    assert "Two strong publications." in page and "Budget line for fieldwork" in page


def test_a_criterion_comment_too_long_is_refused_beside_it_keeping_the_scores(client, admin):
    assignment = assigned(admin, reviewer())
    client.force_login(assignment.reviewer)
    client.post(detail(assignment), {"conflict": "no"})
    first, *others = assignment.application.call.criteria.all()
    data = {f"criterion_{c.pk}": 3 for c in (first, *others)} | {"comment": "Kept comment"}
    data[f"criterion_{first.pk}_comment"] = "x" * 2001
    response = client.post(detail(assignment), data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    errors = response.context["review_form"].errors[f"criterion_{first.pk}_comment"]
    assert "2000" in errors[0] and "caractères" in errors[0]
    page = response.content.decode()
    assert "Kept comment" in page and f"Commentaire sur « {escape(first.name)} »" in page
    assignment.refresh_from_db()
    assert assignment.status == ReviewAssignment.Status.TO_SCORE


def test_a_score_outside_the_scale_is_refused_beside_the_field_keeping_the_rest(client, admin):
    assignment = assigned(admin, reviewer())
    client.force_login(assignment.reviewer)
    client.post(detail(assignment), {"conflict": "no"})
    first, *others = assignment.application.call.criteria.all()
    data = {f"criterion_{first.pk}": 9, "comment": "Kept comment"}
    data |= {f"criterion_{c.pk}": 3 for c in others}
    response = client.post(detail(assignment), data)
    assert response.status_code == 200
    form = response.context["review_form"]
    assert form.errors[f"criterion_{first.pk}"]
    assert "Kept comment" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == ReviewAssignment.Status.TO_SCORE


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.CASEWORKER, Role.SCHOLARSHIP_ADMIN])
def test_only_reviewers_open_the_review_pages(client, admin, role):
    assignment = assigned(admin, reviewer())
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("scholarships:reviewer_home")).status_code == 403
    assert client.get(detail(assignment)).status_code == 403


# --- the queue --------------------------------------------------------------------------------

def test_the_queue_shows_what_to_declare_to_score_and_done(client, admin):
    user = reviewer()
    to_declare = assigned(admin, user)
    to_score = assigned(admin, user)
    services.review_declare(actor=user, assignment=to_score, conflict=False)
    done = assigned(admin, user)
    review_as(done, percent=60)
    client.force_login(user)
    response = client.get(reverse("scholarships:reviewer_home"))
    assert [a.pk for a in response.context["to_declare"]] == [to_declare.pk]
    assert [a.pk for a in response.context["to_score"]] == [to_score.pk]
    assert [a.pk for a in response.context["page"]] == [done.pk]


def add_assignments(admin, user, n):
    call = CallFactory(reviewers_per_application=1)
    for i in range(n):
        assignment = assigned(admin, user, call=call)
        if i % 3 == 1:
            services.review_declare(actor=user, assignment=assignment, conflict=False)
        elif i % 3 == 2:
            review_as(assignment, percent=50 + i)


def test_the_queue_runs_the_same_number_of_queries_for_3_and_30_assignments(client, admin):
    user = reviewer()
    client.force_login(user)
    add_assignments(admin, user, 3)
    client.get(reverse("scholarships:reviewer_home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("scholarships:reviewer_home"))
    add_assignments(admin, user, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("scholarships:reviewer_home"))
    assert len(response.context["to_declare"]) == 10
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_a_long_history_is_read_a_page_at_a_time_the_latest_first(client, admin, monkeypatch):
    monkeypatch.setattr(review_views, "DONE_PER_PAGE", 2)
    user = reviewer()
    client.force_login(user)
    call = CallFactory(reviewers_per_application=1)

    def review_some(n):
        done = []
        for _ in range(n):
            done.append(review_as(assigned(admin, user, call=call), percent=70))
        return done

    first = review_some(1)
    client.get(reverse("scholarships:reviewer_home"))
    with CaptureQueriesContext(connection) as short:
        client.get(reverse("scholarships:reviewer_home"))
    done = first + review_some(4)
    with CaptureQueriesContext(connection) as long:
        response = client.get(reverse("scholarships:reviewer_home"))
    assert len(long) == len(short), [q["sql"] for q in long.captured_queries]
    page = response.context["page"]
    assert page.paginator.count == 5
    assert [row.pk for row in page] == [done[4].pk, done[3].pk]
    last = client.get(reverse("scholarships:reviewer_home"), {"page": 3}).context["page"]
    assert [row.pk for row in last] == [done[0].pk]
    # Each row links to its review and says what it was.
    html = response.content.decode()
    assert f'href="{detail(done[4])}"' in html and done[4].application.reference in html


# --- the administrator ------------------------------------------------------------------------

def test_the_staff_page_offers_the_next_steps_as_buttons(client, admin):
    from scholarships.factories import submitted_application

    application = submitted_application()
    client.force_login(admin)
    page = client.get(reverse("scholarships:application_view", args=[application.pk]))
    labels = [item["move"].label for item in page.context["moves"]]
    assert labels == ["Confirm eligibility", "Not eligible", "Withdraw"]
    response = client.post(reverse("scholarships:application_move", args=[application.pk]),
                           {"to": State.ELIGIBLE, "seen": State.SUBMITTED})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.ELIGIBLE


def test_a_button_pressed_on_a_stale_page_says_the_application_changed(client, admin):
    from scholarships.factories import submitted_application

    application = submitted_application()
    services.application_transition(actor=admin_user(), application=application,
                                    to=State.INELIGIBLE, reason="Too old")
    client.force_login(admin)
    response = client.post(reverse("scholarships:application_move", args=[application.pk]),
                           {"to": State.ELIGIBLE, "seen": State.SUBMITTED}, follow=True)
    assert escape(str(services.MSG_CHANGED_MEANWHILE % {"state": State.INELIGIBLE.label})) \
        in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.INELIGIBLE


def test_the_data_protection_officer_reads_the_page_without_buttons(client, admin):
    from scholarships.factories import submitted_application

    application = submitted_application()
    client.force_login(UserFactory(roles=[Role.DPO]))
    page = client.get(reverse("scholarships:application_view", args=[application.pk]))
    assert page.context["moves"] == []
    assert client.post(reverse("scholarships:application_move", args=[application.pk]),
                       {"to": State.ELIGIBLE, "seen": State.SUBMITTED}).status_code == 403


def test_automatic_assignment_from_the_staff_page_reports_a_shortage(client, admin):
    application = eligible_application(admin=admin, call=CallFactory(reviewers_per_application=2))
    reviewer()
    client.force_login(admin)
    response = client.post(reverse("scholarships:reviewers_assign", args=[application.pk]),
                           {"action": "auto"}, follow=True)
    content = response.content.decode()
    assert escape(str(review_views.MSG_SHORT % {"count": 1})) in content
    assert ReviewAssignment.objects.filter(application=application).count() == 1


def test_a_long_open_queue_shows_the_oldest_with_how_many_there_are(client, admin, monkeypatch):
    """The open assignments of each kind are capped (OPEN_SHOWN), the oldest
    first, and the badge and a sentence say how many wait in all."""
    monkeypatch.setattr(selectors, "OPEN_SHOWN", 2)
    user = reviewer()
    call = CallFactory(reviewers_per_application=1)
    waiting = [assigned(admin, user, call=call) for _ in range(3)]
    scoring = [assigned(admin, user, call=call) for _ in range(3)]
    for assignment in scoring:
        services.review_declare(actor=user, assignment=assignment, conflict=False)
    client.force_login(user)
    response = client.get(reverse("scholarships:reviewer_home"))
    assert [a.pk for a in response.context["to_declare"]] == [a.pk for a in waiting[:2]]
    assert [a.pk for a in response.context["to_score"]] == [a.pk for a in scoring[:2]]
    page = response.content.decode()
    assert '<span class="badge text-bg-secondary">3</span>' in page
    assert "The oldest 2 of 3; the next ones appear here once these are declared." in page
    assert "The oldest 2 of 3; the next ones appear here once these are scored." in page
    assert waiting[2].application.reference not in page
