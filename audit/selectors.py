"""Reads of the read log, for the data protection officer's console. Each
function runs a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from . import hooks
from .models import ReadEvent

# How many changes of each kind of record the person page shows.
CHANGES_SHOWN = 200


def read_events() -> QuerySet:
    return ReadEvent.objects.order_by("-at", "-id")


def read_rows(queryset: QuerySet) -> QuerySet:
    """What a page of the log reads: the rows and their users."""
    return queryset.select_related("user")


def person_records(person_id: int) -> dict[str, set[str]]:
    """Every record about the person, by model label (the registry says which:
    audit.hooks)."""
    return hooks.subjects().records(person_id)


def person_reads(person_id: int, records: dict[str, set[str]]) -> QuerySet:
    """The reads about a person: those that name them, and those of any of
    their records."""
    about = Q(person_id=person_id)
    for label, ids in records.items():
        about |= Q(model=label, object_id__in=sorted(ids))
    return read_events().filter(about)


@dataclass
class Change:
    at: datetime
    user: Any  # the user who made the change, or None
    kind: str
    record_type: str
    record_id: int
    fields: list[str] = field(default_factory=list)


def _labels(model) -> dict[str, str]:
    return {f.name: str(f.verbose_name) for f in model._meta.get_fields() if f.concrete}


def person_changes(person_id: int) -> list[Change]:
    """What changed about the person, newest first: the versions of the Person
    and of their identity documents and consents (django-simple-history), each
    with the fields that differ from the version before. Three queries."""
    wanted = hooks.subjects().histories(person_id)
    changes = []
    for label, where in wanted:
        model = apps.get_model(label)
        labels = _labels(model)
        versions = list(
            model.history.filter(**where).select_related("history_user")
            .order_by("-history_date", "-history_id")[:CHANGES_SHOWN]
        )
        previous: dict[int, Any] = {}  # the version before, by record id
        for version in reversed(versions):  # oldest first, to compare with the one before
            before = previous.get(version.id)
            changed = []
            if before is not None:
                changed = [labels.get(name, name) for name in
                           version.diff_against(before).changed_fields if name != "updated_at"]
            previous[version.id] = version
            changes.append(Change(
                at=version.history_date, user=version.history_user,
                kind=version.get_history_type_display(),
                record_type=str(model._meta.verbose_name), record_id=version.id,
                fields=changed,
            ))
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes
