#!/usr/bin/env python
"""The benchmark: the staff's list pages at 100,000 applications, served by
gunicorn with the production settings on PostgreSQL, loaded with wrk over
loopback.

    make bench                       # or: .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --workers 4 --duration 10 --only staff-list

Steps: create the database if needed, migrate, collect static files, seed
(manage.py seed_bench, once), make a scholarship administrator and a session
for them directly in the database, start gunicorn on a free port of
127.0.0.1, check that each page answers 200 to that session and count its SQL
queries, load each page with wrk (or, without wrk, a small Python client),
stop gunicorn, print a table and write bench/RESULTS.md.

All traffic goes to 127.0.0.1; every load is bounded in time.
"""

import argparse
import datetime
import http.client
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/casework_bench"
HOST = "127.0.0.1"
TARGET = 300  # requests/s for the pages staff use all day (README, "Performance")

# (name, path, what the page is). The staff pages first; the stock admin for comparison.
PAGES = [
    ("staff-list", "/scholarships/applications/", "staff application list, page 1", "office"),
    ("staff-filter", "/scholarships/applications/?state=submitted",
     "staff list filtered by state", "office"),
    ("staff-search", "/scholarships/applications/?q=diallo", "staff list, name search",
     "office"),
    ("staff-page-200", "/scholarships/applications/?page=200", "staff list, page 200", "office"),
    ("persons", "/registry/persons/", "registry person list, page 1", "office"),
    ("dashboard", "/scholarships/", "scholarship dashboard (calls x states)", "office"),
    ("caseload", "/cases/", "a caseworker's caseload (of 20,000 cases)", "caseworker"),
    ("team", "/cases/team/", "a supervisor's team page", "supervisor"),
    ("admin", "/admin/scholarships/application/", "Django admin changelist (comparison)",
     "office"),
]


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- setting up -----------------------------------------------------------------------

def bench_environment(args) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # production; see bench/settings.py
        "DJANGO_SECRET_KEY": args.secret_key,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": args.database_url,
        # Production has Redis: the cache and the sessions are read from it.
        "REDIS_URL": args.redis_url,
        # Static files and the embedded broker's folders of this run, apart from var/.
        "VAR_DIR": str(ROOT / "var" / "bench"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def create_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (psycopg, through the server's
    maintenance database)."""
    import psycopg

    match = re.fullmatch(r"(postgres(?:ql)?://[^/]*)/([A-Za-z0-9_]+)", url)
    if not match:
        raise SystemExit(f"bench: expected a PostgreSQL URL like {DEFAULT_DATABASE}")
    server, name = match.groups()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *command: str) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


def prepare_django(env: dict):
    """Set up Django in this process, with the settings gunicorn will use."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sessions() -> dict[str, str]:
    """A Cookie header per kind of user the pages are for: a scholarship
    administrator (staff, for the admin) made here, and the first caseworker
    and supervisor of the benchmark's teams (seed_bench)."""
    from django.contrib.auth import get_user_model


    model = get_user_model()
    return {
        "office": office_session(),
        "caseworker": session_of(model.objects.get(username="caseworker-1")),
        "supervisor": session_of(model.objects.get(username="supervisor-1")),
    }


def session_of(user) -> str:
    """A session for `user`, made in the database: production cookies are
    Secure, so a login over plain http would not keep its cookie. Returns the
    Cookie header."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.authcache.CachedModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def office_session() -> str:
    """A scholarship administrator (staff, for the admin), and their session."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    user, _ = get_user_model().objects.get_or_create(
        username="bench-office", defaults={"email": "bench-office@example.org"})
    user.is_staff = True
    user.set_unusable_password()
    user.save()
    user.groups.set([Group.objects.get(name=Role.SCHOLARSHIP_ADMIN)])
    return session_of(user)


