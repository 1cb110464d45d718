"""Production: everything from the environment. DJANGO_SECRET_KEY,
DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, EMAIL_URL and SITE_URL are
required: without one, the start stops with one message naming every one
missing, instead of running on SQLite, the file broker, a per-process cache
and console mail."""

import os

from django.core.exceptions import ImproperlyConfigured

REQUIRED_ENVIRONMENT = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL",
                        "REDIS_URL", "EMAIL_URL", "SITE_URL")
_missing = [name for name in REQUIRED_ENVIRONMENT if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables, which are not set: "
        + ", ".join(_missing) + ". See docs/production.md.")

from .base import *  # noqa: E402,F403
from .base import LOGGING, env  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# One JSON object per log line, with the request id, unless LOG_FORMAT=text.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
# Never made-up persons in a production database: seed_demo and its siblings refuse.
DEMO_DATA_ALLOWED = False
