#!/usr/bin/env python
"""Quick in-process CPU cost of benchmark pages (no profiler): Django's test
client on the benchmark database with the benchmark's settings, N requests
after warm-up, CPU ms a request for this process (the database's own CPU is
not in it). The stock admin is measured too, so the figures come with their
ratio. A tool for the loop of profiling and changing; `make bench` is the
measure.

    .venv/bin/python bench/cpu_pages.py [page ...]
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(names: list[str], requests: int = 30) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from bench import run

    wanted = ["stock-admin", *names] if names else None
    pages, _facts = run.resolve_pages(
        [p for p in run.PAGES if wanted is None or p[0] in wanted])
    stock = None
    for name, path, _what, cookie, _kind in pages:
        client = Client(SERVER_NAME=run.HOST)
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
        for _ in range(3):
            response = client.get(path)
        started, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            client.get(path)
        cpu = (time.process_time() - started) / requests * 1000
        wall = (time.perf_counter() - wall) / requests * 1000
        if name == "stock-admin":
            stock = wall
        ratio = f"{stock / wall:5.1f}x" if stock else ""
        print(f"{name:22} {response.status_code} cpu {cpu:6.1f} ms  wall {wall:6.1f} ms {ratio}",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
