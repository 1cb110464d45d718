"""The admin's bulk actions that may run in the background. Each programme
registers its own from a `bulk` module (found by reporting.apps at start-up,
like the `reports` packages), so this shared app imports no programme.

An action is the same service the admin calls in the request, given one
record at a time by the worker (reporting.services.bulk_job_run), each in
its own transaction."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet


@dataclass
class Outcome:
    """What `run` did with the records it was given: how many it changed,
    each refusal (record, reason) and, for an action that looks for
    something, how many it found."""

    done: int = 0
    refused: list[tuple[Any, str]] = field(default_factory=list)
    found: int = 0


@dataclass(frozen=True)
class Action:
    # "<app>.<action>", the key a BulkJob keeps.
    name: str
    label: str
    # The read log's record type of the records it acts on ("scholarships.application").
    model: str
    # may_run(user) -> bool: the permission the admin action asks for,
    # checked again by the worker before it starts.
    may_run: Callable[[Any], bool]
    # load(user=..., ids=[...]) -> the records among `ids` that `user` may act on.
    load: Callable[..., QuerySet]
    # run(actor=..., items=[...], reason=...) -> Outcome, through the services.
    run: Callable[..., Outcome]
    # The admin list the user comes back to ("admin:scholarships_application_changelist").
    changelist: str
    # How a record is named on the progress page (a reference, never a name).
    ref: Callable[[Any], str] = str
    # found_label(count) -> the sentence that says what `found` counts.
    found_label: Callable[[int], str] | None = None


_ACTIONS: dict[str, Action] = {}


def register(action: Action) -> Action:
    _ACTIONS[action.name] = action
    return action


def get(name: str) -> Action | None:
    return _ACTIONS.get(name)
