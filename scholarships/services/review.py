"""Review: assigning reviewers (by hand or automatically), the reviewer's
declaration of a conflict of interest, and the scores."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.roles import Role, has_role
from common.types import Text

from ..access import SYSTEM, actor_capacity
from ..guards import MSG_GUARD_REVIEW_CLOSED, review_open
from ..models import (
    Application,
    Criterion,
    ReviewAssignment,
    ReviewerProfile,
    ReviewScore,
    ReviewTransition,
)
from ..notify import review_assignment_notify
from ..selectors import review_summary, reviewer_candidates
from ..states import REVIEWABLE, Actor, ReviewStatus, State
from ..workflow import REVIEW, REVIEWER, Context
from .applications import _locked, application_transition

MSG_REVIEW_ADMIN_ONLY = _("Only a scholarship administrator may do this.")
MSG_NOT_REVIEWABLE = _("Reviewers are assigned to eligible applications and applications in "
                       "review only; this one is “%(state)s”.")
MSG_NOT_A_REVIEWER = _("%(user)s is not an active reviewer: give them the reviewer role and an "
                       "active reviewer profile first.")
MSG_SAME_COUNTRY = _("%(reviewer)s is from %(country)s, as the applicant is: choose another "
                     "reviewer.")
MSG_SAME_INSTITUTION = _("%(reviewer)s works at %(institution)s, the applicant's host "
                         "institution: choose another reviewer.")
MSG_REVIEWER_IS_APPLICANT = _("Nobody reviews their own application.")
MSG_ALREADY_ASKED = _("%(reviewer)s was already asked to review this application.")
MSG_NOT_YOUR_ASSIGNMENT = _("This review is not assigned to you.")
MSG_ALREADY_DECLARED = _("You already declared whether you have a conflict of interest.")
MSG_CONFLICT_NOTE = _("Say in a few words what the conflict of interest is.")
MSG_NOT_TO_SCORE = _("This review cannot be scored: declare first that you have no conflict "
                     "of interest; a submitted review cannot change.")
MSG_SCORE_MISSING = _("Score every criterion.")
MSG_SCORE_RANGE = _("Give a score from 0 to %(max)s.")
MSG_COMMENT_REQUIRED = _("Explain your scores in a comment.")
MSG_REVIEW_CLOSED = MSG_GUARD_REVIEW_CLOSED
MSG_NOT_CANCELLABLE = _("Only a review not yet submitted can be cancelled.")
MSG_WITHDRAWN = _("The application was withdrawn.")


def _require_admin(actor, application: Application) -> None:
    if actor is SYSTEM:
        return
    if actor_capacity(actor, application) != Actor.ADMINISTRATOR:
        raise ValidationError(MSG_REVIEW_ADMIN_ONLY, code="not_permitted")


def reviewer_problem(application: Application, reviewer) -> Text | None:
    """Why this user may not review this application, or None."""
    profile = ReviewerProfile.objects.filter(user=reviewer).first()
    name = reviewer.get_full_name() or reviewer.get_username()
    if (profile is None or not profile.is_active or not reviewer.is_active
            or not has_role(reviewer, Role.REVIEWER)):
        return MSG_NOT_A_REVIEWER % {"user": name}
    if application.applicant.user_id == reviewer.pk:
        return MSG_REVIEWER_IS_APPLICANT
    if profile.country and profile.country.code in {c.code for c in
                                                    application.applicant.nationalities}:
        return MSG_SAME_COUNTRY % {"reviewer": name, "country": profile.country.name}
    if profile.institution_id and profile.institution_id == application.host_institution_id:
        return MSG_SAME_INSTITUTION % {"reviewer": name, "institution": profile.institution}
    if ReviewAssignment.objects.filter(application=application, reviewer=reviewer).exists():
        return MSG_ALREADY_ASKED % {"reviewer": name}
    return None


def _assign(*, actor, application: Application, reviewer) -> ReviewAssignment:
    assignment = ReviewAssignment.objects.create(
        application=application, reviewer=reviewer,
        assigned_by=None if actor is SYSTEM else actor,
    )
    transaction.on_commit(lambda: review_assignment_notify.delay(assignment.pk))
    return assignment


def _start_review_if_ready(*, actor, application: Application) -> None:
    """An eligible application goes into review once it has its reviewers."""
    if application.state != State.ELIGIBLE:
        return
    summary = review_summary(application)
    if summary.live >= summary.needed:
        application_transition(actor=actor, application=application, to=State.IN_REVIEW)


@transaction.atomic
def review_assign(*, actor, application: Application, reviewer) -> ReviewAssignment:
    """Assign one reviewer by hand. The same rules as automatic assignment:
    nobody reviews an applicant of their own country, or going to their own
    institution."""
    application = _locked(application)
    _require_admin(actor, application)
    if application.state not in REVIEWABLE:
        raise ValidationError(MSG_NOT_REVIEWABLE % {"state": State(application.state).label},
                              code="state")
    problem = reviewer_problem(application, reviewer)
    if problem:
        raise ValidationError(problem, code="reviewer")
    assignment = _assign(actor=actor, application=application, reviewer=reviewer)
    _start_review_if_ready(actor=actor, application=application)
    return assignment


@transaction.atomic
def reviewers_assign_automatically(*, actor, application: Application) -> list[ReviewAssignment]:
    """Fill the application's missing reviewers, least loaded reviewers first
    (load: assignments still to declare or to score), skipping those from the
    applicant's country or host institution. Returns the new assignments,
    fewer than missing when not enough reviewers are free."""
    application = _locked(application)
    _require_admin(actor, application)
    if application.state not in REVIEWABLE:
        raise ValidationError(MSG_NOT_REVIEWABLE % {"state": State(application.state).label},
                              code="state")
    summary = review_summary(application)
    missing = summary.needed - summary.live
    if missing <= 0:
        return []
    created = [_assign(actor=actor, application=application, reviewer=profile.user)
               for profile in reviewer_candidates(application)[:missing]]
    _start_review_if_ready(actor=actor, application=application)
    return created


def review_transition(*, actor, assignment: ReviewAssignment, to: str, capacity: str,
                      reason: str = "", now=None, fields: tuple[str, ...] = ()
                      ) -> ReviewAssignment:
    """Move a locked assignment to `to` if workflow.REVIEW declares the move for
    `capacity` (the one the calling service established: the reviewer, an
    administrator or the system), with its reason and guard; record who, when,
    from, to and why. `fields` are saved with the status."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    REVIEW.check(assignment, assignment.status, to, capacity=capacity, reason=reason,
                 context=Context(capacity=capacity, now=now))
    ReviewTransition.objects.create(assignment=assignment, from_status=assignment.status,
                                    to_status=to, actor=None if actor is SYSTEM else actor,
                                    at=now, reason=reason)
    counted = ReviewStatus.SUBMITTED in (assignment.status, to)
    assignment.status = to
    assignment.save(update_fields=["status", *fields])
    if counted:
        scores_refresh(Application.objects.filter(pk=assignment.application_id))
    return assignment


