"""Benchmark data for the whole system, once: each programme loads its part
(`seed_bench_<programme>` commands, found by name, so the registry imports
neither programme), then PostgreSQL's statistics are refreshed.

For the benchmark (bench/run.py) and for trying the pages and the reminder
sweeps at scale; never for production data. Each part writes with bulk
inserts in batches, without the services: no audit rows, no history, no
e-mails. Each part finds its own marker and adds nothing the second time."""

import time

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import connection

from registry.services import person_sides_refresh

PART_PREFIX = "seed_bench_"


class Command(BaseCommand):
    help = "Load benchmark data (100,000 applications, 20,000 return cases), once."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=100_000)
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=20260401)

    def handle(self, *args, applications, cases, seed, **options):
        from common.demo import refuse_demo_data_in_production

        refuse_demo_data_in_production()
        started = time.monotonic()
        for name in sorted(n for n in get_commands() if n.startswith(PART_PREFIX)):
            call_command(name, applications=applications, cases=cases, seed=seed,
                         stdout=self.stdout, stderr=self.stderr)
        # The parts insert in bulk, without the services: which programmes
        # hold a record about whom (registry.models.PersonSide), once.
        person_sides_refresh()
        if connection.vendor == "postgresql":
            # What autovacuum would soon do on a live system: planner statistics
            # and the visibility map (index-only scans), so a benchmark run
            # measures the steady state.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(f"Benchmark data ready in {time.monotonic() - started:.0f} s.")
