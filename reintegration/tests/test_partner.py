"""The staff of a partner organisation: they see their organisation's cases
once a plan is agreed, only the returnee's name and contact, the approved
budget and the deliveries, and record what they deliver. Everything else of
the case stays with the caseworker, and other organisations' cases are not
found."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import OrganisationFactory, UserFactory
from registry.models import Organisation
from reintegration.factories import PDF, case_through, evidence_file
from reintegration.models import Delivery, PartnerDesk
from reintegration.services import plans, records
from reintegration.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

LIST = reverse("reintegration:partner_cases")


def organisation(name="Association Guinéenne pour la Réinsertion"):
    return OrganisationFactory(name=name, country="GN", kind=Organisation.Kind.LOCAL_PARTNER)


def staff_of(org, **kwargs):
    user = UserFactory(roles=[Role.PARTNER], **kwargs)
    desk, _ = PartnerDesk.objects.get_or_create(organisation=org)
    desk.staff.add(user)
    return user


@pytest.fixture
def agr():
    return organisation()


@pytest.fixture
def mariama(agr):
    return staff_of(agr, username="mariama", first_name="Mariama", last_name="Camara")


def case_for(state, agr, worker, boss, **kwargs):
    """A case of `agr` whose returnee consented to the sharing with it."""
    kwargs.setdefault("shared_with_partner", True)
    return case_through(state, worker=worker, approver=boss, partner=agr, **kwargs)


def page(client, case):
    return reverse("reintegration:partner_case", args=[case.pk])


def delivery_data(line, **overrides):
    data = {"line": line.pk, "kind": "in_kind", "supplier": "", "amount": "300.00",
            "delivered_on": timezone.localdate().isoformat(),
            "description": "Sewing machine and fabric",
            "evidence": SimpleUploadedFile("receipt.pdf", PDF, content_type="application/pdf")}
    return {**data, **overrides}


def test_a_partner_lists_the_organisation_s_cases_once_a_plan_is_agreed(
        client, agr, mariama, worker, boss):
    agreed = case_for(State.PLAN_AGREED, agr, worker, boss)
    returned = case_for(State.RETURNED, agr, worker, boss)
    elsewhere = case_for(State.PLAN_AGREED, organisation("Guinée Solidarité Retour"), worker,
                         boss)
    client.force_login(mariama)
    response = client.get(LIST)
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row["reference"] == agreed.reference
    assert row["approved"] == Decimal("1800.00") and row["left"] == Decimal("1800.00")
    html = response.content.decode()
    assert "1800.00" in html  # in cents on both databases
    assert returned.reference not in html and elsewhere.reference not in html


def test_the_partner_s_case_page_shows_the_budget_and_nothing_restricted(
        client, agr, mariama, worker, boss):
    case = case_for(State.PLAN_AGREED, agr, worker, boss)
    records.vulnerability_save(actor=worker, case=case, kind="trafficking",
                               notes="Identified by the shelter in Antwerp")
    records.note_add(actor=worker, case=case, text="Family conflict over the land",
                     is_confidential=True)
    records.note_add(actor=worker, case=case, text="Prefers calls after 18:00")
    client.force_login(mariama)
    html = client.get(page(client, case)).content.decode()
    assert case.principal.full_name in html
    assert "Market stall and first stock" in html and "1200.00" in html
    for hidden in ("Identified by the shelter", "trafficking", "Trafficking",
                   "Family conflict", "Prefers calls after 18:00"):
        assert hidden not in html, hidden
    assert 'id="id_line"' in html  # the delivery form


def test_a_partner_records_a_delivery_that_starts_the_assistance(
        client, agr, mariama, worker, boss):
    case = case_for(State.PLAN_AGREED, agr, worker, boss)
    line = case.plan.lines.order_by("id").first()
    client.force_login(mariama)
    response = client.post(page(client, case), delivery_data(line))
    assert response.status_code == 302
    delivery = Delivery.objects.get(line=line)
    assert delivery.recorded_by == mariama and delivery.amount == Decimal("300.00")
    case.refresh_from_db()
    assert case.state == State.ASSISTANCE_IN_PROGRESS
    assert case.transitions.last().actor == mariama
    # The caseworker sees who recorded it on the plan page.
    client.force_login(worker)
    plan_page = client.get(reverse("reintegration:plan", args=[case.pk])).content.decode()
    assert "Sewing machine and fabric" in plan_page and "Mariama Camara" in plan_page
    # And the partner downloads the evidence of the case.
    client.force_login(mariama)
    evidence = client.get(reverse("reintegration:partner_evidence",
                                  args=[case.pk, delivery.pk]))
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content).startswith(b"%PDF")


def test_more_than_is_left_is_refused_beside_the_amount_keeping_what_was_typed(
        client, agr, mariama, worker, boss):
    case = case_for(State.PLAN_AGREED, agr, worker, boss)
    line = case.plan.lines.order_by("id").first()  # 1200.00
    client.force_login(mariama)
    response = client.post(page(client, case),
                           delivery_data(line, amount="1500.00", description="Stock"),
                           HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    form = response.context["form"]
    assert "1200" in " ".join(form.errors["amount"])
    assert 'value="Stock"' in response.content.decode()
    assert not Delivery.objects.exists()


def test_an_evidence_file_that_is_not_a_pdf_or_image_is_refused(
        client, agr, mariama, worker, boss):
    case = case_for(State.PLAN_AGREED, agr, worker, boss)
    line = case.plan.lines.order_by("id").first()
    client.force_login(mariama)
    fake = SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 not a pdf",
                              content_type="application/pdf")
    response = client.post(page(client, case), delivery_data(line, evidence=fake))
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"]
    assert not Delivery.objects.exists()


def test_another_organisation_s_staff_find_nothing_of_the_case(
        client, agr, mariama, worker, boss):
    case = case_for(State.ASSISTANCE_IN_PROGRESS, agr, worker, boss)
    line = case.plan.lines.order_by("id").first()
    delivery = plans.delivery_record(
        actor=worker, line=line, kind="cash", amount=Decimal("50"),
        delivered_on=case.arrived_on, description="Transport", evidence=evidence_file(),
        evidence_content_type="application/pdf")
    recorded = Delivery.objects.count()
    outsider = staff_of(organisation("Guinée Solidarité Retour"))
    client.force_login(outsider)
    addresses = [page(client, case),
                 reverse("reintegration:partner_evidence", args=[case.pk, delivery.pk])]
    for url in addresses:
        assert client.get(url).status_code == 404, url
    assert client.post(addresses[0], delivery_data(line)).status_code == 404
    assert Delivery.objects.count() == recorded
    assert client.get(LIST).context["rows"] == []
    # A former member of the desk loses the case at once.
    PartnerDesk.objects.get(organisation=agr).staff.remove(mariama)
    client.force_login(mariama)
    assert client.get(addresses[0]).status_code == 404


def test_a_partner_opens_none_of_the_caseworker_s_pages(client, agr, mariama, worker, boss):
    from reintegration.tests.test_access import case_urls, furnished_case

    case = furnished_case(worker, boss, partner=agr, shared_with_partner=True)
    client.force_login(mariama)
    for name, url in case_urls(case).items():
        if name.startswith("partner_"):
            continue
        for method in (client.get, client.post):
            assert method(url).status_code in (403, 404, 405), (name, method.__name__)
    for url in (reverse("reintegration:caseload"), reverse("reintegration:team"),
                reverse("reintegration:export", args=["mine"])):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(reverse("registry:person_list")).status_code == 403


def test_no_delivery_once_the_case_is_in_monitoring_or_the_plan_is_not_approved(
        client, agr, mariama, worker, boss):
    monitored = case_for(State.MONITORING, agr, worker, boss)
    client.force_login(mariama)
    response = client.get(page(client, monitored))
    assert response.status_code == 200 and response.context["form"] is None
    line = monitored.plan.lines.first()
    response = client.post(page(client, monitored), delivery_data(line))
    assert response.status_code == 200
    assert "No delivery can be recorded on this case any more" in response.content.decode()
    assert not Delivery.objects.filter(line=line, description="Sewing machine and fabric")


def test_the_partner_list_runs_the_same_number_of_queries_for_3_and_30_cases(
        client, agr, mariama, worker, boss):
    from reintegration.factories import CaseFactory

    def add(n):
        for _ in range(n):
            CaseFactory(state=State.PLAN_AGREED, partner=agr, caseworker=worker,
                        arrived_on=timezone.localdate() - datetime.timedelta(days=30),
                        shared_with_partner=True)

    add(3)
    client.force_login(mariama)
    client.get(LIST)  # warm the caches
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    add(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["rows"]) == 25
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_a_partner_starts_on_the_organisation_s_cases_and_sees_it_in_the_menu(
        client, mariama):
    client.force_login(mariama)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Cases of my organisation" in response.content.decode()


def test_the_page_speaks_french_to_a_french_speaking_partner(client, agr, mariama, worker,
                                                            boss):
    case_for(State.PLAN_AGREED, agr, worker, boss)
    client.force_login(mariama)
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Dossiers de mon organisation" in html


def test_an_administrator_gives_a_partner_s_staff_their_login_in_the_admin(client, agr):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    partner_user = UserFactory(roles=[Role.PARTNER])
    caseworker_user = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(root)
    add = reverse("admin:reintegration_partnerdesk_add")
    form = client.get(add).context["adminform"].form
    offered = set(form.fields["staff"].queryset)
    assert partner_user in offered and caseworker_user not in offered
    response = client.post(add, {"organisation": agr.pk, "staff": [partner_user.pk]})
    assert response.status_code == 302
    assert list(PartnerDesk.objects.get(organisation=agr).staff.all()) == [partner_user]
    assert client.get(reverse("admin:reintegration_partnerdesk_changelist")).status_code == 200
