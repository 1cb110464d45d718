"""Demo return cases for a new user: a team supervised by the demo
`supervisor` with the demo `caseworker` and a colleague in it, and cases in
every state, taken there through the real services (so their history, visits
and scores are what the system writes). Idempotent: a second run adds nothing.
Run after seed_demo, which makes the demo logins."""

import datetime
import random
from decimal import Decimal

import factory.random
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from registry import services as registry_services
from registry.management.commands.seed_demo import DEMO_PASSWORD
from registry.models import Consent, HouseholdMember, Organisation
from reintegration import defaults
from reintegration.factories import REGIONS, ReturneeFactory, case_through
from reintegration.models import Case, MonitoringVisit, PartnerDesk, Team, Vulnerability
from reintegration.services import cases, monitoring, plans, records
from reintegration.workflow import State

TEAM_NAME = "Brussels return desk"
PARTNERS = [
    ("Association Guinéenne pour la Réinsertion", "AGR", "GN"),
    ("Association Sénégalaise d'Appui à la Réinsertion", "ASAR", "SN"),
    ("Réseau Congolais pour la Réintégration", "RCR", "CD"),
    ("Fondation Orient-Occident", "FOO", "MA"),
    ("Kurdistan Reintegration Network", "KRN", "IQ"),
    ("Afghan Returnee Support Organisation", "ARSO", "AF"),
    ("Lagos Returnee Enterprise Hub", "LREH", "NG"),
    ("Cameroun Retour Solidaire", "CRS", "CM"),
]
# (state, country, days since arrival or, before it, until departure,
#  vulnerability, household members)
CASES = [
    (State.INTAKE, "GN", 0, None, 0),
    (State.INTAKE, "AF", 0, Vulnerability.Kind.PSYCHOSOCIAL, 0),
    (State.COUNSELLING, "SN", 0, None, 1),
    (State.COUNSELLING, "IQ", 0, Vulnerability.Kind.MEDICAL, 2),
    (State.RETURN_APPROVED, "NG", 0, Vulnerability.Kind.TRAFFICKING, 0),
    (State.DEPARTURE_PLANNED, "CM", 12, None, 0),
    (State.DEPARTURE_PLANNED, "MA", 25, None, 1),
    (State.RETURNED, "CD", 20, Vulnerability.Kind.SINGLE_PARENT, 2),
    (State.PLAN_AGREED, "GN", 45, None, 0),
    (State.ASSISTANCE_IN_PROGRESS, "SN", 120, None, 1),
    (State.ASSISTANCE_IN_PROGRESS, "AF", 200, Vulnerability.Kind.DISABILITY, 0),
    (State.MONITORING, "IQ", 230, None, 0),
    (State.MONITORING, "MA", 400, Vulnerability.Kind.ELDERLY, 0),
    (State.CLOSED, "NG", 380, None, 0),
]
# The returnees consented to the sharing of their case with the partner
# organisation of their country, but for these (state, country): one whose
# consent is not recorded yet, one who withdrew it. Their case pages tell the
# caseworker that the partner cannot see them, and what to do.
NOT_SHARED = {(State.RETURNED, "CD")}
SHARING_WITHDRAWN = {(State.MONITORING, "MA")}
COLLEAGUE_CASES = [
    (State.COUNSELLING, "CD", 0, None, 0),
    (State.RETURNED, "GN", 15, None, 1),
    (State.MONITORING, "CM", 210, Vulnerability.Kind.MEDICAL, 0),
]
NOTES = [
    "First meeting at the reception centre; explained the voluntary return programme.",
    "Called the family in the country of return: they can host the household at first.",
    "Discussed a small business plan: the returnee worked as a tailor before leaving.",
    "Partner confirmed the pick-up at the airport and the first night's accommodation.",
]


