#!/usr/bin/env python
"""Profile benchmark pages in-process: Django's test client on the benchmark
database, with the benchmark's settings, cProfile over five requests after two
warm ones. Run with the environment bench/run.py sets (bench.settings,
DATABASE_URL of casework_bench, ...), after one `make bench` has seeded:

    .venv/bin/python bench/profile_page.py ranking reviewer-queue-large

Writes var/bench/profile-<page>.txt (cumulative, then internal time) and
prints the CPU milliseconds per request (with the profiler's overhead)."""

import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(names: list[str], requests: int = 5) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from bench import run

    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    pages, _facts = run.resolve_pages([p for p in run.PAGES if p[0] in names])
    for name, path, _what, cookie, _kind in pages:
        client = Client(SERVER_NAME=run.HOST)
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
        for _ in range(2):
            client.get(path)
        profile = cProfile.Profile()
        started = time.process_time()
        profile.enable()
        for _ in range(requests):
            response = client.get(path)
        profile.disable()
        cpu = (time.process_time() - started) / requests * 1000
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(20)
        (out_dir / f"profile-{name}.txt").write_text(
            f"{name} {path} status {response.status_code} cpu/request {cpu:.0f} ms "
            f"(profiled)\n{text.getvalue()}")
        print(f"{name}: {cpu:.0f} ms of CPU a request (profiled), {response.status_code}")


if __name__ == "__main__":
    main(sys.argv[1:])
