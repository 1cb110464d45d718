#!/usr/bin/env python
"""The benchmark: the pages staff use all day at 100,000 applications and
20,000 return cases, each against a stock Django admin changelist of the same
table in the same run, served by gunicorn with the production settings on
PostgreSQL and loaded with wrk over loopback; then a deadline rush and the
login cost.

    make bench                       # or: .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --duration 10 --only staff-list ranking rush

Steps: create the database if needed, migrate, collect static files, seed
(manage.py seed_bench, once), make the users and sessions the pages need
directly in the database, count each page's SQL queries in-process, measure
the password hasher, make the rush's applicants, start gunicorn on a free port
of 127.0.0.1, load each page (the stock admin first and every STOCK_EVERY
pages), run the rush and count its submissions in the database, stop
gunicorn, print the verdicts and a table and write bench/RESULTS.md
(bench/README.md says more).

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

STOCK = "stock-admin"
TARGET_RATIO = 10  # every page staff use all day: >= 10x the stock admin (issue 14)
ADMIN_RATIO = 3    # every admin changelist of the project: >= 3x the stock admin
P99_TARGET_MS = 100
STOCK_EVERY = 5  # pages between two runs of the stock admin
RUSH_RPS, RUSH_P95_MS = 100, 300

# (name, path, what the page is, who loads it, kind). Paths with {placeholders}
# are filled in once the data is there (resolve_pages); "who" is a username (or
# "office", the benchmark's scholarship administrator). Kind: "stock" (the
# baseline), "page" (staff pages, >= 10x), "admin" (project admin, >= 3x).
PAGES = [
    (STOCK, "/bench-admin/scholarships/application/",
     "stock admin: bare ModelAdmin changelist of Application (baseline)", "office", "stock"),
    ("staff-list", "/scholarships/applications/", "staff application list, page 1", "office",
     "page"),
    ("staff-filter", "/scholarships/applications/?state=submitted",
     "staff list filtered by state", "office", "page"),
    ("staff-page-200", "/scholarships/applications/?page=200", "staff list, page 200", "office",
     "page"),
    ("staff-search", "/scholarships/applications/?q=diallo", "staff list, name search",
     "office", "page"),
    ("persons", "/registry/persons/", "registry person list, page 1", "office", "page"),
    ("dashboard", "/scholarships/", "scholarship dashboard (calls x states)", "office", "page"),
    ("caseload", "/cases/", "caseload of caseworker-1 ({caseload_small} cases)",
     "caseworker-1", "page"),
    ("caseload-large", "/cases/", "caseload of caseworker-2 ({caseload_large} cases)",
     "caseworker-2", "page"),
    ("team", "/cases/team/", "a supervisor's team page", "supervisor-1", "page"),
    ("draft-step", "/scholarships/portal/applications/{draft}/steps/motivation/",
     "applicant draft step (motivation)", "{applicant}", "page"),
    ("application", "/scholarships/applications/{application}/",
     "staff application page (in review)", "office", "page"),
    ("case", "/cases/{case}/", "return case page (in monitoring)", "caseworker-1", "page"),
    ("reviewer-queue", "/scholarships/reviews/",
     "reviewer queue of reviewer-2 ({reviews_small} reviews)", "reviewer-2", "page"),
    ("reviewer-queue-large", "/scholarships/reviews/",
     "reviewer queue of reviewer-1 ({reviews_large} reviews)", "reviewer-1", "page"),
    ("ranking-small", "/scholarships/ranking/{call_small}/",
     "ranking of a call with {call_small_size} applications", "office", "page"),
    ("ranking", "/scholarships/ranking/{call_large}/",
     "ranking of a call with {call_large_size} applications", "office", "page"),
    ("admin-applications", "/admin/scholarships/application/",
     "project admin: applications", "office", "admin"),
    ("admin-cases", "/admin/reintegration/case/",
     "project admin: return cases (as a superuser: every case)", "superuser", "admin"),
    ("admin-persons", "/admin/registry/person/", "project admin: persons", "office", "admin"),
]
# Names --only accepts besides the pages: the deadline rush, the login cost and
# the long exports (bench/export.py).
EXTRAS = ("rush", "login", "export")


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
        # Production needs them; mail is queued in the outbox, never sent from here.
        "EMAIL_URL": "dummymail://",
        "SITE_URL": f"http://{HOST}",
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


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the benchmark database before measuring: a production
    database is kept so by autovacuum, whereas bulk-loaded rows have neither
    planner statistics nor a visibility map yet (index-only scans then read
    the table). Quick once done."""
    from django.db import connection

    log("vacuum analyze")
    connection.ensure_connection()
    autocommit = connection.connection.autocommit
    connection.connection.autocommit = True
    try:
        with connection.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.connection.autocommit = autocommit


