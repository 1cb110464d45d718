"""See the package docstring: the persons a user sees in the registry through
this programme (registry.access combines the programmes)."""

from django.db.models import QuerySet

from registry import programmes
from registry.models import Person, Side


def person_ids(user) -> QuerySet | None:
    """The persons of the return cases `user` may see (principal and case
    members), as a subquery of person ids, for caseworkers and supervisors;
    None for a user without either role. `user=None`: every person this
    programme holds a record about (registry.access tells persons with no
    record at all)."""
    from accounts.roles import has_role

    from ..access import CASE_ROLES, visible_cases
    from ..models import Case, CaseMember

    if user is None:
        cases = Case.objects.all()
    elif user.is_authenticated and has_role(user, *CASE_ROLES):
        cases = visible_cases(user)
    else:
        return None
    case_ids = cases.order_by().values("pk")
    principals = Case.objects.filter(pk__in=case_ids).order_by().values("principal_id")
    members = CaseMember.objects.filter(case__in=case_ids).order_by().values("person_id")
    # One IN over a UNION: the database reads the few ids, then those persons
    # (an OR of two INs had it test every person).
    return Person.objects.filter(pk__in=principals.union(members)).order_by().values("pk")


def register() -> None:
    programmes.register(Side.REINTEGRATION, programmes.SCOPE, person_ids)
