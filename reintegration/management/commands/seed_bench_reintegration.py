"""The reintegration part of `manage.py seed_bench`: by default 20,000 return
cases over six years, in ten teams, with their returnees (a passport each),
the household members who return with them, and the monitoring visits of
those who arrived (3, 6 and 12 months after arrival; done ones with their
sustainability survey, scored on the active survey version).

Bulk inserts in batches, without the services: no audit rows, no history.
References are taken from the numbering counters, which are moved on. Run
once: its teams are named "Bench team ..." and a second run adds nothing."""

import datetime
import random

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from numbering.models import Counter
from registry.bench import BATCH, bench_users, bulk_passports, bulk_persons, keeping_dates
from registry.models import HouseholdMember, Organisation, Person
from reintegration.factories import REGIONS, RETURN_NAME_POOLS
from reintegration.models import (
    Case,
    CaseMember,
    MonitoringVisit,
    SurveyAnswer,
    SurveyResponse,
    Team,
)
from reintegration.scoring import survey_scores
from reintegration.services.monitoring import current_survey_version
from reintegration.workflow import AFTER_ARRIVAL, NextAction, State

MARKER = "Bench team"
TEAMS = 10
CASEWORKERS_PER_TEAM = 8
HEAVY_CASELOAD_WEIGHT = 10
# A case's state by share: most cases are followed after the return; a fifth
# are closed; some never leave or lose contact.
STATES = [(State.INTAKE, 5), (State.COUNSELLING, 8), (State.RETURN_APPROVED, 5),
          (State.DEPARTURE_PLANNED, 5), (State.RETURNED, 7), (State.PLAN_AGREED, 5),
          (State.ASSISTANCE_IN_PROGRESS, 10), (State.MONITORING, 25), (State.CLOSED, 20),
          (State.WITHDRAWN, 5), (State.NO_SHOW, 3), (State.LOST_CONTACT, 2)]
# What the caseload shows as the next action, by state (the services work it
# out from the plan and the visits; the bench takes the state's usual one).
NEXT_ACTION = {State.INTAKE: NextAction.COUNSEL, State.COUNSELLING: NextAction.DECIDE,
               State.RETURN_APPROVED: NextAction.PLAN_DEPARTURE,
               State.DEPARTURE_PLANNED: NextAction.RECORD_ARRIVAL,
               State.RETURNED: NextAction.AGREE_PLAN, State.PLAN_AGREED: NextAction.DELIVER,
               State.ASSISTANCE_IN_PROGRESS: NextAction.DELIVER,
               State.MONITORING: NextAction.VISIT}
RELATIONS = [HouseholdMember.Relation.SPOUSE, HouseholdMember.Relation.CHILD,
             HouseholdMember.Relation.CHILD, HouseholdMember.Relation.PARENT]


