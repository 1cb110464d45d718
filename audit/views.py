"""The data protection officer's console: who read what, and everything read
and changed about one person. Read only; for the DPO role alone (a
superuser without the role gets 403 too: reading the log is the DPO's task,
and the log itself records that they read it)."""


from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.decorators import dpo_required
from listing.pagination import bounded_page

from . import hooks, selectors
from .filters import ReadEventFilter, record_type_choices

READS_PER_PAGE = 50


def _describe(events) -> None:
    """Name each row's record type and person for the table, without a query."""
    names = dict(record_type_choices())
    person_reference = hooks.subjects().reference
    for event in events:
        event.record_type = names.get(event.model, event.model)
        event.person_ref = person_reference(event.person_id)


@dpo_required
def console(request):
    filterset = ReadEventFilter(request.GET or None, queryset=selectors.read_events())
    # A filter that does not make sense shows nothing rather than everything.
    valid = not filterset.is_bound or filterset.is_valid()
    queryset = filterset.qs if valid else filterset.queryset.none()
    page = bounded_page(queryset, request.GET.get("page"), per_page=READS_PER_PAGE,
                        rows=selectors.read_rows)
    _describe(page.object_list)
    person_id = filterset.form.cleaned_data.get("person") if filterset.is_bound and valid else None
    return render(request, "audit/console.html", {
        "filter": filterset, "page": page, "person_id": person_id,
        "title": _("Read log"),
    })


@dpo_required
def person(request, pk):
    # Merged and anonymised persons too: what was read about them stays answerable.
    subject = hooks.subjects().find(pk)
    if subject is None:
        raise Http404
    records = selectors.person_records(subject.pk)
    page = bounded_page(selectors.person_reads(subject.pk, records), request.GET.get("page"),
                        per_page=READS_PER_PAGE, rows=selectors.read_rows)
    _describe(page.object_list)
    return render(request, "audit/person.html", {
        "person": subject, "page": page, "changes": selectors.person_changes(subject.pk),
        "changes_shown": selectors.CHANGES_SHOWN,
        "record_count": sum(len(ids) for ids in records.values()),
    })
