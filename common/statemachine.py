"""One shape for every workflow of the system: the states, the moves between
them, who may make each move, the guard that must hold and whether a reason
must be given, declared once per workflow.

A programme declares a `Workflow` next to its models (states and moves only:
no service, selector or view is imported here or there) and registers it; its
one transition service per workflow asks the declaration whether a move is
allowed, runs the declared guard and records who, when and why. The README's
diagrams are drawn from the registered declarations
(`manage.py workflow_diagrams`), so they cannot drift from the code.

Guards are plain callables `guard(obj, context) -> str | None` that return
the sentence saying why the move cannot happen now, or None. They read through
the programme's selectors (never its services), and may be given as a dotted
path ("scholarships.guards.reviews_complete") so that the declaration does not
import what the guards need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Generic, TypeAlias, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .types import Text

# Why a move cannot happen now: a sentence, usually a lazy translation.
Problem: TypeAlias = Text
Guard = Callable[[Any, Any], "Problem | None"]

MSG_NOT_ALLOWED = _("This cannot move from “%(from)s” to “%(to)s”.")
MSG_REASON_REQUIRED = _("Give a reason for this change.")
MSG_NOT_YOUR_MOVE = _("You cannot make this change in your role.")


@dataclass(frozen=True)
class Move:
    """One allowed move from `source` to `target`.

    `by` lists the capacities that may make it (empty: anyone the service lets
    through); `reason_from` the capacities that must say why (or every one
    when `reason` is True); `guard` returns why the move cannot happen now;
    `page` names the URL of the page where a move that needs more than a
    reason is made; `extra` holds what a programme adds (for example that a
    move takes one of the call's awards)."""

    source: str
    target: str
    by: tuple[str, ...] = ()
    label: Any = ""
    guard: Guard | str | None = None
    reason: bool = False
    reason_from: tuple[str, ...] = ()
    page: str = ""
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def needs_reason(self, capacity: str | None = None) -> bool:
        return self.reason or (capacity is not None and capacity in self.reason_from)

    def guard_function(self) -> Guard | None:
        if self.guard is None or callable(self.guard):
            return self.guard
        module, _dot, name = self.guard.rpartition(".")
        return getattr(import_module(module), name)

    def problem(self, obj, context=None) -> Problem | None:
        """Why this move cannot happen now, or None. (A guard may also raise
        a ValidationError itself, keyed by the field the user must correct.)"""
        guard = self.guard_function()
        return None if guard is None else guard(obj, context)

    def problems(self, obj, context=None) -> list[str]:
        """Every sentence saying why this move cannot happen now (empty when
        it can), for a page to explain before the user tries."""
        try:
            problem = self.problem(obj, context)
        except ValidationError as error:
            return list(error.messages)
        return [str(problem)] if problem else []


MoveT = TypeVar("MoveT", bound=Move)


class Workflow(Generic[MoveT]):
    """The declared states and moves of one status field (moves of `Move` or
    of a programme's subclass of it, which the questions below return)."""

    def __init__(self, name: str, *, model: str, field: str, states, moves: Iterable[MoveT],
                 initial: Iterable[str] = (), final: Iterable[str] = (), doc: str = ""):
        self.name = name
        self.model = model
        self.field = field
        self.states = states  # a TextChoices class
        self.moves: tuple[MoveT, ...] = tuple(moves)
        self.initial = tuple(initial)
        self.final = tuple(final)
        self.doc = doc
        values = {str(s) for s in states.values}
        for move in self.moves:
            if str(move.source) not in values or str(move.target) not in values:
                raise ValueError(f"{name}: {move.source} -> {move.target} names an unknown state")
        for state in (*self.initial, *self.final):
            if str(state) not in values:
                raise ValueError(f"{name}: unknown state {state}")
        self._by_pair = {(str(m.source), str(m.target)): m for m in self.moves}

    # --- questions ---------------------------------------------------------------
    def move_between(self, source: str, target: str) -> MoveT | None:
        return self._by_pair.get((str(source), str(target)))

    def move(self, source: str, target: str) -> MoveT:
        """The declared move from `source` to `target`, for a caller that has
        already checked that it is allowed (LookupError when it is not)."""
        move = self.move_between(source, target)
        if move is None:
            raise LookupError(f"{self.name}: no move from {source} to {target}")
        return move

    def allowed(self, source: str, target: str) -> bool:
        return self.move_between(source, target) is not None

    def moves_from(self, source: str, capacity: str | None = None) -> list[MoveT]:
        """The moves from `source` (that `capacity` may make), in declared order."""
        return [m for m in self.moves if str(m.source) == str(source)
                and (capacity is None or not m.by or capacity in m.by)]

    def targets_from(self, source: str) -> list[str]:
        return [m.target for m in self.moves_from(source)]

    @property
    def transitions(self) -> dict[str, tuple[str, ...]]:
        table: dict[str, tuple[str, ...]] = {}
        for move in self.moves:
            table[move.source] = (*table.get(move.source, ()), move.target)
        return table

    def label(self, state: str) -> str:
        return str(self.states(state).label)

    # --- the check every transition service makes -------------------------------------
    def check(self, obj, source: str, target: str, *, capacity: str | None = None,
              reason: str = "", context=None) -> MoveT:
        """The move from `source` to `target`, if it is declared, this capacity
        may make it, the reason it needs is given and its guard holds; else a
        ValidationError saying why (the reason's error is keyed "reason" so a
        form shows it next to the field)."""
        move = self.move_between(source, target)
        if move is None:
            raise ValidationError(MSG_NOT_ALLOWED % {"from": self.label(source),
                                                     "to": self.label(target)},
                                  code="transition")
        if capacity is not None and move.by and capacity not in move.by:
            raise ValidationError(MSG_NOT_YOUR_MOVE, code="capacity")
        if move.needs_reason(capacity) and not (reason or "").strip():
            raise ValidationError({"reason": MSG_REASON_REQUIRED})
        problem = move.problem(obj, context)
        if problem:
            raise ValidationError(problem, code="guard")
        return move

    # --- the diagram --------------------------------------------------------------
    def mermaid(self) -> str:
        """A Mermaid state diagram of the declaration (English labels)."""
        from django.utils import translation

        def node(state) -> str:
            return str(state)

        lines = ["stateDiagram-v2"]
        with translation.override("en"):
            for state in self.states:
                lines.append(f"    {node(state)} : {state.label}")
            for state in self.initial:
                lines.append(f"    [*] --> {node(state)}")
            for move in self.moves:
                text = str(move.label) if move.label else ""
                notes = []
                if move.guard is not None:
                    notes.append("guarded")
                if move.reason or move.reason_from:
                    notes.append("reason")
                if notes:
                    text = f"{text} ({', '.join(notes)})" if text else ", ".join(notes)
                text = text.replace(":", " ").strip()
                suffix = f" : {text}" if text else ""
                lines.append(f"    {node(move.source)} --> {node(move.target)}{suffix}")
            for state in self.final:
                lines.append(f"    {node(state)} --> [*]")
        return "\n".join(lines)


_REGISTRY: dict[str, Workflow[Any]] = {}
WorkflowT = TypeVar("WorkflowT", bound=Workflow[Any])


def register(workflow: WorkflowT) -> WorkflowT:
    """Make a workflow known to the diagrams and the tests (call it at import
    of the module that declares it; importing twice is harmless)."""
    _REGISTRY[workflow.name] = workflow
    return workflow


def registered() -> list[Workflow[Any]]:
    return sorted(_REGISTRY.values(), key=lambda w: w.name)
