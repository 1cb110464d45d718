"""How the programmes plug into the shared registry without the registry
importing them (registry imports no programme; the programmes import the
registry).

Each programme registers, in its AppConfig.ready(), the functions the registry
calls to answer for that programme's side of a person:

- scope: which persons a user may see through this programme
  (`fn(user) -> QuerySet of person ids | ALL | None`; ALL: every person the
  programme holds a record about, None: the user has no role in this
  programme). registry.access combines them. `fn(None)`: every person the
  programme holds a record about; registry.models.PersonSide keeps the answer
  (the programme's services call registry.services.person_sides_note when
  they create a record), so that the scope need not ask it on every page.
- records: the ids of the programme's records about some persons, by model
  label (`fn(person_ids) -> {"scholarships.application": [ids], ...}`), so the
  read log can answer "everything read about this person".
- subject_data: everything the programme holds about one person, for a
  subject-access export (`fn(person) -> list of sections`, each made with
  registry.subject_access.section).
- retention: who the retention schedule may let go
  (`fn(*, now, schedule, person_ids=None) -> {person id: reason or None}`:
  every person the programme holds a record of, None while one must be kept;
  `person_ids` narrows the question), see registry.retention.
- anonymise: clear the programme's free text and files about one person
  (`fn(*, person_id, now) -> None`), inside the registry's transaction,
  before the registry anonymises the person.

Registering twice under the same side and capability replaces the earlier
function (the test runner may call ready() more than once)."""

from collections.abc import Callable
from typing import Any

from .models import Side

_HOOKS: dict[str, dict[str, Callable[..., Any]]] = {}

SCOPE = "scope"
RECORDS = "records"
SUBJECT_DATA = "subject_data"
RETENTION = "retention"
ANONYMISE = "anonymise"
CAPABILITIES = (SCOPE, RECORDS, SUBJECT_DATA, RETENTION, ANONYMISE)

# A scope hook's answer for a user who sees every person the programme holds a
# record about: registry.access reads it from PersonSide, an index probe.
ALL = "all"


def register(side: Side | str, capability: str, fn: Callable[..., Any]) -> None:
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown registry capability {capability!r}")
    _HOOKS.setdefault(capability, {})[str(side)] = fn


def hooks(capability: str) -> dict[str, Callable[..., Any]]:
    """The registered functions for one capability, by side, in the order of
    Side (so output that lists the programmes is stable)."""
    found = _HOOKS.get(capability, {})
    return {side: found[side] for side in Side.values if side in found}


def hook(side: Side | str, capability: str) -> Callable[..., Any] | None:
    return _HOOKS.get(capability, {}).get(str(side))


def records_by_label(parts) -> dict[str, list[int]]:
    """For a RECORDS hook: the ids of each (model, filter) of `parts`, by model
    label, in one query (a UNION ALL), whatever the number of records."""
    from django.db.models import CharField, Value

    queries = [
        model.objects.filter(**where).order_by()
        .annotate(label=Value(model._meta.label_lower, output_field=CharField()))
        .values_list("label", "pk")
        for model, where in parts
    ]
    found: dict[str, list[int]] = {}
    for label, pk in queries[0].union(*queries[1:], all=True):
        found.setdefault(label, []).append(pk)
    return found