class Command(BaseCommand):
    help = "Load demo return cases for the demo caseworker and supervisor, once."

    @transaction.atomic
    def handle(self, *args, **options):
        from common.demo import refuse_demo_data_in_production

        refuse_demo_data_in_production()
        defaults.load_all()
        if Team.objects.filter(name=TEAM_NAME).exists():
            self.stdout.write("Demo return cases already loaded; nothing added.")
            return
        User = get_user_model()
        worker = User.objects.filter(username="caseworker").first()
        boss = User.objects.filter(username="supervisor").first()
        if worker is None or boss is None:
            self.stdout.write("Run seed_demo first: the demo caseworker and supervisor are "
                              "missing.")
            return
        factory.random.reseed_random("casework-demo-reintegration")
        random.seed("casework-demo-reintegration")
        colleague, created = User.objects.get_or_create(
            username="caseworker2", defaults={"first_name": "Youssef", "last_name": "Benali",
                                              "email": "caseworker2@example.org",
                                              "is_staff": True})
        if created:
            colleague.set_password(DEMO_PASSWORD)
            colleague.save()
            colleague.groups.add(Group.objects.get(name=Role.CASEWORKER))
        logins = settings.VAR_DIR / "demo-logins.txt"
        if logins.exists() and "caseworker2" not in logins.read_text():
            with logins.open("a") as out:
                out.write(f"  {'caseworker2':<14} {Role.CASEWORKER.label} "
                          f"(in the supervisor's team)\n")
        team = Team.objects.create(name=TEAM_NAME, supervisor=boss)
        team.caseworkers.add(worker, colleague)
        partners = {}
        for name, acronym, country in PARTNERS:
            partners[country], _ = Organisation.objects.get_or_create(
                name=name, country=country,
                defaults={"acronym": acronym, "kind": Organisation.Kind.LOCAL_PARTNER})
        # The staff of the Guinean partner log in to see its cases and record
        # what they deliver.
        partner_user, created = User.objects.get_or_create(
            username="partner", defaults={"first_name": "Mariama", "last_name": "Camara",
                                          "email": "partner@example.org"})
        if created:
            partner_user.set_password(DEMO_PASSWORD)
            partner_user.save()
            partner_user.groups.add(Group.objects.get(name=Role.PARTNER))
        desk, _ = PartnerDesk.objects.get_or_create(organisation=partners["GN"])
        desk.staff.add(partner_user)
        if logins.exists() and "partner " not in logins.read_text():
            with logins.open("a") as out:
                out.write(f"  {'partner':<14} {Role.PARTNER.label} "
                          f"({partners['GN'].acronym}, Guinea)\n")
        made = [self._case(worker, boss, partners, *row) for row in CASES]
        made += [self._case(colleague, boss, partners, *row) for row in COLLEAGUE_CASES]
        # A caseload has things that slipped: an intake nobody counselled for
        # twelve days, a counselling that drags on.
        self._age(made[0], days=12)
        self._age(made[2], days=40)
        # A plan for the supervisor to approve: the colleague's returned case.
        waiting = next(case for case in made if case.caseworker == colleague
                       and case.state == State.RETURNED)
        plan = plans.plan_start(actor=colleague, case=waiting,
                                objectives="Open a phone repair kiosk at the market.")
        for category, description, amount in [
                ("business", "Tools, spare parts and a kiosk", Decimal("1300.00")),
                ("vocational", "Three-week repair course", Decimal("350.00"))]:
            plans.line_add(actor=colleague, plan=plan, category=category,
                           description=description, amount=amount)
        plans.plan_submit(actor=colleague, plan=plan)
        self.stdout.write(f"Demo return cases loaded: {len(made)} cases in team "
                          f"“{TEAM_NAME}” ({Case.objects.count()} in all).")

    def _case(self, worker, boss, partners, state, country, days, vulnerability, members):
        principal = ReturneeFactory(country=country)
        member_list = []
        if members:
            household = registry_services.household_create(actor=worker, principal=principal)
            for index in range(members):
                relation = (HouseholdMember.Relation.SPOUSE if index == 0
                            else HouseholdMember.Relation.CHILD)
                person = ReturneeFactory(country=country, family_name=principal.family_name,
                                         consent=False)
                registry_services.household_member_add(actor=worker, household=household,
                                                       person=person, relation=relation)
                member_list.append((person, relation))
        before_arrival = state in (State.INTAKE, State.COUNSELLING, State.RETURN_APPROVED,
                                   State.DEPARTURE_PLANNED)
        case = case_through(
            state, worker=worker, approver=boss, principal=principal,
            arrived_days_ago=10 if before_arrival else days,
            departure_in_days=days if before_arrival else 0,
            members=member_list, partner=partners.get(country),
            shared_with_partner=(state, country) not in NOT_SHARED,
            region_of_return=random.choice(REGIONS.get(country, ["Capital"])),
            lines=(("business", "Stock and equipment for a small shop", Decimal("1400.00")),
                   ("housing", "Rent for the first three months", Decimal("450.00")),
                   ("immediate", "Food and transport on arrival", Decimal("150.00"))),
        )
        if (state, country) in SHARING_WITHDRAWN:
            for consent in Consent.objects.filter(
                    person=principal, purpose=Consent.Purpose.PARTNER_SHARING,
                    withdrawn_at__isnull=True):
                registry_services.consent_withdraw(actor=worker, consent=consent)
        if vulnerability:
            records.vulnerability_save(actor=worker, case=case, kind=vulnerability,
                                       notes="Follow-up agreed with the partner organisation.")
        for text in random.sample(NOTES, k=2):
            records.note_add(actor=worker, case=case, text=text)
        if state in (State.MONITORING, State.ASSISTANCE_IN_PROGRESS):
            # One case where the visit that is due was not made yet: overdue.
            self._surveys(worker, case, leave_last=(country == "IQ"))
        return case

    def _age(self, case, *, days):
        """Demo only: make the case look opened `days` ago, in its state since."""
        then = timezone.now() - datetime.timedelta(days=days)
        Case.objects.filter(pk=case.pk).update(created_at=then, state_changed_at=then)
        case.refresh_from_db()
        cases.case_refresh(case)

    def _surveys(self, worker, case, leave_last=False):
        """Fill the surveys of the visits already due, the later ones a little
        better (or, now and then, worse: a drop to follow up)."""
        version = monitoring.current_survey_version()
        questions = monitoring.survey_questions(version)
        today = timezone.localdate()
        level = random.uniform(0.3, 0.6)
        due = [visit for visit in case.visits.filter(status=MonitoringVisit.Status.PLANNED)
               .order_by("due_on") if visit.due_on <= today]
        for visit in due[:-1] if leave_last else due:
            level = max(0.0, min(1.0, level + random.choice([0.15, 0.1, -0.25])))
            answers = {}
            for question in questions:
                options = list(question.options.all())
                # Options go from the best (first) to the worst (last).
                index = round((1 - level) * (len(options) - 1))
                answers[question.pk] = options[min(len(options) - 1, max(0, index))].pk
            monitoring.visit_record(
                actor=worker, visit=visit, done_on=min(today, visit.due_on + datetime.timedelta(
                    days=3)), mode=random.choice(["in_person", "phone"]),
                notes="Visited at home with the partner.", answers=answers, version=version)



