"""The reintegration side of a subject-access export and of the retention
schedule (reintegration/privacy/subject.py and retention.py)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from registry import programmes
from registry.models import Side
from registry.retention import DEFAULT_SCHEDULE
from reintegration.factories import (
    BudgetLineFactory,
    CaseFactory,
    CaseNoteFactory,
    MonitoringVisitFactory,
    ReturneeFactory,
    VulnerabilityFactory,
    evidence_file,
)
from reintegration.models import CaseMember, CaseNote, Delivery, MonitoringVisit
from reintegration.privacy import retention
from reintegration.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

YEAR = datetime.timedelta(days=366)


def ended_case(years_ago: float, state=State.CLOSED, **kwargs):
    return CaseFactory(state=state, state_changed_at=timezone.now() - years_ago * YEAR,
                       **kwargs)


def due(**kwargs):
    return retention.persons_due(now=timezone.now(), schedule=DEFAULT_SCHEDULE, **kwargs)


def test_the_hooks_are_registered():
    assert programmes.hook(Side.REINTEGRATION, programmes.SUBJECT_DATA) is not None
    assert programmes.hook(Side.REINTEGRATION, programmes.RETENTION) is retention.persons_due
    assert programmes.hook(Side.REINTEGRATION, programmes.ANONYMISE) is retention.anonymise


def test_the_export_holds_confidential_notes_vulnerabilities_and_visits():
    case = ended_case(1)
    CaseNoteFactory(case=case, text="Zqx confidential note", is_confidential=True)
    VulnerabilityFactory(case=case, notes="Zqx medical need")
    MonitoringVisitFactory(case=case, notes="Zqx observed the shop")
    sections = {s["key"]: s for s in programmes.hook(
        Side.REINTEGRATION, programmes.SUBJECT_DATA)(case.principal)}
    assert sections["reintegration.cases"]["rows"][0]["reference"] == case.reference
    assert sections["reintegration.notes"]["rows"][0]["text"] == "Zqx confidential note"
    assert sections["reintegration.notes"]["rows"][0]["is_confidential"] is True
    assert sections["reintegration.vulnerabilities"]["rows"][0]["notes"] == "Zqx medical need"
    assert sections["reintegration.visits"]["rows"][0]["notes"] == "Zqx observed the shop"


def test_a_case_closed_ten_years_ago_lets_its_principal_and_members_go():
    old = ended_case(11)
    member = ReturneeFactory()
    CaseMember.objects.create(case=old, person=member, relation="child")
    recent = ended_case(3, state=State.WITHDRAWN)
    live = CaseFactory(state=State.MONITORING)
    found = due()
    assert found[old.principal_id] == State.CLOSED
    assert found[member.pk] == State.CLOSED
    assert found[recent.principal_id] is None
    assert found[live.principal_id] is None


def test_an_open_case_keeps_the_person_whatever_the_old_ones_say():
    old = ended_case(12)
    CaseFactory(principal=old.principal, state=State.INTAKE)
    assert due()[old.principal_id] is None
    assert due(person_ids=[old.principal_id]) == {old.principal_id: None}


def test_anonymising_clears_free_text_and_evidence_and_keeps_the_figures(
        private_storage, django_capture_on_commit_callbacks):
    case = ended_case(11)
    note = CaseNoteFactory(case=case, text="Zqx lives with his uncle in Kindia")
    visit = MonitoringVisitFactory(case=case, notes="Zqx observations")
    line = BudgetLineFactory(plan__case=case, description="Zqx sewing machines")
    delivery = Delivery.objects.create(
        line=line, kind=Delivery.Kind.CASH, amount=Decimal("200.00"),
        delivered_on=timezone.localdate() - 11 * YEAR, description="Zqx cash for rent",
        evidence=evidence_file(), evidence_content_type="application/pdf")
    evidence = private_storage / delivery.evidence.name
    assert evidence.exists()
    with django_capture_on_commit_callbacks(execute=True):
        retention.anonymise(person_id=case.principal_id, now=timezone.now())
    note.refresh_from_db()
    visit.refresh_from_db()
    line.refresh_from_db()
    delivery.refresh_from_db()
    case.refresh_from_db()
    assert note.text == "" and visit.notes == "" and line.description == ""
    assert delivery.description == "" and not delivery.evidence and not evidence.exists()
    assert not CaseNote.history.filter(id=note.pk).exclude(text="").exists()
    assert not MonitoringVisit.history.filter(id=visit.pk).exclude(notes="").exists()
    assert case.region_of_return == ""
    # The figures stay.
    assert case.country_of_return and case.state == State.CLOSED
    assert line.amount == Decimal("1000.00") and line.category == "business"
    assert delivery.amount == Decimal("200.00")
