"""The staff's application list as CSV or XLSX: the list's filters, only
what the user may see, pseudonymised by default, in the user's language, in
the read log with its row count; a long list goes to the background."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from audit.models import ReadEvent
from registry.factories import PersonFactory, UserFactory
from reporting.models import ExportJob
from scholarships.factories import ApplicationFactory, CallFactory
from scholarships.states import State

pytestmark = pytest.mark.django_db
CSV_URL = reverse("scholarships:application_list_export", args=["csv"])
XLSX_URL = reverse("scholarships:application_list_export", args=["xlsx"])


def _application(call, number, state=State.SUBMITTED, **person):
    return ApplicationFactory(
        call=call, state=state, submitted_at=timezone.now(),
        reference=f"SCH-{call.academic_year}-{number:05d}",
        applicant=PersonFactory(**{"given_names": "Aminata", "family_name": "Zerbo-Quist",
                                   "sex": "female", "nationalities": ["SN"], **person}))


@pytest.fixture
def call():
    return CallFactory(academic_year=2033, title="Masters in hydrology")


@pytest.fixture
def admin(client):
    user = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    client.force_login(user)
    return user


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_has_the_lists_filters_and_no_names_by_default(client, admin, call):
    kept = _application(call, 1, state=State.ELIGIBLE)
    dropped = _application(call, 2, state=State.SUBMITTED)
    rows = _csv(client.get(CSV_URL, {"state": State.ELIGIBLE}))
    assert rows[0][:3] == ["Reference", "Person reference", "Call"]
    assert "Name" not in rows[0] and "E-mail" not in rows[0]
    assert [row[0] for row in rows[1:]] == [kept.reference]
    assert rows[1][1] == kept.applicant.reference
    text = str(rows)
    assert "Zerbo-Quist" not in text and dropped.reference not in text
    event = ReadEvent.objects.get(user=admin, page="scholarships:application_list_export")
    assert (event.action, event.model, event.rows) == (ReadEvent.Action.EXPORT,
                                                       "scholarships.application", 1)
    assert "state=eligible" in event.path


def test_an_administrator_may_include_the_names_and_the_read_log_says_so(client, admin, call):
    _application(call, 1)
    rows = _csv(client.get(CSV_URL, {"names": "1"}))
    assert rows[0][2:4] == ["Name", "E-mail"]
    assert rows[1][2] == "Aminata Zerbo-Quist"
    assert "names=1" in ReadEvent.objects.get(user=admin, action="export").path


def test_the_data_protection_officer_exports_without_names_only(client, call):
    _application(call, 1)
    client.force_login(UserFactory(roles=[Role.DPO]))
    rows = _csv(client.get(CSV_URL))
    assert len(rows) == 2 and "Zerbo-Quist" not in str(rows)
    assert client.get(CSV_URL, {"names": "1"}).status_code == 403
    page = client.get(reverse("scholarships:application_list")).content.decode()
    assert CSV_URL in page and 'name="names"' not in page


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.APPLICANT, Role.CASEWORKER])
def test_other_roles_get_no_export(client, call, role):
    _application(call, 1)
    client.force_login(UserFactory(roles=[role]))
    for url in (CSV_URL, XLSX_URL):
        assert client.get(url).status_code == 403
    assert not ReadEvent.objects.filter(action="export").exists()


def test_the_xlsx_opens_with_headers_in_the_users_language(client, admin, call, settings):
    application = _application(call, 1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(XLSX_URL)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Référence"
    assert values[1][0] == application.reference
    assert len(values) == 2


def test_the_list_page_has_the_export_buttons_with_its_filters(client, admin, call):
    page = client.get(reverse("scholarships:application_list"),
                      {"state": State.ELIGIBLE}).content.decode()
    assert f'formaction="{CSV_URL}"' in page and f'formaction="{XLSX_URL}"' in page
    assert '<input type="hidden" name="state" value="eligible">' in page
    assert 'name="names"' in page


def test_the_export_runs_the_same_number_of_queries_for_2_and_12_rows(client, admin, call):
    for number in range(2):
        _application(call, number)
    client.get(CSV_URL)

    def counted():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CSV_URL)
        return len(queries), _csv(response)

    few, rows = counted()
    assert len(rows) == 3
    for number in range(2, 12):
        _application(call, number)
    many, rows = counted()
    assert len(rows) == 13
    assert many == few


def test_a_long_list_is_exported_in_the_background(
        client, admin, call, settings, private_storage, django_capture_on_commit_callbacks):
    settings.REPORTING_EXPORT_DIRECT_MAX_ROWS = 2
    for number in range(3):
        _application(call, number)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(CSV_URL, {"call": call.pk, "next": "/scholarships/applications/"})
    job = ExportJob.objects.get(user=admin)
    assert response.status_code == 302
    assert response["Location"].startswith(job.get_absolute_url())
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.pseudonymised) == (ExportJob.Status.DONE, 3, True)
    assert job.params["call"] == str(call.pk)
    download = client.get(reverse("reporting:job_download", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(
        b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 4 and "Zerbo-Quist" not in str(rows)
    assert rows[0][0] == "Referentie"  # the worker writes in the language of who asked
    assert ReadEvent.objects.get(user=admin, page="reporting:job").rows == 3


def test_a_long_export_with_names_is_a_job_that_says_so(
        client, admin, call, settings, private_storage, django_capture_on_commit_callbacks):
    settings.REPORTING_EXPORT_DIRECT_MAX_ROWS = 1
    for number in range(2):
        _application(call, number)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(XLSX_URL, {"names": "1"})
    job = ExportJob.objects.get(user=admin)
    assert (job.format, job.pseudonymised, job.status) == ("xlsx", False, "done")
    download = client.get(reverse("reporting:job_download", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    values = [[cell.value for cell in row] for row in book.active.iter_rows()]
    assert values[0][2] == "Name" and values[1][2] == "Aminata Zerbo-Quist"
