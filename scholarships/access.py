"""Who may see and change what in the scholarship programme: the rules, in
one place, asked by the selectors (every list, page, export and download),
the services (every write), the views and the administration.

- A scholarship administrator (or a superuser) runs the programme: sees every
  application, call, review, offer and the ranking, and decides (eligibility,
  reviewers, the committee, offers, follow-up). `is_administrator` is that
  test, the only one.
- The data protection officer reads what the administrators read and changes
  nothing.
- An applicant sees their own applications and the offers made to them, and
  makes the applicant's moves on them. An administrator who is also the
  applicant acts only as the applicant: nobody decides on their own
  application (`actor_capacity`).
- A reviewer sees only the reviews assigned to them (not cancelled). Before
  declaring that they have no conflict of interest, they see only what they
  need to spot one: the applicant's name, nationality, the call, the host
  institution and the referees' names; the application itself (the
  submitted answers, documents and reference letters) opens once they declare
  none (`reviewer_sees_application`). The other reviewers' reviews, without
  names, only once they have submitted their own (`reviewer_sees_other_reviews`).
- The automatic moves (the lapse sweep, a reserve candidate promoted, a
  review closed by its last score) act as SYSTEM.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.decorators import role_required
from accounts.roles import Role, has_role

from .models import Application, ReviewAssignment
from .states import Actor, ReviewStatus


class _System:
    """The actor of the automatic moves (the lapse sweep, a reserve candidate
    promoted, a review closed when its last score comes in). Recorded as no
    user on the audit row."""

    pk = None
    is_authenticated = False
    is_superuser = False

    def __repr__(self):
        return "SYSTEM"


SYSTEM = _System()

# The roles that open the staff pages on applications (reading).
STAFF_ROLES = (Role.SCHOLARSHIP_ADMIN, Role.DPO)


# The doors of the staff pages (login, then 403 for the wrong role; superusers
# pass): reading, deciding, reviewing. What a page shows is then asked of the
# functions below, row by row.
staff_required = role_required(*STAFF_ROLES)
administrator_required = role_required(Role.SCHOLARSHIP_ADMIN)
reviewer_required = role_required(Role.REVIEWER)


def _authenticated(user) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def is_administrator(user) -> bool:
    """A scholarship administrator or a superuser: who decides and changes."""
    return _authenticated(user) and (user.is_superuser
                                     or has_role(user, Role.SCHOLARSHIP_ADMIN))


def is_scholarship_staff(user) -> bool:
    """The staff pages on applications, calls, offers and the ranking (read):
    scholarship administrators, superusers and the data protection officer."""
    return _authenticated(user) and (user.is_superuser or has_role(user, *STAFF_ROLES))


def office() -> QuerySet:
    """The scholarship administrators the office's e-mails go to: every active
    user with the role and an address (superusers administer the system and
    are not written to)."""
    return (get_user_model().objects.filter(groups__name=Role.SCHOLARSHIP_ADMIN, is_active=True)
            .exclude(email="").order_by("pk"))


# --- applications ------------------------------------------------------------------------

def may_see_application(user, application: Application) -> bool:
    """Staff of the programme, the data protection officer, or the applicant."""
    if not _authenticated(user):
        return False
    return is_scholarship_staff(user) or application.applicant.user_id == user.pk


def actor_capacity(actor, application: Application) -> str | None:
    """In which capacity this actor may act on this application, if any. An
    administrator who is also the applicant acts only as the applicant: nobody
    decides on their own application."""
    if actor is SYSTEM:
        return Actor.SYSTEM
    if not _authenticated(actor):
        return None
    if application.applicant.user_id == actor.pk:
        return Actor.APPLICANT
    if is_administrator(actor):
        return Actor.ADMINISTRATOR
    return None


# --- calls, the ranking and offers -----------------------------------------------------
# Read by the staff (staff_required, is_scholarship_staff); an offer also by
# the applicant it was made to (selectors.offer_for_applicant).

def may_decide(user) -> bool:
    """Record the committee's decisions, assign reviewers, make offers, change
    a call: the administrators."""
    return is_administrator(user)


# --- reviews ---------------------------------------------------------------------------------

def reviews_of(user) -> QuerySet:
    """The review assignments `user` may open: their own, not cancelled.
    Another reviewer's number tells nothing, not even that it exists."""
    if not _authenticated(user):
        return ReviewAssignment.objects.none()
    return ReviewAssignment.objects.filter(reviewer=user).exclude(
        status=ReviewStatus.CANCELLED)


def reviewer_sees_application(assignment) -> bool:
    """The submitted answers, documents and reference letters open to the
    reviewer once they have declared no conflict of interest (to score, or
    submitted); before, or after declaring a conflict, only what spots one."""
    return assignment.status in (ReviewStatus.TO_SCORE, ReviewStatus.SUBMITTED)


def reviewer_sees_other_reviews(assignment) -> bool:
    """No peeking: the other reviews only once this reviewer submitted theirs."""
    return assignment.status == ReviewStatus.SUBMITTED
