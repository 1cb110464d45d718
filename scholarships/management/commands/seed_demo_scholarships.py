"""Demo calls for a new user: two open calls (a Master's call with Belgian
host universities, an intra-African call) and one closed call; then, on the
closed call, applications at every stage of the selection: to screen, in
review (the demo reviewer has a queue), ranked, decided by a committee, with
offers made and one accepted. Idempotent: each part is loaded once."""

import datetime
from decimal import Decimal

import factory.random
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from common.demo import refuse_demo_data_in_production
from registry.factories import UserFactory
from registry.management.commands.seed_demo import DEMO_PASSWORD
from registry.models import Organisation
from scholarships import services
from scholarships.factories import (
    CallFactory,
    CompleteApplicationFactory,
    ProgrammeFactory,
    review_as,
)
from scholarships.models import Call, Degree, DocumentKind, Programme, ReviewerProfile
from scholarships.workflow import State

# The other demo reviewers (login: country, institution-free): the demo
# reviewer "reviewer" is Ethiopian (seed_demo).
OTHER_REVIEWERS = {"reviewer-be": ("Lotte", "Claes", "BE"),
                   "reviewer-ke": ("Wanjiru", "Kamau", "KE"),
                   "reviewer-fr": ("Camille", "Moreau", "FR")}


# What a Master's scholar commits to on accepting, one condition a line.
MASTERS_CONDITIONS = {
    "en": "You enrol full time in the Master's programme named in the offer.\n"
          "You arrive in Belgium before the start of the academic year and tell the "
          "scholarship office.\n"
          "You return to your country within three months of graduating.",
    "fr": "Vous vous inscrivez à temps plein au master indiqué dans l'offre.\n"
          "Vous arrivez en Belgique avant le début de l'année académique et en informez "
          "le service des bourses.\n"
          "Vous rentrez dans votre pays dans les trois mois qui suivent votre diplôme.",
    "nl": "U schrijft zich voltijds in voor de masteropleiding die in het aanbod staat.\n"
          "U komt vóór het begin van het academiejaar in België aan en meldt dat aan de "
          "beursdienst.\n"
          "U keert binnen drie maanden na uw diploma terug naar uw land.",
}


