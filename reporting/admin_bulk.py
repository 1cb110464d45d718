"""The admin's side of a bulk action in the background: over more than
BULK_ACTION_DIRECT_MAX records the action becomes a job and the user goes
to its progress page; up to that, the action runs in the request as before.

    def close_review(self, request, queryset):
        if started := start_in_background(self, request, queryset, "scholarships.close_review"):
            return started
        ...  # the action in the request
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import ngettext

from . import services


def start_in_background(model_admin, request, queryset, kind: str):
    """A redirect to the job's progress page when the selection is over the
    limit (the job is queued once the request's transaction commits), else
    None: the caller runs the action itself."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    if len(ids) <= services.bulk_direct_max():
        return None
    # The changelist's address, with the filters, search and page the action
    # was chosen on (the admin posts the action to it).
    job = services.bulk_job_start(actor=request.user, kind=kind, ids=ids,
                                  list_path=request.get_full_path())
    model_admin.message_user(request, ngettext(
        "Started in the background: %(count)d record. This page shows how far it has got.",
        "Started in the background: %(count)d records. This page shows how far it has got.",
        len(ids)) % {"count": len(ids)}, messages.INFO)
    return HttpResponseRedirect(job.get_absolute_url())
