"""The case lists (my caseload, the team's, every case for the data
protection officer) as CSV or XLSX, with the list's filters
(reporting.list_exports): the rows of the list's own selector, headers and
labels in the user's language, the returnee's reference instead of their
name unless a caseworker or supervisor asks for the names.

The vulnerabilities column exists only for users who may see special
category data somewhere, and is filled (by the database, row by row) only for
the cases where they may; the cases whose vulnerabilities left in the file
are logged (SensitiveAccess) once the file is written."""

from types import SimpleNamespace

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.decorators import role_required
from accounts.roles import Role, has_role
from listing.widgets import country_choices
from registry.models import full_name, person_reference
from reporting import datasets
from reporting.exports import Column, Dataset
from reporting.list_exports import list_export, params_query

from .. import access, selectors
from ..filters import CaseFilter, TeamCaseFilter
from ..models import SensitiveAccess, Vulnerability
from ..services.records import sensitive_access_record
from ..workflow import NextAction, State

SCOPES = {
    # scope: (selector, filter, who may use it)
    "mine": (selectors.caseload, CaseFilter, (Role.CASEWORKER, Role.SUPERVISOR)),
    "team": (selectors.team_cases, TeamCaseFilter, (Role.SUPERVISOR,)),
    "all": (selectors.case_table, CaseFilter, (Role.DPO,)),
}
FIELDS = (
    "id", "reference", "state", "principal_id", "principal__given_names",
    "principal__family_name", "country_of_return", "region_of_return", "partner__name",
    "partner__acronym", "caseworker__username", "caseworker__first_name",
    "caseworker__last_name", "next_action", "next_action_due", "planned_departure_on",
    "arrived_on", "created_at", "last_activity_at",
)


def kind_name(scope: str) -> str:
    return f"reintegration.cases.{scope}"


def _may_export(scope: str):
    roles = SCOPES[scope][2]

    def may_export(user) -> bool:
        return bool(user and user.is_authenticated and (
            has_role(user, *roles) or (scope == "all" and user.is_superuser)))
    return may_export


def may_include_names(user) -> bool:
    # Those who work the cases; the data protection officer reads
    # pseudonymised lists.
    return bool(user and user.is_authenticated and has_role(user, *access.CASE_ROLES))


def _iso(day) -> str:
    return day.isoformat() if day else ""


def _build(scope: str):
    selector, filter_class = SCOPES[scope][:2]

    def build(*, user, params: dict) -> Dataset:
        filterset = filter_class(params_query(params) or None, queryset=selector(user=user),
                                 request=SimpleNamespace(user=user))
        queryset = filterset.qs
        special = access.may_have_special_rights(user)
        fields = FIELDS
        if special:
            kinds = ArraySubquery(
                Vulnerability.objects.filter(case=OuterRef("pk"))
                .filter(access.special_category_condition(user, prefix="case__"))
                .order_by("kind").values("kind"))
            queryset = queryset.annotate(vulnerability_kinds=kinds)
            fields = (*FIELDS, "vulnerability_kinds")
        rows = queryset.values(*fields)
        states = {value: str(label) for value, label in State.choices}
        actions = {value: str(label) for value, label in NextAction.choices}
        countries = dict(country_choices())
        vulnerability_labels = {value: str(label) for value, label in Vulnerability.Kind.choices}
        shown_vulnerable: list[int] = []

        def vulnerabilities(row) -> str:
            found = row["vulnerability_kinds"] or []
            if found:
                shown_vulnerable.append(row["id"])
            return "; ".join(vulnerability_labels.get(kind, kind) for kind in found)

        def logged() -> None:
            if shown_vulnerable:
                sensitive_access_record(user=user, cases=shown_vulnerable,
                                        what=SensitiveAccess.What.EXPORT)

        def partner(row) -> str:
            name, acronym = row["partner__name"], row["partner__acronym"]
            if not name:
                return ""
            return f"{name} ({acronym})" if acronym else name

        columns = [
            Column("reference", _("Reference"), lambda r: r["reference"]),
            Column("state", _("State"), lambda r: states.get(r["state"], r["state"])),
            Column("person", _("Person reference"),
                   lambda r: person_reference(r["principal_id"])),
            Column("name", _("Name"), lambda r: full_name(r["principal__given_names"],
                                                          r["principal__family_name"]),
                   identifying=True),
            Column("country", _("Country of return"),
                   lambda r: countries.get(r["country_of_return"], r["country_of_return"])),
            Column("region", _("Region of return"), lambda r: r["region_of_return"]),
            Column("partner", _("Partner"), partner),
            Column("caseworker", _("Caseworker"), lambda r: " ".join(
                p for p in (r["caseworker__first_name"], r["caseworker__last_name"]) if p)
                or r["caseworker__username"]),
            Column("next_action", _("Next action"),
                   lambda r: actions.get(r["next_action"], r["next_action"])),
            Column("due", _("Due"), lambda r: _iso(r["next_action_due"])),
            Column("planned_departure", _("Planned departure"),
                   lambda r: _iso(r["planned_departure_on"])),
            Column("arrived_on", _("Arrived on"), lambda r: _iso(r["arrived_on"])),
            Column("opened", _("Opened on"),
                   lambda r: timezone.localtime(r["created_at"]).date().isoformat()),
            Column("last_activity", _("Last activity"),
                   lambda r: timezone.localtime(r["last_activity_at"]).strftime(
                       "%Y-%m-%d %H:%M")),
        ]
        if special:
            columns.append(Column("vulnerabilities", _("Vulnerabilities"), vulnerabilities))
        return Dataset(title=str(_("Cases")), columns=columns, model="reintegration.case",
                       rows=lambda: rows.iterator(chunk_size=2000), count=queryset.count,
                       head=lambda n: list(rows[:n]), done=logged)
    return build


def register() -> None:
    labels = {"mine": _("My caseload"), "team": _("The team's cases"), "all": _("All cases")}
    for scope in SCOPES:
        datasets.register(datasets.Kind(
            name=kind_name(scope), label=labels[scope], model="reintegration.case",
            may_export=_may_export(scope), build=_build(scope),
            may_include_names=may_include_names))


@role_required(Role.CASEWORKER, Role.SUPERVISOR, Role.DPO)
def case_list_export(request, scope, fmt):
    """A workspace user asking for a scope that is not theirs (a caseworker
    and the team's list) gets a 404, like an unknown scope."""
    if scope not in SCOPES or not _may_export(scope)(request.user):
        raise Http404
    return list_export(request, kind=kind_name(scope), fmt=fmt, filename=f"cases-{scope}")
