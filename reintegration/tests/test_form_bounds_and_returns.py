"""What caseworkers hit on the case's forms (issue 12): dates absurdly far
in the past or future are refused beside the field with the allowed range;
the score-drop banner leaves closed cases; a travel document added from the
departure form brings the user back to that form."""

import datetime

import pytest
from django.urls import reverse

from reintegration import forms
from reintegration.factories import CaseFactory, case_through
from reintegration.workflow import State

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def test_a_departure_planned_in_2150_is_refused_with_the_allowed_range(client, worker, boss):
    case = case_through(State.RETURN_APPROVED, worker=worker, approver=boss)
    client.force_login(worker)
    url = reverse("reintegration:case_departure", args=[case.pk])
    page = client.get(url).content.decode()
    latest = TODAY().replace(year=TODAY().year + forms.YEARS_PLANNED_AHEAD)
    assert f'max="{latest.isoformat()}"' in page  # the date picker offers only the window

    response = client.post(url, {"planned_on": "2150-01-01", "reason": "Flight SN 202"})
    error = response.context["form"].errors["planned_on"][0]
    assert error.startswith("This date is too far ahead") and str(latest.year) in error
    assert response.context["form"]["reason"].value() == "Flight SN 202"  # nothing lost
    case.refresh_from_db()
    assert case.state == State.RETURN_APPROVED and case.planned_departure_on is None


def test_an_arrival_years_ago_is_refused_and_one_last_week_is_not():
    long_ago = TODAY() - datetime.timedelta(days=365 * (forms.YEARS_RECORDED_LATE + 1))
    form = forms.ArrivalForm({"arrived_on": long_ago.isoformat()})
    assert form.errors["arrived_on"][0].startswith("This date is too long ago")
    assert forms.ArrivalForm({"arrived_on": (TODAY() - datetime.timedelta(days=7)).isoformat()}
                             ).is_valid()
    # The future is still refused with its own message.
    tomorrow = TODAY() + datetime.timedelta(days=1)
    assert forms.ArrivalForm({"arrived_on": tomorrow.isoformat()}).errors["arrived_on"] == [
        forms.MSG_NOT_IN_FUTURE]


def test_the_help_text_of_a_date_says_its_range():
    help_text = str(forms.ArrivalForm().fields["arrived_on"].help_text)
    assert help_text.startswith("Between ")


def test_a_visit_due_date_a_century_ahead_is_refused():
    form = forms.VisitDateForm({"due_on": "2126-06-01"})
    assert form.errors["due_on"][0].startswith("This date is too far ahead")


# --- the score-drop banner -------------------------------------------------------------------

@pytest.mark.parametrize(("state", "shown"), [(State.MONITORING, True), (State.CLOSED, False)])
def test_the_score_drop_banner_shows_on_open_cases_only(client, worker, state, shown):
    case = CaseFactory(caseworker=worker, state=state, score_dropped=True)
    client.force_login(worker)
    page = client.get(reverse("reintegration:case_detail", args=[case.pk])).content.decode()
    assert ('id="score-drop"' in page) is shown


# --- back to the departure form after adding a travel document ---------------------------------

def test_a_document_added_from_the_departure_form_returns_to_it(client, worker, boss):
    case = case_through(State.RETURN_APPROVED, worker=worker, approver=boss)
    client.force_login(worker)
    departure = reverse("reintegration:case_departure", args=[case.pk])
    page = client.get(departure).content.decode()
    add = reverse("registry:document_create", args=[case.principal_id])
    link = f"{add}?next={departure}"
    assert f'href="{link}"' in page

    response = client.post(link, {
        "kind": "passport", "number": "A 7788 9911", "issuing_country": "GN",
        "issued_on": (TODAY() - datetime.timedelta(days=400)).isoformat(),
        "expires_on": (TODAY() + datetime.timedelta(days=2000)).isoformat(),
    })
    assert response.status_code == 302 and response["Location"] == departure
    assert case.principal.documents.filter(number="A 7788 9911").exists()


@pytest.mark.parametrize("next_url", ["https://evil.example.org/", "//evil.example.org/x"])
def test_a_next_address_on_another_site_is_ignored(client, worker, boss, next_url):
    case = case_through(State.RETURN_APPROVED, worker=worker, approver=boss)
    client.force_login(worker)
    add = reverse("registry:document_create", args=[case.principal_id])
    response = client.post(f"{add}?next={next_url}", {
        "kind": "passport", "number": "B 1234 5678", "issuing_country": "GN",
    })
    assert response.status_code == 302
    assert response["Location"] == case.principal.get_absolute_url()
