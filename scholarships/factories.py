import datetime
from decimal import Decimal

import factory
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from factory.django import DjangoModelFactory

from accounts.roles import Role
from registry.factories import OrganisationFactory, PersonFactory, UserFactory
from registry.models import Side
from registry.services import person_sides_note

from . import services
from .models import (
    Application,
    AwardOffer,
    Call,
    Criterion,
    Degree,
    DocumentKind,
    LanguageLevel,
    Programme,
    Referee,
    RequiredDocument,
    ReviewAssignment,
    ReviewerProfile,
)
from .states import State

ELIGIBLE_COUNTRIES = ["BJ", "BF", "BI", "CD", "ET", "GN", "MA", "ML", "MZ", "NE", "RW", "SN",
                      "TZ", "UG", "PS"]


class InEnglish:
    """`name`, `title`, `summary`... given to the factory are the English text:
    modeltranslation writes a bare field to the active language's column, and
    a test may run after a request in French left French active."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return super()._create(model_class, *args, **kwargs)


class ProgrammeFactory(InEnglish, DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("name",)

    name = "Master's scholarships"
    kind = Programme.Kind.MASTERS


class CallFactory(InEnglish, DjangoModelFactory):
    """An open call: opened a week ago, closes in three weeks."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Master's scholarships, call {n}")
    slug = factory.Sequence(lambda n: f"masters-call-{n}")
    academic_year = factory.LazyFunction(lambda: timezone.now().year + 1)
    summary = "Nationals of partner countries holding a bachelor's degree, aged 40 or less."
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=21))
    eligible_nationalities = ELIGIBLE_COUNTRIES
    max_age = 40
    age_reference_date = factory.LazyAttribute(
        lambda o: datetime.date(o.academic_year, 10, 1))
    min_degree = Degree.BACHELOR
    quota = 20

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        if create:
            for kind in extracted if extracted is not None else [DocumentKind.DIPLOMA,
                                                                 DocumentKind.CV]:
                RequiredDocument.objects.create(call=self, kind=kind)

    @factory.post_generation
    def criteria(self, create, extracted, **kwargs):
        if create and extracted is not False:
            for order, (name, weight) in enumerate([
                ("Academic excellence", Decimal("0.40")),
                ("Relevance for development", Decimal("0.35")),
                ("Motivation", Decimal("0.25")),
            ]):
                Criterion.objects.create(call=self, name=name, weight=weight, order=order)

    @factory.post_generation
    def hosts(self, create, extracted, **kwargs):
        if create:
            self.host_institutions.add(*(extracted or [OrganisationFactory()]))


class ApplicationFactory(DjangoModelFactory):
    """A draft application; see CompleteApplicationFactory for one ready to submit."""

    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    applicant = factory.SubFactory(
        PersonFactory, birth_date=factory.Faker("date_between", start_date="-35y",
                                                end_date="-22y"))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        application = super()._create(model_class, *args, **kwargs)
        # What services.application_start does: the registry knows the applicant.
        person_sides_note(side=Side.SCHOLARSHIP, person_ids=[application.applicant_id])
        return application


