"""What may be exported in the background. Each programme registers its data
sets from its own `reports` package (found by reporting.apps at start-up), so
this shared app imports no programme."""

from collections.abc import Callable
from dataclasses import dataclass, field

from .exports import Dataset


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # The read log's record type ("scholarships.application").
    model: str
    may_export: Callable[..., bool]
    # build(user=..., params=...) -> Dataset, scoped to what that user may see.
    build: Callable[..., Dataset]
    # Who may ask for the names (the "include names" box of a list's export);
    # nobody unless the programme says so: exports are pseudonymised.
    may_include_names: Callable[..., bool] = field(default=lambda user: False)


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind | None:
    return _KINDS.get(name)


def available(user) -> list[Kind]:
    return [kind for kind in _KINDS.values() if kind.may_export(user)]
