"""Who may open what. Every address of a case (page, notes, plan, visits,
deliveries, evidence, vulnerabilities...) is tried with a caseworker of
another case and a supervisor of another team: 404, so nothing about the case
leaks, not even that it exists. The lists and exports never contain it."""

from decimal import Decimal

import pytest
from django.urls import URLPattern, reverse

from accounts.roles import Role
from registry.factories import UserFactory
from reintegration import urls
from reintegration.factories import case_through, caseworker, evidence_file, supervisor_of
from reintegration.models import Delivery
from reintegration.services import plans, records
from reintegration.workflow import State

pytestmark = pytest.mark.django_db


def furnished_case(worker, boss, **kwargs):
    """A case with something behind every address: members, a vulnerability,
    notes, a plan with a delivery and its evidence, visits."""
    from reintegration.factories import ReturneeFactory

    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss,
                        members=[(ReturneeFactory(consent=False), "child")], **kwargs)
    records.vulnerability_save(actor=worker, case=case, kind="medical", notes="Asthma")
    records.note_add(actor=worker, case=case, text="Visited the workshop")
    line = case.plan.lines.order_by("id").last()
    plans.delivery_record(actor=worker, line=line, kind="cash", amount=Decimal("50"),
                          delivered_on=case.arrived_on, description="Transport",
                          evidence=evidence_file(), evidence_content_type="application/pdf")
    return case


@pytest.fixture
def full_case(worker, boss):
    return furnished_case(worker, boss)


def case_urls(case) -> dict[str, str]:
    """Every address of the app that names a case, with real ids for the
    records behind it. A new address without an entry here fails the test."""
    note = case.notes.first()
    line = case.plan.lines.first()
    ids = {
        "member": case.members.first().pk,
        "vulnerability": case.vulnerabilities.first().pk,
        "note": note.pk,
        "line": line.pk,
        "delivery": Delivery.objects.filter(line__plan__case=case).first().pk,
        "visit": case.visits.first().pk,
        "to": State.WITHDRAWN.value,
    }
    found = {}
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        params = list(pattern.pattern.converters)
        if "pk" not in params:
            continue
        kwargs = {"pk": case.pk, **{name: ids[name] for name in params if name != "pk"}}
        found[pattern.name] = reverse(f"reintegration:{pattern.name}", kwargs=kwargs)
    return found


def test_the_url_list_covers_every_kind_of_case_record(full_case):
    names = set(case_urls(full_case))
    for expected in ("case_detail", "note_add", "note_edit", "plan", "line_edit",
                     "delivery_add", "delivery_evidence", "visit_record", "vulnerabilities",
                     "case_reassign", "case_move", "member_remove"):
        assert expected in names


@pytest.mark.parametrize("outsider_kind", ["caseworker", "supervisor"])
def test_every_case_url_is_not_found_for_a_caseworker_or_supervisor_of_another_case(
        client, full_case, outsider_kind):
    other = caseworker()
    team = supervisor_of(other)
    case_through(State.INTAKE, worker=other, approver=team.supervisor)  # they have work too
    client.force_login(other if outsider_kind == "caseworker" else team.supervisor)
    for name, url in case_urls(full_case).items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (404, 405), (name, method.__name__, url)
            if response.status_code == 405:  # a POST-only address: the POST is a 404
                assert method == client.get, name
            assert full_case.principal.full_name not in response.content.decode(), name
    full_case.refresh_from_db()
    assert full_case.state == State.ASSISTANCE_IN_PROGRESS


def test_the_previous_caseworker_loses_every_url_after_a_reassignment(
        client, full_case, worker, team, boss):
    from reintegration.services import cases

    colleague = caseworker()
    team.caseworkers.add(colleague)
    cases.case_reassign(actor=boss, case=full_case, to=colleague)
    client.force_login(worker)
    for name, url in case_urls(full_case).items():
        assert client.get(url).status_code in (404, 405), name
    client.force_login(colleague)
    assert client.get(full_case.get_absolute_url()).status_code == 200


def test_the_caseworker_and_the_supervisor_open_the_case_pages(client, full_case, worker, boss):
    readable = ["case_detail", "plan", "vulnerabilities", "delivery_evidence", "visit_record",
                "note_add", "note_correct", "visit_reschedule", "visit_waive", "visit_add",
                "delivery_add", "case_edit"]
    addresses = case_urls(full_case)
    for user in (worker, boss):
        client.force_login(user)
        for name in readable:
            response = client.get(addresses[name])
            assert response.status_code == 200, (user, name)
    # Only its author changes a note; the supervisor is sent to write a correction.
    assert client.get(addresses["note_edit"]).url == addresses["note_correct"]
    client.force_login(worker)
    assert client.get(addresses["note_edit"]).status_code == 200


