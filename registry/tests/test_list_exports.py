"""The person list as CSV or XLSX: only the persons this user may see on the
list (registry.access), the list's filters, references instead of names by
default, names only for those who edit identities, in the read log."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from audit.models import ReadEvent
from registry.factories import PersonFactory, UserFactory
from reintegration.factories import CaseFactory, ReturneeFactory
from scholarships.factories import ApplicationFactory
from scholarships.states import State

pytestmark = pytest.mark.django_db
CSV_URL = reverse("registry:person_list_export", args=["csv"])
XLSX_URL = reverse("registry:person_list_export", args=["xlsx"])


@pytest.fixture
def applicant():
    person = PersonFactory(given_names="Aminata", family_name="Zerbo-Quist", sex="female",
                           nationalities=["SN"], country_of_residence="SN")
    ApplicationFactory(applicant=person, state=State.SUBMITTED, submitted_at=timezone.now(),
                       reference="SCH-2033-00001")
    return person


@pytest.fixture
def returnee():
    person = ReturneeFactory(given_names="Ibrahima", family_name="Quelleroux-Diop",
                             sex="male", nationalities=["GN"])
    CaseFactory(principal=person)
    return person


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Disposition"].startswith('attachment; filename="persons-')
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_scholarship_staff_export_their_persons_only_and_by_reference(
        client, applicant, returnee):
    user = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    client.force_login(user)
    rows = _csv(client.get(CSV_URL))
    assert rows[0][0] == "Reference" and "Name" not in rows[0]
    assert [row[0] for row in rows[1:]] == [applicant.reference]
    text = str(rows)
    assert "Zerbo-Quist" not in text and returnee.reference not in text
    event = ReadEvent.objects.get(user=user, page="registry:person_list_export")
    assert (event.action, event.model, event.rows) == (ReadEvent.Action.EXPORT,
                                                       "registry.person", 1)


def test_the_lists_filters_apply(client, applicant):
    other = PersonFactory(given_names="Kofi", family_name="Mensah-Vallee", sex="male",
                          nationalities=["GH"])
    ApplicationFactory(applicant=other, state=State.SUBMITTED, submitted_at=timezone.now(),
                       reference="SCH-2033-00002")
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    rows = _csv(client.get(CSV_URL, {"nationality": "SN"}))
    assert [row[0] for row in rows[1:]] == [applicant.reference]


def test_names_only_for_those_who_edit_identities(client, applicant):
    client.force_login(UserFactory(roles=[Role.DPO]))
    assert client.get(CSV_URL, {"names": "1"}).status_code == 403
    rows = _csv(client.get(CSV_URL))
    assert "Zerbo-Quist" not in str(rows) and rows[1][0] == applicant.reference


def test_the_xlsx_opens_and_an_applicant_gets_nothing(client, applicant):
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    response = client.get(XLSX_URL)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=1).value == applicant.reference
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    assert client.get(CSV_URL).status_code in (302, 403)
