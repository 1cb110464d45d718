"""Demo data for a new user: one login per role and a registry of realistic
persons. Idempotent: a second run changes nothing."""

import random

import factory.random
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import Role
from common.demo import refuse_demo_data_in_production
from registry import services
from registry.factories import (
    ConsentFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    IdentityDocumentFactory,
    OrganisationFactory,
    PersonFactory,
)
from registry.models import Consent, HouseholdMember, Organisation, Person

DEMO_PASSWORD = "demo-2026-casework"
# username: (role, is_staff, given names, family name, country, language)
DEMO_USERS = {
    "applicant": (Role.APPLICANT, False, "Aminata", "Diallo", "SN", "fr"),
    "reviewer": (Role.REVIEWER, False, "Hiwot", "Tesfaye", "ET", "en"),
    "scholarships": (Role.SCHOLARSHIP_ADMIN, True, "Els", "Peeters", "BE", "nl"),
    "caseworker": (Role.CASEWORKER, True, "Sophie", "Lambert", "BE", "fr"),
    "supervisor": (Role.SUPERVISOR, True, "Pieter", "Janssens", "BE", "nl"),
    "dpo": (Role.DPO, True, "Marie", "Dubois", "BE", "fr"),
}
PARTNERS = [
    ("International Organization for Migration", "IOM", Organisation.Kind.INTERNATIONAL, "BE"),
    ("Caritas International", "", Organisation.Kind.NGO, "BE"),
    ("ENABEL", "", Organisation.Kind.GOVERNMENT, "BE"),
    ("Association Sénégalaise d'Appui à la Réinsertion", "ASAR",
     Organisation.Kind.LOCAL_PARTNER, "SN"),
    ("Réseau Congolais pour la Réintégration", "RCR", Organisation.Kind.LOCAL_PARTNER, "CD"),
    ("Université Cheikh Anta Diop", "UCAD", Organisation.Kind.HOST_UNIVERSITY, "SN"),
]


class Command(BaseCommand):
    help = "Load the demo users (one per role) and a demo registry, once."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=120)

    @transaction.atomic
    def handle(self, *args, persons, **options):
        refuse_demo_data_in_production()
        persons = max(persons, 4)  # the duplicate examples below need a few persons
        factory.random.reseed_random("casework-demo")
        random.seed("casework-demo")
        User = get_user_model()
        lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True,
                                        "email": "admin@example.org"})
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        lines.append(f"  {'admin':<14} superuser")
        for username, (role, is_staff, given, family, country, lang) in DEMO_USERS.items():
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": is_staff, "email": f"{username}@example.org",
                          "first_name": given, "last_name": family})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.add(Group.objects.get(name=role))
                services.person_create(actor=admin, person=Person(
                    given_names=given, family_name=family, nationalities=[country],
                    country_of_residence=country, preferred_language=lang,
                    email=user.email, user=user,
                    sex=Person.Sex.FEMALE if given in ("Aminata", "Hiwot", "Els", "Sophie",
                                                       "Marie") else Person.Sex.MALE,
                ))
            lines.append(f"  {username:<14} {role.label}")
        (settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        (settings.VAR_DIR / "demo-logins.txt").write_text("\n".join(str(x) for x in lines) + "\n")

        if Person.objects.filter(user__isnull=True).exists():
            self.stdout.write("Demo registry already loaded; nothing added.")
            self.stdout.write("\n".join(lines))
            return
        for _i in range(8):
            OrganisationFactory()
        for name, acronym, kind, country in PARTNERS:
            Organisation.objects.get_or_create(
                name=name, country=country, defaults={"acronym": acronym, "kind": kind})
        people = PersonFactory.create_batch(persons)
        for person in people[: persons // 2]:
            IdentityDocumentFactory(person=person)
        for person in people[: persons // 3]:
            ConsentFactory(person=person, recorded_by=admin, purpose=random.choice(
                [Consent.Purpose.SCHOLARSHIP, Consent.Purpose.REINTEGRATION]))
        for principal in people[-10:]:
            household = HouseholdFactory(principal=principal)
            for relation in (HouseholdMember.Relation.SPOUSE, HouseholdMember.Relation.CHILD):
                HouseholdMemberFactory(
                    household=household, relation=relation,
                    person=PersonFactory(country=principal.nationalities[0].code,
                                         family_name=principal.family_name))
        # Two classic registry failures for the duplicate queue: the same person
        # typed twice with accents and name order changed, and a passport
        # entered on two records.
        first = people[0]
        PersonFactory(given_names=first.family_name.upper(), family_name=first.given_names,
                      birth_date=first.birth_date, country=first.nationalities[0].code)
        twin = PersonFactory(country=people[1].nationalities[0].code)
        passport = people[1].documents.first()
        IdentityDocumentFactory(person=twin, number=passport.number.lower(),
                                issuing_country=passport.issuing_country)
        flagged = services.duplicates_flag()
        self.stdout.write(f"Demo registry loaded: {Person.objects.count()} persons, "
                          f"{flagged} possible duplicate(s) to review.")
        self.stdout.write("\n".join(lines))
