"""The scholarships' part of `manage.py seed_bench`: calls over six academic
years, by default 100,000 applications in the proportions a scholarship
office sees, with their reviews (two per application that reached review,
scored on the call's rubric) and the award offers of the decided ones.

Rows are written with bulk_create in batches, without the services: no audit
rows, no history, no e-mails. References are taken from the numbering
counters, which are moved on, so the portal keeps issuing fresh ones. Run
once: the calls it creates have addresses starting with "bench-", and a second
run finds them and adds nothing.
"""

import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from common.demo import refuse_demo_data_in_production
from numbering.models import Counter
from registry.bench import BATCH, bench_users, bulk_persons, keeping_dates
from registry.factories import NAME_POOLS
from scholarships.factories import CallFactory, ProgrammeFactory
from scholarships.models import (
    Application,
    AwardOffer,
    Call,
    Criterion,
    Degree,
    DocumentKind,
    Programme,
    ReviewAssignment,
    ReviewerProfile,
    ReviewScore,
)
from scholarships.services.review import scores_refresh
from scholarships.workflow import State

MARKER = "bench-"

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
# States whose applications were reviewed (all their reviews are in), and the
# state whose reviews are under way.
REVIEWED = (State.RANKED, State.SELECTED, State.RESERVE, State.NOT_SELECTED, State.OFFERED,
            State.ACCEPTED, State.DECLINED, State.LAPSED, State.ENROLLED, State.COMPLETED,
            State.DISCONTINUED)
# The offer each decided state carries, and its status.
OFFERED = {State.OFFERED: AwardOffer.Status.OPEN, State.ACCEPTED: AwardOffer.Status.ACCEPTED,
           State.DECLINED: AwardOffer.Status.DECLINED, State.LAPSED: AwardOffer.Status.LAPSED,
           State.ENROLLED: AwardOffer.Status.ACCEPTED,
           State.COMPLETED: AwardOffer.Status.ACCEPTED,
           State.DISCONTINUED: AwardOffer.Status.ACCEPTED}
REVIEWERS = 150
REVIEWS_PER_APPLICATION = 2
# A small call in review (about 1% of the applications, 1,000 of 100,000) beside
# the largest one (about 11%): the ranking is measured at both sizes.
SMALL_CALL_SHARE = 0.01
SMALL_CALL_SLUG = "phd-small"
# Reviewers' histories differ in size: reviewer-1 is picked about ten times as
# often as the others (a large history), the others alike (the benchmark
# measures the reviewer queue of reviewer-1 and of reviewer-2).
HEAVY_REVIEWER_WEIGHT = 10


def _phase(years_ago: int) -> str:
    return ["open", "review", "decided", "decided", "finished", "finished"][years_ago]


