"""Settings shared by every environment. Values come from the environment
(django-environ); production differs from local only by what the environment says."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()

# Runtime files (SQLite database, private uploads, embedded broker) live here.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Before the admin: it patches the admin to show one field per language.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_countries",
    "phonenumber_field",
    "simple_history",
    "axes",
    "django_guid",
    "privatemedia",
    "ops",
    "audit",
    "listing",
    "numbering",
    "reminders",
    "outbox",
    "accounts",
    "registry",
    "scholarships",
    "reintegration",
    "reporting",
    "csp",
    "common",
]

# The front proxy sets X-Request-Start (and drops a client's): the moment of
# receipt a deadline is judged by (common/receipt.py). Off: the server's clock.
REQUEST_START_TRUSTED = env.bool("DJANGO_TRUST_REQUEST_START", default=False)

MIDDLEWARE = [
    # First: request.received_at, the moment the request arrived (common/receipt.py).
    "common.receipt.ReceiptMiddleware",
    # Every log line of the request carries its id (X-Request-ID).
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every response that may show personal data (common/middleware.py).
    "common.middleware.NoStoreMiddleware",
    "audit.middleware.ReadLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]


def _database(url: str) -> dict:
    db = environ.Env.db_url_config(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # The web process and the Celery worker write to the same file: WAL lets
        # readers go on during a write, IMMEDIATE takes the write lock up front so
        # two writers queue instead of failing with "database is locked".
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        db["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
        db["CONN_HEALTH_CHECKS"] = True
        # Parameters sent apart from the query text, and a statement that a
        # connection runs a 5th time prepared (Django leaves psycopg's
        # prepare_threshold off unless given): the list pages' queries cost
        # PostgreSQL more to plan than to run. Measured on the bench data,
        # three alternated runs each: PostgreSQL CPU per request 8-11 -> 4 ms
        # on the team page (48 -> 62 requests/s on average), 1.3-1.8 -> 0.75
        # ms on the staff list (requests/s within the machine's noise). A
        # statement then carries at most 65,535 parameters: Django 5.2 sends
        # bulk_create's plain values as one array per column (UNNEST), and a
        # list of ids that grows with the data is passed as one array with
        # field__any (reminders/lookups.py), not __in. Turn it off behind a
        # pooler that cannot keep prepared statements (PgBouncer in
        # transaction mode before 1.21).
        if env.bool("DJANGO_DB_SERVER_SIDE_BINDING", default=True):
            db["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    return db


DATABASE_URL = env("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend with the roles and permissions kept in the cache (accounts/authcache.py).
    "accounts.authcache.CachedModelBackend",
]
# How long a user's cached roles and permissions may live; every change made
# through Django forgets them at once (accounts/authcache.py).
AUTH_CACHE_SECONDS = env.int("AUTH_CACHE_SECONDS", default=300)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# The privacy notice shown at /privacy/ and agreed to at sign-up. Change the
# version whenever the text changes in substance: each online consent records
# the version the person agreed to (registry.Consent.notice_version).
PRIVACY_NOTICE_VERSION = env("PRIVACY_NOTICE_VERSION", default="2026-12")
# Where people write to exercise their rights (access, rectification, erasure...).
DPO_EMAIL = env("DPO_EMAIL", default="dpo@example.org")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): after 5 failures for one username from one
# address, that pair is locked out for 15 minutes. A success resets the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Content typed by staff (calls, programmes) is kept in each language
# (django-modeltranslation, */translation.py); a missing translation shows the
# English text.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
# Dates written one way per language, and typed day first (common/formats/).
FORMAT_MODULE_PATH = ["common.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": VAR_DIR / "private", "base_url": None}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads are personal data: they live outside any public URL and are only
# streamed by views that check who asks (privatemedia).
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The scholarship dashboard's counts per call and state are kept this long at
# most (every change through the services refreshes them at once).
DASHBOARD_COUNTS_SECONDS = env.int("DASHBOARD_COUNTS_SECONDS", default=300)

# List pages count matching rows up to this many, then say "more than"
# (listing.pagination: counting 100,000 rows would cost more than the page).
LIST_COUNT_LIMIT = env.int("LIST_COUNT_LIMIT", default=1000)

# The address of the site in e-mails (links for referees, password resets).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# An applicant's sign-up confirmation link stops working after this many hours.
SIGNUP_LINK_MAX_AGE_HOURS = env.int("SIGNUP_LINK_MAX_AGE_HOURS", default=48)

# A referee's private upload link stops working after this many days.
REFEREE_LINK_MAX_AGE_DAYS = env.int("REFEREE_LINK_MAX_AGE_DAYS", default=60)

# --- Reporting (reporting/) -------------------------------------------------------
# Counts above 0 and under this are shown as "<5" in reports and their exports,
# with the cells that would let a reader work them out from totals (reporting.suppression).
REPORTING_SUPPRESSION_THRESHOLD = env.int("REPORTING_SUPPRESSION_THRESHOLD", default=5)
# A background export's file is kept this long for its owner, then deleted.
REPORTING_EXPORT_KEEP_HOURS = env.int("REPORTING_EXPORT_KEEP_HOURS", default=24)
# A staff list's export of up to this many rows is served at once; a longer one
# is built in the background, with a progress page (reporting.list_exports).
REPORTING_EXPORT_DIRECT_MAX_ROWS = env.int("REPORTING_EXPORT_DIRECT_MAX_ROWS", default=5000)
# An admin bulk action over up to this many records runs within the request;
# over more, it runs in the background with a progress page (reporting.admin_bulk).
BULK_ACTION_DIRECT_MAX = env.int("BULK_ACTION_DIRECT_MAX", default=200)

# --- Voluntary return and reintegration ------------------------------------------
# The reintegration budget must be used within this many months of arrival.
REINTEGRATION_BUDGET_MONTHS = env.int("REINTEGRATION_BUDGET_MONTHS", default=12)
# Monitoring visits are scheduled this many months after arrival (editable per visit).
REINTEGRATION_VISIT_MONTHS = env.list("REINTEGRATION_VISIT_MONTHS", cast=int,
                                      default=[3, 6, 12])
# A visit is recorded from this many days before its due date; earlier only
# with a recorded reason (a case cannot be closed on the day of arrival).
REINTEGRATION_VISIT_WINDOW_DAYS = env.int("REINTEGRATION_VISIT_WINDOW_DAYS", default=30)
# A composite sustainability score that falls by more than this (on the 0..1
# scale) from one visit to the next is flagged on the case.
REINTEGRATION_SCORE_DROP_ALERT = env("REINTEGRATION_SCORE_DROP_ALERT", default="0.15")
# A case note can be changed this long after it was written; later, a
# correction is a new note that references the old one.
REINTEGRATION_NOTE_EDIT_HOURS = env.int("REINTEGRATION_NOTE_EDIT_HOURS", default=24)
# Days allowed for the next action of a case, counted from the moment the
# case entered its state (or arrival, for the plan). Shown as the due date.
REINTEGRATION_ACTION_DAYS = {
    "counsel": env.int("REINTEGRATION_DAYS_COUNSEL", default=7),
    "decide": env.int("REINTEGRATION_DAYS_DECIDE", default=30),
    "plan_departure": env.int("REINTEGRATION_DAYS_PLAN_DEPARTURE", default=30),
    "agree_plan": env.int("REINTEGRATION_DAYS_AGREE_PLAN", default=30),
    "approve_plan": env.int("REINTEGRATION_DAYS_APPROVE_PLAN", default=7),
    "close": env.int("REINTEGRATION_DAYS_CLOSE", default=30),
}

# Scholarships: at most this many awards over all calls of one academic year
# (the development-cooperation strategy's "more than 1,500 scholarships each
# year"). Exceeding it needs an override with a reason, which is recorded.
SCHOLARSHIP_YEARLY_CEILING = env.int("SCHOLARSHIP_YEARLY_CEILING", default=1500)
# Two reviewers whose scores (out of 100) differ by more than this flag the
# application for a third review.
SCHOLARSHIP_REVIEW_SPREAD_THRESHOLD = env.int("SCHOLARSHIP_REVIEW_SPREAD_THRESHOLD", default=20)
# Days an applicant has to answer an offer made to them automatically (a
# reserve candidate taking a freed place); also the default of the offer form.
SCHOLARSHIP_OFFER_RESPONSE_DAYS = env.int("SCHOLARSHIP_OFFER_RESPONSE_DAYS", default=14)

# --- Retention schedule (registry/retention.py) ------------------------------------------
# How long the agency keeps knowing a person by name. A person is anonymised only
# when every programme holding a record of them lets go; a person no programme
# holds anything of, once their registry record is older than the longest period.
RETENTION = {
    # Applications that led to no scholarship: years after their call closed.
    "applications_not_awarded_years": env.int("RETENTION_APPLICATIONS_NOT_AWARDED_YEARS",
                                              default=5),
    # Scholars: years after the scholarship ended (completed or discontinued).
    "scholars_years": env.int("RETENTION_SCHOLARS_YEARS", default=10),
    # Return cases: years after the case closed (or was withdrawn, no-show, lost contact).
    "closed_cases_years": env.int("RETENTION_CLOSED_CASES_YEARS", default=10),
    # False (the default): the nightly run only reports who is due, and the data
    # protection officer anonymises from /registry/retention/. True: it anonymises.
    "apply": env.bool("RETENTION_APPLY", default=False),
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = None
PHONENUMBER_DEFAULT_FORMAT = "E164"
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587
_email = env.email_url("EMAIL_URL", default="consolemail://")
# Every e-mail is an outbox row first, written in the sender's transaction
# (outbox/); a worker delivers it through the backend EMAIL_URL names.
EMAIL_BACKEND = "outbox.backends.OutboxBackend"
OUTBOX_DELIVERY_BACKEND = _email["EMAIL_BACKEND"]
# A failed attempt is retried after 60 s, 120 s, 240 s... up to an hour, for ever.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
# An e-mail still "being sent" after this long (its worker was killed) is taken again.
OUTBOX_RECOVER_AFTER_SECONDS = env.int("OUTBOX_RECOVER_AFTER_SECONDS", default=120)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=5000)
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="casework <noreply@casework.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and images from
# this site's own files only. No inline <script>, no on...= handlers and no
# style="..." attributes in the templates: behaviour lives in static/js, looks in
# static/css. data: images are Bootstrap's icons (its CSS embeds them). The one
# hash allows the one style attribute of a package's template (simple_history's
# admin history page: style="border-top: 0"); the Django admin itself needs
# nothing inline. tests/conftest.py fails a browser test on any CSP violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-hashes'",
                      "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# The seed_demo* commands fill the database with made-up persons; never in
# production (config/settings/production.py turns this off).
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Reminders --------------------------------------------------------------
# When each kind of reminder goes (reminders/README.md), in days. A list gives
# several reminders of one kind; when several moments have passed at once (the
# system was stopped), only the latest is sent.
# A draft application not submitted: 7 days and 1 day before its call closes.
REMINDER_DRAFT_DAYS_BEFORE_CLOSE = env.list("REMINDER_DRAFT_DAYS_BEFORE_CLOSE", cast=int,
                                            default=[7, 1])
# A referee's letter still missing: 7 days before the call closes.
REMINDER_REFEREE_DAYS_BEFORE_CLOSE = env.list("REMINDER_REFEREE_DAYS_BEFORE_CLOSE", cast=int,
                                              default=[7])
# A review assignment still waiting for its reviewer (to declare or to score):
# 5 days after it was assigned, then every 5 days; from the reminder after the
# second on (15 days), also to every scholarship administrator.
REMINDER_REVIEW_FIRST_DAYS = env.int("REMINDER_REVIEW_FIRST_DAYS", default=5)
REMINDER_REVIEW_EVERY_DAYS = env.int("REMINDER_REVIEW_EVERY_DAYS", default=5)
REMINDER_REVIEW_OFFICE_AFTER = env.int("REMINDER_REVIEW_OFFICE_AFTER", default=2)
# An award offer not answered: 3 days before its deadline, to the applicant.
REMINDER_OFFER_DAYS_BEFORE_DEADLINE = env.list("REMINDER_OFFER_DAYS_BEFORE_DEADLINE", cast=int,
                                               default=[3])
# A planned monitoring visit: 7 days before its due date, and overdue the day
# after it (days counted from the start of the day in Brussels).
REMINDER_VISIT_DAYS_BEFORE_DUE = env.list("REMINDER_VISIT_DAYS_BEFORE_DUE", cast=int,
                                          default=[7])
REMINDER_VISIT_DAYS_OVERDUE = env.list("REMINDER_VISIT_DAYS_OVERDUE", cast=int, default=[1])
# Someone travelling holds no travel document valid on the planned departure:
# 30 days and 7 days before it, to the caseworker.
REMINDER_DOCUMENT_DAYS_BEFORE_DEPARTURE = env.list(
    "REMINDER_DOCUMENT_DAYS_BEFORE_DEPARTURE", cast=int, default=[30, 7])
# An open case without activity: after 30 days to its caseworker, after 45
# days to the supervisors of the caseworker's teams.
REMINDER_CASE_INACTIVE_DAYS = env.list("REMINDER_CASE_INACTIVE_DAYS", cast=int,
                                       default=[30, 45])
# A claimed reminder whose send task has not run after this many minutes (a
# worker killed mid-batch, a broker restarted) is queued again by the next sweep.
REMINDER_REQUEUE_AFTER_MINUTES = env.int("REMINDER_REQUEUE_AFTER_MINUTES", default=30)
# Send reminders through a queue of their own (e.g. "reminders", consumed by a
# worker started with -Q reminders), so a burst of them never delays a sign-up
# e-mail. Empty: the default queue, the one the worker of `make run` consumes.
REMINDER_QUEUE = env("REMINDER_QUEUE", default="")

REDIS_URL = env("REDIS_URL", default="")


def redis_database(url: str, number: int) -> str:
    """The same Redis server as `url`, another database number. The broker
    keeps the database REDIS_URL names; the cache (and the sessions it holds)
    takes the next one, so that cache.clear() (FLUSHDB) can never empty the
    Celery queues."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


