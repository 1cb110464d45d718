"""See the package docstring: the persons a user sees in the registry through
this programme (registry.access combines the programmes)."""

from django.db.models import QuerySet

from registry import programmes
from registry.models import Side


def person_ids(user) -> QuerySet | str | None:
    """The persons with a scholarship record (an application as applicant),
    as a subquery of person ids, for a scholarship administrator; None for a
    user without the role. `user=None`: every person this programme holds a
    record about (registry.access tells persons with no record at all)."""
    from accounts.roles import Role, has_role

    from ..models import Application

    if user is not None and not (user.is_authenticated
                                 and has_role(user, Role.SCHOLARSHIP_ADMIN)):
        return None
    if user is not None:
        return programmes.ALL  # every applicant: registry.models.PersonSide knows them
    return Application.objects.order_by().values("applicant_id")


def register() -> None:
    programmes.register(Side.SCHOLARSHIP, programmes.SCOPE, person_ids)
