"""Exports of the staff lists (applications, caseloads), in CSV or XLSX, with
the list's filters applied.

Each list registers a data set (reporting.datasets) whose `build` starts from
the list's own selector, so an export holds only the rows the user may see on
the list. It is pseudonymised unless the user ticks "include names" and the
data set allows it for that user; the address, with `names=1`, is in the read
log. A list of up to REPORTING_EXPORT_DIRECT_MAX_ROWS rows is written at once
(one query for the rows); a longer one becomes a background job (ExportJob),
and the user is sent to its progress page."""

import io
from dataclasses import replace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from audit.models import ReadEvent
from audit.services import record_read

from . import datasets, services
from .exports import CONTENT_TYPES, FORMATS, dataset_write
from .services import LANGUAGE_PARAM

# The query string keys that are not the list's filters.
NOT_FILTERS = ("page", "names", "next")


def direct_max_rows() -> int:
    return settings.REPORTING_EXPORT_DIRECT_MAX_ROWS


def list_params(query: QueryDict) -> dict:
    """The list's filters, as a job keeps them (JSON): one value, or a list
    where a filter has several."""
    params = {}
    for key, values in query.lists():
        values = [value for value in values if value != ""]
        if key in NOT_FILTERS or not values:
            continue
        params[key] = values[0] if len(values) == 1 else values
    return params


def params_query(params: dict) -> QueryDict:
    """The filters back as a query dict, for the list's filter set."""
    query = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        query.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return query


def list_export(request, *, kind: str, fmt: str, filename: str):
    """The list as a file, or (a long one) a background job and its progress
    page. The caller's view has already checked the role and the scope; the
    data set's own access rules decide the rows."""
    found = datasets.get(kind)
    if fmt not in FORMATS or found is None or not found.may_export(request.user):
        raise Http404
    names = request.GET.get("names") == "1"
    if names and not found.may_include_names(request.user):
        raise PermissionDenied(_("You may not export the names."))
    params = list_params(request.GET)
    dataset = found.build(user=request.user, params=params)
    limit = direct_max_rows()
    head = dataset.head(limit + 1) if dataset.head else list(dataset.rows())[:limit + 1]
    if len(head) > limit:
        # The worker writes the headers in the language of the user who asked.
        job = services.export_job_request(actor=request.user, kind=kind,
                                          params={**params, LANGUAGE_PARAM: get_language()},
                                          fmt=fmt, pseudonymise=not names)
        # The job's build writes the read log's row, with the rows it wrote.
        request.read_recorded = True
        messages.info(request, _("The list is long: your export is being prepared in the "
                                 "background."))
        back = request.GET.get("next", "")
        url = job.get_absolute_url()
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            url = f"{url}?{urlencode({'next': back})}"
        return redirect(url)
    content = _written(replace(dataset, rows=lambda: head), fmt=fmt, pseudonymise=not names)
    response = HttpResponse(content["bytes"], content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    record_read(user=request.user, action=ReadEvent.Action.EXPORT, model=found.model,
                page=request.resolver_match.view_name, path=request.get_full_path(),
                rows=content["rows"])
    request.read_recorded = True
    return response


def _written(dataset, *, fmt: str, pseudonymise: bool) -> dict:
    buffer = io.BytesIO()
    rows = dataset_write(dataset, buffer, fmt=fmt, pseudonymise=pseudonymise)
    return {"bytes": buffer.getvalue(), "rows": rows}