class Command(BaseCommand):
    help = "Load the scholarships' benchmark data (calls, applications, reviews, offers), once."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=100_000)
        parser.add_argument("--persons", type=int, default=None,
                            help="Default: 80%% of the applications (some apply twice).")
        parser.add_argument("--seed", type=int, default=20260401)
        parser.add_argument("--cases", type=int, default=0, help="(the reintegration part's)")

    def handle(self, *args, applications, persons, seed, **options):
        refuse_demo_data_in_production()
        if Call.objects.filter(slug__startswith=MARKER).exists():
            self.stdout.write("Scholarship benchmark data already loaded (calls named "
                              "bench-...); nothing added.")
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
            person_ids = bulk_persons(persons, rnd=self.random, pools=NAME_POOLS,
                                      tag="applicant", log=self.stdout.write)
            rows = self.make_applications(applications, calls, person_ids)
            reviews = self.make_reviews(rows)
            offers = self.make_offers(rows)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"Scholarship benchmark data loaded: {persons} persons, {len(calls)} "
                          f"calls, {applications} applications, {reviews} reviews, {offers} "
                          f"offers in {seconds:.0f} s.")

    # --- calls -----------------------------------------------------------------

    def make_calls(self) -> list[tuple[Call, float, int]]:
        """One call per programme and academic year: (call, share of applications,
        years ago)."""
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
            if slug == "phd":
                calls.append((self.make_small_call(programme, newest - 1, max_age),
                               SMALL_CALL_SHARE, 1))
        self.stdout.write(f"  {len(calls)} calls")
        return calls

    def make_small_call(self, programme, year: int, max_age) -> Call:
        """A second call in review, a tenth the size of the largest one: the
        benchmark measures the ranking at both sizes (issue 14)."""
        return CallFactory(
            programme=programme, title=f"PhD scholarships {year}-{year + 1} (small)",
            slug=f"{MARKER}{SMALL_CALL_SLUG}-{year}", academic_year=year,
            opens_at=datetime.datetime(year - 1, 10, 15, 9, tzinfo=datetime.UTC),
            closes_at=datetime.datetime(year, 2, 15, 12, tzinfo=datetime.UTC),
            max_age=max_age, age_reference_date=datetime.date(year, 10, 1),
            min_degree=Degree.MASTER, quota=10,
            documents=[DocumentKind.IDENTITY, DocumentKind.DIPLOMA, DocumentKind.CV],
        )

    # --- applications ----------------------------------------------------------

    def make_applications(self, count: int, calls, person_ids: list[int]) -> list[dict]:
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
            rows.append({"person": person, "call": call, "state": state, "created": created,
                         "submitted": submitted, "reference": None})

        # References in the order of submission, per calendar year, after what the
        # counters already issued; the counters are moved on.
        numbered = sorted((r for r in rows if r["submitted"] is not None),
                          key=lambda r: r["submitted"])
        next_number: dict[int, int] = {}
        for row in numbered:
            year = timezone.localtime(row["submitted"]).year
            if year not in next_number:
                counter, _ = Counter.objects.select_for_update().get_or_create(
                    prefix="SCH", year=year)
                next_number[year] = counter.last
            next_number[year] += 1
            row["reference"] = f"SCH-{year}-{next_number[year]:05d}"
        for year, last in next_number.items():
            Counter.objects.filter(prefix="SCH", year=year).update(last=last)

        with keeping_dates(Application, "created_at", "updated_at"):
            for start in range(0, len(rows), BATCH):
                chunk = rows[start:start + BATCH]
                made = Application.objects.bulk_create([Application(
                    call=row["call"], applicant_id=row["person"], state=row["state"],
                    reference=row["reference"],
                    highest_degree=Degree.MASTER if row["call"].min_degree == Degree.MASTER
                    else Degree.BACHELOR,
                    degree_title="BSc Agronomy", degree_institution="University of Ghana",
                    degree_country="GH", degree_year=2018,
                    study_programme="MSc Rural Development",
                    planned_start=datetime.date(row["call"].academic_year, 9, 15),
                    duration_months=24,
                    steps_done=["personal", "education", "employment", "study-plan",
                                "languages", "motivation"] if row["submitted"] else ["personal"],
                    submitted_at=row["submitted"],
                    created_at=row["created"], updated_at=row["submitted"] or row["created"],
                ) for row in chunk])
                for row, application in zip(chunk, made, strict=True):
                    row["id"] = application.pk
                self.stdout.write(f"  applications: {start + len(chunk)}")
        return rows

    # --- reviews -----------------------------------------------------------------

    def make_reviews(self, rows: list[dict]) -> int:
        """Two reviewers per application that reached review: finished reviews
        for the decided ones; for those in review, some still to declare, some
        to score, some in."""
        rnd = self.random
        reviewers = bench_users("reviewer", REVIEWERS, Role.REVIEWER)
        for user in reviewers:
            ReviewerProfile.objects.get_or_create(
                user=user, defaults={"country": rnd.choice(["BE", "FR", "NL", "KE", "ZA"]),
                                     "expertise": "Agronomy, public health, engineering"})
        criteria: dict[int, list[Criterion]] = {}
        for criterion in Criterion.objects.filter(call__slug__startswith=MARKER):
            criteria.setdefault(criterion.call_id, []).append(criterion)
        reviewer_weights = [HEAVY_REVIEWER_WEIGHT if n == 0 else 1
                            for n in range(len(reviewers))]
        made = 0
        chosen = [r for r in rows if r["state"] in REVIEWED or r["state"] == State.IN_REVIEW]
        for start in range(0, len(chosen), BATCH // 2):
            assignments, scores = [], []
            for row in chosen[start:start + BATCH // 2]:
                assigned = (row["submitted"] or row["created"]) + datetime.timedelta(
                    days=rnd.uniform(10, 40))
                assigned = min(assigned, self.now - datetime.timedelta(days=1))
                first = rnd.choices(reviewers, reviewer_weights)[0]
                others = rnd.sample(reviewers, REVIEWS_PER_APPLICATION)
                picked = [first, *[r for r in others if r != first]][:REVIEWS_PER_APPLICATION]
                for reviewer in picked:
                    if row["state"] == State.IN_REVIEW:
                        status = rnd.choices(
                            [ReviewAssignment.Status.TO_DECLARE, ReviewAssignment.Status.TO_SCORE,
                             ReviewAssignment.Status.SUBMITTED], [2, 4, 4])[0]
                    else:
                        status = ReviewAssignment.Status.SUBMITTED
                    marks = [rnd.randint(1, c.scale_max) for c in criteria[row["call"].pk]]
                    assignment = ReviewAssignment(
                        application_id=row["id"], reviewer=reviewer, status=status,
                        assigned_at=assigned, notified_at=assigned)
                    if status != ReviewAssignment.Status.TO_DECLARE:
                        assignment.declared_at = assigned + datetime.timedelta(days=1)
                    if status == ReviewAssignment.Status.SUBMITTED:
                        weights = sum(c.weight for c in criteria[row["call"].pk])
                        assignment.total = (sum(
                            Decimal(m) / c.scale_max * c.weight
                            for m, c in zip(marks, criteria[row["call"].pk], strict=True)
                        ) / weights * 100).quantize(Decimal("0.01"))
                        assignment.submitted_at = assigned + datetime.timedelta(
                            days=rnd.uniform(2, 20))
                        assignment.comment = "Solid project, relevant for the home region."
                    assignments.append((assignment, criteria[row["call"].pk], marks))
            created = ReviewAssignment.objects.bulk_create([a for a, _c, _m in assignments])
            for assignment, (_a, rubric, marks) in zip(created, assignments, strict=True):
                if assignment.status == ReviewAssignment.Status.SUBMITTED:
                    scores.extend(ReviewScore(assignment=assignment, criterion=criterion,
                                              score=mark)
                                  for criterion, mark in zip(rubric, marks, strict=True))
            ReviewScore.objects.bulk_create(scores, batch_size=BATCH)
            # The mean score the ranking sorts by, as the review services keep it.
            scores_refresh(Application.objects.filter(
                pk__in={assignment.application_id for assignment in created}))
            made += len(created)
            self.stdout.write(f"  reviews: {made}")
        return made

    # --- offers ------------------------------------------------------------------

    def make_offers(self, rows: list[dict]) -> int:
        rnd = self.random
        offers = []
        for row in rows:
            status = OFFERED.get(row["state"])
            if status is None:
                continue
            year = row["call"].academic_year
            offered = row["call"].closes_at + datetime.timedelta(days=rnd.uniform(60, 120))
            deadline = offered + datetime.timedelta(days=14)
            if status == AwardOffer.Status.OPEN:
                # Still waiting: offered lately, answer due in the coming weeks.
                offered = self.now - datetime.timedelta(days=rnd.uniform(1, 10))
                deadline = self.now + datetime.timedelta(days=rnd.uniform(1, 20))
            offers.append(AwardOffer(
                application_id=row["id"], status=status,
                monthly_allowance=Decimal("1150.00"), tuition=Decimal("890.00"),
                travel=Decimal("1200.00"), insurance=Decimal("420.00"),
                starts_on=datetime.date(year, 9, 15), ends_on=datetime.date(year + 2, 9, 14),
                deadline=deadline, created_at=offered,
                answered_at=None if status == AwardOffer.Status.OPEN else deadline
                - datetime.timedelta(days=rnd.uniform(0, 10)),
                applicant_notified_at=offered,
            ))
        AwardOffer.objects.bulk_create(offers, batch_size=BATCH)
        self.stdout.write(f"  offers: {len(offers)}")
        return len(offers)
