"""A partner organisation sees a case only while the returnee's consent to
share it with that very organisation is on record: no consent, a consent for
another organisation, or a withdrawn one, and the case is not found on any
of the partner's addresses, nor may a delivery be recorded on it. The
caseworker reads on the case page why the partner does not see the case, and
where to record the consent."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import services as registry_services
from registry.models import Consent
from reintegration.factories import CaseFactory, case_through, evidence_file, sharing_consent
from reintegration.models import Delivery
from reintegration.services import plans
from reintegration.tests.test_partner import delivery_data, organisation, staff_of
from reintegration.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

LIST = reverse("reintegration:partner_cases")
NOTICE = 'id="sharing-missing"'


@pytest.fixture
def agr():
    return organisation()


@pytest.fixture
def mariama(agr):
    return staff_of(agr, username="mariama", first_name="Mariama", last_name="Camara")


@pytest.fixture
def case(agr, worker, boss):
    """A case of `agr` under way, a delivery (with its evidence) recorded by
    the caseworker, and no consent to share it yet."""
    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss,
                        partner=agr)
    assert not Consent.objects.filter(purpose=Consent.Purpose.PARTNER_SHARING).exists()
    return case


def delivery_of(case):
    return Delivery.objects.filter(line__plan__case=case).get()


def partner_urls(case):
    return [reverse("reintegration:partner_case", args=[case.pk]),
            reverse("reintegration:partner_evidence", args=[case.pk, delivery_of(case).pk])]


def give(case, partner=None, worker=None, given_at=None):
    return registry_services.consent_give(
        actor=worker, person=case.principal, purpose=Consent.Purpose.PARTNER_SHARING,
        partner=partner or case.partner, method=Consent.Method.SIGNED, given_at=given_at)


def assert_partner_finds_nothing(client, partner_user, case):
    client.force_login(partner_user)
    assert client.get(LIST).context["rows"] == []
    for url in partner_urls(case):
        assert client.get(url).status_code == 404, url
    line = case.plan.lines.order_by("id").first()
    before = Delivery.objects.count()
    response = client.post(partner_urls(case)[0], delivery_data(line))
    assert response.status_code == 404
    assert Delivery.objects.count() == before


def assert_partner_sees(client, partner_user, case):
    client.force_login(partner_user)
    [row] = client.get(LIST).context["rows"]
    assert row["reference"] == case.reference
    page, evidence = partner_urls(case)
    response = client.get(page)
    assert response.status_code == 200 and case.principal.full_name in response.content.decode()
    assert response.context["form"] is not None
    download = client.get(evidence)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


# --- the partner's addresses ----------------------------------------------------------

def test_without_consent_the_partner_finds_nothing_of_the_case(client, case, mariama):
    assert_partner_finds_nothing(client, mariama, case)


def test_a_consent_to_share_with_another_organisation_shows_nothing(
        client, case, mariama, worker):
    give(case, partner=organisation("Guinée Solidarité Retour"), worker=worker)
    # Nor does the returnee's consent to the reintegration case itself.
    assert Consent.objects.filter(person=case.principal,
                                  purpose=Consent.Purpose.REINTEGRATION).exists()
    assert_partner_finds_nothing(client, mariama, case)


def test_a_household_member_s_consent_does_not_share_the_principal_s_case(
        client, agr, mariama, worker, boss):
    from reintegration.factories import ReturneeFactory

    member = ReturneeFactory(consent=False)
    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss,
                        partner=agr, members=[(member, "spouse")])
    registry_services.consent_give(actor=worker, person=member,
                                   purpose=Consent.Purpose.PARTNER_SHARING, partner=agr,
                                   method=Consent.Method.SIGNED)
    assert_partner_finds_nothing(client, mariama, case)


def test_with_the_consent_the_partner_sees_the_case_and_records_a_delivery(
        client, case, mariama, worker):
    give(case, worker=worker)
    assert_partner_sees(client, mariama, case)
    line = case.plan.lines.order_by("id").first()
    response = client.post(partner_urls(case)[0], delivery_data(line))
    assert response.status_code == 302
    assert Delivery.objects.filter(line=line, recorded_by=mariama).exists()


def test_a_withdrawal_hides_the_case_at_once_on_every_partner_address(
        client, case, mariama, worker):
    consent = give(case, worker=worker)
    assert_partner_sees(client, mariama, case)
    # The caseworker records the withdrawal on the registry page.
    client.force_login(worker)
    response = client.post(reverse("registry:consent_withdraw", args=[consent.pk]))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert_partner_finds_nothing(client, mariama, case)
    # A new consent shares the case again.
    give(case, worker=worker)
    assert_partner_sees(client, mariama, case)


def test_the_delivery_service_refuses_a_partner_without_consent(case, mariama, worker):
    consent = give(case, worker=worker)
    registry_services.consent_withdraw(actor=worker, consent=consent)
    line = case.plan.lines.order_by("id").first()
    before = Delivery.objects.count()
    with pytest.raises(plans.SharingConsentMissing):
        plans.delivery_record(
            actor=mariama, line=line, kind="cash", amount=Decimal("20"),
            delivered_on=timezone.localdate(), description="Transport",
            evidence=evidence_file(), evidence_content_type="application/pdf")
    assert Delivery.objects.count() == before
    # The caseworker still records deliveries: the consent is about the partner.
    plans.delivery_record(
        actor=worker, line=line, kind="cash", amount=Decimal("20"),
        delivered_on=timezone.localdate(), description="Transport",
        evidence=evidence_file(), evidence_content_type="application/pdf")
    assert Delivery.objects.count() == before + 1


def test_the_partner_list_runs_the_same_number_of_queries_for_3_and_30_cases(
        client, agr, mariama, worker, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            # Every other case without consent: not listed, nor counted.
            CaseFactory(state=State.PLAN_AGREED, partner=agr, caseworker=worker,
                        arrived_on=timezone.localdate() - datetime.timedelta(days=30),
                        shared_with_partner=i % 2 == 0)

    add(3)
    client.force_login(mariama)
    client.get(LIST)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        response = client.get(LIST)
    assert len(response.context["rows"]) == 2
    add(56)  # 30 consented in all
    with django_assert_max_num_queries(len(few)):
        response = client.get(LIST)
    assert len(response.context["rows"]) == 25
    assert response.context["page"].count == 30


# --- what the caseworker reads -----------------------------------------------------------

def case_page(client, user, case):
    client.force_login(user)
    response = client.get(reverse("reintegration:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_caseworker_reads_why_the_partner_does_not_see_the_case(
        client, case, worker, boss, agr):
    html = case_page(client, worker, case)
    assert NOTICE in html
    assert (f"{agr} cannot see this case: no consent to share with {agr} is on record"
            in html)
    record = reverse("registry:consent_create", args=[case.principal_id])
    assert f'href="{record}"' in html
    # Their supervisor too.
    assert NOTICE in case_page(client, boss, case)


def test_the_notice_tells_when_the_consent_was_withdrawn(client, case, worker, agr):
    consent = give(case, worker=worker, given_at=timezone.now() - datetime.timedelta(days=40))
    registry_services.consent_withdraw(
        actor=worker, consent=consent, when=timezone.now() - datetime.timedelta(days=3))
    html = case_page(client, worker, case)
    assert NOTICE in html
    assert f"{agr} cannot see this case: the consent to share with {agr} was withdrawn on" in html


def test_no_notice_while_the_consent_is_in_force_or_without_a_partner(
        client, case, worker, boss):
    give(case, worker=worker)
    assert NOTICE not in case_page(client, worker, case)
    alone = case_through(State.PLAN_AGREED, worker=worker, approver=boss)
    assert NOTICE not in case_page(client, worker, alone)


def test_the_case_page_runs_the_same_number_of_queries_whatever_the_consents(
        client, case, worker, agr):
    url = reverse("reintegration:case_detail", args=[case.pk])
    client.force_login(worker)
    client.get(url)  # warm the caches

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    without = count()
    for days in (30, 20, 10):
        consent = give(case, worker=worker)
        Consent.objects.filter(pk=consent.pk).update(
            given_at=timezone.now() - datetime.timedelta(days=days + 1),
            withdrawn_at=timezone.now() - datetime.timedelta(days=days))
    give(case, partner=organisation("Guinée Solidarité Retour"), worker=worker)
    assert count() == without  # three withdrawn, one for another partner: the notice
    assert NOTICE in client.get(url).content.decode()
    sharing_consent(case, recorded_by=worker)
    assert count() == without  # in force: no notice, the same query
    assert NOTICE not in client.get(url).content.decode()


def test_the_demo_shows_a_shared_case_to_the_partner_and_the_notice_to_the_caseworker(client):
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from reintegration.models import Case

    call_command("seed_demo", persons=8, stdout=io.StringIO())
    call_command("seed_demo_reintegration", stdout=io.StringIO())
    users = get_user_model().objects
    client.force_login(users.get(username="partner"))
    assert client.get(LIST).context["rows"]
    worker = users.get(username="caseworker")
    unshared = Case.objects.get(caseworker=worker, state=State.RETURNED, country_of_return="CD")
    assert "no consent to share with" in case_page(client, worker, unshared)
    withdrawn = Case.objects.get(caseworker=worker, state=State.MONITORING,
                                 country_of_return="MA")
    assert "was withdrawn on" in case_page(client, worker, withdrawn)
