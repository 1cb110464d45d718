"""Realistic registry data: names and countries of the regions the programmes
serve. Reused by the scholarships and reintegration factories."""

import datetime
import random

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from .models import (
    Consent,
    Household,
    HouseholdMember,
    IdentityDocument,
    Organisation,
    Person,
    PersonRecords,
    Side,
)
from .names import document_number_key, fold, name_key

# (country, given names, family names): common names in each country.
NAME_POOLS = {
    "CD": (["Grâce", "Jean-Pierre", "Merveille", "Patrick", "Chancelle", "Dieudonné", "Ornella"],
           ["Kabila", "Mukendi", "Tshibanda", "Ilunga", "Kasongo", "Mbuyi", "Lukusa"]),
    "SN": (["Aminata", "Moussa", "Fatou", "Cheikh", "Awa", "Ibrahima", "Khady"],
           ["Diallo", "Ndiaye", "Sow", "Fall", "Diop", "Ba", "Sarr"]),
    "MA": (["Youssef", "Fatima Zahra", "Hamza", "Khadija", "Mehdi", "Salma", "Anas"],
           ["El Amrani", "Benali", "Alaoui", "Bennani", "Tazi", "El Idrissi", "Chraibi"]),
    "ET": (["Abebe", "Tigist", "Dawit", "Meron", "Yonas", "Hiwot", "Selam"],
           ["Bekele", "Tesfaye", "Girma", "Haile", "Mengistu", "Alemu", "Tadesse"]),
    "RW": (["Aline", "Eric", "Diane", "Jean Bosco", "Clarisse", "Olivier", "Solange"],
           ["Uwimana", "Habimana", "Mukamana", "Niyonzima", "Ingabire", "Nshimiyimana", "Mugisha"]),
    "BJ": (["Rodrigue", "Bénédicte", "Gildas", "Prudence", "Armel", "Fifamè", "Sèna"],
           ["Houngbédji", "Adjovi", "Agossou", "Dossou", "Kpadonou", "Zinsou", "Hounkpatin"]),
    "UG": (["Joseph", "Esther", "Ivan", "Brenda", "Moses", "Joan", "Ronald"],
           ["Okello", "Namutebi", "Mugisha", "Achieng", "Ssempijja", "Nakato", "Opio"]),
    "GN": (["Mamadou", "Mariama", "Alpha", "Kadiatou", "Ousmane", "Hawa", "Sekou"],
           ["Barry", "Bah", "Camara", "Condé", "Sylla", "Touré", "Keïta"]),
}
COUNTRIES = list(NAME_POOLS)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            from django.contrib.auth.models import Group

            self.groups.add(*Group.objects.filter(name__in=extracted))


class PersonFactory(DjangoModelFactory):
    """A person from one of the programme countries, with consistent name keys."""

    class Params:
        country = factory.LazyFunction(lambda: random.choice(COUNTRIES))

    given_names = factory.LazyAttribute(lambda o: random.choice(NAME_POOLS[o.country][0]))
    family_name = factory.LazyAttribute(lambda o: random.choice(NAME_POOLS[o.country][1]))
    birth_date = factory.Faker("date_between", start_date="-60y", end_date="-18y")
    sex = factory.LazyFunction(lambda: random.choice([Person.Sex.FEMALE, Person.Sex.MALE]))
    nationalities = factory.LazyAttribute(lambda o: [o.country])
    country_of_residence = factory.LazyAttribute(lambda o: o.country)
    preferred_language = factory.LazyAttribute(
        lambda o: "fr" if o.country in ("CD", "SN", "BJ", "GN", "MA", "RW") else "en"
    )
    email = factory.LazyAttribute(
        lambda o: f"{fold(o.given_names).replace(' ', '.')}.{fold(o.family_name).replace(' ', '')}"
                  f"{random.randint(1, 999)}@example.org"
    )
    search_key = factory.LazyAttribute(
        lambda o: fold(f"{o.given_names} {o.family_name} {o.name_original_script}")
    )
    name_key = factory.LazyAttribute(lambda o: name_key(o.given_names, o.family_name))
    name_original_script = ""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    @factory.post_generation
    def records(obj, create, extracted, **kwargs):
        """As services.person_create (person_records_open): the person's
        PersonRecords row, no programme holding a record yet."""
        if create:
            PersonRecords.objects.get_or_create(person=obj)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name", "country")

    name = factory.Iterator([
        "Ghent University", "KU Leuven", "Université catholique de Louvain",
        "Université libre de Bruxelles", "University of Antwerp", "Université de Liège",
        "Vrije Universiteit Brussel", "Hasselt University",
    ])
    kind = Organisation.Kind.HOST_UNIVERSITY
    country = "BE"


class IdentityDocumentFactory(DjangoModelFactory):
    class Meta:
        model = IdentityDocument

    person = factory.SubFactory(PersonFactory)
    kind = IdentityDocument.Kind.PASSPORT
    # Which programme's staff added it (registry.access): pass side=Side.SCHOLARSHIP
    # for a document only the scholarship administrators see.
    side = Side.REINTEGRATION
    number = factory.Sequence(lambda n: f"A{n:08d}")
    number_key = factory.LazyAttribute(lambda o: document_number_key(o.number))
    issuing_country = factory.LazyAttribute(
        lambda o: o.person.nationalities[0].code if o.person.nationalities else "SN"
    )
    issued_on = factory.LazyFunction(
        lambda: datetime.date.today() - datetime.timedelta(days=random.randint(100, 2000))
    )
    expires_on = factory.LazyAttribute(lambda o: o.issued_on + datetime.timedelta(days=3650))


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    principal = factory.SubFactory(PersonFactory)


class HouseholdMemberFactory(DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    person = factory.SubFactory(PersonFactory)
    relation = HouseholdMember.Relation.CHILD


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = Consent.Purpose.SCHOLARSHIP
    method = Consent.Method.ONLINE
    given_at = factory.Faker("date_time_this_year", tzinfo=datetime.UTC)
