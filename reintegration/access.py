"""Who may see and change which return case: the rules, in one place, used by
the selectors (every list, page, export and download), the services (every
write) and the administration.

- A caseworker sees the cases assigned to them.
- A supervisor sees those and the cases of the caseworkers in their teams.
- The data protection officer reads every case and changes nothing.
- A superuser administers the system (teams, ceilings, the survey) and may
  read cases, but is not given the special category data.
- The staff of a partner organisation (its partner desk) see, on their own
  pages only, the cases their organisation delivers for once a plan is agreed:
  the returnee's name and contact, the approved budget lines and the
  deliveries; and record the assistance they deliver. Nothing else of the
  case (no notes, documents, household, vulnerabilities or visits). And only
  while the returnee's consent to share with that organisation is on record
  (registry.models.Consent, purpose PARTNER_SHARING, naming the partner, not
  withdrawn): without it, or from the moment it is withdrawn, the case is not
  found.

Special category data (vulnerabilities, confidential notes, and what follows
from them, such as the ceiling raised by a vulnerability) is for the case's
caseworker, their supervisor and the data protection officer only."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.roles import Role, has_role
from registry.models import Consent

from .models import Case, PartnerDesk, Team
from .workflow import State

CASE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)


def _team_caseworker_ids(user):
    """The caseworkers of the teams `user` supervises, as a subquery."""
    return Team.caseworkers.through.objects.filter(team__supervisor=user).values("user_id")


def _assigned_or_team(user) -> Q:
    condition = Q(caseworker=user)
    if has_role(user, Role.SUPERVISOR):
        condition |= Q(caseworker_id__in=_team_caseworker_ids(user))
    return condition


def reads_all_cases(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, Role.DPO))


def visible_cases(user, queryset: QuerySet | None = None) -> QuerySet:
    """The cases `user` may see at all."""
    queryset = Case.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if reads_all_cases(user):
        return queryset
    if not has_role(user, *CASE_ROLES):
        return queryset.none()
    return queryset.filter(_assigned_or_team(user))


def special_category_condition(user, prefix: str = "") -> Q:
    """A condition on cases (reached through `prefix`, e.g. "case__") that
    holds where `user` may see the special category data. Never true for a
    user without the right, so it can gate an annotation row by row."""
    nothing = Q(pk__in=[])
    if not user.is_authenticated:
        return nothing
    if has_role(user, Role.DPO):
        # Every row (an empty Q() would vanish when combined with |).
        return Q(**{f"{prefix}pk__isnull": False})
    if not has_role(user, *CASE_ROLES):
        return nothing
    condition = _assigned_or_team(user)
    if not prefix:
        return condition
    # Re-root the condition on the related case.
    return Q(**{f"{prefix}in": Case.objects.filter(condition).values("pk")})


def may_have_special_rights(user) -> bool:
    """Whether `user` could see special category data on some case: decides
    whether an export has the column at all."""
    return user.is_authenticated and has_role(user, Role.DPO, *CASE_ROLES)


def supervises(user, case: Case) -> bool:
    """The user supervises a team the case's caseworker belongs to."""
    return has_role(user, Role.SUPERVISOR) and Team.objects.filter(
        supervisor=user, caseworkers=case.caseworker_id).exists()


@dataclass(frozen=True)
class CaseRights:
    """What one user may do on one case, computed once per request."""

    see: bool = False
    work: bool = False
    special: bool = False
    supervise: bool = False
    # May give the case to a caseworker: its supervisor, or a supervisor who
    # holds the case himself (from before reassigning to oneself was refused).
    reassign: bool = False

    @property
    def approve(self) -> bool:
        """May approve plans on this case, before the four-eyes check on the
        person (services.plans.plan_approve refuses the case's own
        caseworker and the plan's author)."""
        return self.supervise and self.work


def case_rights(user, case: Case) -> CaseRights:
    """At most one query (the team check), whatever the user."""
    if not user.is_authenticated:
        return CaseRights()
    is_dpo = has_role(user, Role.DPO)
    case_role = has_role(user, *CASE_ROLES)
    assigned = case_role and case.caseworker_id == user.pk
    supervisor = case_role and supervises(user, case)
    involved = assigned or supervisor
    return CaseRights(
        see=involved or reads_all_cases(user),
        # The data protection officer reads everything and changes nothing,
        # whatever other role they also hold.
        work=involved and not is_dpo,
        special=involved or is_dpo,
        supervise=supervisor and not is_dpo,
        reassign=not is_dpo and user.has_perm("reintegration.reassign_case") and (
            supervisor or (assigned and holds_as_supervisor(user, case))),
    )


def holds_as_supervisor(user, case: Case) -> bool:
    """The case's caseworker is a supervisor of a team (one query): a case
    he must give to a caseworker of the team, since he approves its plan."""
    return (case.caseworker_id == user.pk and has_role(user, Role.SUPERVISOR)
            and Team.objects.filter(supervisor=user).exists())


def may_reassign(user, case: Case) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or case_rights(user, case).reassign))


# --- partner organisations -----------------------------------------------------------

# The cases a partner's staff see: a plan is agreed, until monitoring ends.
PARTNER_STATES = (State.PLAN_AGREED, State.ASSISTANCE_IN_PROGRESS, State.MONITORING)
# The states in which they record deliveries.
PARTNER_DELIVERS = (State.PLAN_AGREED, State.ASSISTANCE_IN_PROGRESS)


def _desk_organisations(user):
    """The organisations whose partner desk `user` belongs to, as a subquery."""
    return PartnerDesk.staff.through.objects.filter(user_id=user.pk).values(
        "partnerdesk__organisation_id")


def sharing_consents() -> QuerySet:
    """The consents to share with a named partner that are in force."""
    return Consent.objects.filter(purpose=Consent.Purpose.PARTNER_SHARING,
                                  withdrawn_at__isnull=True)


def shared_with_partner() -> Exists:
    """A condition on cases: the principal returnee's consent to share with
    the case's partner organisation is in force (given, naming that very
    organisation, not withdrawn)."""
    return Exists(sharing_consents().filter(person_id=OuterRef("principal_id"),
                                            partner_id=OuterRef("partner_id")))


def partner_may_see(case: Case) -> bool:
    """The case's partner organisation may see it as far as consent goes (one
    query; False without a partner)."""
    return case.partner_id is not None and sharing_consents().filter(
        person_id=case.principal_id, partner_id=case.partner_id).exists()


def partner_cases(user, queryset: QuerySet | None = None) -> QuerySet:
    """The cases `user` sees as the staff of a partner organisation: those of
    their organisation, in a state it works on, whose returnee consented to
    the sharing with it."""
    queryset = Case.objects.all() if queryset is None else queryset
    if not (user.is_authenticated and user.is_active and has_role(user, Role.PARTNER)):
        return queryset.none()
    return queryset.filter(shared_with_partner(), partner_id__in=_desk_organisations(user),
                           state__in=PARTNER_STATES)


def partner_delivers(user, case: Case) -> bool:
    """`user`, staff of the case's partner organisation, may record a delivery
    on it now, the returnee's consent to share with it in force (one query)."""
    return (case.state in PARTNER_DELIVERS and case.partner_id is not None
            and partner_cases(user, Case.objects.filter(pk=case.pk)).exists())
