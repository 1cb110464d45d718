"""Who sees which person of the registry, and which parts of them: the rules,
in one place, used by every registry page, selector, download and admin list.

The registry is shared by two programmes (registry.models.Side), and each
programme's staff see the persons they work with, not the other programme's:

- A superuser and the data protection officer see every person and every
  part of them. The data protection officer reads and changes nothing
  (`may_change` is False for them, whatever other role they hold).
- Each programme says, through registry.programmes (capability SCOPE), which
  persons a user sees through it: the scholarship administrator the persons
  with a scholarship record (an application as applicant); caseworkers and
  supervisors the persons of the return cases they may see (principal and
  case members). A user with roles on both sides sees the union.
- Persons with no record in ANY programme yet (added at intake or by staff,
  before a case or an application exists) are seen by the staff of either
  programme: a person with no programme record shows nothing of either
  programme, so nothing leaks. As soon as one programme holds a record about
  them, only that programme's staff (and the data protection officer) see
  them; the other programme's intake finds out that they exist by an exact
  search only (reintegration.views.intake), never by browsing.
- Everyone else sees nobody (applicants see their own documents through
  `document_list`, nothing else of the registry).

What of a person in scope a user sees:

- The shared part (names, birth, sex, nationalities, residence, contact):
  anyone who sees the person.
- Identity documents: those whose `side` is one of the user's sides
  (`sides_of`); documents of unknown origin (side "") only the data
  protection officer and superusers.
- Consents: those whose purpose belongs to one of the user's sides
  (PURPOSE_SIDE).
- Households: the reintegration side only.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.roles import Role, has_role

from . import programmes
from .models import (
    PURPOSE_SIDE,
    Consent,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    IdentityDocument,
    Person,
    PersonMerge,
    PersonRecords,
    Side,
)

# The roles that reach the registry through a programme, by side.
SIDE_ROLES = {
    Side.SCHOLARSHIP: (Role.SCHOLARSHIP_ADMIN,),
    Side.REINTEGRATION: (Role.CASEWORKER, Role.SUPERVISOR),
}


def reads_everything(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or has_role(user, Role.DPO)))


def may_change(user) -> bool:
    """The data protection officer reads and changes nothing."""
    return bool(user.is_authenticated and not has_role(user, Role.DPO))


def sides_of(user) -> list[str]:
    """The sides whose part of a person `user` sees."""
    if not user.is_authenticated:
        return []
    if reads_everything(user):
        return list(Side.values)
    return [side for side, roles in SIDE_ROLES.items() if has_role(user, *roles)]


def sees_households(user) -> bool:
    return Side.REINTEGRATION in sides_of(user)


def purposes_of(user) -> list[str]:
    """The consent purposes whose consents `user` sees and records."""
    sides = sides_of(user)
    return [purpose for purpose, side in PURPOSE_SIDE.items() if side in sides]


def _no_programme_record() -> QuerySet:
    """The ids of the persons no programme holds a record about (every person
    has a PersonRecords row; a partial index holds these few)."""
    return (PersonRecords.objects.filter(**dict.fromkeys(Side.values, False))
            .order_by().values("person_id"))


def person_condition(user) -> Q:
    """A condition on persons: those `user` may see. Nobody: Q(pk__in=[]).

    Which programmes hold a record about a person is read from PersonRecords,
    not from the programmes' tables. Two shapes, for the two kinds of scope:
    - a user who sees a few persons (a caseworker: the ~500 of their cases'
      among 120,000) gets one set of ids, the UNION of the persons with no
      record (a partial index) and the ids the side's scope hook gives. As an
      OR of conditions, the database walked every person in the list's order
      to test each one (150 ms for a caseworker's persons list);
    - a user who sees every person a side holds (programmes.ALL: most
      persons) gets a condition on each person's PersonRecords row, tested
      while the list's order is walked, since nearly every row is kept."""
    nobody = Q(pk__in=[])
    if not user.is_authenticated or not user.is_active:
        return nobody
    if reads_everything(user):
        return Q(pk__isnull=False)
    sides = sides_of(user)
    if not sides:
        return nobody
    every, some = [], []  # the sides whose every person the user sees; id sets
    for side in sides:
        fn = programmes.hook(side, programmes.SCOPE)
        ids = fn(user) if fn is not None else None
        if ids is programmes.ALL:
            every.append(side)
        elif ids is not None:
            some.append(ids)
    if not every:
        return Q(pk__in=_no_programme_record().union(*some))
    # Most persons, read on the person's own PersonRecords row (one join):
    # the list's order is walked and nearly every row is kept.
    condition = Q(**{f"programme_records__{side}": False for side in Side.values})
    for side in every:
        condition |= Q(**{f"programme_records__{side}": True})
    if some:
        condition |= Q(pk__in=some[0].union(*some[1:]))
    return condition


def person_scope(user, queryset: QuerySet | None = None) -> QuerySet:
    """The persons `user` may see (merged records included)."""
    queryset = Person.objects.all() if queryset is None else queryset
    return queryset.filter(person_condition(user))


def _reroot(user, path: str) -> Q:
    """The person condition, on the person reached through `path`."""
    if reads_everything(user):
        return Q(pk__isnull=False)
    return Q(**{f"{path}__in": person_scope(user).values("pk")})


def document_condition(user) -> Q:
    """A condition on identity documents: the side's, of a person in scope."""
    if reads_everything(user):
        return Q(pk__isnull=False)
    sides = sides_of(user)
    if not sides:
        return Q(pk__in=[])
    return Q(side__in=sides) & _reroot(user, "person")


def documents_visible(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = IdentityDocument.objects.all() if queryset is None else queryset
    return queryset.filter(document_condition(user))


def consent_condition(user) -> Q:
    if reads_everything(user):
        return Q(pk__isnull=False)
    purposes = purposes_of(user)
    if not purposes:
        return Q(pk__in=[])
    return Q(purpose__in=purposes) & _reroot(user, "person")


def consents_visible(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Consent.objects.all() if queryset is None else queryset
    return queryset.filter(consent_condition(user))


def households_visible(user, queryset: QuerySet | None = None) -> QuerySet:
    """Households whose principal is in scope, for the reintegration side."""
    queryset = Household.objects.all() if queryset is None else queryset
    if reads_everything(user):
        return queryset
    if not sees_households(user):
        return queryset.none()
    return queryset.filter(_reroot(user, "principal"))


def household_members_visible(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = HouseholdMember.objects.all() if queryset is None else queryset
    if reads_everything(user):
        return queryset
    if not sees_households(user):
        return queryset.none()
    return queryset.filter(household__in=households_visible(user).values("pk"))


def duplicates_visible(user, queryset: QuerySet | None = None) -> QuerySet:
    """Pairs whose two persons are both in scope."""
    queryset = DuplicateCandidate.objects.all() if queryset is None else queryset
    if reads_everything(user):
        return queryset
    scope = person_scope(user).values("pk")
    return queryset.filter(person_a__in=scope, person_b__in=scope)


def merges_visible(user, queryset: QuerySet | None = None) -> QuerySet:
    """Merges whose kept record is in scope (the merged one follows it)."""
    queryset = PersonMerge.objects.all() if queryset is None else queryset
    if reads_everything(user):
        return queryset
    return queryset.filter(_reroot(user, "survivor"))


def person_in_scope(user, person_id) -> bool:
    return person_scope(user, Person.objects.filter(pk=person_id)).exists()


def in_scope_annotation(user) -> Exists:
    """An annotation on persons: True where `user` may see the person."""
    return Exists(person_scope(user, Person.objects.filter(pk=OuterRef("pk"))))
