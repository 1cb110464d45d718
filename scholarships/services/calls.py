"""Setting up a call: its fields, host institutions, required documents and
review rubric, with their history (who, when, why).

Frozen once reviews are scored
------------------------------
A review's total (ReviewAssignment.total, out of 100) is stored when the
reviewer submits it, from the weights and highest scores of the criteria at
that moment; the ranking averages the stored totals. So from the first
submitted review of a call, the things the totals and the review's
completeness rest on are frozen: the criteria (their weights, highest scores,
and which criteria there are), the reviewers per application and the number
of awards. Changing one then needs a reason, kept in the history; changed
weights or highest scores score every submitted review of the call again in
the same transaction, so the ranking follows at once. (Before the first
submitted review nothing is stored that a change could leave behind.)

A criterion already scored is never removed (its scores would lose their
rubric); a criterion added after scoring is scored by the reviews still to
come, and the submitted totals stay the weighted mean over what their
reviewer scored.

Other rules, whatever the stage:
- the number of awards never goes below the awards already held
  (places.places_used);
- once applications are submitted, the call cannot open after the first of
  them nor close before the last: every submission received stays inside the
  call's dates.

Locks: the academic year's calls (places.lock_places, the first lock of the
scholarships order, see services/__init__), then, to score again, the
applications with a review under way or submitted, then their assignments.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from common import formats
from common.history import set_change_reason

from .. import access
from ..models import (
    Application,
    Call,
    Criterion,
    RequiredDocument,
    ReviewAssignment,
    ReviewScore,
)
from ..places import lock_places, places_used
from ..states import ReviewStatus
from .review import review_total, scores_refresh

__all__ = [
    "FROZEN_CALL_FIELDS",
    "FROZEN_CRITERION_FIELDS",
    "CriterionValues",
    "call_change_problems",
    "call_create",
    "call_is_frozen",
    "call_update",
    "criteria_update",
    "required_documents_set",
    "scored_criteria",
]

# What the submitted reviews rest on: changed only with a reason once scored.
FROZEN_CALL_FIELDS = ("quota", "reviewers_per_application")
# These two change the totals: a change scores the submitted reviews again.
FROZEN_CRITERION_FIELDS = ("weight", "scale_max")
CRITERION_FIELDS = ("name", "description", "weight", "scale_max", "order")

MSG_ADMIN_ONLY = _("Only a scholarship administrator may set up a call.")
MSG_FROZEN_FIELD = _("Reviews of this call are already scored: this changes only with a "
                     "reason, given in “Reason for the change”.")
MSG_FROZEN_CRITERIA = _("Reviews of this call are already scored: the criteria, their weights "
                        "and highest scores change only with a reason, given in “Reason for "
                        "the change”. The submitted reviews are then scored again.")
MSG_REASON_NEEDED = _("Say why: reviews of this call are already scored, and the change is "
                      "kept in the call's history.")
MSG_CRITERION_SCORED = _("Reviewers have scored “%(name)s”: it cannot be removed.")
MSG_QUOTA_BELOW_HELD = ngettext_lazy(
    "%(held)s award of this call is already held: the number of awards cannot be lower.",
    "%(held)s awards of this call are already held: the number of awards cannot be lower.",
    "held")
MSG_CLOSES_BEFORE_SUBMISSION = _("An application was submitted on %(at)s: the call cannot close "
                                 "before that.")
MSG_OPENS_AFTER_SUBMISSION = _("An application was submitted on %(at)s: the call cannot open "
                               "after that.")
REASON_CREATED = "created"


@dataclass(frozen=True)
class CriterionValues:
    """One line of the rubric as the administrator left it: pk None for a new one."""

    pk: int | None
    name: str
    weight: Decimal
    scale_max: int = 5
    order: int = 0
    description: str = ""


# --- reads -------------------------------------------------------------------------------

def call_is_frozen(call: Call) -> bool:
    """Whether a review of the call has been submitted (its total is stored)."""
    if call.pk is None:
        return False
    return ReviewAssignment.objects.filter(application__call_id=call.pk,
                                           status=ReviewStatus.SUBMITTED).exists()


def scored_criteria(call: Call) -> set[int]:
    """The ids of the call's criteria that reviewers have scored."""
    return set(ReviewScore.objects.filter(criterion__call_id=call.pk)
               .values_list("criterion_id", flat=True).distinct())


