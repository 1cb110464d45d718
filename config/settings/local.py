"""A developer's or a new user's machine: `make run`."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-only-insecure-key-never-use-in-production")

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

# Off by default, so that `make run` shows the site's own 403, 404 and 500 pages
# (templates/403.html...) as users will see them. DJANGO_DEBUG=1 brings back
# Django's debug pages (tracebacks, the URL list on a 404).
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# With DEBUG off, WhiteNoise would serve only what collectstatic copied to
# STATIC_ROOT: let it find the files in the apps and static/ directly, and see
# edits without a restart.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
