"""The data protection officer's subject-access export: everything held
about one person, as PDF and JSON, for the DPO alone, and recorded."""

import json

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import ReadEvent
from audit.services import record_read
from registry.factories import ConsentFactory, IdentityDocumentFactory, UserFactory
from reintegration.factories import CaseFactory, CaseNoteFactory, VulnerabilityFactory
from reintegration.workflow import State as CaseState
from scholarships.factories import CompleteApplicationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def dpo(client):
    user = UserFactory(username="dpo-officer", roles=[Role.DPO])
    client.force_login(user)
    return user


@pytest.fixture
def person():
    """An applicant who also has a return case with a confidential note."""
    application = CompleteApplicationFactory(motivation="Zqxmotivation: soil science")
    subject = application.applicant
    case = CaseFactory(principal=subject, state=CaseState.MONITORING)
    CaseNoteFactory(case=case, text="Zqx confidential: afraid of his creditors",
                    is_confidential=True)
    VulnerabilityFactory(case=case, notes="Zqx needs insulin")
    IdentityDocumentFactory(person=subject, number="ZQ1234567")
    ConsentFactory(person=subject, notice_version="2026-1")
    worker = UserFactory(username="zqx-reader")
    record_read(user=worker, action=ReadEvent.Action.VIEW, model="reintegration.case",
                object_id=case.pk, page="reintegration:case_detail", path="/x/")
    record_read(user=worker, action=ReadEvent.Action.VIEW, model="registry.person",
                object_id=subject.pk, person_id=subject.pk, page="registry:person_detail",
                path="/y/")
    subject.application = application
    subject.case = case
    return subject


def urls(pk):
    return [reverse(name, args=[pk]) for name in (
        "registry:subject_access", "registry:subject_access_pdf", "registry:subject_access_json")]


def test_the_page_offers_the_two_downloads(client, dpo, person):
    response = client.get(reverse("registry:subject_access", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("registry:subject_access_pdf", args=[person.pk]) in html
    assert reverse("registry:subject_access_json", args=[person.pk]) in html


def test_the_json_holds_registry_application_case_and_reads(client, dpo, person):
    response = client.get(reverse("registry:subject_access_json", args=[person.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = json.loads(response.content)
    sections = {s["key"]: s["rows"] for s in body["sections"]}
    assert sections["registry.identity"][0]["family_name"] == person.family_name
    assert sections["registry.documents"][0]["number"] == "ZQ1234567"
    assert sections["registry.documents"][0]["scan"] is False
    assert sections["registry.consents"][0]["notice_version"] == "2026-1"
    application = sections["scholarships.applications"][0]
    assert application["motivation"] == "Zqxmotivation: soil science"
    assert len(sections["scholarships.documents"]) == 2
    assert sections["reintegration.cases"][0]["reference"] == person.case.reference
    assert sections["reintegration.notes"][0]["text"].startswith("Zqx confidential")
    assert sections["reintegration.vulnerabilities"][0]["notes"] == "Zqx needs insulin"
    reads = sections["audit.reads"]
    assert {(r["model"], r["user"]) for r in reads} >= {
        ("reintegration.case", "zqx-reader"), ("registry.person", "zqx-reader")}


def test_the_pdf_is_a_pdf(client, dpo, person):
    response = client.get(reverse("registry:subject_access_pdf", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert person.reference.encode() in response.content  # the keywords, in plain ASCII


@pytest.mark.parametrize("kind", ["json", "pdf"])
def test_each_download_is_recorded_in_the_read_log(client, dpo, person, kind):
    response = client.get(reverse(f"registry:subject_access_{kind}", args=[person.pk]))
    # One row for one download: the view's own, with the number of rows handed out.
    event = ReadEvent.objects.get(user=dpo, page=f"registry:subject_access_{kind}")
    assert event.action == ReadEvent.Action.EXPORT and event.rows is not None
    assert (event.model, event.object_id, event.person_id) == (
        "registry.person", str(person.pk), person.pk)
    assert event.page == f"registry:subject_access_{kind}"
    if kind == "json":
        rows = sum(len(s["rows"]) for s in json.loads(response.content)["sections"])
        assert event.rows == rows
    assert event.rows > 10


@pytest.mark.parametrize("role", [None, Role.APPLICANT, Role.REVIEWER, Role.SCHOLARSHIP_ADMIN,
                                  Role.CASEWORKER, Role.SUPERVISOR, Role.PARTNER])
def test_every_other_role_is_refused(client, person, role):
    client.force_login(UserFactory(roles=[role] if role else []))
    for url in urls(person.pk):
        assert client.get(url).status_code == 403
    assert not ReadEvent.objects.filter(action=ReadEvent.Action.EXPORT).exists()


def test_a_superuser_without_the_role_is_refused(client, person):
    client.force_login(UserFactory(username="zqx-root", is_superuser=True, is_staff=True))
    for url in urls(person.pk):
        assert client.get(url).status_code == 403
    assert not ReadEvent.objects.filter(action=ReadEvent.Action.EXPORT).exists()


def test_anonymous_visitors_go_to_the_login_page(client, person):
    for url in urls(person.pk):
        assert client.get(url).status_code == 302


def test_an_unknown_person_is_not_found(client, dpo):
    assert client.get(reverse("registry:subject_access_json", args=[999999])).status_code == 404


def test_the_person_page_links_to_the_export_for_the_dpo_only(client, person):
    link = reverse("registry:subject_access", args=[person.pk])
    page = reverse("registry:person_detail", args=[person.pk])
    client.force_login(UserFactory(roles=[Role.DPO]))
    assert link in client.get(page).content.decode()
    client.force_login(UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]))
    response = client.get(page)
    assert response.status_code == 200 and link not in response.content.decode()


@pytest.fixture
def french(settings, tmp_path):
    """The French catalog compiled where this test reads it (make test
    compiles the real ones; a bare pytest run may not have)."""
    import polib

    folder = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    polib.pofile(str(source)).save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]


@pytest.mark.usefixtures("french")
def test_the_export_is_in_the_dpo_s_language(client, dpo, person):
    response = client.get(reverse("registry:subject_access_json", args=[person.pk]),
                          HTTP_ACCEPT_LANGUAGE="fr")
    body = json.loads(response.content)
    titles = {s["key"]: s["title"] for s in body["sections"]}
    assert body["language"] == "fr"
    assert titles["registry.documents"] == "Documents d'identité"
    labels = {s["key"]: s["labels"] for s in body["sections"]}
    assert labels["registry.documents"]["number"] == "numéro"
