"""Every declared workflow is well formed, and the README draws them as the
code declares them."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from common.statemachine import Move, Workflow, registered


def test_every_programme_declares_its_workflows():
    names = {w.name for w in registered()}
    # The status fields that move (issue 13): applications, offers, review
    # assignments, return cases, plans, monitoring visits, duplicate candidates.
    assert len(names) >= 7, names


@pytest.mark.parametrize("workflow", registered(), ids=lambda w: w.name)
def test_every_state_is_reachable_and_every_guard_resolves(workflow):
    reached = {str(s) for s in workflow.initial}
    assert reached, f"{workflow.name} declares no initial state"
    changed = True
    while changed:
        changed = False
        for move in workflow.moves:
            if str(move.source) in reached and str(move.target) not in reached:
                reached.add(str(move.target))
                changed = True
    assert reached == {str(s) for s in workflow.states.values}
    for move in workflow.moves:
        assert move.guard is None or callable(move.guard_function())
    for state in workflow.final:
        assert not workflow.moves_from(state), f"{state} is final but has moves"


def test_the_readme_draws_the_declared_workflows():
    try:
        call_command("workflow_diagrams", "--check")
    except CommandError as error:  # pragma: no cover - the failure message is the point
        pytest.fail(str(error))


def test_check_refuses_an_undeclared_move_a_missing_reason_and_a_failed_guard():
    from django.core.exceptions import ValidationError
    from django.db import models

    class S(models.TextChoices):
        A = "a", "A"
        B = "b", "B"
        C = "c", "C"

    flow = Workflow("test", model="x", field="state", states=S, initial=[S.A], final=[S.C],
                    moves=[Move(S.A, S.B, by=("staff",)),
                           Move(S.B, S.C, reason=True, guard=lambda obj, ctx: obj or None)])
    assert flow.check(None, S.A, S.B, capacity="staff").target == S.B
    with pytest.raises(ValidationError):
        flow.check(None, S.A, S.C)
    with pytest.raises(ValidationError):
        flow.check(None, S.A, S.B, capacity="applicant")
    with pytest.raises(ValidationError) as missing:
        flow.check(None, S.B, S.C, reason=" ")
    assert "reason" in missing.value.message_dict
    with pytest.raises(ValidationError) as guarded:
        flow.check("not yet", S.B, S.C, reason="because")
    assert guarded.value.messages == ["not yet"]
    assert "a --> b" in flow.mermaid()


def test_problems_lists_what_a_guard_says_or_raises():
    from django.core.exceptions import ValidationError
    from django.db import models

    class S(models.TextChoices):
        A = "a", "A"
        B = "b", "B"

    def raising(obj, ctx):
        raise ValidationError({"field": "typed wrong"})

    said = Move(S.A, S.B, guard=lambda obj, ctx: "not yet")
    assert said.problems(None) == ["not yet"]
    assert Move(S.A, S.B, guard=raising).problems(None) == ["typed wrong"]
    assert Move(S.A, S.B).problems(None) == []
