"""Counts read right in English: "1 review", "2 reviews", never "1 reviews";
"1 award free", "2 awards free"."""

import pytest
from django.urls import reverse
from django.utils import timezone

from scholarships import services
from scholarships.factories import (
    CallFactory,
    admin_user,
    eligible_application,
    ranked_application,
    reviewer,
)
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.mark.parametrize(("reviewers", "text"), [
    (1, "0 of 1 review submitted."),
    (2, "0 of 2 reviews submitted."),
])
def test_the_review_count_on_the_staff_page_agrees_with_its_number(client, reviewers, text):
    admin = admin_user()
    application = eligible_application(
        admin=admin, call=CallFactory(reviewers_per_application=reviewers))
    for _ in range(reviewers):
        services.review_assign(actor=admin, application=application, reviewer=reviewer())
    client.force_login(admin)

    page = client.get(reverse("scholarships:application_view", args=[application.pk]))

    assert page.status_code == 200
    assert text in page.content.decode()
    assert "1 reviews" not in page.content.decode()


@pytest.mark.parametrize(("quota", "text"), [(2, "1 award free."), (3, "2 awards free.")])
def test_the_free_awards_on_the_offer_page_agree_with_their_number(client, quota, text):
    admin = admin_user()
    application = ranked_application(admin=admin, percents=(80,),
                                     call=CallFactory(quota=quota, reviewers_per_application=1))
    services.committee_decide(
        actor=admin, call=application.call, held_on=timezone.localdate(),
        members_present="Prof. A. Mbeki", rationale="Best ranked.",
        decisions=[services.Decision(application.pk, State.SELECTED, State.RANKED)])
    client.force_login(admin)

    page = client.get(reverse("scholarships:offer_make", args=[application.pk]))

    assert page.status_code == 200
    assert text in page.content.decode()


@pytest.mark.parametrize(("needed", "text"), [
    (1, "The review is not complete: 0 of 1 submitted."),
    (2, "The reviews are not complete: 0 of 2 submitted."),
])
def test_closing_a_review_too_early_counts_the_reviews_right(needed, text):
    admin = admin_user()
    application = eligible_application(
        admin=admin, call=CallFactory(reviewers_per_application=needed))
    for _ in range(needed):
        services.review_assign(actor=admin, application=application, reviewer=reviewer())
    with pytest.raises(services.InvalidTransition) as refused:
        services.application_transition(actor=admin, application=application, to=State.RANKED)
    assert refused.value.messages == [text]


@pytest.mark.parametrize(("needed", "text"), [
    (1, "0 of 1 reviewer found."),
    (2, "0 of 2 reviewers found."),
])
def test_assigning_reviewers_to_many_counts_the_reviewers_right(needed, text):
    # Nobody may review: every reviewer is from the applicant's country.
    admin = admin_user()
    application = eligible_application(
        admin=admin, applicant__nationalities=["SN"],
        call=CallFactory(reviewers_per_application=needed))
    reviewer(country="SN")
    done = services.reviewers_assign_many(actor=admin, applications=[application])
    assert done.short == [(application, text)]
