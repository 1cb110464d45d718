"""The registry's read paths: who may see what, and what a page needs."""

from django.db.models import QuerySet

from .models import DuplicateCandidate, Person
from .names import fold


def duplicate_queue_size() -> int:
    return DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN).count()


def person_search(queryset: QuerySet, query: str) -> QuerySet:
    """Match a reference (P-000123), or every folded word of the query."""
    query = (query or "").strip()
    if not query:
        return queryset
    upper = query.upper()
    if upper.startswith("P-") and upper[2:].isdigit():
        return queryset.filter(pk=int(upper[2:]))
    for word in fold(query).split():
        queryset = queryset.filter(search_key__contains=word)
    return queryset


def person_list(*, user, query: str = "") -> QuerySet:
    """Persons a staff user may see, without merged-away records."""
    if not user.has_perm("registry.view_person"):
        return Person.objects.none()
    queryset = Person.objects.filter(merged_into__isnull=True)
    return person_search(queryset, query)