def scores_refresh(applications: QuerySet) -> int:
    """Store on each application the mean of its submitted reviews' totals
    (Application.review_score, the ranking's order), computed by the database
    in one statement; None without a submitted review."""
    mean = (ReviewAssignment.objects
            .filter(application=OuterRef("pk"), status=ReviewStatus.SUBMITTED)
            .order_by().values("application").annotate(mean=Avg("total")).values("mean"))
    return applications.order_by().update(review_score=Subquery(mean))


MSG_REVIEWERS_FOUND = ngettext_lazy("%(live)d of %(needed)d reviewer found.",
                                    "%(live)d of %(needed)d reviewers found.", "needed")


@dataclass
class AssignedMany:
    """What reviewers_assign_many did: the applications with all their
    reviewers, those still short of some (with how many were found), and
    those refused (with why)."""

    complete: list = field(default_factory=list)
    short: list = field(default_factory=list)
    refused: list = field(default_factory=list)


def reviewers_assign_many(*, actor, applications) -> AssignedMany:
    """Fill the missing reviewers of each application (the ranking page's
    button, the admin's bulk action), each in its own transaction through
    reviewers_assign_automatically."""
    result = AssignedMany()
    for application in applications:
        try:
            reviewers_assign_automatically(actor=actor, application=application)
        except ValidationError as error:
            result.refused.append((application, " ".join(error.messages)))
            continue
        summary = review_summary(application)
        if summary.live < summary.needed:
            result.short.append((application, str(MSG_REVIEWERS_FOUND % {
                "live": summary.live, "needed": summary.needed})))
        else:
            result.complete.append(application)
    return result


def _locked_assignment(assignment: ReviewAssignment) -> ReviewAssignment:
    """The assignment locked after its application (the lock order in
    services/__init__.py: a withdrawal locks the application, then cancels
    its reviews), both read again once locked: every state checked after
    this, the application's included, is the one the locks protect. An
    assignment's application never changes, so its id may be read first."""
    application = _locked(assignment.application_id)
    ReviewAssignment.objects.select_for_update().filter(pk=assignment.pk).values_list("pk").get()
    locked = ReviewAssignment.objects.select_related("reviewer").get(pk=assignment.pk)
    locked.application = application
    return locked


@transaction.atomic
def review_declare(*, actor, assignment: ReviewAssignment, conflict: bool,
                   note: str = "") -> ReviewAssignment:
    """The reviewer says whether they have a conflict of interest. No conflict
    opens the application to them; a conflict returns it for reassignment,
    tried automatically at once."""
    assignment = _locked_assignment(assignment)
    if assignment.reviewer_id != getattr(actor, "pk", None):
        raise ValidationError(MSG_NOT_YOUR_ASSIGNMENT, code="not_yours")
    if assignment.status != ReviewAssignment.Status.TO_DECLARE:
        raise ValidationError(MSG_ALREADY_DECLARED, code="declared")
    note = (note or "").strip()
    if conflict and not note:
        raise ValidationError(MSG_CONFLICT_NOTE, code="note")
    now = timezone.now()
    assignment.declared_at = now
    assignment.conflict_note = note if conflict else ""
    review_transition(actor=actor, assignment=assignment, capacity=REVIEWER,
                      to=ReviewStatus.CONFLICT if conflict else ReviewStatus.TO_SCORE,
                      reason=assignment.conflict_note, now=now,
                      fields=("declared_at", "conflict_note"))
    if conflict and assignment.application.state in REVIEWABLE:
        reviewers_assign_automatically(actor=SYSTEM, application=assignment.application)
    return assignment


