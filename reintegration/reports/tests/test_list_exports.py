"""The case lists as CSV or XLSX (reporting.list_exports): a caseworker's
and a supervisor's exports hold only their cases, pseudonymised by default,
open in a spreadsheet program, are logged with their row count, and a long
list goes to the background with its vulnerabilities logged."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from audit.models import ReadEvent
from registry.factories import UserFactory
from reintegration.factories import case_through, caseworker, supervisor_of
from reintegration.models import SensitiveAccess, Vulnerability
from reintegration.services import records
from reintegration.workflow import State
from reporting.models import ExportJob

pytestmark = pytest.mark.django_db


def _url(scope, fmt="csv"):
    return reverse("reintegration:export" if fmt == "csv" else "reintegration:export_xlsx",
                   args=[scope])


@pytest.fixture
def world():
    """Two teams, one case each."""
    worker, other = caseworker(), caseworker()
    team, other_team = supervisor_of(worker), supervisor_of(other)
    mine = case_through(State.INTAKE, worker=worker, approver=team.supervisor)
    theirs = case_through(State.INTAKE, worker=other, approver=other_team.supervisor)
    return {"worker": worker, "boss": team.supervisor, "mine": mine, "theirs": theirs}


def _rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_caseworkers_export_is_their_cases_without_names(client, world):
    client.force_login(world["worker"])
    rows = _rows(client.get(_url("mine"), {"state": "all"}))
    assert rows[0][:3] == ["Reference", "State", "Person reference"]
    assert "Name" not in rows[0]
    assert [row[0] for row in rows[1:]] == [world["mine"].reference]
    assert rows[1][2] == world["mine"].principal.reference
    text = str(rows)
    assert world["mine"].principal.family_name not in text
    assert world["theirs"].reference not in text
    event = ReadEvent.objects.get(user=world["worker"], action=ReadEvent.Action.EXPORT)
    assert (event.model, event.rows) == ("reintegration.case", 1)


def test_the_names_are_there_when_a_caseworker_asks_for_them(client, world):
    client.force_login(world["worker"])
    rows = _rows(client.get(_url("mine"), {"state": "all", "names": "1"}))
    assert rows[0][3] == "Name"
    assert rows[1][3] == world["mine"].principal.full_name
    assert "names=1" in ReadEvent.objects.get(user=world["worker"], action="export").path


def test_the_data_protection_officer_may_not_ask_for_names(client, world):
    client.force_login(UserFactory(roles=[Role.DPO]))
    rows = _rows(client.get(_url("all"), {"state": "all"}))
    assert len(rows) == 3
    assert client.get(_url("all"), {"state": "all", "names": "1"}).status_code == 403


def test_a_supervisor_exports_the_team_as_xlsx_and_nobody_elses(client, world):
    client.force_login(world["boss"])
    response = client.get(_url("team", "xlsx"), {"state": "all"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Reference"
    assert [row[0] for row in values[1:]] == [world["mine"].reference]


def test_another_teams_caseworker_or_another_role_gets_nothing(client, world):
    client.force_login(world["worker"])
    assert client.get(_url("team", "xlsx")).status_code == 404
    assert client.get(_url("all", "xlsx")).status_code == 404
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    assert client.get(_url("mine", "xlsx")).status_code == 403


def test_the_list_page_has_the_export_buttons_with_its_filters(client, world):
    client.force_login(world["worker"])
    page = client.get(reverse("reintegration:caseload"), {"state": "all"}).content.decode()
    assert f'formaction="{_url("mine")}"' in page
    assert f'formaction="{_url("mine", "xlsx")}"' in page
    assert '<input type="hidden" name="state" value="all">' in page


def test_a_long_list_goes_to_the_background_and_logs_the_vulnerabilities_it_holds(
        client, world, settings, private_storage, django_capture_on_commit_callbacks):
    settings.REPORTING_EXPORT_DIRECT_MAX_ROWS = 1
    worker, boss = world["worker"], world["boss"]
    second = case_through(State.INTAKE, worker=worker, approver=boss)
    records.vulnerability_save(actor=worker, case=second, kind=Vulnerability.Kind.ELDERLY)
    client.force_login(boss)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(_url("team"), {"state": "all"})
    job = ExportJob.objects.get(user=boss)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.kind) == ("done", 2, "reintegration.cases.team")
    download = client.get(reverse("reporting:job_download", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(
        b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-1] == "Vulnerabilities"
    assert {row[0]: row[-1] for row in rows[1:]} == {
        world["mine"].reference: "", second.reference: str(Vulnerability.Kind.ELDERLY.label)}
    assert world["theirs"].reference not in str(rows)
    assert list(SensitiveAccess.objects.filter(user=boss, what=SensitiveAccess.What.EXPORT)
                .values_list("case_id", flat=True)) == [second.pk]
