"""Implausible dates on the registry's forms (issue 12), through the staff
pages: a person born in 1850, a passport issued in 2150. The error beside the
field says what is allowed, the help text says the range, and nothing typed
is lost."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry import forms
from registry.factories import PersonFactory, UserFactory
from registry.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def staff(client):
    user = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(user)
    return user


def person_data(**overrides) -> dict:
    data = {
        "given_names": "Jean-Pierre", "family_name": "Mukendi Kabasele",
        "name_original_script": "", "birth_date": "1988-07-01", "birth_date_precision": "day",
        "sex": "male", "nationalities": ["CD"], "country_of_residence": "BE",
        "email": "jp.mukendi.k@example.org", "phone": "+243812345678",
        "preferred_language": "fr",
    }
    return {**data, **overrides}


def test_a_person_born_in_1850_is_refused_and_nothing_typed_is_lost(client, staff):
    response = client.post(reverse("registry:person_create"),
                           person_data(birth_date="1850-01-01"))
    assert response.status_code == 200
    form = response.context["form"]
    earliest = (timezone.localdate() - datetime.timedelta(days=1)).year - 120
    error = form.errors["birth_date"][0]
    assert error.startswith("A date of birth is at most 120 years ago")
    assert str(earliest) in error or str(earliest + 1) in error
    assert form["family_name"].value() == "Mukendi Kabasele"
    assert not Person.objects.filter(family_name="Mukendi Kabasele").exists()
    assert "min=" in response.content.decode()


def test_a_birth_date_in_the_future_keeps_its_message(client, staff):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(reverse("registry:person_create"),
                           person_data(birth_date=tomorrow.isoformat()))
    assert response.context["form"].errors["birth_date"] == [str(forms.MSG_BIRTH_IN_FUTURE)]


def test_the_birth_date_help_text_says_the_range():
    help_text = str(forms.PersonForm().fields["birth_date"].help_text)
    assert help_text.startswith("Between ")
    assert str(timezone.localdate().year - 120) in help_text


@pytest.mark.parametrize(("field", "value", "start"), [
    ("issued_on", "2150-05-10", "A document cannot be issued in the future"),
    ("issued_on", "1901-05-10", "Documents issued more than 50 years ago"),
    ("expires_on", "2150-05-10", "Enter an expiry date between"),
])
def test_implausible_document_dates_are_refused_beside_the_field(client, staff, field, value,
                                                                  start):
    person = PersonFactory()
    data = {"kind": "passport", "number": "OP 555 777", "issuing_country": "CD",
            "issued_on": "2021-05-10", "expires_on": "2031-05-09", field: value}
    response = client.post(reverse("registry:document_create", args=[person.pk]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field][0].startswith(start)
    assert form["number"].value() == "OP 555 777"
    assert not person.documents.filter(number="OP 555 777").exists()