class Command(BaseCommand):
    help = "Load the reintegration benchmark data (teams, return cases, visits), once."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=20260401)
        parser.add_argument("--applications", type=int, default=0,
                            help="(the scholarships part's)")

    def handle(self, *args, cases, seed, **options):
        from common.demo import refuse_demo_data_in_production

        refuse_demo_data_in_production()
        if Team.objects.filter(name__startswith=MARKER).exists():
            self.stdout.write("Reintegration benchmark data already loaded (teams named "
                              f"{MARKER} ...); nothing added.")
            return
        if cases < 1:
            self.stdout.write("No return case asked for.")
            return
        self.random = random.Random(seed + 1)
        self.now = timezone.now()
        self.today = timezone.localdate()
        started = timezone.now()
        with transaction.atomic():
            caseworkers = self.make_teams()
            made = self.make_cases(cases, caseworkers)
            visits, surveys = self.make_visits(made)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"Reintegration benchmark data loaded: {len(made)} cases, {visits} "
                          f"visits, {surveys} surveys in {seconds:.0f} s.")

    def make_teams(self) -> list:
        supervisors = bench_users("supervisor", TEAMS, Role.SUPERVISOR)
        caseworkers = bench_users("caseworker", TEAMS * CASEWORKERS_PER_TEAM, Role.CASEWORKER)
        for n, supervisor in enumerate(supervisors):
            team = Team.objects.create(name=f"{MARKER} {n + 1}", supervisor=supervisor)
            team.caseworkers.set(caseworkers[n * CASEWORKERS_PER_TEAM:
                                             (n + 1) * CASEWORKERS_PER_TEAM])
        return caseworkers

    def make_cases(self, count: int, caseworkers: list) -> list[Case]:
        rnd = self.random
        principals = bulk_persons(count, rnd=rnd, pools=RETURN_NAME_POOLS, tag="returnee",
                                  ages=(18, 60), residence="BE", log=self.stdout.write)
        country_of = dict(Person.objects.filter(pk__in=principals)
                          .values_list("pk", "nationalities"))
        country_of = {pk: codes.split(",")[0] for pk, codes in country_of.items()}
        bulk_passports(principals, country_of, rnd=rnd)
        partners = [Organisation.objects.get_or_create(
            name=name, country=country, defaults={"kind": kind})[0].pk for name, country, kind in [
                ("Bench reintegration partner (international)", "BE",
                 Organisation.Kind.INTERNATIONAL),
                ("Bench NGO for returns", "BE", Organisation.Kind.NGO),
                ("Bench local partner Conakry", "GN", Organisation.Kind.LOCAL_PARTNER),
                ("Bench local partner Dakar", "SN", Organisation.Kind.LOCAL_PARTNER),
                ("Bench local partner Erbil", "IQ", Organisation.Kind.LOCAL_PARTNER)]]
        states, weights = zip(*STATES, strict=True)
        # caseworker-2 carries about ten times the usual caseload: the benchmark
        # measures the caseload of caseworker-1 (usual) and caseworker-2 (large).
        load = [HEAVY_CASELOAD_WEIGHT if n == 1 else 1 for n in range(len(caseworkers))]
        rows = []
        for principal in principals:
            state = rnd.choices(states, weights)[0]
            opened = self.now - datetime.timedelta(days=rnd.uniform(5, 365 * 6))
            arrived = planned = None
            if state in AFTER_ARRIVAL:
                arrived = (opened + datetime.timedelta(days=rnd.uniform(40, 120))).date()
                if state in (State.RETURNED, State.PLAN_AGREED, State.ASSISTANCE_IN_PROGRESS,
                             State.MONITORING):
                    # Still followed: arrived within the last year.
                    arrived = self.today - datetime.timedelta(days=rnd.randint(5, 360))
                arrived = min(arrived, self.today)
            if state == State.DEPARTURE_PLANNED:
                planned = self.today + datetime.timedelta(days=rnd.randint(3, 60))
            country = country_of[principal]
            action = NEXT_ACTION.get(state, "")
            rows.append((state, Case(
                principal_id=principal, state=state, state_changed_at=opened,
                country_of_return=country,
                region_of_return=rnd.choice(REGIONS.get(country, ["Capital"])),
                caseworker=rnd.choices(caseworkers, load)[0], partner_id=rnd.choice(partners),
                planned_departure_on=planned, arrived_on=arrived, next_action=action,
                next_action_due=self.today + datetime.timedelta(days=rnd.randint(-20, 45))
                if action else None,
                last_activity_at=self.now - datetime.timedelta(days=rnd.uniform(0, 60)),
                created_at=opened, updated_at=opened,
            )))
        # References by the year each case was opened, after what the counters hold.
        next_number: dict[int, int] = {}
        for _state, case in sorted(rows, key=lambda row: row[1].created_at):
            year = timezone.localtime(case.created_at).year
            if year not in next_number:
                counter, _ = Counter.objects.select_for_update().get_or_create(
                    prefix="RET", year=year)
                next_number[year] = counter.last
            next_number[year] += 1
            case.reference = f"RET-{year}-{next_number[year]:05d}"
        for year, last in next_number.items():
            Counter.objects.filter(prefix="RET", year=year).update(last=last)
        made = []
        with keeping_dates(Case, "created_at", "updated_at"):
            for start in range(0, len(rows), BATCH):
                made.extend(Case.objects.bulk_create([case for _s, case in
                                                      rows[start:start + BATCH]]))
                self.stdout.write(f"  cases: {len(made)}")
        # Half the returnees travel with their household: one to three members.
        sizes = [rnd.choice([0, 0, 0, 1, 1, 2, 3]) for _case in made]
        members = bulk_persons(sum(sizes), rnd=rnd, pools=RETURN_NAME_POOLS, tag="member",
                               ages=(1, 70), residence="BE", log=self.stdout.write)
        links, taken = [], 0
        for case, size in zip(made, sizes, strict=True):
            for person in members[taken:taken + size]:
                links.append(CaseMember(case=case, person_id=person,
                                        relation=rnd.choice(RELATIONS)))
            taken += size
        CaseMember.objects.bulk_create(links, batch_size=BATCH)
        self.stdout.write(f"  household members: {len(links)}")
        return made

    def make_visits(self, cases: list[Case]) -> tuple[int, int]:
        rnd = self.random
        version = current_survey_version()
        questions = list(version.questions.prefetch_related("options")) if version else []
        visits = []
        for case in cases:
            if not case.arrived_on:
                continue
            for months in settings.REINTEGRATION_VISIT_MONTHS:
                due = case.arrived_on + datetime.timedelta(days=round(months * 30.4))
                visit = MonitoringVisit(case=case, months_after_arrival=months, due_on=due)
                if due < self.today and (case.state != State.LOST_CONTACT
                                         or rnd.random() < 0.5):
                    if rnd.random() < 0.93:
                        visit.status = MonitoringVisit.Status.DONE
                        visit.done_on = due + datetime.timedelta(days=rnd.randint(-5, 20))
                        visit.done_on = min(visit.done_on, self.today)
                        visit.mode = rnd.choice([MonitoringVisit.Mode.IN_PERSON,
                                                 MonitoringVisit.Mode.PHONE])
                        visit.recorded_by_id = case.caseworker_id
                    else:
                        visit.status = MonitoringVisit.Status.WAIVED
                        visit.waived_reason = "Returnee moved abroad again; no contact."
                visits.append(visit)
        visits = MonitoringVisit.objects.bulk_create(visits, batch_size=BATCH)
        self.stdout.write(f"  visits: {len(visits)}")
        if not questions:
            return len(visits), 0
        done = [visit for visit in visits if visit.status == MonitoringVisit.Status.DONE]
        surveys = 0
        for start in range(0, len(done), BATCH // 2):
            responses, answers = [], []
            for visit in done[start:start + BATCH // 2]:
                chosen = [(question, rnd.choice(list(question.options.all())))
                          for question in questions]
                scores = survey_scores((q.dimension, q.weight, o.score) for q, o in chosen)
                responses.append((SurveyResponse(
                    visit=visit, version=version, economic=scores["economic"],
                    social=scores["social"], psychosocial=scores["psychosocial"],
                    composite=scores["composite"], filled_by_id=visit.recorded_by_id,
                    filled_at=timezone.make_aware(datetime.datetime.combine(
                        visit.done_on, datetime.time(12))),
                ), chosen))
            created = SurveyResponse.objects.bulk_create([r for r, _c in responses])
            for response, (_r, chosen) in zip(created, responses, strict=True):
                answers.extend(SurveyAnswer(response=response, question=q, option=o)
                               for q, o in chosen)
            SurveyAnswer.objects.bulk_create(answers, batch_size=BATCH)
            surveys += len(created)
            self.stdout.write(f"  surveys: {surveys}")
        return len(visits), surveys
