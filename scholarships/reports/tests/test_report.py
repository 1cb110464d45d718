"""The scholarships report: figures counted by the database, small counts
suppressed, for scholarship administrators and the data protection officer
only, in a fixed number of queries."""

import csv
import io
import itertools

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
from scholarships.models import ApplicationTransition, ScholarFollowUp
from scholarships.reports import selectors
from scholarships.reports.selectors import Filters
from scholarships.states import State

pytestmark = pytest.mark.django_db
YEAR = 2031
_numbers = itertools.count(1)


def _applications(call, state, count, **person):
    made = []
    for _ in range(count):
        number = next(_numbers)
        made.append(ApplicationFactory(
            call=call, state=state, submitted_at=timezone.now(),
            reference=f"SCH-{call.academic_year}-{number:05d}",
            applicant=PersonFactory(**{"sex": "female", "nationalities": ["SN"], **person})))
    return made


@pytest.fixture
def call():
    return CallFactory(academic_year=YEAR, title="Masters in agronomy", quota=30)


@pytest.fixture
def admin(client):
    user = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    client.force_login(user)
    return user


def test_each_stage_counts_the_applications_that_reached_it(call):
    _applications(call, State.SUBMITTED, 6)
    _applications(call, State.ELIGIBLE, 5)
    _applications(call, State.NOT_SELECTED, 4)
    _applications(call, State.ACCEPTED, 7)
    _applications(call, State.COMPLETED, 3)
    withdrawn = _applications(call, State.WITHDRAWN, 2)
    # One of the withdrawn had been found eligible: it counts as eligible.
    ApplicationTransition.objects.create(application=withdrawn[0], from_state=State.SUBMITTED,
                                         to_state=State.ELIGIBLE)
    ApplicationFactory(call=call)  # a draft is no application
    (row,) = selectors.by_call(Filters(year=YEAR))
    assert row["n_applications"] == 27
    assert row["n_eligible"] == 5 + 4 + 7 + 3 + 1
    assert row["n_selected"] == row["n_offered"] == row["n_accepted"] == 10
    assert row["n_enrolled"] == 3 and row["n_completed"] == 3
    assert row["held"] == 10 and row["quota"] == 30


def test_breakdowns_add_up_to_the_applications(call):
    _applications(call, State.SUBMITTED, 6, sex="female", nationalities=["SN", "FR"])
    _applications(call, State.SUBMITTED, 8, sex="male", nationalities=["BJ"])
    by_sex = {r["group_key"]: r["n_applications"] for r in selectors.breakdown(
        Filters(year=YEAR), "sex")}
    assert by_sex == {"female": 6, "male": 8}
    by_nationality = {r["group_key"]: r["n_applications"] for r in selectors.breakdown(
        Filters(year=YEAR), "nationality")}
    assert by_nationality == {"several": 6, "BJ": 8}
    for dimension in selectors.DIMENSIONS:
        rows = selectors.breakdown(Filters(year=YEAR), dimension)
        assert sum(r["n_applications"] for r in rows) == 14, dimension


def test_the_page_hides_small_counts_and_shows_the_rest(client, admin, call):
    _applications(call, State.SUBMITTED, 12, sex="female")
    _applications(call, State.COMPLETED, 3, sex="male")
    response = client.get(reverse("scholarships:report"), {"year": YEAR})
    assert response.status_code == 200
    calls = response.context["shown"]["calls"]
    assert calls.body[0][0] == f"Masters in agronomy ({YEAR})"
    row = dict(zip(calls.header, calls.body[0], strict=True))
    assert row["Applications"] == "15"
    assert row["Completed"] == "<5"
    by_sex = response.context["shown"]["sex"]
    assert by_sex.body[1][:2] == ["Male", "<5"]
    html = response.content.decode()
    assert "<svg" in html and "<desc" in html
    assert "Returned home: no data yet" in html
    assert 'style="' not in html


def test_returned_home_is_counted_when_residence_is_recorded(call):
    (scholar,) = _applications(call, State.COMPLETED, 1)
    ScholarFollowUp.objects.create(application=scholar, arrived_on=timezone.localdate(),
                                   residence=ScholarFollowUp.Residence.RETURNED_HOME,
                                   residence_confirmed_on=timezone.localdate())
    assert selectors.residence_recorded(Filters(year=YEAR)) == 1
    (row,) = selectors.by_call(Filters(year=YEAR))
    assert row["n_returned_home"] == 1


