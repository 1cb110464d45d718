"""Benchmark data for the registry, shared by each programme's part of
`manage.py seed_bench`: persons written with bulk_create in batches, without
the services (no history, no duplicate check), in the proportions of the
regions the programmes serve. Never for production data."""

import datetime
import random
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from .models import IdentityDocument, Person, PersonRecords
from .names import document_number_key, fold, name_key

BATCH = 5000
# 48% women, as among international migrants; a few of other or unknown sex.
SEXES = [Person.Sex.FEMALE] * 48 + [Person.Sex.MALE] * 50 + [Person.Sex.OTHER, Person.Sex.UNKNOWN]
FRENCH_SPEAKING = ("CD", "SN", "BJ", "GN", "MA", "RW", "CM")


@contextmanager
def keeping_dates(model, *names):
    """bulk_create would stamp auto_now(_add) fields with the current time;
    keep the dates the seed chose (spread over the years)."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def bulk_persons(count: int, *, rnd: random.Random, pools: dict, tag: str,
                 ages: tuple[int, int] = (20, 42), years_back: int = 6,
                 residence: str | None = None, log=lambda text: None) -> list[int]:
    """`count` persons with names from `pools` ({country: (given, family)}),
    born `ages` years ago, created over the last `years_back` years, living in
    `residence` (their own country when None). E-mail addresses end with
    @<tag>.bench.invalid, which no one can receive. Returns their ids in
    creation order."""
    now = timezone.now()
    today = timezone.localdate()
    countries = list(pools)
    ids = []
    with keeping_dates(Person, "created_at", "updated_at"):
        for start in range(0, count, BATCH):
            batch = []
            for i in range(start, min(start + BATCH, count)):
                country = rnd.choice(countries)
                given_pool, family_pool = pools[country]
                given = rnd.choice(given_pool)
                if rnd.random() < 0.15:
                    given = f"{given} {rnd.choice(given_pool)}"
                family = rnd.choice(family_pool)
                nationalities = [country]
                if rnd.random() < 0.05:
                    nationalities.append(rnd.choice(["BE", "FR", *countries]))
                created = now - datetime.timedelta(days=rnd.uniform(0, 365 * years_back))
                batch.append(Person(
                    given_names=given, family_name=family,
                    search_key=fold(f"{given} {family}"), name_key=name_key(given, family),
                    birth_date=today - datetime.timedelta(
                        days=rnd.randint(ages[0] * 365, ages[1] * 365)),
                    sex=rnd.choice(SEXES),
                    nationalities=list(dict.fromkeys(nationalities)),
                    country_of_residence=residence or country,
                    email=f"p{i}.{fold(family).replace(' ', '')}@{tag}.bench.invalid",
                    preferred_language="fr" if country in FRENCH_SPEAKING else "en",
                    created_at=created, updated_at=created,
                ))
            # PostgreSQL and SQLite return the new ids.
            made = [person.pk for person in Person.objects.bulk_create(batch)]
            # As services.person_create: every person has its PersonRecords row.
            PersonRecords.objects.bulk_create([PersonRecords(person_id=pk) for pk in made],
                                              ignore_conflicts=True)
            ids.extend(made)
            log(f"  persons ({tag}): {len(ids)}")
    return ids


def bulk_passports(person_ids: list[int], countries: dict[int, str], *, rnd: random.Random,
                   expiring_share: float = 0.1) -> int:
    """A passport for each person, issued by their country; `expiring_share`
    of them expire within the next months (what a planned departure trips on)."""
    today = timezone.localdate()
    rows = []
    for pk in person_ids:
        number = f"{countries[pk]}{rnd.randint(10_000_000, 99_999_999)}"
        if rnd.random() < expiring_share:
            expires = today + datetime.timedelta(days=rnd.randint(1, 120))
        else:
            expires = today + datetime.timedelta(days=rnd.randint(365, 3650))
        rows.append(IdentityDocument(
            person_id=pk, kind=IdentityDocument.Kind.PASSPORT, number=number,
            number_key=document_number_key(number), issuing_country=countries[pk],
            issued_on=expires - datetime.timedelta(days=3650), expires_on=expires,
        ))
    IdentityDocument.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)


def bench_users(prefix: str, count: int, role: str) -> list:
    """`count` users named <prefix>-<n> holding `role`, made once."""
    model = get_user_model()
    group = Group.objects.get(name=role)
    users = []
    for n in range(1, count + 1):
        user, created = model.objects.get_or_create(
            username=f"{prefix}-{n}",
            defaults={"email": f"{prefix}-{n}@staff.bench.invalid", "first_name": prefix.title(),
                      "last_name": str(n)},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
        users.append(user)
    return users
