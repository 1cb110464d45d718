"""Vulnerabilities and confidential notes are special category data: only the
case's caseworker, their supervisor and the data protection officer get them.
For anyone else they are absent from the HTML and the CSV (not hidden by
CSS), including the flags and counts of the lists and the admin; and each time
they are shown, the access is logged for the data protection officer."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from registry.factories import UserFactory
from reintegration.factories import case_through
from reintegration.models import SensitiveAccess, Vulnerability
from reintegration.services import records
from reintegration.workflow import State

pytestmark = pytest.mark.django_db

VULNERABILITY_NOTE = "Trafficked through Agadez; owes the network 3,000 euros"
CONFIDENTIAL_NOTE = "Fears reprisals from the smugglers in Benin City"
PLAIN_NOTE = "Phoned about the flight date"
TOP_UP_LABEL = str(Vulnerability.Kind.TRAFFICKING.label)
SECRETS = (VULNERABILITY_NOTE, CONFIDENTIAL_NOTE, TOP_UP_LABEL)


@pytest.fixture
def sensitive_case(worker, boss):
    case = case_through(State.RETURNED, worker=worker, approver=boss)
    records.vulnerability_save(actor=worker, case=case, kind=Vulnerability.Kind.TRAFFICKING,
                               notes=VULNERABILITY_NOTE)
    records.note_add(actor=worker, case=case, text=CONFIDENTIAL_NOTE, is_confidential=True)
    records.note_add(actor=worker, case=case, text=PLAIN_NOTE)
    from reintegration.services import plans

    plans.plan_start(actor=worker, case=case, objectives="Restart the poultry farm")
    return case


@pytest.fixture
def superuser():
    """Administers the system and reads cases, without the special category right."""
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def pages_of(case):
    return [
        case.get_absolute_url(),
        reverse("reintegration:plan", args=[case.pk]),
        reverse("reintegration:all_cases") + "?state=all",
        reverse("admin:reintegration_case_change", args=[case.pk]),
        reverse("admin:reintegration_case_changelist"),
        reverse("admin:reintegration_vulnerability_changelist"),
        reverse("admin:reintegration_casenote_changelist"),
        reverse("admin:reintegration_plan_changelist"),
        reverse("admin:reintegration_case_history", args=[case.pk]),
    ]


def test_a_superuser_reads_the_case_without_its_special_category_data(
        client, sensitive_case, superuser):
    client.force_login(superuser)
    vulnerability_list = reverse("admin:reintegration_vulnerability_changelist")
    for url in pages_of(sensitive_case):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # The vulnerability list offers every kind as a filter; none of the case's.
        for secret in (SECRETS[:2] if url == vulnerability_list else SECRETS):
            assert secret not in html, (url, secret)
    listed = client.get(vulnerability_list)
    assert list(listed.context["cl"].result_list) == []
    assert sensitive_case.reference not in listed.content.decode()
    page = client.get(sensitive_case.get_absolute_url()).content.decode()
    assert PLAIN_NOTE in page  # the case itself is readable
    assert sensitive_case.reference in page
    assert client.get(reverse("reintegration:vulnerabilities",
                              args=[sensitive_case.pk])).status_code == 404


def test_the_lists_give_no_vulnerability_flag_to_a_user_without_the_right(
        client, sensitive_case, superuser):
    client.force_login(superuser)
    response = client.get(reverse("reintegration:all_cases"), {"state": "all"})
    rows = list(response.context["page"].object_list)
    assert rows == [sensitive_case]
    assert rows[0].has_vulnerability is False
    assert ">vulnerable<" not in response.content.decode()


def test_the_export_of_a_user_without_the_right_has_no_vulnerability_column(
        client, sensitive_case, superuser):
    client.force_login(superuser)
    response = client.get(reverse("reintegration:export", args=["all"]), {"state": "all"})
    text = response.content.decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert "Vulnerabilities" not in header  # the column, headed in the user's language
    assert sensitive_case.reference in text
    for secret in SECRETS:
        assert secret not in text
    assert not SensitiveAccess.objects.exists()


@pytest.mark.parametrize("who", ["caseworker", "supervisor", "dpo"])
def test_the_caseworker_the_supervisor_and_the_dpo_see_it_and_are_logged(
        client, sensitive_case, worker, boss, who):
    user = {"caseworker": worker, "supervisor": boss,
            "dpo": UserFactory(roles=[Role.DPO])}[who]
    client.force_login(user)
    page = client.get(sensitive_case.get_absolute_url()).content.decode()
    assert VULNERABILITY_NOTE in page and CONFIDENTIAL_NOTE in page
    assert TOP_UP_LABEL in client.get(reverse("reintegration:plan",
                                              args=[sensitive_case.pk])).content.decode()
    logged = SensitiveAccess.objects.filter(user=user, case=sensitive_case)
    assert logged.filter(what=SensitiveAccess.What.CASE_PAGE).count() == 1
    scope = {"caseworker": "mine", "supervisor": "team", "dpo": "all"}[who]
    export = client.get(reverse("reintegration:export", args=[scope]),
                        {"state": "all"}).content.decode("utf-8-sig")
    lines = export.splitlines()
    assert lines[0].split(",")[-1] == "Vulnerabilities"
    assert lines[1].endswith(TOP_UP_LABEL)
    assert VULNERABILITY_NOTE not in export  # the kinds, never the notes
    assert logged.filter(what=SensitiveAccess.What.EXPORT).count() == 1


def test_the_list_flags_the_vulnerable_case_for_its_caseworker(client, sensitive_case, worker):
    client.force_login(worker)
    response = client.get(reverse("reintegration:caseload"), {"state": "all"})
    assert [row.has_vulnerability for row in response.context["page"].object_list] == [True]
    assert ">vulnerable<" in response.content.decode()


def test_a_caseworker_exporting_sees_vulnerabilities_only_of_their_own_cases(
        client, sensitive_case, worker, boss):
    """A supervisor who is also assigned a case: the team export fills the
    column row by row, only where the right holds."""
    from reintegration.factories import caseworker, supervisor_of

    other = caseworker()
    other_team = supervisor_of(other)
    elsewhere = case_through(State.RETURNED, worker=other, approver=other_team.supervisor)
    records.vulnerability_save(actor=other, case=elsewhere, kind=Vulnerability.Kind.ELDERLY)
    dpo = UserFactory(roles=[Role.DPO])
    client.force_login(dpo)
    export = client.get(reverse("reintegration:export", args=["all"]),
                        {"state": "all"}).content.decode("utf-8-sig")
    assert str(Vulnerability.Kind.ELDERLY.label) in export and TOP_UP_LABEL in export
    client.force_login(boss)
    export = client.get(reverse("reintegration:export", args=["team"]),
                        {"state": "all"}).content.decode("utf-8-sig")
    assert TOP_UP_LABEL in export
    assert str(Vulnerability.Kind.ELDERLY.label) not in export


def test_the_registry_page_of_the_person_is_not_for_the_other_programme(
        client, sensitive_case):
    # A returnee is not a scholarship administrator's to see at all
    # (registry.access); a person in both programmes is shown to them without
    # anything of the case: registry/tests/test_access.py and the browser test
    # tests/test_browser_data_protection.py.
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    response = client.get(reverse("registry:person_detail", args=[sensitive_case.principal_id]))
    assert response.status_code == 404
    html = response.content.decode()
    for secret in (*SECRETS, PLAIN_NOTE):
        assert secret not in html


def test_the_dpo_reads_who_saw_restricted_data(client, sensitive_case, worker):
    client.force_login(worker)
    client.get(sensitive_case.get_absolute_url())
    client.force_login(UserFactory(roles=[Role.DPO], username="marie"))
    response = client.get(reverse("reintegration:access_log"), {"user": "sophie"})
    entries = list(response.context["page"].object_list)
    assert [(e.user, e.case, e.what) for e in entries] == [
        (worker, sensitive_case, SensitiveAccess.What.CASE_PAGE)]
    assert sensitive_case.reference in response.content.decode()


def test_only_the_dpo_reads_the_access_log(client, worker, boss):
    for user in (worker, boss):
        client.force_login(user)
        assert client.get(reverse("reintegration:access_log")).status_code == 403


def test_a_page_without_restricted_data_is_not_logged(client, worker, boss):
    case = case_through(State.INTAKE, worker=worker, approver=boss)
    client.force_login(worker)
    client.get(case.get_absolute_url())
    assert not SensitiveAccess.objects.exists()
