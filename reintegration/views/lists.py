"""The lists of the workspace: my caseload, the team's caseload, every case
(for the data protection officer), the CSV export of each, and the log of
who saw restricted data. Each runs a fixed number of queries whatever the
number of cases."""


from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from accounts.roles import Role, has_role
from listing.pagination import bounded_page

from .. import selectors
from ..filters import CaseFilter, TeamCaseFilter
from .common import case_worker

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
    awaiting, waiting_for_arrival = selectors.team_submitted_plans(user=request.user)
    return render(request, "reintegration/team.html", {
        **_listing(request, filterset, show_caseworker=True), "scope": "team",
        "summary": selectors.team_summary(user=request.user),
        "awaiting": awaiting, "waiting_for_arrival": waiting_for_arrival,
    })


@role_required(Role.DPO)
def all_cases(request):
    filterset = _scoped(request, "all")
    return render(request, "reintegration/all_cases.html", {
        **_listing(request, filterset, show_caseworker=True), "scope": "all",
    })


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