class Command(BaseCommand):
    help = "Load demo scholarship programmes and calls, and a selection in progress, once."

    @transaction.atomic
    def handle(self, *args, **options):
        refuse_demo_data_in_production()
        self.load_calls()
        self.load_selection()

    def load_calls(self):
        if Call.objects.exists():
            self.stdout.write("Demo calls already loaded; nothing added.")
            return
        now = timezone.now()
        year = timezone.localdate().year + 1
        belgian = list(Organisation.objects.filter(
            kind=Organisation.Kind.HOST_UNIVERSITY, country="BE")[:6])
        african = list(Organisation.objects.filter(
            kind=Organisation.Kind.HOST_UNIVERSITY).exclude(country="BE")[:3])
        # Call content is written per language (scholarships/translation.py): the
        # Master's programme and its call in all three, the others in English
        # only, so the demo shows both a translation and the English fallback.
        masters = ProgrammeFactory(name="Master's scholarships",
                                   name_fr="Bourses de master", name_nl="Masterbeurzen",
                                   kind=Programme.Kind.MASTERS)
        south = ProgrammeFactory(name="Intra-African scholarships",
                                 name_fr="Bourses intra-africaines",
                                 name_nl="Intra-Afrikaanse beurzen",
                                 kind=Programme.Kind.INTRA_AFRICAN)
        phd = ProgrammeFactory(name="PhD scholarships", name_fr="Bourses de doctorat",
                               name_nl="Doctoraatsbeurzen", kind=Programme.Kind.PHD)
        CallFactory(
            programme=masters, title="Master's programmes in Belgium",
            title_fr="Masters en Belgique", title_nl="Masteropleidingen in België",
            slug=f"masters-belgium-{year}", academic_year=year, quota=120,
            closes_at=now + datetime.timedelta(days=45), hosts=belgian,
            documents=[DocumentKind.IDENTITY, DocumentKind.DIPLOMA, DocumentKind.TRANSCRIPT,
                       DocumentKind.CV, DocumentKind.ADMISSION],
            summary="Nationals of partner countries with a bachelor's degree, aged 35 or "
                    "less on 1 October, who live in their country.",
            summary_fr="Ressortissants des pays partenaires titulaires d'un diplôme de "
                       "bachelier, âgés de 35 ans au plus au 1er octobre, qui vivent dans "
                       "leur pays.",
            summary_nl="Onderdanen van partnerlanden met een bachelordiploma, op 1 oktober "
                       "hoogstens 35 jaar oud, die in hun land wonen.",
            award_conditions=MASTERS_CONDITIONS["en"],
            award_conditions_fr=MASTERS_CONDITIONS["fr"],
            award_conditions_nl=MASTERS_CONDITIONS["nl"], max_age=35)
        CallFactory(
            programme=south, title="Intra-African master's scholarships",
            slug=f"intra-african-{year}", academic_year=year, quota=60,
            closes_at=now + datetime.timedelta(days=20), hosts=african or belgian[:1],
            documents=[DocumentKind.DIPLOMA, DocumentKind.CV],
            summary="Study in another African country: master's programmes at partner "
                    "universities.")
        CallFactory(
            programme=phd, title="PhD scholarships",
            slug=f"phd-{year - 1}", academic_year=year - 1, quota=25,
            opens_at=now - datetime.timedelta(days=200),
            closes_at=now - datetime.timedelta(days=100), hosts=belgian[:3],
            min_degree="master", max_age=40,
            summary="Doctoral research at a Belgian university (closed).")
        self.stdout.write(f"Demo calls loaded: {Call.objects.count()}.")

    def load_selection(self):
        User = get_user_model()
        office = User.objects.filter(username="scholarships").first()
        demo_reviewer = User.objects.filter(username="reviewer").first()
        call = Call.objects.filter(slug__startswith="phd-").order_by("-opens_at").first()
        if office is None or demo_reviewer is None or call is None:
            self.stdout.write("Demo selection needs the demo users (seed_demo) and calls.")
            return
        if ReviewerProfile.objects.filter(user=demo_reviewer).exists():
            self.stdout.write("Demo selection already loaded; nothing added.")
            return
        factory.random.reseed_random("casework-demo-selection")
        ReviewerProfile.objects.create(user=demo_reviewer, country="ET",
                                       expertise="Agricultural economics")
        reviewers = [demo_reviewer]
        for username, (given, family, country) in OTHER_REVIEWERS.items():
            user = UserFactory(username=username, first_name=given, last_name=family,
                               password=DEMO_PASSWORD)
            user.groups.add(Group.objects.get(name=Role.REVIEWER))
            ReviewerProfile.objects.create(user=user, country=country, expertise="Public health")
            reviewers.append(user)
        call.quota = 3
        call.save(update_fields=["quota"])
        host = call.host_institutions.first()
        applications = []
        for _i in range(14):
            person_user = UserFactory()
            person_user.set_unusable_password()
            person_user.save()
            application = CompleteApplicationFactory(
                call=call, applicant__user=person_user, applicant__country="SN",
                applicant__nationalities=["SN"], highest_degree=Degree.MASTER,
                degree_title="MSc Agronomy", host_institution=host)
            # Submitted while the (now closed) call was open.
            applications.append(services.application_submit(
                actor=person_user, application=application,
                now=call.opens_at + datetime.timedelta(days=10)))
        to_screen, to_assign, in_review, ranked = (
            applications[:2], applications[2:4], applications[4:8], applications[8:])
        for application in [*to_assign, *in_review, *ranked]:
            services.application_transition(actor=office, application=application,
                                            to=State.ELIGIBLE)
        # The demo reviewer's queue: two to declare, one to score, one done.
        for position, application in enumerate(in_review):
            mine = services.review_assign(actor=office, application=application,
                                          reviewer=demo_reviewer)
            other = services.review_assign(actor=office, application=application,
                                           reviewer=reviewers[1 + position % 3])
            review_as(other, percent=70 + position * 5)
            if position == 2:
                services.review_declare(actor=demo_reviewer, assignment=mine, conflict=False)
            elif position == 3:
                review_as(mine, percent=75)
        for position, application in enumerate(ranked):
            first = services.review_assign(actor=office, application=application,
                                           reviewer=reviewers[1 + position % 3])
            second = services.review_assign(actor=office, application=application,
                                            reviewer=reviewers[1 + (position + 1) % 3])
            review_as(first, percent=90 - position * 6,
                      comment="Strong academic record and a clear plan for the return home.")
            review_as(second, percent=86 - position * 6,
                      comment="Relevant project; the methodology could be sharper.")
        for application in ranked:
            application.refresh_from_db()
        decisions = [State.SELECTED] * 3 + [State.RESERVE] * 2 + [State.NOT_SELECTED]
        services.committee_decide(
            actor=office, call=call, held_on=timezone.localdate(),
            members_present="Prof. Amina Ouédraogo\nDr. Jan Peeters\nEls Peeters (secretary)",
            rationale="The ranking was followed; the reserve list is in ranking order.",
            decisions=[services.Decision(a.pk, to, a.state)
                       for a, to in zip(ranked, decisions, strict=True)])
        today = timezone.localdate()
        package = {"monthly_allowance": Decimal("1150.00"), "tuition": Decimal("4175.00"),
                   "travel": Decimal("1200.00"), "insurance": Decimal("480.00"),
                   "starts_on": today + datetime.timedelta(days=60),
                   "ends_on": today + datetime.timedelta(days=60 + 4 * 365),
                   "deadline": timezone.now() + datetime.timedelta(days=14)}
        first_offer = services.award_offer_make(actor=office, application=ranked[0], **package)
        services.award_offer_make(actor=office, application=ranked[1], **package)
        services.award_offer_accept(actor=ranked[0].applicant.user, offer=first_offer)
        self.stdout.write(
            f"Demo selection loaded on “{call.title}”: {len(to_screen)} to screen, "
            f"{len(to_assign)} to assign, {len(in_review)} in review, {len(ranked)} decided "
            "by a committee, 2 offers (1 accepted).")
