import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from scholarships.models import Call
from scholarships.selectors import open_calls

pytestmark = pytest.mark.django_db


def test_demo_calls_load_once_and_two_are_open_on_the_public_page():
    call_command("seed_demo", persons=8, stdout=io.StringIO())
    call_command("seed_demo_scholarships", stdout=io.StringIO())
    call_command("seed_demo_scholarships", stdout=io.StringIO())
    assert Call.objects.count() == 3
    assert open_calls().count() == 2
    page = Client().get("/scholarships/calls/")
    for call in open_calls():
        assert escape(call.title) in page.content.decode()


def test_the_demo_shows_a_selection_in_progress_and_the_reviewer_has_a_queue():
    from django.contrib.auth import get_user_model

    from scholarships import selectors
    from scholarships.models import Application, AwardOffer, CommitteeMeeting, ReviewAssignment
    from scholarships.workflow import State

    call_command("seed_demo", persons=8, stdout=io.StringIO())
    call_command("seed_demo_scholarships", stdout=io.StringIO())
    counts = (Application.objects.count(), ReviewAssignment.objects.count(),
              AwardOffer.objects.count(), CommitteeMeeting.objects.count())
    call_command("seed_demo_scholarships", stdout=io.StringIO())
    assert (Application.objects.count(), ReviewAssignment.objects.count(),
            AwardOffer.objects.count(), CommitteeMeeting.objects.count()) == counts
    queue = selectors.reviewer_queue(get_user_model().objects.get(username="reviewer"))
    assert (len(queue["to_declare"]), len(queue["to_score"]), len(queue["done"])) == (2, 1, 1)
    states = set(Application.objects.values_list("state", flat=True))
    assert {State.SUBMITTED, State.ELIGIBLE, State.IN_REVIEW, State.SELECTED, State.RESERVE,
            State.OFFERED, State.ACCEPTED} <= states
    assert AwardOffer.objects.filter(status=AwardOffer.Status.OPEN).count() == 1
    client = Client()
    client.force_login(get_user_model().objects.get(username="scholarships"))
    call = Call.objects.get(slug__startswith="phd-")
    response = client.get(f"/scholarships/ranking/{call.pk}/")
    assert response.status_code == 200 and len(response.context["rows"]) == 12
