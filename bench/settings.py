"""The production settings, as the benchmark serves them: the pages, their
queries, their templates and their static storage are those of production."""

from config.settings.production import *  # noqa: F403
