"""Realistic reintegration data: returnees from the countries voluntary returns
from Belgium go to, their cases, teams, plans and visits.

The factories write rows directly (fast, for lists and counts). `case_through`
takes a case through the real services to a given state, for tests and demo
data whose audit trail must be what the system itself writes."""

import datetime
import random
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.roles import Role
from registry.factories import NAME_POOLS, IdentityDocumentFactory, PersonFactory, UserFactory
from registry.models import Consent, IdentityDocument, Side
from registry.names import fold, name_key
from registry.services import person_sides_note

from .models import BudgetLine, Case, CaseNote, MonitoringVisit, Plan, Team, Vulnerability
from .workflow import State

# Countries of return beyond the registry's pools, with common names.
RETURN_NAME_POOLS = {
    **NAME_POOLS,
    "IQ": (["Ahmed", "Zainab", "Mustafa", "Noor", "Ali", "Fatima", "Hussein"],
           ["Al-Jaburi", "Hassan", "Al-Tamimi", "Kareem", "Al-Obeidi", "Salih", "Mahmoud"]),
    "AF": (["Ahmad", "Mariam", "Farid", "Zahra", "Naveed", "Shabnam", "Rahim"],
           ["Ahmadzai", "Hakimi", "Rahimi", "Noori", "Sultani", "Karimi", "Popal"]),
    "NG": (["Chinedu", "Ngozi", "Oluwaseun", "Aisha", "Emeka", "Funmilayo", "Ibrahim"],
           ["Okafor", "Adeyemi", "Bello", "Eze", "Okonkwo", "Abubakar", "Nwosu"]),
    "CM": (["Jean-Paul", "Brigitte", "Samuel", "Mireille", "Hervé", "Estelle", "Blaise"],
           ["Nkoulou", "Mbarga", "Fotso", "Tchoupo", "Essomba", "Ngo Bassa", "Kamga"]),
}
RETURN_COUNTRIES = ["GN", "SN", "CD", "MA", "IQ", "AF", "NG", "CM"]
REGIONS = {
    "GN": ["Conakry", "Kindia", "Labé", "Kankan"], "SN": ["Dakar", "Thiès", "Kolda", "Tambacounda"],
    "CD": ["Kinshasa", "Lubumbashi", "Kananga"], "MA": ["Casablanca", "Beni Mellal", "Oujda"],
    "IQ": ["Erbil", "Baghdad", "Duhok", "Basra"], "AF": ["Kabul", "Herat", "Mazar-i-Sharif"],
    "NG": ["Lagos", "Benin City", "Kano", "Enugu"], "CM": ["Douala", "Yaoundé", "Bafoussam"],
    "ET": ["Addis Ababa"], "RW": ["Kigali"], "BJ": ["Cotonou"], "UG": ["Kampala"],
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def evidence_file(name: str = "receipt.pdf") -> ContentFile:
    return ContentFile(PDF, name=name)


class ReturneeFactory(PersonFactory):
    """A person returning to one of RETURN_COUNTRIES, with a consent to the
    reintegration case and a valid passport."""

    class Meta:
        skip_postgeneration_save = True

    class Params:
        country = factory.LazyFunction(lambda: random.choice(RETURN_COUNTRIES))

    given_names = factory.LazyAttribute(
        lambda o: random.choice(RETURN_NAME_POOLS[o.country][0]))
    family_name = factory.LazyAttribute(
        lambda o: random.choice(RETURN_NAME_POOLS[o.country][1]))
    country_of_residence = "BE"
    preferred_language = factory.LazyAttribute(
        lambda o: "fr" if o.country in ("GN", "SN", "CD", "MA", "CM") else "en")
    search_key = factory.LazyAttribute(lambda o: fold(f"{o.given_names} {o.family_name}"))
    name_key = factory.LazyAttribute(lambda o: name_key(o.given_names, o.family_name))

    @factory.post_generation
    def consent(self, create, extracted, **kwargs):
        if create and extracted is not False:
            Consent.objects.create(person=self, purpose=Consent.Purpose.REINTEGRATION,
                                   method=Consent.Method.SIGNED, given_at=timezone.now())

    @factory.post_generation
    def passport(self, create, extracted, **kwargs):
        if create and extracted is not False:
            IdentityDocumentFactory(
                person=self, kind=IdentityDocument.Kind.PASSPORT,
                issued_on=timezone.localdate() - datetime.timedelta(days=800),
                expires_on=timezone.localdate() + datetime.timedelta(days=2500))


def sharing_consent(case, *, recorded_by=None, given_at=None) -> Consent:
    """The principal returnee's consent to share the case with its partner
    organisation, in force: without it the partner does not see the case."""
    return Consent.objects.create(
        person_id=case.principal_id, purpose=Consent.Purpose.PARTNER_SHARING,
        partner_id=case.partner_id, method=Consent.Method.SIGNED,
        given_at=given_at or timezone.now(), recorded_by=recorded_by)


def caseworker(username=None, **kwargs):
    """A user with the caseworker role."""
    kwargs.setdefault("roles", [Role.CASEWORKER])
    return UserFactory(**({"username": username} if username else {}), **kwargs)


def supervisor_of(*caseworkers, username=None, **kwargs) -> "Team":
    """A supervisor and a team of `caseworkers`; returns the team."""
    kwargs.setdefault("roles", [Role.SUPERVISOR])
    boss = UserFactory(**({"username": username} if username else {}), **kwargs)
    return TeamFactory(supervisor=boss, caseworkers=list(caseworkers))


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Return team {n}")
    supervisor = factory.SubFactory(UserFactory, roles=[Role.SUPERVISOR])

    @factory.post_generation
    def caseworkers(self, create, extracted, **kwargs):
        if create and extracted:
            self.caseworkers.add(*extracted)


class CaseFactory(DjangoModelFactory):
    """A case row in a given state, without its history (for lists). With
    `shared_with_partner=True`, the returnee consents to the sharing with the
    case's partner organisation (which only then sees the case)."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"RET-2026-{n + 1:05d}")
    principal = factory.SubFactory(ReturneeFactory)
    country_of_return = factory.LazyAttribute(lambda o: o.principal.nationalities[0].code)
    region_of_return = factory.LazyAttribute(
        lambda o: random.choice(REGIONS.get(o.country_of_return, ["Capital"])))
    caseworker = factory.SubFactory(UserFactory, roles=[Role.CASEWORKER])
    state = State.INTAKE
    next_action_due = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=random.randint(-10, 40)))
    arrived_on = factory.LazyAttribute(
        lambda o: timezone.localdate() - datetime.timedelta(days=60)
        if o.state in (State.RETURNED, State.PLAN_AGREED, State.ASSISTANCE_IN_PROGRESS,
                       State.MONITORING, State.CLOSED, State.LOST_CONTACT) else None)
    planned_departure_on = factory.LazyAttribute(
        lambda o: timezone.localdate() + datetime.timedelta(days=20)
        if o.state == State.DEPARTURE_PLANNED else None)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        case = super()._create(model_class, *args, **kwargs)
        # What services.case_open does: the registry knows the returnee.
        person_sides_note(side=Side.REINTEGRATION, person_ids=[case.principal_id])
        return case

    @factory.post_generation
    def shared_with_partner(self, create, extracted, **kwargs):
        if create and extracted and self.partner_id is not None:
            sharing_consent(self)


class VulnerabilityFactory(DjangoModelFactory):
    class Meta:
        model = Vulnerability

    case = factory.SubFactory(CaseFactory)
    kind = Vulnerability.Kind.MEDICAL
    notes = "Diabetes type 2: needs insulin and follow-up at a clinic."


class CaseNoteFactory(DjangoModelFactory):
    class Meta:
        model = CaseNote

    case = factory.SubFactory(CaseFactory)
    author = factory.LazyAttribute(lambda o: o.case.caseworker)
    text = "Phoned the returnee: the family is settling in."


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    case = factory.SubFactory(CaseFactory, state=State.RETURNED)
    objectives = "Open a small tailoring workshop; pay the first months of rent."
    created_by = factory.LazyAttribute(lambda o: o.case.caseworker)


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    plan = factory.SubFactory(PlanFactory)
    category = BudgetLine.Category.BUSINESS
    description = "Sewing machines and fabric"
    amount = Decimal("1000.00")


class MonitoringVisitFactory(DjangoModelFactory):
    class Meta:
        model = MonitoringVisit

    case = factory.SubFactory(CaseFactory, state=State.MONITORING)
    months_after_arrival = 3
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


# --- through the services ------------------------------------------------------------

ORDER = [State.INTAKE, State.COUNSELLING, State.RETURN_APPROVED, State.DEPARTURE_PLANNED,
         State.RETURNED, State.PLAN_AGREED, State.ASSISTANCE_IN_PROGRESS, State.MONITORING,
         State.CLOSED]


def case_through(state: str, *, worker, approver, principal=None, arrived_days_ago: int = 10,
                 departure_in_days: int = 0, shared_with_partner: bool = False,
                 lines=(("business", "Market stall and first stock", Decimal("1200.00")),
                        ("housing", "Three months of rent", Decimal("600.00"))),
                 **open_kwargs) -> Case:
    """Open a case with `worker` and take it through the services to `state`
    (one of ORDER), `approver` (a supervisor of the worker's team) approving
    the plan. The departure is planned `departure_in_days` from today
    (when the case stops there), deliveries and visits dated after an arrival
    `arrived_days_ago` days ago. With `shared_with_partner`, the returnee's
    consent to share with the case's partner organisation is recorded (by
    `worker`, as the case is opened): the partner sees the case."""
    from registry.services import consent_give

    from .services import cases, monitoring, plans

    principal = principal or ReturneeFactory()
    open_kwargs.setdefault("country_of_return", principal.nationalities[0].code)
    case = cases.case_open(actor=worker, principal=principal, **open_kwargs)
    if shared_with_partner and case.partner_id is not None:
        consent_give(actor=worker, person=principal, purpose=Consent.Purpose.PARTNER_SHARING,
                     partner=case.partner, method=Consent.Method.SIGNED)
    target = ORDER.index(state)
    today = timezone.localdate()
    arrived = today - datetime.timedelta(days=arrived_days_ago)

    def reached(step):
        return target >= ORDER.index(step)

    if reached(State.COUNSELLING):
        cases.case_move(actor=worker, case=case, to=State.COUNSELLING)
    if reached(State.RETURN_APPROVED):
        cases.case_move(actor=worker, case=case, to=State.RETURN_APPROVED)
    if reached(State.DEPARTURE_PLANNED):
        cases.case_departure_plan(
            actor=worker, case=case,
            planned_on=today + datetime.timedelta(
                days=departure_in_days if state == State.DEPARTURE_PLANNED else 0))
    if reached(State.RETURNED):
        # The case was opened before the arrival: back-date the opening.
        # The departure too: nobody arrives before leaving.
        Case.objects.filter(pk=case.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=arrived_days_ago + 30),
            planned_departure_on=arrived)
        case.refresh_from_db()
        cases.case_arrival_record(actor=worker, case=case, arrived_on=arrived)
    if reached(State.PLAN_AGREED):
        plan = plans.plan_start(actor=worker, case=case, objectives="Start a small business.")
        for category, description, amount in lines:
            plans.line_add(actor=worker, plan=plan, category=category, description=description,
                           amount=amount)
        plans.plan_submit(actor=worker, plan=plan)
        plans.plan_approve(actor=approver, plan=plan)
    if reached(State.ASSISTANCE_IN_PROGRESS):
        first = plan.lines.order_by("id").first()
        plans.delivery_record(
            actor=worker, line=first, kind="supplier", supplier="Quincaillerie du Marché",
            amount=first.amount / 2, description="First purchase",
            delivered_on=arrived + datetime.timedelta(days=min(arrived_days_ago, 14)),
            evidence=evidence_file(), evidence_content_type="application/pdf")
    if reached(State.MONITORING):
        plans.plan_close(actor=worker, plan=plan, reason="The rest is not needed any more.")
    if reached(State.CLOSED):
        for visit in case.visits.all():
            monitoring.visit_waive(actor=worker, visit=visit, reason="Reached by phone instead.")
        cases.case_move(actor=worker, case=case, to=State.CLOSED)
    case.refresh_from_db()
    return case
