"""The yearly report for the donor: a PDF of every programme's figures for one
year, in English, French or Dutch. Each programme registers its section from
its own `reports` package (as for reporting.datasets), so this shared app
imports no programme; a user gets the sections they may see."""

from collections.abc import Callable
from dataclasses import dataclass

from .tables import Table


@dataclass(frozen=True)
class Section:
    key: str
    title: Callable[[], str]
    order: int
    may_see: Callable[..., bool]
    # tables(user=..., year=...) -> the section's tables, scoped to that user.
    tables: Callable[..., list[Table]]
    # years(user=...) -> the years the section has figures for.
    years: Callable[..., list[int]]


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    _SECTIONS[section.key] = section
    return section


def sections_for(user) -> list[Section]:
    return sorted((s for s in _SECTIONS.values() if s.may_see(user)), key=lambda s: s.order)
