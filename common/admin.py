"""Admin pieces every app shares: read-only audit records, the search by
readable reference and folded name, and the history admin with a guarded
revert.

They sit below the registry (common imports no other app of the project), so
what only the registry knows reaches them through `history_policy`, which
the registry sets at startup (registry/apps.py): who reads every history (the
data protection officer, superusers) and which versions may not be brought
back (one pointing at a person merged since).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from .text import fold

# "P-000123", "p-123", "H-000004": a readable reference. The dash is required, so
# a passport number such as "P1234567" is searched as a number, not a reference.
REFERENCE = re.compile(r"(?P<prefix>[A-Z])-(?P<number>[0-9]{1,12})", re.ASCII | re.IGNORECASE)


@dataclass
class HistoryPolicy:
    reads_everything: Callable[[object], bool] = lambda user: bool(user.is_superuser)
    revert_refused: Callable[[object], bool] = lambda obj: False


_policy = HistoryPolicy()


def history_policy(*, reads_everything: Callable[[object], bool],
                   revert_refused: Callable[[object], bool]) -> None:
    """Set at startup by the registry (RegistryConfig.ready)."""
    _policy.reads_everything = reads_everything
    _policy.revert_refused = revert_refused


class ReadOnlyAdminMixin:
    """Audit records: shown, never added, changed or deleted from the admin,
    not even by a superuser."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RegistrySearchMixin:
    """Search by readable reference and by folded name.

    A term like "P-000123" finds the person with id 123 (or, in another list,
    the records of that person); the record's own prefix ("H-000004") finds the
    record. Otherwise every word must match: a name of a person concerned, with
    accents, case and order ignored (Person.search_key), or one of
    search_fields (icontains, as Django does).
    """

    reference_prefix = ""
    # Paths from this model to the Person(s) it concerns; "" is the model itself.
    person_paths: tuple[str, ...] = ()
    # True when a path crosses a one-to-many relation, so a row can match twice.
    search_may_have_duplicates = False

    def search_whole_term(self, term: str, request=None) -> Q | None:
        """A condition on the whole term, OR-ed with the word search."""
        return None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        reference = REFERENCE.fullmatch(term)
        if reference:
            prefix, pk = reference["prefix"].upper(), int(reference["number"])
            if prefix == self.reference_prefix:
                return queryset.filter(pk=pk), False
            if prefix == "P" and self.person_paths:
                return queryset.filter(reduce(or_, (
                    Q(**{f"{path}__pk" if path else "pk": pk}) for path in self.person_paths
                ))), self.search_may_have_duplicates
        words = []
        for word in term.split():
            alternatives = [Q(**{f"{field}__icontains": word}) for field in self.search_fields
                            if field != "search_key"]
            parts = fold(word).split()
            if parts and self.person_paths:
                alternatives.append(reduce(and_, (
                    reduce(or_, (Q(**{f"{path}__search_key__contains" if path
                                      else "search_key__contains": part})
                                 for path in self.person_paths))
                    for part in parts
                )))
            if alternatives:
                words.append(reduce(or_, alternatives))
        condition = reduce(and_, words) if words else Q(pk__in=[])
        whole = self.search_whole_term(term, request)
        if whole is not None:
            condition |= whole
        return queryset.filter(condition), self.search_may_have_duplicates


class RegistryHistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin with a guarded "revert".

    simple_history's history form saves on POST for anyone who may *view* the
    record (the form has no fields for them, but save_model still writes the
    old version back), and a revert could bring back a version that points at
    a record merged since. Reverting needs the change permission on the
    current record and is refused where it would undo a merge.
    """

    allow_revert = True

    def _current(self, request, object_id):
        return self.get_object(request, unquote(str(object_id)))

    def may_revert(self, request, obj) -> bool:
        if not self.allow_revert or not self.has_change_permission(request, obj):
            return False
        return not _policy.revert_refused(obj)

    def revert_disabled(self, request, obj=None):
        return (super().revert_disabled(request, obj)
                or obj is None or not self.may_revert(request, obj))

    def _guard_history(self, request, object_id):
        """The history of a record out of the user's scope is not found
        (simple_history would fall back on the history table)."""
        if not _policy.reads_everything(request.user) and self._current(
                request, object_id) is None:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._guard_history(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._guard_history(request, object_id)
        if request.method == "POST":
            current = self._current(request, object_id)
            if current is None or not self.may_revert(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
