"""Implausible dates in the applicant's portal (issue 12): a date of birth
of 1850 or of a child, a planned start in 2150 for a 2027-2028 call. The
allowed range is in the help text and in the error beside the field, and
what was typed comes back."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from scholarships.factories import ApplicationFactory
from scholarships.forms import steps as step_forms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def applicant(client):
    user = UserFactory(roles=[Role.APPLICANT])
    person = PersonFactory(user=user, given_names="Aminata", family_name="Diallo",
                           birth_date=datetime.date(1996, 3, 12), preferred_language="en")
    client.force_login(user)
    return person


def step_url(application, slug) -> str:
    return reverse("scholarships:application_step", args=[application.pk, slug])


def personal(**overrides) -> dict:
    data = {"given_names": "Aminata", "family_name": "Diallo Sow", "birth_date": "1996-03-12",
            "birth_date_precision": "day", "sex": "female", "nationalities": ["SN"],
            "country_of_residence": "SN", "phone": "+221 77 123 45 67",
            "preferred_language": "en", "continue": "1"}
    return {**data, **overrides}


def test_a_birth_date_in_1850_is_refused_with_the_earliest_date_allowed(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "personal"), personal(birth_date="1850-04-02"))
    form = response.context["form"]
    assert form.errors["birth_date"][0].startswith("A date of birth is at most 120 years ago")
    assert str(timezone.localdate().year - 120) in form.errors["birth_date"][0]
    assert form["birth_date"].value() == "1850-04-02"
    assert form["family_name"].value() == "Diallo Sow"
    applicant.refresh_from_db()
    assert applicant.birth_date == datetime.date(1996, 3, 12)


def test_an_applicant_younger_than_sixteen_is_told_the_minimum_age(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    child = timezone.localdate() - datetime.timedelta(days=365 * 10)
    response = client.post(step_url(application, "personal"),
                           personal(birth_date=child.isoformat()))
    error = response.context["form"].errors["birth_date"][0]
    assert error.startswith(f"Applicants are at least {step_forms.APPLICANT_MIN_AGE} years old")


def test_the_birth_date_field_says_its_range_and_the_picker_offers_only_it(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    page = client.get(step_url(application, "personal")).content.decode()
    latest = step_forms.APPLICANT_BIRTH_WINDOW.bounds()[1]
    assert f'max="{latest.isoformat()}"' in page
    form = client.get(step_url(application, "personal")).context["form"]
    assert "Between " in str(form.fields["birth_date"].help_text)


def test_a_planned_start_in_2150_is_refused_naming_the_calls_year(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    call = application.call
    data = {"host_institution": call.host_institutions.get().pk,
            "study_programme": "MSc Rural Development", "planned_start": "2150-09-15",
            "duration_months": "24", "continue": "1"}
    response = client.post(step_url(application, "study-plan"), data)
    form = response.context["form"]
    error = form.errors["planned_start"][0]
    year = f"{call.academic_year}-{call.academic_year + 1}"
    assert error.startswith(f"This call is for the academic year {year}")
    assert str(call.academic_year + 1) in error
    assert form["study_programme"].value() == "MSc Rural Development"
    assert year in str(form.fields["planned_start"].help_text)

    response = client.post(step_url(application, "study-plan"),
                           {**data, "planned_start": f"{call.academic_year}-09-15"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.planned_start == datetime.date(call.academic_year, 9, 15)