def test_awards_are_shown_against_the_yearly_ceiling(client, admin, call, settings):
    settings.SCHOLARSHIP_YEARLY_CEILING = 1500
    _applications(call, State.SELECTED, 6)
    _applications(CallFactory(academic_year=YEAR), State.ENROLLED, 4)
    assert selectors.ceiling(Filters(year=YEAR)) == {"year": YEAR, "held": 10, "ceiling": 1500,
                                                     "free": 1490}
    response = client.get(reverse("scholarships:report"), {"year": YEAR})
    assert "10 awards held of the ceiling of 1500; 1490 left." in response.content.decode()


def test_year_on_year_lists_every_year(client, admin, call):
    _applications(call, State.SUBMITTED, 9)
    _applications(CallFactory(academic_year=YEAR - 1), State.SUBMITTED, 20)
    response = client.get(reverse("scholarships:report"), {"year": YEAR})
    years = response.context["shown"]["years"]
    assert [row[:2] for row in years.body] == [[str(YEAR - 1), "20"], [str(YEAR), "9"]]


def test_a_call_of_another_year_is_refused_next_to_the_field(client, admin, call):
    other = CallFactory(academic_year=YEAR - 1)
    response = client.get(reverse("scholarships:report"), {"year": YEAR, "call": other.pk})
    assert response.context["form"].errors["call"] == [
        "This call is not of the academic year chosen."]


def test_the_number_of_queries_does_not_grow_with_the_data(client, admin, call):
    _applications(call, State.SUBMITTED, 2)
    url = reverse("scholarships:report")
    client.get(url, {"year": YEAR})  # warm the session, caches
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"year": YEAR})
    for number in range(4):
        more = CallFactory(academic_year=YEAR, title=f"Call {number}")
        _applications(more, State.ACCEPTED, 6, nationalities=["GH"], sex="male")
        _applications(more, State.ELIGIBLE, 6, nationalities=["KE"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"year": YEAR})
    assert len(response.context["shown"]["calls"].body) == 5
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert len(many) <= 20


@pytest.mark.parametrize("roles", [[Role.REVIEWER], [Role.APPLICANT], [Role.CASEWORKER],
                                   [Role.SUPERVISOR], [Role.PARTNER]])
def test_other_roles_may_not_see_the_report(client, roles):
    client.force_login(UserFactory(roles=roles))
    assert client.get(reverse("scholarships:report")).status_code == 403
    assert client.get(reverse("scholarships:report_export", args=["csv"])).status_code == 403


def test_the_data_protection_officer_sees_the_aggregate_report_but_no_rows(client, call):
    _applications(call, State.SUBMITTED, 7)
    client.force_login(UserFactory(roles=[Role.DPO]))
    response = client.get(reverse("scholarships:report"))
    assert response.status_code == 200
    assert response.context["row_export"] is None
    assert client.post(reverse("reporting:job_request"),
                       {"kind": "scholarships.applications"}).status_code == 404


def test_the_csv_export_is_suppressed_and_logged(client, admin, call):
    people = _applications(call, State.SUBMITTED, 12)
    _applications(call, State.COMPLETED, 2)
    response = client.get(reverse("scholarships:report_export", args=["csv"]), {"year": YEAR})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["By call"]
    assert rows[2][0] == f"Masters in agronomy ({YEAR})"
    assert "<5" in rows[2]
    assert people[0].applicant.family_name not in text
    event = ReadEvent.objects.get(action=ReadEvent.Action.EXPORT, user=admin)
    assert event.model == "scholarships.application" and event.rows > 0


def test_the_xlsx_export_opens_in_a_spreadsheet(client, admin, call):
    _applications(call, State.SUBMITTED, 12)
    response = client.get(reverse("scholarships:report_export", args=["xlsx"]))
    book = load_workbook(io.BytesIO(response.content))
    assert "By call" in book.sheetnames
    assert book["By call"]["B3"].value == 12


@pytest.mark.usefixtures("private_storage")
def test_the_applications_export_runs_in_the_background_pseudonymised(
        client, admin, call, django_capture_on_commit_callbacks):
    (one,) = _applications(call, State.SUBMITTED, 1)
    _applications(CallFactory(academic_year=YEAR - 1), State.SUBMITTED, 1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:job_request"),
                    {"kind": "scholarships.applications", "format": "csv", "f_year": YEAR})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE and job.rows_done == 1
    text = b"".join(client.get(reverse("reporting:job_download", args=[job.pk]))
                    .streaming_content).decode("utf-8-sig")
    assert one.reference in text and one.applicant.reference in text
    assert one.applicant.family_name not in text and one.applicant.email not in text
