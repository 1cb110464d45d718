"""The production settings, as the benchmark serves them.

One difference: static files are collected with a storage that leaves source-map
comments alone. The vendored Bootstrap files end with `sourceMappingURL=...map`
comments for .map files that are not shipped, so `collectstatic` with the
production storage stops with MissingFileError. The pages, their queries and
their templates are those of production; `{% static %}` still reads the
manifest.
"""

from config.settings.production import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "bench.storage.StaticStorage"}}  # noqa: F405
