"""Whose figures a user sees in the reintegration report.

- The data protection officer (and superusers): every case, in aggregate.
- A supervisor: the cases of the caseworkers of the teams they supervise.
- Partner organisation staff: the cases their organisation delivers, in
  aggregate (small counts suppressed) and without the vulnerabilities, which
  are special category data partners have no right to.
- Caseworkers: no report. Their own caseload is a few dozen people they know
  by name, where every figure points at someone; what they need is their case
  list, which they have. (Their supervisor reports on the team.)
"""

from django.db.models import Q, QuerySet

from accounts.roles import Role, has_role

from ..models import Case, PartnerDesk, Team

ROLES = (Role.SUPERVISOR, Role.DPO, Role.PARTNER)


def may_see_report(user) -> bool:
    return bool(user and user.is_authenticated and (
        user.is_superuser or has_role(user, *ROLES)))


def reads_everything(user) -> bool:
    return user.is_superuser or has_role(user, Role.DPO)


def may_see_vulnerabilities(user) -> bool:
    return reads_everything(user) or has_role(user, Role.SUPERVISOR)


def case_condition(user, prefix: str = "") -> Q:
    """A filter on Case (or on a model reaching it through `prefix`, e.g.
    "plan__case__") for the cases whose figures the user sees."""
    if reads_everything(user):
        return Q()
    condition = Q(pk__in=[])
    if has_role(user, Role.SUPERVISOR):
        team_workers = Team.caseworkers.through.objects.filter(
            team__supervisor=user).values("user_id")
        condition |= Q(**{f"{prefix}caseworker_id__in": team_workers})
    if has_role(user, Role.PARTNER):
        desks = PartnerDesk.staff.through.objects.filter(user_id=user.pk).values(
            "partnerdesk__organisation_id")
        condition |= Q(**{f"{prefix}partner_id__in": desks})
    return condition


def cases(user) -> QuerySet:
    return Case.objects.filter(case_condition(user)).order_by()