class CompleteApplicationFactory(ApplicationFactory):
    """Every step filled, the call's documents uploaded and two referees named."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    highest_degree = Degree.BACHELOR
    degree_title = "BSc Agronomy"
    degree_institution = "Université d'Abomey-Calavi"
    degree_country = "BJ"
    degree_year = 2021
    employer = "Ministry of Agriculture"
    position = "Agronomist"
    years_of_experience = 3
    host_institution = factory.LazyAttribute(lambda o: o.call.host_institutions.first())
    study_programme = "MSc Rural Development"
    planned_start = factory.LazyAttribute(lambda o: datetime.date(o.call.academic_year, 9, 15))
    duration_months = 24
    english_level = LanguageLevel.B2
    french_level = LanguageLevel.C2
    dutch_level = LanguageLevel.NONE
    motivation = factory.Faker("paragraph", nb_sentences=12)
    steps_done = ["personal", "education", "employment", "study-plan", "languages",
                  "motivation"]
    state = State.DRAFT

    @factory.post_generation
    def uploads(self, create, extracted, **kwargs):
        if not create:
            return
        for required in self.call.required_documents.all():
            self.documents.create(
                kind=required.kind, file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="x.pdf"),
                content_type="application/pdf", size=15)
        RefereeFactory(application=self)
        RefereeFactory(application=self)


class RefereeFactory(DjangoModelFactory):
    class Meta:
        model = Referee

    application = factory.SubFactory(ApplicationFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"referee{n}@university.example.org")
    institution = "University of Ghana"


def admin_user(**kwargs):
    """A scholarship administrator."""
    return UserFactory(roles=[Role.SCHOLARSHIP_ADMIN], **kwargs)


def submitted_application(**kwargs) -> Application:
    """A complete application submitted by its applicant through the service."""
    if "applicant" not in kwargs:
        kwargs.setdefault("applicant__user", UserFactory())
    application = CompleteApplicationFactory(**kwargs)
    return services.application_submit(actor=application.applicant.user,
                                       application=application)


def eligible_application(*, admin=None, **kwargs) -> Application:
    application = submitted_application(**kwargs)
    return services.application_transition(actor=admin or admin_user(),
                                           application=application, to=State.ELIGIBLE)


class ReviewerProfileFactory(DjangoModelFactory):
    """A reviewer: a user with the reviewer role and an active profile, from a
    country no applicant of the factories comes from unless told."""

    class Meta:
        model = ReviewerProfile

    user = factory.SubFactory(UserFactory, roles=[Role.REVIEWER],
                              first_name=factory.Faker("first_name"),
                              last_name=factory.Faker("last_name"))
    country = "BE"
    expertise = "Agronomy"


def reviewer(**kwargs):
    """The user of a new reviewer profile."""
    return ReviewerProfileFactory(**kwargs).user


def review_as(assignment: ReviewAssignment, *, percent: int, comment: str = "Sound plan.",
              conflict: bool = False, criterion_comment: str = "") -> ReviewAssignment:
    """The reviewer declares no conflict and scores every criterion at about
    `percent` of its scale (each with `criterion_comment`), through the services."""
    services.review_declare(actor=assignment.reviewer, assignment=assignment, conflict=False)
    scores = {c.pk: round(c.scale_max * percent / 100)
              for c in assignment.application.call.criteria.all()}
    return services.review_submit(actor=assignment.reviewer, assignment=assignment,
                                  scores=scores, comment=comment,
                                  criterion_comments=dict.fromkeys(scores, criterion_comment))


def ranked_application(*, percents=(80, 80), admin=None, **kwargs) -> Application:
    """Eligible, reviewed by as many reviewers as percents (the call's number),
    each scoring about that percentage: ranked by the services."""
    admin = admin or admin_user()
    call = kwargs.get("call") or CallFactory(reviewers_per_application=len(percents))
    kwargs["call"] = call
    application = eligible_application(admin=admin, **kwargs)
    assignments = [services.review_assign(actor=admin, application=application,
                                          reviewer=reviewer()) for _ in percents]
    for assignment, percent in zip(assignments, percents, strict=True):
        review_as(assignment, percent=percent)
    application.refresh_from_db()
    return application


def offer_package(**overrides) -> dict:
    today = timezone.localdate()
    package = {
        "monthly_allowance": Decimal("1150.00"), "tuition": Decimal("4175.00"),
        "travel": Decimal("1200.00"), "insurance": Decimal("480.00"),
        "starts_on": today + datetime.timedelta(days=60),
        "ends_on": today + datetime.timedelta(days=60 + 730),
        "deadline": timezone.now() + datetime.timedelta(days=14),
    }
    return {**package, **overrides}


def offered_application(*, admin=None, percents=(80, 80), **kwargs) -> tuple:
    """Ranked, selected by a committee and offered the award: (application, offer)."""
    admin = admin or admin_user()
    package = {name: kwargs.pop(name) for name in list(kwargs) if name in offer_package()}
    application = ranked_application(admin=admin, percents=percents, **kwargs)
    services.committee_decide(
        actor=admin, call=application.call, held_on=timezone.localdate(),
        members_present="Prof. A. Mbeki\nDr. L. Janssens", rationale="Best ranked.",
        decisions=[services.Decision(application.pk, State.SELECTED, State.RANKED)])
    offer = services.award_offer_make(actor=admin, application=application,
                                      **offer_package(**package))
    application.refresh_from_db()
    return application, AwardOffer.objects.get(pk=offer.pk)
