"""See the package docstring: what a subject-access export holds of this
programme (registry.subject_access): the return cases the person is in (as
principal or household member), their states, the plan and its budget lines,
what was delivered, the monitoring visits with their survey scores, the notes
(confidential ones included: it is the person's own data) and the
vulnerabilities recorded."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def subject_sections(person) -> list[dict]:
    from registry.subject_access import section

    from ..models import (
        BudgetLine,
        Case,
        CaseMember,
        CaseNote,
        CaseTransition,
        Delivery,
        MonitoringVisit,
        Plan,
        SurveyResponse,
        Vulnerability,
    )

    cases = list(Case.objects.filter(Q(principal=person) | Q(members__person=person))
                 .distinct().select_related("principal", "partner").order_by("created_at"))
    of_cases = {"case__in": cases}
    return [
        section("reintegration.cases", _("Return cases"), cases,
                ["reference", "principal", "state", "state_changed_at", "country_of_return",
                 "region_of_return", "partner", "planned_departure_on", "arrived_on",
                 "created_at"]),
        section("reintegration.members", _("Returning household members"),
                CaseMember.objects.filter(**of_cases).select_related("case", "person")
                .order_by("case_id", "id"),
                ["case", "person", "relation"]),
        section("reintegration.transitions", _("Case history"),
                CaseTransition.objects.filter(**of_cases).select_related("case")
                .order_by("at", "id"),
                ["case", "from_state", "to_state", "at", "reason"]),
        section("reintegration.vulnerabilities", _("Vulnerabilities"),
                Vulnerability.objects.filter(**of_cases).select_related("case")
                .order_by("recorded_at", "id"),
                ["case", "kind", "notes", "recorded_at"]),
        section("reintegration.plans", _("Reintegration plans"),
                Plan.objects.filter(**of_cases).select_related("case").order_by("id"),
                ["case", "objectives", "state", "submitted_at", "approved_at", "closed_at",
                 "closed_reason"]),
        section("reintegration.budget_lines", _("Budget lines"),
                BudgetLine.objects.filter(plan__case__in=cases).select_related("plan__case")
                .order_by("plan_id", "id"),
                ["plan", "category", "description", "amount", "delivered"]),
        section("reintegration.deliveries", _("Assistance delivered"),
                Delivery.objects.filter(line__plan__case__in=cases).select_related("line")
                .order_by("delivered_on", "id"),
                ["line", "kind", "supplier", "amount", "delivered_on", "description",
                 "evidence"]),
        section("reintegration.visits", _("Monitoring visits"),
                MonitoringVisit.objects.filter(**of_cases).select_related("case")
                .order_by("due_on", "id"),
                ["case", "months_after_arrival", "due_on", "status", "mode", "done_on",
                 "waived_reason", "notes"]),
        section("reintegration.surveys", _("Sustainability surveys"),
                SurveyResponse.objects.filter(visit__case__in=cases)
                .select_related("visit__case").order_by("filled_at", "id"),
                ["visit", "economic", "social", "psychosocial", "composite", "drop",
                 "filled_at"]),
        section("reintegration.notes", _("Case notes"),
                CaseNote.objects.filter(**of_cases).select_related("case")
                .order_by("written_at", "id"),
                ["case", "written_at", "text", "is_confidential", "edited_at"]),
    ]


def register() -> None:
    from registry import programmes
    from registry.models import Side

    programmes.register(Side.REINTEGRATION, programmes.SUBJECT_DATA, subject_sections)