def test_the_data_protection_officer_reads_every_case_but_changes_nothing(client, full_case):
    client.force_login(UserFactory(roles=[Role.DPO]))
    addresses = case_urls(full_case)
    for name in ("case_detail", "plan", "vulnerabilities", "delivery_evidence"):
        assert client.get(addresses[name]).status_code == 200, name
    for name in ("note_add", "case_edit", "delivery_add", "visit_record", "case_reassign"):
        assert client.get(addresses[name]).status_code == 403, name
    response = client.post(addresses["note_add"], {"text": "The DPO was here"})
    assert response.status_code == 403
    assert not full_case.notes.filter(text="The DPO was here").exists()
    response = client.post(addresses["case_move"], {"reason": "No"})
    assert response.status_code == 403
    full_case.refresh_from_db()
    assert full_case.state == State.ASSISTANCE_IN_PROGRESS


def test_an_unknown_case_is_not_found(client, worker):
    client.force_login(worker)
    assert client.get(reverse("reintegration:case_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.REVIEWER, Role.SCHOLARSHIP_ADMIN])
def test_other_roles_do_not_get_into_the_workspace(client, full_case, role):
    client.force_login(UserFactory(roles=[role]))
    for url in (reverse("reintegration:caseload"), reverse("reintegration:team"),
                reverse("reintegration:export", args=["mine"]), full_case.get_absolute_url(),
                case_urls(full_case)["delivery_evidence"]):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, full_case):
    for url in (reverse("reintegration:caseload"), full_case.get_absolute_url(),
                case_urls(full_case)["delivery_evidence"]):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- lists and exports --------------------------------------------------------------

def test_a_caseworkers_list_and_export_never_contain_another_caseworkers_case(
        client, full_case):
    other = caseworker()
    mine = case_through(State.INTAKE, worker=other, approver=supervisor_of(other).supervisor)
    client.force_login(other)
    page = client.get(reverse("reintegration:caseload"), {"state": "all"})
    assert list(page.context["page"].object_list) == [mine]
    export = client.get(reverse("reintegration:export", args=["mine"]), {"state": "all"})
    text = export.content.decode("utf-8-sig")
    assert mine.reference in text
    assert full_case.reference not in text
    assert full_case.principal.full_name not in text
    search = client.get(reverse("reintegration:caseload"),
                        {"q": full_case.reference, "state": "all"})
    assert list(search.context["page"].object_list) == []


def test_an_export_is_in_the_read_log_once_with_the_number_of_cases(client, full_case):
    from audit.models import ReadEvent

    other = caseworker()
    for _ in range(2):
        case_through(State.INTAKE, worker=other, approver=supervisor_of(other).supervisor)
    client.force_login(other)
    export = client.get(reverse("reintegration:export", args=["mine"]), {"state": "all"})
    assert export.status_code == 200
    event = ReadEvent.objects.get(user=other, page="reintegration:export")
    assert (event.action, event.model, event.rows) == (ReadEvent.Action.EXPORT,
                                                       "reintegration.case", 2)


def test_a_caseworker_has_no_team_or_all_cases_export(client, worker, full_case):
    client.force_login(worker)
    for scope in ("team", "all", "anything"):
        assert client.get(reverse("reintegration:export", args=[scope])).status_code == 404
    assert client.get(reverse("reintegration:team")).status_code == 403
    assert client.get(reverse("reintegration:all_cases")).status_code == 403


def test_a_supervisor_sees_the_teams_cases_and_no_others(client, full_case, boss):
    other = caseworker()
    elsewhere = case_through(State.INTAKE, worker=other,
                             approver=supervisor_of(other).supervisor)
    client.force_login(boss)
    listed = set(client.get(reverse("reintegration:team"), {"state": "all"})
                 .context["page"].object_list)
    assert listed == {full_case}
    text = client.get(reverse("reintegration:export", args=["team"]),
                      {"state": "all"}).content.decode("utf-8-sig")
    assert full_case.reference in text and elsewhere.reference not in text


def test_an_evidence_file_is_streamed_to_those_who_see_the_case(client, full_case, worker):
    client.force_login(worker)
    delivery = Delivery.objects.filter(line__plan__case=full_case).first()
    response = client.get(reverse("reintegration:delivery_evidence",
                                  args=[full_case.pk, delivery.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The same delivery under another case's address is not found.
    other = case_through(State.INTAKE, worker=worker,
                         approver=supervisor_of(worker).supervisor)
    assert client.get(reverse("reintegration:delivery_evidence",
                              args=[other.pk, delivery.pk])).status_code == 404


def test_a_visit_of_one_case_is_not_reachable_through_another(client, worker, full_case):
    other = case_through(State.INTAKE, worker=worker,
                         approver=supervisor_of(worker).supervisor)
    client.force_login(worker)
    visit = full_case.visits.first()
    assert client.get(reverse("reintegration:visit_record",
                              args=[other.pk, visit.pk])).status_code == 404