def count_queries(pages, cookies: dict[str, str]) -> dict:
    """The SQL queries of one request per page, in this process (Django's test
    client, same settings and database): (number, milliseconds in the database)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, path, _what, who in pages:
        client = Client(SERVER_NAME=HOST)
        client.cookies[settings.SESSION_COOKIE_NAME] = cookies[who].split("=", 1)[1]
        client.get(path)  # warm: content types, translations
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"bench: {path} answered {response.status_code} in-process")
        counts[name] = (len(queries), sum(float(q["time"]) for q in queries.captured_queries)
                        * 1000)
    connection.close()
    return counts


# --- the server ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    log(f"gunicorn: {workers} sync workers on {HOST}:{port}")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--timeout", "60",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("bench: gunicorn exited at start")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("bench: gunicorn did not start in 30 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def fetch(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- load --------------------------------------------------------------------------------

def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url: str, cookie: str, args) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--timeout", "10s", "--latency", "-H", f"Cookie: {cookie}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            timeout=args.duration + 30).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": 0,
    }
    latency = re.search(r"Latency\s+(\S+)", output).group(1)
    result["mean_ms"] = _ms(latency)
    for pct in ("50", "99"):
        result[f"p{pct}_ms"] = _ms(re.search(rf"\s{pct}%\s+(\S+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    result["errors"] = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in socket_errors.groups()) if socket_errors else 0)
    return result


def _client_loop(port, path, cookie, seconds, queue):
    latencies, errors = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            status, _body = fetch(port, path, cookie)
            if status != 200:
                errors += 1
        except OSError:
            errors += 1
        latencies.append((time.perf_counter() - started) * 1000)
    queue.put((latencies, errors))


def run_python_client(port: int, path: str, cookie: str, args) -> dict:
    """Without wrk: a process per connection, each a bounded request loop."""
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_client_loop,
                                       args=(port, path, cookie, args.duration, queue))
               for _ in range(args.connections)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=args.duration + 60) for _ in workers]
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.join()
    latencies = sorted(ms for lat, _ in results for ms in lat)
    if not latencies:
        raise SystemExit(f"bench: no request to {path} completed")
    return {
        "rps": len(latencies) / elapsed, "requests": len(latencies),
        "errors": sum(errors for _, errors in results),
        "mean_ms": sum(latencies) / len(latencies),
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def load(port: int, path: str, cookie: str, args) -> dict:
    if shutil.which("wrk"):
        url = f"http://{HOST}:{port}{path}"
        warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
        run_wrk(url, cookie, warm)
        return run_wrk(url, cookie, args)
    return run_python_client(port, path, cookie, args)


# --- report ------------------------------------------------------------------------------

def machine() -> dict:
    from django.db import connection

    from registry.models import Person
    from reintegration.models import Case
    from scholarships.models import Application

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    import django

    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "postgres": postgres,
        "python": platform.python_version(),
        "django": django.get_version(),
        "applications": Application.objects.count(),
        "cases": Case.objects.count(),
        "persons": Person.objects.count(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def table(rows, queries) -> str:
    lines = ["| page | path | req/s | mean ms | p50 ms | p99 ms | errors | SQL queries "
             "(ms in DB) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, path, what, result in rows:
        count, db_ms = queries.get(name, (0, 0.0))
        lines.append(f"| {what} | `{path}` | {result['rps']:.0f} | {result['mean_ms']:.1f} | "
                     f"{result['p50_ms']:.1f} | {result['p99_ms']:.1f} | {result['errors']} | "
                     f"{count} ({db_ms:.1f}) |")
    return "\n".join(lines)


def write_results(info, args, tool, rows, queries) -> str:
    body = table(rows, queries)
    staff = [r for n, _p, _w, r in rows if n.startswith("staff")]
    verdict = ""
    if staff:
        slowest = min(r["rps"] for r in staff)
        verdict = (f"\nSlowest staff list page: {slowest:.0f} req/s against a target of "
                   f"{TARGET}: {'met' if slowest >= TARGET else 'NOT met'}.\n")
    RESULTS.write_text(
        f"# Benchmark results\n\n"
        f"Written by `make bench` (bench/run.py); see bench/README.md for what is measured.\n\n"
        f"- date: {info['date']}\n"
        f"- machine: {info['cpus']} CPUs (nproc), {info['cpu']}\n"
        f"- PostgreSQL {info['postgres']}, Python {info['python']}, Django {info['django']}\n"
        f"- data: {info['applications']:,} applications, {info['cases']:,} return cases, "
        f"{info['persons']:,} persons\n"
        f"- server: gunicorn, {args.workers} sync workers, config.settings.production, "
        f"on the same machine as PostgreSQL and the load generator\n"
        f"- load: {tool}\n"
        f"{verdict}\n{body}\n\n"
        f"SQL queries: one request in-process, counted with CaptureQueriesContext "
        f"(session, user and roles included).\n"
    )
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_DATABASE))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL",
                                                              "redis://127.0.0.1:6379/5"))
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per page, not counted")
    parser.add_argument("--only", nargs="*", help="page names: " + ", ".join(
        name for name, _p, _w, _who in PAGES))
    parser.add_argument("--no-results", action="store_true",
                        help="print the table only, leave bench/RESULTS.md as it is")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120 or not 1 <= args.connections <= 64:
        parser.error("keep the load bounded: --duration 1..120, --connections 1..64")
    args.secret_key = secrets.token_urlsafe(50)
    pages = [p for p in PAGES if not args.only or p[0] in args.only]

    env = bench_environment(args)
    create_database(args.database_url)
    log("migrate")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    log(f"seed {args.applications} applications and {args.cases} return cases (once)")
    manage(env, "seed_bench", "--applications", str(args.applications), "--cases",
           str(args.cases))
    prepare_django(env)
    cookies = sessions()
    queries = count_queries(pages, cookies)
    info = machine()
    tool = (f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
            f"(after {args.warmup} s of warm-up), loopback"
            if shutil.which("wrk") else
            f"Python client, {args.connections} processes x {args.duration} s, loopback "
            f"(wrk not found: apt-get install wrk)")

    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    rows = []
    try:
        for name, path, what, who in pages:
            status, body = fetch(port, path, cookies[who])
            if status != 200:
                raise SystemExit(f"bench: {path} answered {status}; is the session valid?")
            log(f"{name}: {path} ({len(body) // 1024} KiB)")
            result = load(port, path, cookies[who], args)
            log(f"  {result['rps']:.0f} req/s, mean {result['mean_ms']:.1f} ms, "
                f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}")
            rows.append((name, path, what, result))
    finally:
        stop(server)

    if args.no_results:
        body = table(rows, queries)
    else:
        body = write_results(info, args, tool, rows, queries)
        log(f"written to {RESULTS.relative_to(ROOT)}")
    print()
    print(f"{info['date']}, {info['cpus']} CPUs, PostgreSQL {info['postgres']}, "
          f"{info['applications']:,} applications, {args.workers} gunicorn workers, {tool}")
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
