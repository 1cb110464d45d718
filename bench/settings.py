"""The production settings, as the benchmark serves them: the pages, their
queries, their templates and their static storage are those of production."""

from config.settings.production import *  # noqa: F403

# A benchmark machine's database holds made-up persons only (manage.py seed_bench).
DEMO_DATA_ALLOWED = True

# The project's URLs plus the stock admin the pages are compared with
# (/bench-admin/, a bare ModelAdmin on the same Application table).
ROOT_URLCONF = "bench.urls"