def prepare_django(env: dict):
    """Set up Django in this process, with the settings gunicorn will use."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def bench_facts() -> dict:
    """The ids and sizes the pages' paths and titles need, from the seeded data
    (seed_bench): the largest call in review and the small one, a caseload of
    the usual size and the large one, a reviewer's usual history and the large
    one, an application in review, a case in monitoring, an applicant's draft."""
    from django.db.models import Count

    from reintegration.models import Case
    from reintegration.workflow import State as CaseState
    from scholarships.models import Application, Call, ReviewAssignment
    from scholarships.workflow import State

    in_review = Call.objects.filter(slug__startswith="bench-",
                                    applications__state=State.IN_REVIEW).values("pk")
    large = (Call.objects.filter(pk__in=in_review).annotate(size=Count("applications"))
             .order_by("-size").first())
    small = Call.objects.annotate(size=Count("applications")).get(
        slug__startswith="bench-phd-small-")
    cases, reviews = Case.objects.all(), ReviewAssignment.objects.all()
    open_call = Call.objects.filter(slug__startswith="bench-masters-").order_by(
        "-academic_year").first()
    draft = (Application.objects.filter(call=open_call, state=State.DRAFT,
                                        applicant__user__isnull=True)
             .select_related("applicant").order_by("id").first())
    return {
        "call_large": large.pk, "call_large_size": f"{large.size:,}",
        "call_small": small.pk, "call_small_size": f"{small.size:,}",
        "caseload_small": f"{cases.filter(caseworker__username='caseworker-1').count():,}",
        "caseload_large": f"{cases.filter(caseworker__username='caseworker-2').count():,}",
        "reviews_small": f"{reviews.filter(reviewer__username='reviewer-2').count():,}",
        "reviews_large": f"{reviews.filter(reviewer__username='reviewer-1').count():,}",
        "application": Application.objects.filter(call=large, state=State.IN_REVIEW)
        .order_by("id").values_list("pk", flat=True).first(),
        "case": Case.objects.filter(caseworker__username="caseworker-1",
                                    state=CaseState.MONITORING)
        .order_by("id").values_list("pk", flat=True).first(),
        "draft_application": draft,
        "open_call": open_call,
    }


def applicant_user(person, username: str):
    """A portal account for a seeded person (seed_bench makes none)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@applicant.bench.invalid"})
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=Role.APPLICANT))
    person.user = user
    person.save(update_fields=["user"])
    return user


def resolve_pages(pages) -> tuple[list, dict]:
    """The pages with their paths filled in and a session cookie each:
    [(name, path, what, cookie, kind)], and the facts used."""
    from django.contrib.auth import get_user_model

    facts = bench_facts()
    draft = facts.pop("draft_application")
    facts.pop("open_call")
    if draft is not None:
        facts["draft"] = draft.pk
        facts["applicant"] = applicant_user(draft.applicant, f"bench-applicant-{draft.pk}").username
    model = get_user_model()
    cookies = {"office": office_session(), "superuser": superuser_session()}
    resolved = []
    for name, path, what, who, kind in pages:
        who = who.format(**facts)
        if who not in cookies:
            cookies[who] = session_of(model.objects.get(username=who))
        resolved.append((name, path.format(**facts), what.format(**facts), cookies[who], kind))
    return resolved, facts


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

    user, created = get_user_model().objects.get_or_create(
        username="bench-office", defaults={"email": "bench-office@example.org"})
    user.is_staff = True
    if created:  # a new unusable password would end the sessions of a run under way
        user.set_unusable_password()
    user.save()
    user.groups.set([Group.objects.get(name=Role.SCHOLARSHIP_ADMIN)])
    return session_of(user)


def superuser_session() -> str:
    """A superuser, for the admin changelists no single role reads whole."""
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(
        username="bench-superuser", defaults={"email": "bench-superuser@example.org"})
    user.is_staff = user.is_superuser = True
    if created:
        user.set_unusable_password()
    user.save()
    return session_of(user)


def count_queries(pages) -> dict:
    """The SQL queries of one request per page, in this process (Django's test
    client, same settings and database): (number, milliseconds in the database)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, path, _what, cookie, _kind in pages:
        client = Client(SERVER_NAME=HOST)
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
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