def call_change_problems(call: Call, changes: Mapping[str, Any], reason: str = ""
                         ) -> dict[str, str]:
    """What is wrong with changing `call` (as stored) by `changes` (field name
    -> new value): field name -> message, empty when the change may be made.
    The key "change_reason" is the reason's own field."""
    problems: dict[str, str] = {}
    if call.pk is None:
        return problems
    frozen = [name for name in FROZEN_CALL_FIELDS if name in changes]
    if frozen and not reason.strip() and call_is_frozen(call):
        problems.update(dict.fromkeys(frozen, str(MSG_FROZEN_FIELD)))
        problems["change_reason"] = str(MSG_REASON_NEEDED)
    if "quota" in changes and changes["quota"] is not None:
        held = places_used(call).call
        if changes["quota"] < held:
            problems["quota"] = str(MSG_QUOTA_BELOW_HELD % {"held": held})
    if {"opens_at", "closes_at"} & set(changes):
        received = (Application.objects.filter(call_id=call.pk, submitted_at__isnull=False)
                    .aggregate(first=Min("submitted_at"), last=Max("submitted_at")))
        opens, closes = changes.get("opens_at"), changes.get("closes_at")
        if received["last"] and closes is not None and closes <= received["last"]:
            problems["closes_at"] = str(MSG_CLOSES_BEFORE_SUBMISSION % {
                "at": formats.moment(received["last"])})
        if received["first"] and opens is not None and opens > received["first"]:
            problems["opens_at"] = str(MSG_OPENS_AFTER_SUBMISSION % {
                "at": formats.moment(received["first"])})
    return problems


# --- writes ------------------------------------------------------------------------------

def _require_admin(actor) -> None:
    if not access.may_decide(actor):
        raise ValidationError(MSG_ADMIN_ONLY, code="not_permitted")


def _recorded(instance, actor, reason: str) -> None:
    """The next history row of `instance` names the actor and the reason."""
    instance._history_user = actor if getattr(actor, "pk", None) else None
    set_change_reason(instance, reason)


@transaction.atomic
def call_create(*, actor, values: Mapping[str, Any], host_institutions: Iterable = ()
                ) -> Call:
    """A new call from its field values (translated fields by their language
    column: title_en, summary_fr...). Its documents and rubric follow through
    required_documents_set and criteria_update."""
    _require_admin(actor)
    call = Call(**values)
    call.full_clean()
    _recorded(call, actor, REASON_CREATED)
    call.save()
    hosts = list(host_institutions)
    if hosts:
        _recorded(call, actor, REASON_CREATED)
        call.host_institutions.set(hosts)
    return call


@transaction.atomic
def call_update(*, actor, call: Call, changes: Mapping[str, Any], reason: str = "") -> Call:
    """Change the call's fields (and "host_institutions", a list) as in
    `changes`; refused (ValidationError by field) when call_change_problems
    says so."""
    _require_admin(actor)
    reason = (reason or "").strip()
    call = lock_places(call.pk)
    problems = call_change_problems(call, changes, reason)
    if problems:
        raise ValidationError(problems)
    hosts = changes.get("host_institutions")
    fields = {name: value for name, value in changes.items() if name != "host_institutions"}
    if fields:
        for name, value in fields.items():
            setattr(call, name, value)
        call.full_clean()
        _recorded(call, actor, reason)
        call.save()
    if hosts is not None and ({h.pk for h in hosts}
                              != set(call.host_institutions.values_list("pk", flat=True))):
        _recorded(call, actor, reason)
        call.host_institutions.set(hosts)
    return call


