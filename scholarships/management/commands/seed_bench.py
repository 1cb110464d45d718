"""Benchmark data: persons, calls over several academic years and, by default,
100,000 applications in the proportions a scholarship office sees.

For the benchmark (bench/run.py) and for trying the staff pages at scale; never
for production data. Rows are written with bulk_create in batches, without the
services: no audit rows, no history, no e-mails. References are taken from the
numbering counters, which are moved on, so the portal keeps issuing fresh ones.

Run once: the calls it creates have addresses starting with "bench-", and a
second run finds them and adds nothing.
"""

import datetime
import random
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from numbering.models import Counter
from registry.factories import NAME_POOLS
from registry.models import Person
from registry.names import fold, name_key
from scholarships.factories import CallFactory, ProgrammeFactory
from scholarships.models import Application, Call, Degree, DocumentKind, Programme
from scholarships.workflow import State

MARKER = "bench-"
BATCH = 5000
SEED = 20260401

# (programme name, kind, slug part, maximum age or None, share of applications)
PROGRAMMES = [
    ("Master's scholarships", Programme.Kind.MASTERS, "masters", 35, 0.55),
    ("Intra-African scholarships", Programme.Kind.INTRA_AFRICAN, "intra-african", None, 0.30),
    ("PhD scholarships", Programme.Kind.PHD, "phd", 40, 0.15),
]
YEARS = 6  # academic years with a call of each programme, the newest one open

# States by the phase a call is in: (state, weight). The newest call is open
# (drafts and new submissions), the one before is being reviewed, older ones
# are decided, and the oldest have scholars who finished or dropped out.
PHASES = {
    "open": [(State.DRAFT, 45), (State.SUBMITTED, 50), (State.WITHDRAWN, 5)],
    "review": [(State.DRAFT, 4), (State.SUBMITTED, 16), (State.ELIGIBLE, 18),
               (State.INELIGIBLE, 30), (State.IN_REVIEW, 26), (State.WITHDRAWN, 6)],
    "decided": [(State.DRAFT, 6), (State.INELIGIBLE, 38), (State.NOT_SELECTED, 36),
                (State.RANKED, 2), (State.RESERVE, 3), (State.SELECTED, 1), (State.OFFERED, 1),
                (State.ACCEPTED, 1), (State.DECLINED, 1), (State.LAPSED, 1),
                (State.ENROLLED, 4), (State.WITHDRAWN, 6)],
    "finished": [(State.DRAFT, 6), (State.INELIGIBLE, 40), (State.NOT_SELECTED, 38),
                 (State.DECLINED, 1), (State.LAPSED, 1), (State.ENROLLED, 1),
                 (State.COMPLETED, 6), (State.DISCONTINUED, 1), (State.WITHDRAWN, 6)],
}
# Share of the applications by how many years ago the call was (0 = the open one).
YEAR_SHARE = [0.14, 0.20, 0.19, 0.17, 0.16, 0.14]
SEXES = [Person.Sex.FEMALE] * 48 + [Person.Sex.MALE] * 50 + [Person.Sex.OTHER, Person.Sex.UNKNOWN]
FRENCH = ("CD", "SN", "BJ", "GN", "MA", "RW")


def _phase(years_ago: int) -> str:
    return ["open", "review", "decided", "decided", "finished", "finished"][years_ago]