# --- the deadline rush ------------------------------------------------------------------

RUSH_SAVES = 3  # draft saves per applicant before submitting
MOTIVATION = ("I want to study rural development to help the farmers' cooperatives of my "
              "home region plan their water use, store their harvests and sell them at a "
              "fair price. ") * 3


def prepare_rush(count: int, call) -> list[tuple[int, str]]:
    """`count` applicants with a complete draft in the open call, each with a
    portal account and a session: [(application id, Cookie header)]."""
    from scholarships.factories import CompleteApplicationFactory

    run = secrets.token_hex(3)
    made = []
    for n in range(count):
        application = CompleteApplicationFactory(call=call)
        user = applicant_user(application.applicant, f"rush-{run}-{n}")
        made.append((application.pk, session_of(user)))
    return made


def _form_token(body: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    return match.group(1).decode() if match else ""


def _request(port, method, path, cookie, form=None):
    """(status, body, Set-Cookie values, milliseconds)."""
    from urllib.parse import urlencode

    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        headers = {"Cookie": cookie}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
        return response.status, data, cookies, (time.perf_counter() - started) * 1000
    finally:
        connection.close()


def _rush_worker(port, applicants, csrf_name, queue):
    """One connection's share of the applicants: open the motivation step, save
    it as a draft RUSH_SAVES times, open the submit page, submit."""
    timings, errors, submitted = [], 0, []
    for pk, session in applicants:
        cookie = session
        step = f"/scholarships/portal/applications/{pk}/steps/motivation/"
        submit = f"/scholarships/portal/applications/{pk}/submit/"
        try:
            status, body, set_cookies, ms = _request(port, "GET", step, cookie)
            timings.append((ms, "open step"))
            errors += status != 200
            for value in set_cookies:
                if value.startswith(csrf_name + "="):
                    cookie = f"{session}; {value.split(';', 1)[0]}"
            token = _form_token(body)
            for n in range(RUSH_SAVES):
                status, _b, _c, ms = _request(port, "POST", step, cookie, {
                    "csrfmiddlewaretoken": token, "motivation": f"{MOTIVATION} ({n})",
                    "draft": "1"})
                timings.append((ms, "save draft"))
                errors += status != 302
            status, body, _c, ms = _request(port, "GET", submit, cookie)
            timings.append((ms, "open submit page"))
            errors += status != 200
            status, _b, _c, ms = _request(port, "POST", submit, cookie,
                                          {"csrfmiddlewaretoken": _form_token(body) or token})
            timings.append((ms, "submit"))
            errors += status != 302
            if status == 302:
                submitted.append(pk)
        except OSError:
            errors += 1
    queue.put((timings, errors, submitted))


def run_rush(port: int, applicants, connections: int) -> dict:
    """The last minutes before a deadline: every connection an applicant after
    another, saving drafts then submitting; then the database is checked."""
    from django.conf import settings
    from django.db import connection

    from scholarships.models import Application
    from scholarships.workflow import State

    connection.close()  # no connection shared with the forked workers
    queue = multiprocessing.Queue()
    shares = [applicants[n::connections] for n in range(connections)]
    workers = [multiprocessing.Process(target=_rush_worker,
                                       args=(port, share, settings.CSRF_COOKIE_NAME, queue))
               for share in shares if share]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=600) for _ in workers]
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.join()
    timings = sorted(ms for t, _e, _s in results for ms, _kind in t)
    slowest = {}
    for t, _e, _s in results:
        for ms, kind in t:
            slowest[kind] = max(slowest.get(kind, 0), ms)
    answered = [pk for _t, _e, s in results for pk in s]
    ids = [pk for pk, _cookie in applicants]
    in_db = Application.objects.filter(pk__in=ids, state=State.SUBMITTED).count()
    accepted_not_kept = Application.objects.filter(pk__in=answered).exclude(
        state=State.SUBMITTED).count()
    return {
        "applicants": len(ids), "requests": len(timings), "seconds": elapsed,
        "rps": len(timings) / elapsed, "errors": sum(e for _t, e, _s in results),
        "p50_ms": timings[len(timings) // 2],
        "p95_ms": timings[min(len(timings) - 1, int(len(timings) * 0.95))],
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        "slowest": ", ".join(f"{kind} {ms:.0f} ms" for kind, ms in slowest.items()),
        "answered_submitted": len(answered), "submitted_in_db": in_db,
        "lost": accepted_not_kept + (len(ids) - len(answered)),
    }


# --- login cost ---------------------------------------------------------------------------

def login_cost(seconds: float = 3.0) -> dict:
    """Password checks per second of CPU with the configured hasher: what one
    core spends on a login (the rest of a login is a few queries)."""
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    hasher = get_hasher()
    encoded = make_password("Bench-login-cost-1")
    checks = 0
    started = time.process_time()
    while time.process_time() - started < seconds or checks < 3:
        if not check_password("Bench-login-cost-1", encoded):
            raise SystemExit("bench: the password check failed")
        checks += 1
    cpu = time.process_time() - started
    detail = {k: v for k, v in hasher.safe_summary(encoded).items()
              if k not in ("hash", "salt")}
    return {"hasher": hasher.algorithm, "detail": detail, "ms": cpu / checks * 1000,
            "per_core": checks / cpu}


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


def stock_rps(result: dict) -> float:
    """The stock admin's requests/s around a page's measure: the mean of the
    stock runs just before and just after it."""
    around = [result[k] for k in ("stock_before", "stock_after") if result.get(k)]
    return sum(around) / len(around) if around else 0.0


def table(rows, queries) -> str:
    lines = ["| page | name | path | req/s | x stock | target | mean ms | p50 ms | p99 ms | "
             "errors | SQL queries (ms in DB) | load 1 min |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, path, what, kind, result in rows:
        count, db_ms = queries.get(name, (0, 0.0))
        stock = stock_rps(result)
        ratio = f"{result['rps'] / stock:.2f}" if stock and kind != "stock" else "1"
        target = {"page": f"{TARGET_RATIO}", "admin": f"{ADMIN_RATIO}", "stock": "1"}[kind]
        lines.append(f"| {what} | {name} | `{path}` | {result['rps']:.1f} | {ratio} | {target} | "
                     f"{result['mean_ms']:.1f} | {result['p50_ms']:.1f} | "
                     f"{result['p99_ms']:.1f} | {result['errors']} | {count} ({db_ms:.1f}) | "
                     f"{result['load']:.2f} |")
    return "\n".join(lines)


def verdicts(rows, rush, login) -> str:
    lines = []
    if rows:
        runs = rows[0][4].get("stock_runs", [])
        lines.append("- stock admin: " + ", ".join(f"{r:.1f}" for r in runs)
                     + " req/s in its successive runs")
        below = [f"{n} ({r['rps'] / stock_rps(r):.1f}x)" for n, _p, _w, k, r in rows
                 if k == "page" and r["rps"] < TARGET_RATIO * stock_rps(r)]
        lines.append(f"- staff pages below {TARGET_RATIO}x the stock admin: "
                     f"{', '.join(below) or 'none'}")
        below = [f"{n} ({r['rps'] / stock_rps(r):.1f}x)" for n, _p, _w, k, r in rows
                 if k == "admin" and r["rps"] < ADMIN_RATIO * stock_rps(r)]
        lines.append(f"- project admin changelists below {ADMIN_RATIO}x the stock admin: "
                     f"{', '.join(below) or 'none'}")
    slow = [f"{n} ({r['p99_ms']:.0f} ms)" for n, _p, _w, k, r in rows
            if k != "stock" and r["p99_ms"] >= P99_TARGET_MS]
    if rows:
        lines.append(f"- pages with p99 >= {P99_TARGET_MS} ms: {', '.join(slow) or 'none'}")
    if rush:
        met = (rush["rps"] >= RUSH_RPS and rush["p95_ms"] < RUSH_P95_MS and rush["lost"] == 0)
        lines.append(
            f"- deadline rush: {rush['applicants']} applicants x ({RUSH_SAVES} draft saves + "
            f"submit), {rush['requests']} requests in {rush['seconds']:.1f} s: "
            f"**{rush['rps']:.0f} req/s**, p50 {rush['p50_ms']:.0f} ms, "
            f"**p95 {rush['p95_ms']:.0f} ms**, p99 {rush['p99_ms']:.0f} ms, "
            f"{rush['errors']} errors (slowest: {rush['slowest']}); "
            f"{rush['submitted_in_db']} of {rush['applicants']} "
            f"submitted in the database, **{rush['lost']} lost**; load 1 min "
            f"{rush['load']:.2f} (target >= {RUSH_RPS} req/s, p95 < {RUSH_P95_MS} ms, 0 lost: "
            f"{'met' if met else 'NOT met'})")
    if login:
        lines.append(f"- login cost: {login['hasher']} {login['detail']}: {login['ms']:.0f} ms "
                     f"of CPU per password check, **{login['per_core']:.1f} logins/s per core**")
    return "\n".join(lines)


def write_results(info, args, tool, rows, queries, rush, login) -> str:
    body = table(rows, queries)
    summary = verdicts(rows, rush, login)
    RESULTS.write_text(
        f"# Benchmark results\n\n"
        f"Written by `make bench` (bench/run.py); see bench/README.md for what is measured.\n\n"
        f"- date: {info['date']}\n"
        f"- machine: {info['cpus']} CPUs (nproc), {info['cpu']}; load average (1, 5, 15 min) "
        f"before the run {info['load_before']}, after it {info['load_after']}\n"
        f"- PostgreSQL {info['postgres']}, Python {info['python']}, Django {info['django']}\n"
        f"- data: {info['applications']:,} applications, {info['cases']:,} return cases, "
        f"{info['persons']:,} persons\n"
        f"- server: gunicorn, {args.workers} sync workers, production settings "
        f"(bench/settings.py: config.settings.production, the read log on, plus the stock "
        f"admin at /bench-admin/), on the same machine as PostgreSQL and the load generator\n"
        f"- load: {tool}\n"
        f"- x stock: requests/s of the page divided by those of the stock admin changelist "
        f"in the same run (the mean of its runs just before and after the page); "
        f"targets (issue 14): staff pages >= {TARGET_RATIO}x, project admin "
        f">= {ADMIN_RATIO}x, p99 < {P99_TARGET_MS} ms\n\n"
        f"{summary}\n\n{body}\n\n"
        f"SQL queries: one request in-process, counted with CaptureQueriesContext "
        f"(session, user and roles included). load 1 min: the machine's 1-minute load "
        f"average when the page's load ended.\n"
        + (f"\n{args.notes.read_text()}" if args.notes and args.notes.exists() else "")
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
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per page, not counted")
    parser.add_argument("--rush-applicants", type=int, default=300)
    parser.add_argument("--only", nargs="*", help="page names (the stock admin is always "
                        "measured, for the ratios): " + ", ".join(
                            [name for name, *_rest in PAGES] + list(EXTRAS)))
    parser.add_argument("--notes", type=Path, default=ROOT / "bench" / "NOTES.md",
                        help="appended to bench/RESULTS.md (profile notes)")
    parser.add_argument("--no-results", action="store_true",
                        help="print the table only, leave bench/RESULTS.md as it is")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120 or not 1 <= args.connections <= 64:
        parser.error("keep the load bounded: --duration 1..120, --connections 1..64")
    if not 1 <= args.rush_applicants <= 2000:
        parser.error("keep the rush bounded: --rush-applicants 1..2000")
    args.secret_key = secrets.token_urlsafe(50)
    wanted = set(args.only or [])
    pages = [p for p in PAGES if not wanted or p[0] in wanted or p[0] == STOCK]
    load_before = ", ".join(f"{n:.2f}" for n in os.getloadavg())

    env = bench_environment(args)
    create_database(args.database_url)
    log("migrate")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    log(f"seed {args.applications} applications and {args.cases} return cases (once)")
    manage(env, "seed_bench", "--applications", str(args.applications), "--cases",
           str(args.cases))
    prepare_django(env)
    vacuum_analyze()
    exports = None
    if not wanted or "export" in wanted:
        from bench.export import export_section, run_export

        office_session()  # the exports' user, bench-office
        exports = run_export(log=log)
        if wanted == {"export"}:  # no page asked for: no server to start
            print(export_section(exports))
            return 0
    pages, facts = resolve_pages(pages)
    queries = count_queries(pages)
    info = machine()
    login = login_cost() if not wanted or "login" in wanted else None
    rushers = []
    if not wanted or "rush" in wanted:
        from scholarships.models import Call

        call = Call.objects.filter(slug__startswith="bench-masters-").order_by(
            "-academic_year").first()
        log(f"rush: {args.rush_applicants} complete drafts in {call.slug}")
        rushers = prepare_rush(args.rush_applicants, call)
    tool = (f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
            f"(after {args.warmup} s of warm-up), loopback"
            if shutil.which("wrk") else
            f"Python client, {args.connections} processes x {args.duration} s, loopback "
            f"(wrk not found: apt-get install wrk)")

    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    rows, rush = [], None
    stock = next(page for page in pages if page[0] == STOCK)
    # The stock admin again every STOCK_EVERY pages: on a shared machine the load
    # drifts, and each page is compared with the stock runs just before and after it.
    schedule = []
    for n, page in enumerate(p for p in pages if p[0] != STOCK):
        if n % STOCK_EVERY == 0:
            schedule.append(stock)
        schedule.append(page)
    schedule.append(stock)
    stock_runs = []
    try:
        for name, path, what, cookie, kind in schedule:
            status, body = fetch(port, path, cookie)
            if status != 200:
                raise SystemExit(f"bench: {path} answered {status}; is the session valid?")
            log(f"{name}: {path} ({len(body) // 1024} KiB)")
            result = load(port, path, cookie, args)
            result["load"] = os.getloadavg()[0]
            log(f"  {result['rps']:.0f} req/s, mean {result['mean_ms']:.1f} ms, "
                f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}")
            if name == STOCK:
                stock_runs.append(result["rps"])
                for row in rows:
                    row[4].setdefault("stock_after", result["rps"])
                if len(stock_runs) > 1:
                    continue
            result["stock_before"] = stock_runs[-1]
            rows.append((name, path, what, kind, result))
        rows[0][4]["rps"] = sum(stock_runs) / len(stock_runs)
        rows[0][4]["stock_runs"] = stock_runs
        if rushers:
            log(f"rush: {len(rushers)} applicants on {args.connections} connections")
            rush = run_rush(port, rushers, args.connections)
            rush["load"] = os.getloadavg()[0]
            log(f"  {rush['rps']:.0f} req/s, p95 {rush['p95_ms']:.0f} ms, lost {rush['lost']}")
    finally:
        stop(server)
    info["load_before"] = load_before
    info["load_after"] = ", ".join(f"{n:.2f}" for n in os.getloadavg())

    if args.no_results:
        body = table(rows, queries)
    else:
        body = write_results(info, args, tool, rows, queries, rush, login)
        if exports:
            RESULTS.write_text(f"{RESULTS.read_text().rstrip()}\n\n{export_section(exports)}")
        log(f"written to {RESULTS.relative_to(ROOT)}")
    print()
    print(f"{info['date']}, {info['cpus']} CPUs, PostgreSQL {info['postgres']}, "
          f"{info['applications']:,} applications, {args.workers} gunicorn workers, {tool}")
    print(verdicts(rows, rush, login))
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
