"""What the read log needs from the registry, which sits above it.

audit (the log, its middleware and record_read) is below the registry: the
registry's pages write to the log, so the log must not import the registry
back. The data protection officer's console names the person a row is about
and gathers every record about one person; the registry plugs in how at
startup (registry/hooks.py, from RegistryConfig.ready).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Subjects:
    # person id (or None) -> its readable reference, "P-000123"
    reference: Callable[[int | None], str]
    # person id -> the person (merged and anonymised ones too), or None
    find: Callable[[int], object]
    # person id -> every record about them, {"app.model": {"id", ...}}
    records: Callable[[int], dict[str, set[str]]]
    # person id -> the histories to show: [("app.model", {filter on the history}), ...]
    histories: Callable[[int], list[tuple[str, dict]]]


_subjects: Subjects | None = None


def provide(subjects: Subjects) -> None:
    global _subjects
    _subjects = subjects


def subjects() -> Subjects:
    if _subjects is None:
        raise ImproperlyConfigured("No app provides audit.hooks (is 'registry' installed?).")
    return _subjects