def _redis_number(url: str) -> int:
    from urllib.parse import urlsplit

    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


# Override with REDIS_CACHE_URL to put the cache on another server.
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default="") or (
    redis_database(REDIS_URL, _redis_number(REDIS_URL) + 1) if REDIS_URL else "")

# --- Cache and sessions ----------------------------------------------------
# With Redis (production), the cache is shared by every web process and
# sessions are read from it (cached_db: written through to the database,
# read from Redis): one database query less on every page. Without Redis
# (make run on a laptop) each process has its own memory cache, which must
# not hold sessions: a logout in one process would not reach the others.
if REDIS_URL:
    # common.cache: Django's Redis cache, one redis client per server kept.
    CACHES = {"default": {"BACKEND": "common.cache.ReusingRedisCache",
                          "LOCATION": REDIS_CACHE_URL, "KEY_PREFIX": "casework"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    # Embedded broker for a laptop without Redis: messages are files under var/.
    # kombu needs the folders to exist before the worker starts.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When the broker connection drops (a Redis restart), tasks still running are
# cancelled rather than left to finish unacknowledged: with acks_late their
# messages come back, every task is safe to run twice, and the outbox sweep
# recovers what the broker lost (Celery 6's default; said now to silence its
# warning).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ANNOTATIONS = {
    # One background export: 100,000 applications took 8 s as CSV and 54 s as
    # XLSX on the 2-core dev machine; the limit leaves room for much more.
    "reporting.tasks.export_job_build": {
        "soft_time_limit": env.int("REPORTING_EXPORT_SOFT_TIME_LIMIT", default=840),
        "time_limit": env.int("REPORTING_EXPORT_TIME_LIMIT", default=900),
    },
    # One e-mail: a mail server silent for a minute is retried later (the outbox row says when).
    "outbox.tasks.message_send": {
        "soft_time_limit": env.int("OUTBOX_SEND_SOFT_TIME_LIMIT", default=50),
        "time_limit": env.int("OUTBOX_SEND_TIME_LIMIT", default=60),
    },
    # One e-mail: a mail server that has not answered in a minute is retried later.
    "reminders.tasks.reminder_send": {
        "soft_time_limit": env.int("REMINDER_SEND_SOFT_TIME_LIMIT", default=50),
        "time_limit": env.int("REMINDER_SEND_TIME_LIMIT", default=60),
    },
    # One sweep: a few queries, seconds even at 100,000 applications.
    "reminders.tasks.reminders_sweep": {
        "soft_time_limit": env.int("REMINDER_SWEEP_SOFT_TIME_LIMIT", default=240),
        "time_limit": env.int("REMINDER_SWEEP_TIME_LIMIT", default=300),
    },
}
if REMINDER_QUEUE:
    CELERY_TASK_ROUTES = {"reminders.tasks.*": {"queue": REMINDER_QUEUE}}

# The one list of periodic work. Each entry says when it runs and why.
CELERY_BEAT_SCHEDULE = {
    # Every minute: a worker writes the time into the cache; /health/ reports
    # "worker: failing" when it is older than HEALTH_WORKER_HEARTBEAT_SECONDS (ops/).
    "ops-worker-heartbeat": {
        "task": "ops.tasks.worker_heartbeat",
        "schedule": crontab(),
    },
    # Every minute: e-mails whose next attempt has come, and e-mails a killed
    # worker left "being sent", are queued again from the database (outbox/).
    "outbox-sweep": {
        "task": "outbox.tasks.outbox_sweep",
        "schedule": crontab(),
    },
    # Nightly, when nobody is entering data: look for persons entered twice
    # (same folded name and birth date, or same document) so an administrator
    # finds them in the duplicate queue the next morning.
    "registry-duplicates-flag": {
        "task": "registry.tasks.duplicates_flag_sweep",
        "schedule": crontab(hour=2, minute=30),
    },
    # Daily, at night after the duplicate sweep: the retention schedule
    # (registry/retention.py). It anonymises the persons due only when
    # RETENTION["apply"] is True; by default (False) a fresh install only
    # records a dry run, which the data protection officer reads and applies.
    "registry-retention-run": {
        "task": "registry.tasks.retention_run_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Reminders (reminders/README.md): each sweep claims what is due and queues
    # the sends; running one twice, or after a restart, sends nothing twice.
    # Hourly, so a reminder goes within the hour of its moment, and a run that
    # beat missed is caught up by the next. Staggered minutes, so the sweeps do
    # not start together.
    # Drafts not submitted, 7 days and 1 day before their call closes.
    "reminders-draft-not-submitted": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": crontab(minute=5),
        "kwargs": {"kind": "scholarships.draft_not_submitted"},
    },
    # Referees' letters still missing, 7 days before the call closes.
    "reminders-referee-letter-missing": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": crontab(minute=20),
        "kwargs": {"kind": "scholarships.referee_letter_missing"},
    },
    # Review assignments still waiting for their reviewer, 5 days after
    # assignment and every 5 days; from the third, the administrators too.
    "reminders-review-not-scored": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": crontab(minute=25),
        "kwargs": {"kind": "scholarships.review_not_scored"},
    },
    # Award offers not answered, 3 days before their deadline. At twenty to,
    # ten minutes before the lapse sweep below, apart from it.
    "reminders-offer-not-answered": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": crontab(minute=40),
        "kwargs": {"kind": "scholarships.offer_not_answered"},
    },
    # Monitoring visits due in 7 days, and overdue the day after their date.
    # Their moments are the start of a day: hourly, the first sweep of the
    # day sends them and a missed one is caught up within the hour.
    "reminders-visit-due": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": crontab(minute=10),
        "kwargs": {"kind": "reintegration.visit_due"},
    },
    # Planned departures that someone travelling holds no valid travel
    # document for, 30 and 7 days before. Hourly: a document corrected in the
    # registry during the day is caught within the hour.
    "reminders-travel-document-expires": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": crontab(minute=15),
        "kwargs": {"kind": "reintegration.travel_document_expires"},
    },
    # Open cases without activity for 30 days (caseworker) and 45 days
    # (supervisors). Hourly, as the moments are 30 and 45 days after the last
    # activity, to the minute.
    "reminders-case-inactive": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": crontab(minute=35),
        "kwargs": {"kind": "reintegration.case_inactive"},
    },
    # Every hour, at ten to: award offers whose answer deadline has passed
    # lapse, and each freed place goes to the next reserve candidate of the
    # call. Deadlines fall at the end of a day (Brussels), so a reserve
    # candidate hears within the hour; hourly is cheap (one indexed query).
    # Ten to, so it does not start with the other hourly sweeps.
    "scholarships-offers-lapse": {
        "task": "scholarships.tasks.award_offers_lapse_sweep",
        "schedule": crontab(minute=50),
    },
    # Hourly, at five to: the files of background exports past their time
    # (REPORTING_EXPORT_KEEP_HOURS) are deleted, so personal data does not sit
    # in private storage longer than announced. Within the hour is enough;
    # the download view refuses an expired file at once anyway.
    "reporting-exports-expire": {
        "task": "reporting.tasks.export_jobs_expire_sweep",
        "schedule": crontab(minute=55),
    },
    # Every five minutes: background exports and bulk actions whose task was
    # lost (the broker down when the request committed, a worker killed) are
    # queued again; both tasks are safe to run twice (reporting/services.py).
    "reporting-jobs-requeue": {
        "task": "reporting.tasks.jobs_requeue_stale",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Operations (ops/, docs/production.md) ----------------------------------
# /health/ checks the worker heartbeat when this is above 0: the heartbeat goes
# through the cache, so it needs the cache every process shares (Redis).
HEALTH_WORKER_HEARTBEAT_SECONDS = env.int("HEALTH_WORKER_HEARTBEAT_SECONDS",
                                          default=180 if REDIS_URL else 0)
# A load balancer probes over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# Request ids (django-guid): taken from an incoming X-Request-ID when it is 32
# hex digits or a UUID (nginx's $request_id), otherwise made; returned in X-Request-ID,
# written in every log line, and carried by the Celery tasks a request queues
# (ops/apps.py).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
}
# "text" (a line per record) or "json" (an object per line; production's default).
LOG_FORMAT = env("LOG_FORMAT", default="text")
# The worker logs through LOGGING too (same format, same request ids).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error reporting, off unless SENTRY_DSN is set; then sentry-sdk must be installed
# (pip install ".[sentry]"). Never sends personal data (send_default_pii=False).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        send_default_pii=False,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Private files (privatemedia/files.py): "django" streams them from Python;
# "nginx" answers with X-Accel-Redirect to the internal location
# PRIVATE_MEDIA_INTERNAL_URL, which nginx maps to PRIVATE_MEDIA_ROOT;
# "xsendfile" with X-Sendfile (Apache mod_xsendfile). Access is checked first
# either way (django-sendfile2).
PRIVATE_MEDIA_SERVE = env("PRIVATE_MEDIA_SERVE", default="django")
SENDFILE_BACKEND = {"nginx": "django_sendfile.backends.nginx",
                    "xsendfile": "django_sendfile.backends.xsendfile"}.get(
    PRIVATE_MEDIA_SERVE, "django_sendfile.backends.simple")
SENDFILE_ROOT = str(PRIVATE_MEDIA_ROOT)
SENDFILE_URL = env("PRIVATE_MEDIA_INTERNAL_URL", default="/protected/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each record carries the request id (django-guid) as correlation_id.
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                 "rename_fields": {"asctime": "time", "levelname": "level",
                                   "name": "logger", "correlation_id": "request_id"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-guid says at INFO each id it sets.
        "django_guid": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        # django-axes logs every login attempt at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}
