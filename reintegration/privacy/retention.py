"""See the package docstring: this programme's answer to the retention
schedule (registry.retention).

A person is kept while any case they are in (as principal or returning
household member) is open, and RETENTION["closed_cases_years"] after each of
their cases ended (closed, withdrawn, no-show, lost contact).

Anonymising keeps the country of return, the states and dates, the plan's
categories and amounts, the deliveries' amounts and dates, the vulnerability
kinds and the survey scores; it clears the free text (notes, observations,
reasons, objectives, descriptions, the region of return) here and in the
change history, and deletes the evidence files of the deliveries."""

from django.db.models import Q

from ..workflow import FINAL


def persons_due(*, now, schedule, person_ids=None) -> dict[int, str | None]:
    """{person id: the state their cases ended in, or None while one is kept}."""
    from registry.retention import verdicts_by_person, years_ago

    from ..models import Case, CaseMember

    before = years_ago(now, schedule["closed_cases_years"])
    principals = Case.objects.order_by().values_list("principal_id", "state", "state_changed_at")
    members = CaseMember.objects.order_by().values_list(
        "person_id", "case__state", "case__state_changed_at")
    if person_ids is not None:
        principals = principals.filter(principal_id__in=person_ids)
        members = members.filter(person_id__in=person_ids)
    return verdicts_by_person(
        (person_id, state if state in FINAL and since < before else None)
        for rows in (principals, members) for person_id, state, since in rows)


def anonymise(*, person_id: int, now) -> None:
    from registry.retention import delete_files_after_commit

    from ..models import (
        BudgetLine,
        Case,
        CaseAssignment,
        CaseNote,
        CaseTransition,
        Delivery,
        MonitoringVisit,
        Plan,
        PlanTransition,
        Vulnerability,
    )

    case_ids = list(Case.objects.filter(
        Q(principal_id=person_id) | Q(members__person_id=person_id))
        .distinct().values_list("pk", flat=True))
    if not case_ids:
        return

    def clear(model, where: dict, **blank) -> None:
        """Blank these fields in the records and in their change history."""
        ids = list(model.objects.filter(**where).values_list("pk", flat=True))
        model.objects.filter(pk__in=ids).update(**blank)
        if hasattr(model, "history"):
            model.history.filter(id__in=ids).update(**blank)

    clear(Case, {"pk__in": case_ids}, region_of_return="")
    clear(CaseTransition, {"case__in": case_ids}, reason="")
    clear(CaseAssignment, {"case__in": case_ids}, reason="")
    clear(Vulnerability, {"case__in": case_ids}, notes="")
    clear(CaseNote, {"case__in": case_ids}, text="")
    clear(Plan, {"case__in": case_ids}, objectives="", closed_reason="")
    clear(PlanTransition, {"plan__case__in": case_ids}, reason="")
    clear(BudgetLine, {"plan__case__in": case_ids}, description="")
    clear(MonitoringVisit, {"case__in": case_ids}, notes="", waived_reason="")
    deliveries = list(Delivery.objects.filter(line__plan__case__in=case_ids))
    delete_files_after_commit([(d.evidence.storage, d.evidence.name)
                               for d in deliveries if d.evidence])
    clear(Delivery, {"pk__in": [d.pk for d in deliveries]}, description="", supplier="",
          evidence="", evidence_content_type="")


def register() -> None:
    from registry import programmes
    from registry.models import Side

    programmes.register(Side.REINTEGRATION, programmes.RETENTION, persons_due)
    programmes.register(Side.REINTEGRATION, programmes.ANONYMISE, anonymise)
