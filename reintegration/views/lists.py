"""The lists of the workspace: my caseload, the team's caseload, every case
(for the data protection officer), the CSV export of each, and the log of
who saw restricted data. Each runs a fixed number of queries whatever the
number of cases."""

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from accounts.roles import Role, has_role
from audit.models import ReadEvent
from audit.services import record_read
from listing.pagination import bounded_page

from .. import selectors
from ..filters import CaseFilter, TeamCaseFilter
from ..models import SensitiveAccess
from ..services.records import sensitive_access_record
from .common import case_reader, case_worker

CASES_PER_PAGE = 25
ACCESSES_PER_PAGE = 50

SCOPES = {
    # scope: (selector, filter, who may use it)
    "mine": (selectors.caseload, CaseFilter, (Role.CASEWORKER, Role.SUPERVISOR)),
    "team": (selectors.team_cases, TeamCaseFilter, (Role.SUPERVISOR,)),
    "all": (selectors.case_table, CaseFilter, (Role.DPO,)),
}


def _scoped(request, scope: str):
    if scope not in SCOPES:
        raise Http404
    selector, filter_class, roles = SCOPES[scope]
    user = request.user
    if not (has_role(user, *roles) or (scope == "all" and user.is_superuser)):
        raise Http404
    return filter_class(request.GET or None, queryset=selector(user=user), request=request)


def _listing(request, filterset, *, show_caseworker: bool = False) -> dict:
    """One page of a case list and the cells of its rows."""
    page = bounded_page(filterset.qs, request.GET.get("page"), per_page=CASES_PER_PAGE,
                        rows=lambda qs: selectors.case_columns(qs, user=request.user))
    return {"filter": filterset, "page": page, "show_caseworker": show_caseworker,
            "rows": selectors.case_row_cells(page.object_list, today=timezone.localdate(),
                                             show_caseworker=show_caseworker)}


@case_worker
def caseload(request):
    filterset = _scoped(request, "mine")
    return render(request, "reintegration/caseload.html", {
        **_listing(request, filterset), "scope": "mine",
    })


@role_required(Role.SUPERVISOR)
def team(request):
    filterset = _scoped(request, "team")
    return render(request, "reintegration/team.html", {
        **_listing(request, filterset, show_caseworker=True), "scope": "team",
        "summary": selectors.team_summary(user=request.user),
        "awaiting": list(selectors.plans_awaiting_approval(user=request.user)[:20]),
        "waiting_for_arrival": list(
            selectors.plans_waiting_for_arrival(user=request.user)[:20]),
    })


@role_required(Role.DPO)
def all_cases(request):
    filterset = _scoped(request, "all")
    return render(request, "reintegration/all_cases.html", {
        **_listing(request, filterset, show_caseworker=True), "scope": "all",
    })


# The columns of the export, before the special category column.
EXPORT_COLUMNS = [
    ("reference", lambda c: c.reference),
    ("state", lambda c: c.get_state_display()),
    ("person_reference", lambda c: c.principal.reference),
    ("principal", lambda c: c.principal.full_name),
    ("country_of_return", lambda c: c.country_of_return.code),
    ("region_of_return", lambda c: c.region_of_return),
    ("partner", lambda c: str(c.partner) if c.partner else ""),
    ("caseworker", lambda c: c.caseworker.get_full_name() or c.caseworker.get_username()),
    ("next_action", lambda c: c.get_next_action_display()),
    ("due", lambda c: c.next_action_due.isoformat() if c.next_action_due else ""),
    ("planned_departure", lambda c: c.planned_departure_on.isoformat()
     if c.planned_departure_on else ""),
    ("arrived_on", lambda c: c.arrived_on.isoformat() if c.arrived_on else ""),
    ("opened", lambda c: timezone.localtime(c.created_at).date().isoformat()),
    ("last_activity", lambda c: timezone.localtime(c.last_activity_at).isoformat(
        timespec="minutes")),
]


def _csv_safe(value: str) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@case_reader
def export(request, scope):
    """The filtered list as CSV, scoped like the page. The vulnerabilities
    column exists only for users who may see special category data, and is
    filled only for the cases where they may; who exported them is logged."""
    filterset = _scoped(request, scope)
    cases, vulnerabilities = selectors.export_rows(user=request.user, queryset=filterset.qs)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cases-{scope}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # so that spreadsheets read the accents right
    writer = csv.writer(response)
    header = [name for name, _value in EXPORT_COLUMNS]
    if vulnerabilities is not None:
        header.append("vulnerabilities")
    writer.writerow(header)
    count = 0
    for case in cases:
        row = [_csv_safe(str(value(case))) for _name, value in EXPORT_COLUMNS]
        if vulnerabilities is not None:
            row.append("; ".join(str(kind) for kind in vulnerabilities.get(case.pk, [])))
        writer.writerow(row)
        count += 1
    # The read log's row for this export, with how many cases left.
    record_read(user=request.user, action=ReadEvent.Action.EXPORT, model="reintegration.case",
                page=request.resolver_match.view_name, path=request.get_full_path(), rows=count)
    request.read_recorded = True
    if vulnerabilities:
        sensitive_access_record(user=request.user, cases=list(vulnerabilities),
                                what=SensitiveAccess.What.EXPORT)
    return response


@role_required(Role.DPO)
def access_log(request):
    entries = selectors.access_log(user=request.user)
    user_query = request.GET.get("user", "").strip()
    case_query = request.GET.get("case", "").strip()
    if user_query:
        entries = entries.filter(user__username__icontains=user_query)
    if case_query:
        entries = entries.filter(case__reference__icontains=case_query)
    page = bounded_page(entries, request.GET.get("page"), per_page=ACCESSES_PER_PAGE,
                        rows=selectors.access_log_columns)
    return render(request, "reintegration/access_log.html", {
        "page": page, "user_query": user_query, "case_query": case_query,
        "title": _("Who saw restricted case data"),
    })