@transaction.atomic
def required_documents_set(*, actor, call: Call, kinds: Iterable[str], reason: str = ""
                           ) -> None:
    """The documents an applicant uploads for the call: exactly `kinds`."""
    _require_admin(actor)
    call = lock_places(call.pk)
    wanted = set(kinds)
    for document in RequiredDocument.objects.filter(call=call).exclude(kind__in=wanted):
        _recorded(document, actor, reason)
        document.delete()
    have = set(RequiredDocument.objects.filter(call=call).values_list("kind", flat=True))
    for kind in sorted(wanted - have):
        document = RequiredDocument(call=call, kind=kind)
        _recorded(document, actor, reason or REASON_CREATED)
        document.save()


@transaction.atomic
def criteria_update(*, actor, call: Call, criteria: Sequence[CriterionValues],
                    remove: Iterable[int] = (), reason: str = "") -> list[Criterion]:
    """Change, add (pk None) and remove (`remove`, ids) criteria of the call's
    rubric. Once a review of the call is submitted, any change of weight,
    highest score or of the set of criteria needs a reason; a criterion
    scored is never removed. Changed weights or highest scores score every
    submitted review of the call again. Returns the criteria written."""
    _require_admin(actor)
    reason = (reason or "").strip()
    call = lock_places(call.pk)
    current = {c.pk: c for c in Criterion.objects.filter(call=call)}
    remove = {pk for pk in remove if pk in current}
    changed: list[tuple[Criterion, set[str]]] = []
    added: list[Criterion] = []
    for row in criteria:
        if row.pk is None:
            added.append(Criterion(call=call, **{f: getattr(row, f) for f in CRITERION_FIELDS}))
            continue
        criterion = current.get(row.pk)
        if criterion is None or row.pk in remove:
            continue
        fields = {f for f in CRITERION_FIELDS if getattr(criterion, f) != getattr(row, f)}
        if fields:
            for name in fields:
                setattr(criterion, name, getattr(row, name))
            changed.append((criterion, fields))

    rescore = any(fields & set(FROZEN_CRITERION_FIELDS) for _c, fields in changed)
    scored = scored_criteria(call) if remove else set()
    errors = [str(MSG_CRITERION_SCORED % {"name": current[pk].name})
              for pk in sorted(remove & scored)]
    if (rescore or added or remove) and not reason and call_is_frozen(call):
        errors.append(str(MSG_FROZEN_CRITERIA))
    if errors:
        raise ValidationError(errors, code="frozen")

    rows = [*(c for c, _f in changed), *added]
    for criterion in rows:
        criterion.full_clean(exclude=["call"])
    if rescore:
        # The applications first, then their assignments (the scholarships lock
        # order): a review being submitted now either finishes before, and is
        # scored again below, or reads the new weights once it has its lock.
        under_review = ReviewAssignment.objects.filter(
            application__call=call, status__in=(ReviewStatus.TO_SCORE, ReviewStatus.SUBMITTED),
        ).values("application_id")
        list(Application.objects.select_for_update().filter(pk__in=under_review)
             .order_by("pk").values_list("pk", flat=True))
    for pk in sorted(remove):
        _recorded(current[pk], actor, reason)
        current[pk].delete()
    for criterion in rows:
        _recorded(criterion, actor, reason or (REASON_CREATED if criterion.pk is None else ""))
        criterion.save()
    if rescore:
        _score_again(call)
    return rows


def _score_again(call: Call) -> int:
    """Every submitted review of the call scored again from its scores and the
    criteria as they are now (the caller holds the applications' locks)."""
    assignments = list(ReviewAssignment.objects.select_for_update().filter(
        application__call=call, status=ReviewStatus.SUBMITTED).order_by("pk"))
    scores: dict[int, dict[Criterion, int]] = {}
    for score in ReviewScore.objects.filter(assignment__in=assignments).select_related(
            "criterion"):
        scores.setdefault(score.assignment_id, {})[score.criterion] = score.score
    for assignment in assignments:
        if assignment.pk in scores:
            assignment.total = review_total(scores[assignment.pk])
    ReviewAssignment.objects.bulk_update(assignments, ["total"])
    scores_refresh(Application.objects.filter(call=call))
    return len(assignments)