def review_total(scores: dict[Criterion, int]) -> Decimal:
    """The weighted mean of the scores, each brought to 100 by its criterion's
    scale: sum(weight * score / scale) / sum(weight) * 100."""
    weights = sum((c.weight for c in scores), Decimal(0))
    points = sum((c.weight * Decimal(score) / Decimal(c.scale_max)
                  for c, score in scores.items()), Decimal(0))
    return (points / weights * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def review_submit(*, actor, assignment: ReviewAssignment, scores: dict[int, int],
                  comment: str, criterion_comments: dict[int, str] | None = None
                  ) -> ReviewAssignment:
    """The reviewer's scores (criterion id -> score), with an optional comment
    per criterion (criterion id -> text), and the review's comment, final once
    submitted. The last review closes the review (the application is ranked),
    unless the reviewers disagree by more than the threshold: then a third
    reviewer is assigned automatically when one is free."""
    assignment = _locked_assignment(assignment)
    if assignment.reviewer_id != getattr(actor, "pk", None):
        raise ValidationError(MSG_NOT_YOUR_ASSIGNMENT, code="not_yours")
    if assignment.status != ReviewAssignment.Status.TO_SCORE:
        raise ValidationError(MSG_NOT_TO_SCORE, code="status")
    application = assignment.application
    closed = review_open(assignment, None)
    if closed:
        raise ValidationError(closed, code="closed")
    criteria = list(Criterion.objects.filter(call_id=application.call_id))
    errors: dict[str, Text] = {}  # by criterion id, for the form
    given = {}
    for criterion in criteria:
        score = scores.get(criterion.pk)
        if score is None:
            errors[str(criterion.pk)] = MSG_SCORE_MISSING
        elif not 0 <= int(score) <= criterion.scale_max:
            errors[str(criterion.pk)] = MSG_SCORE_RANGE % {"max": criterion.scale_max}
        else:
            given[criterion] = int(score)
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = MSG_COMMENT_REQUIRED
    if errors or not criteria:
        raise ValidationError(errors or {"__all__": [MSG_SCORE_MISSING]})
    criterion_comments = criterion_comments or {}
    ReviewScore.objects.bulk_create([
        ReviewScore(assignment=assignment, criterion=criterion, score=score,
                    comment=(criterion_comments.get(criterion.pk) or "").strip())
        for criterion, score in given.items()
    ])
    assignment.total = review_total(given)
    assignment.comment = comment
    assignment.submitted_at = timezone.now()
    review_transition(actor=actor, assignment=assignment, capacity=REVIEWER,
                      to=ReviewStatus.SUBMITTED, now=assignment.submitted_at,
                      fields=("total", "comment", "submitted_at"))
    _after_review(application)
    return assignment


def _after_review(application: Application) -> None:
    application = _locked(application)
    summary = review_summary(application)
    if summary.needs_third_review:
        reviewers_assign_automatically(actor=SYSTEM, application=application)
    elif summary.complete and application.state == State.IN_REVIEW:
        application_transition(actor=SYSTEM, application=application, to=State.RANKED)


@transaction.atomic
def review_assignment_cancel(*, actor, assignment: ReviewAssignment) -> ReviewAssignment:
    """An administrator takes a review back from a reviewer who does not
    answer; a submitted review stays."""
    assignment = _locked_assignment(assignment)
    _require_admin(actor, assignment.application)
    if assignment.status not in (ReviewAssignment.Status.TO_DECLARE,
                                 ReviewAssignment.Status.TO_SCORE):
        raise ValidationError(MSG_NOT_CANCELLABLE, code="status")
    assignment.cancelled_at = timezone.now()
    return review_transition(actor=actor, assignment=assignment, to=ReviewStatus.CANCELLED,
                             capacity=Actor.SYSTEM if actor is SYSTEM else Actor.ADMINISTRATOR,
                             now=assignment.cancelled_at, fields=("cancelled_at",))


def assignments_cancel(*, application: Application) -> int:
    """Reviews not yet done stop when the application is withdrawn (the
    caller holds the application's lock)."""
    now = timezone.now()
    pending = list(ReviewAssignment.objects.select_for_update().filter(
        application=application, status__in=(ReviewStatus.TO_DECLARE, ReviewStatus.TO_SCORE),
    ).order_by("pk"))
    for assignment in pending:
        assignment.cancelled_at = now
        review_transition(actor=SYSTEM, assignment=assignment, to=ReviewStatus.CANCELLED,
                          capacity=Actor.SYSTEM, reason=str(MSG_WITHDRAWN), now=now,
                          fields=("cancelled_at",))
    return len(pending)
