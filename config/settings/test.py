"""The test suite (`make test`). DATABASE_URL / REDIS_URL select PostgreSQL and
Redis as in CI; without them SQLite and the embedded broker are used."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key")

from .base import *  # noqa: E402,F403
from .base import DATABASES, VAR_DIR, env  # noqa: E402

DEBUG = False
# Under pytest-xdist (make test runs the suite on several workers) each worker,
# and every Celery worker process it starts (they inherit the variable), keeps
# its files in folders of its own: gw0's test never reads or removes gw1's.
# Empty when the suite runs in one process: the folders as before.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In-process tests read mail.outbox; a worker process (tests/test_worker.py)
# writes its e-mails to files the test can read.
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
# The outbox (outbox/) delivers through this; its own tests and the reminders'
# use it as EMAIL_BACKEND explicitly. Other tests keep reading mail.outbox
# straight after a call, without on_commit callbacks: locmem above.
OUTBOX_DELIVERY_BACKEND = env("TEST_OUTBOX_DELIVERY_BACKEND", default=EMAIL_BACKEND)
if OUTBOX_DELIVERY_BACKEND == "outbox.backends.OutboxBackend":
    # A worker given TEST_EMAIL_BACKEND=outbox alone would deliver each row as a new row.
    raise ValueError("TEST_EMAIL_BACKEND is the outbox: set TEST_OUTBOX_DELIVERY_BACKEND too.")
EMAIL_FILE_PATH = env("TEST_EMAIL_FILE_PATH", default=str(VAR_DIR / "test-mail" / XDIST_WORKER))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": VAR_DIR / "test-private" / XDIST_WORKER,
                            "base_url": None}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private" / XDIST_WORKER
# Each test starts with an empty cache (conftest.py): a memory cache of this
# process, never the Redis database that CI's broker also uses. Being in
# memory, it is also each pytest-xdist worker's own: gw0's cached rights of
# user 5 (accounts/authcache.py), sessions (cached_db) and {% memo %}
# fragments never reach gw1, whose user 5 is another person. (Axes keeps its
# login failures in the database, and pytest-django gives each worker its own
# test database: test_<name>_gw0, ...)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker process can open the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
# Unit tests run tasks in-process; the worker tests switch this off and use the
# real broker (Redis in CI).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
# A worker test sends the tasks its tasks enqueue to its own private queue.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