@contextmanager
def _keeping_dates(model, *names):
    """bulk_create would stamp auto_now(_add) fields with the current time;
    keep the dates the command chose (spread over the years)."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Command(BaseCommand):
    help = "Load benchmark data (persons, calls, applications), once."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=100_000)
        parser.add_argument("--persons", type=int, default=None,
                            help="Default: 80%% of the applications (some apply twice).")
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args, applications, persons, seed, **options):
        if Call.objects.filter(slug__startswith=MARKER).exists():
            self.stdout.write("Benchmark data already loaded (calls named bench-...); "
                              "nothing added.")
            return
        if applications < 1:
            raise CommandError("--applications must be at least 1.")
        persons = persons or max(1, int(applications * 0.8))
        if persons * 2 < applications:
            raise CommandError("At most two applications per person: raise --persons.")
        self.random = random.Random(seed)
        self.now = timezone.now()
        started = timezone.now()
        with transaction.atomic():
            calls = self.make_calls()
            person_ids = self.make_persons(persons)
            self.make_applications(applications, calls, person_ids)
        if connection.vendor == "postgresql":
            # What autovacuum would soon do on a live system: planner statistics
            # and the visibility map (index-only scans), so the first benchmark
            # run measures the steady state.
            with connection.cursor() as cursor:
                for model in (Person, Application, Call):
                    cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"Benchmark data loaded: {persons} persons, {len(calls)} calls, "
                          f"{applications} applications in {seconds:.0f} s.")

    # --- calls -----------------------------------------------------------------

    def make_calls(self) -> list[tuple[Call, float]]:
        """One call per programme and academic year: (call, share of applications)."""
        newest = self.now.year + 1
        calls = []
        for name, kind, slug, max_age, share in PROGRAMMES:
            programme = ProgrammeFactory(name=name, kind=kind)
            for years_ago in range(YEARS):
                year = newest - years_ago
                if years_ago == 0:
                    opens = self.now - datetime.timedelta(days=30)
                    closes = self.now + datetime.timedelta(days=45)
                else:
                    opens = datetime.datetime(year - 1, 10, 15, 9, tzinfo=datetime.UTC)
                    closes = datetime.datetime(year, 2, 15, 12, tzinfo=datetime.UTC)
                call = CallFactory(
                    programme=programme, title=f"{name} {year}-{year + 1}",
                    slug=f"{MARKER}{slug}-{year}", academic_year=year,
                    opens_at=opens, closes_at=closes, max_age=max_age,
                    age_reference_date=datetime.date(year, 10, 1) if max_age else None,
                    min_degree=Degree.MASTER if kind == Programme.Kind.PHD else Degree.BACHELOR,
                    quota={"masters": 120, "intra-african": 60, "phd": 25}[slug],
                    documents=[DocumentKind.IDENTITY, DocumentKind.DIPLOMA, DocumentKind.CV],
                )
                calls.append((call, share * YEAR_SHARE[years_ago], years_ago))
        self.stdout.write(f"  {len(calls)} calls")
        return calls

    # --- persons ---------------------------------------------------------------

    def make_persons(self, count: int) -> list[int]:
        rnd = self.random
        countries = list(NAME_POOLS)
        today = timezone.localdate()
        ids = []
        with _keeping_dates(Person, "created_at", "updated_at"):
            for start in range(0, count, BATCH):
                batch = []
                for _ in range(min(BATCH, count - start)):
                    country = rnd.choice(countries)
                    given_pool, family_pool = NAME_POOLS[country]
                    given = rnd.choice(given_pool)
                    if rnd.random() < 0.15:
                        given = f"{given} {rnd.choice(given_pool)}"
                    family = rnd.choice(family_pool)
                    nationalities = [country]
                    if rnd.random() < 0.05:
                        nationalities.append(rnd.choice(["BE", "FR", *countries]))
                    created = self.now - datetime.timedelta(days=rnd.uniform(0, 365 * YEARS))
                    batch.append(Person(
                        given_names=given, family_name=family,
                        search_key=fold(f"{given} {family}"), name_key=name_key(given, family),
                        birth_date=today - datetime.timedelta(days=rnd.randint(20 * 365,
                                                                               42 * 365)),
                        sex=rnd.choice(SEXES),
                        nationalities=list(dict.fromkeys(nationalities)),
                        country_of_residence=country,
                        email=f"{fold(given).replace(' ', '.')}.{fold(family).replace(' ', '')}"
                              f"{start + len(batch)}@example.org",
                        preferred_language="fr" if country in FRENCH else "en",
                        created_at=created, updated_at=created,
                    ))
                # PostgreSQL and SQLite return the new ids.
                ids.extend(person.pk for person in Person.objects.bulk_create(batch))
                self.stdout.write(f"  persons: {start + len(batch)}")
        return ids

    # --- applications ----------------------------------------------------------

    def make_applications(self, count: int, calls, person_ids: list[int]) -> None:
        rnd = self.random
        weights = [share for _call, share, _ago in calls]
        # Every person applies once; the first ones a second time, to another call.
        plan = []
        first_call = {}
        for i in range(count):
            if i < len(person_ids):
                person = person_ids[i]
                index = rnd.choices(range(len(calls)), weights)[0]
                first_call[person] = index
            else:
                person = person_ids[i - len(person_ids)]
                index = first_call[person]
                while index == first_call[person]:
                    index = rnd.choices(range(len(calls)), weights)[0]
            plan.append((person, index))

        rows = []
        for person, index in plan:
            call, _share, years_ago = calls[index]
            states, state_weights = zip(*PHASES[_phase(years_ago)], strict=True)
            state = rnd.choices(states, state_weights)[0]
            window_end = min(call.closes_at, self.now)
            span = (window_end - call.opens_at).total_seconds()
            created = call.opens_at + datetime.timedelta(seconds=rnd.uniform(0, span) * 0.9)
            submitted = None
            if state != State.DRAFT and not (state == State.WITHDRAWN and rnd.random() < 0.5):
                left = (window_end - created).total_seconds()
                submitted = created + datetime.timedelta(seconds=rnd.uniform(60, max(left, 61)))
                submitted = min(submitted, window_end)
            rows.append([person, call, state, created, submitted])

        # References in the order of submission, per calendar year, after what the
        # counters already issued; the counters are moved on.
        numbered = sorted((r for r in rows if r[4] is not None), key=lambda r: r[4])
        next_number: dict[int, int] = {}
        for row in numbered:
            year = timezone.localtime(row[4]).year
            if year not in next_number:
                counter, _ = Counter.objects.select_for_update().get_or_create(
                    prefix="SCH", year=year)
                next_number[year] = counter.last
            next_number[year] += 1
            row.append(f"SCH-{year}-{next_number[year]:05d}")
        for year, last in next_number.items():
            Counter.objects.filter(prefix="SCH", year=year).update(last=last)

        with _keeping_dates(Application, "created_at", "updated_at"):
            for start in range(0, len(rows), BATCH):
                batch = []
                for person, call, state, created, submitted, *reference in rows[start:start
                                                                                  + BATCH]:
                    batch.append(Application(
                        call=call, applicant_id=person, state=state,
                        reference=reference[0] if reference else None,
                        highest_degree=Degree.MASTER if call.min_degree == Degree.MASTER
                        else Degree.BACHELOR,
                        degree_title="BSc Agronomy", degree_institution="University of Ghana",
                        degree_country="GH", degree_year=2018,
                        study_programme="MSc Rural Development",
                        planned_start=datetime.date(call.academic_year, 9, 15),
                        duration_months=24,
                        steps_done=["personal", "education", "employment", "study-plan",
                                    "languages", "motivation"] if submitted else ["personal"],
                        submitted_at=submitted,
                        created_at=created, updated_at=submitted or created,
                    ))
                Application.objects.bulk_create(batch)
                self.stdout.write(f"  applications: {start + len(batch)}")
