"""The staff application page at its cost (issue 14): a fixed number of
queries whatever the number of reviewers, and the reviewer <select> read as
values with the labels the assignment form gives."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.factories import OrganisationFactory
from scholarships.factories import (
    admin_user,
    eligible_application,
    reviewer,
)
from scholarships.forms.decisions import AssignReviewerForm
from scholarships.services import review_assign

pytestmark = pytest.mark.django_db

# The user, the application with its documents, required documents, referees
# and history, the reminders, the eligibility check, the duplicates (4), the
# review summary (for the buttons' guard, and again for the page: one rule,
# computed by the database), the assignments and their scores, the reviewers,
# the offers, the read log.
APPLICATION_PAGE_QUERIES = 19


def page(client, application):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("scholarships:application_view", args=[application.pk]))
    assert response.status_code == 200
    return response, queries


def test_the_reviewer_choices_are_the_form_s_choices_with_its_labels(client):
    admin = admin_user()
    application = eligible_application(admin=admin)
    institution = OrganisationFactory(name="University of Ghana", acronym="UG")
    asked = reviewer(country="FR")
    reviewer(country="SN", institution=institution, expertise="Hydrology")
    reviewer(country="BE", expertise="", user__first_name="", user__last_name="")
    review_assign(actor=admin, application=application, reviewer=asked)

    client.force_login(admin)
    response, _queries = page(client, application)
    shown = list(response.context["assign_form"].fields["reviewer"].choices)
    form = AssignReviewerForm(application=application)
    expected = [(str(value), label) for value, label in form.fields["reviewer"].choices]
    assert [(str(value), label) for value, label in shown] == expected
    assert len(shown) == 3  # the empty choice and the two reviewers not yet asked
    html = response.content.decode()
    assert "Hydrology" in html and "University of Ghana (UG)" in html
    assert f'<option value="{asked.pk}"' not in html


def test_the_application_page_runs_a_fixed_number_of_queries(client):
    admin = admin_user()
    application = eligible_application(admin=admin)
    review_assign(actor=admin, application=application, reviewer=reviewer())
    reviewer()
    client.force_login(admin)
    client.get(reverse("scholarships:application_view", args=[application.pk]))
    _response, few = page(client, application)
    for _ in range(8):
        reviewer()
    review_assign(actor=admin, application=application, reviewer=reviewer())
    response, many = page(client, application)
    assert len(many) == len(few) == APPLICATION_PAGE_QUERIES, "\n".join(
        q["sql"][:120] for q in many.captured_queries)
    assert len(response.context["assignments"]) == 2

