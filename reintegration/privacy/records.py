"""See the package docstring: the ids of this programme's records about some
persons (their cases as principal or member, and what hangs from the cases),
so the read log can answer "everything read about this person"."""

from django.db.models import Q

from registry.programmes import records_by_label


def person_records(person_ids) -> dict[str, list[int]]:
    """{"reintegration.case": [ids], ...} in one query (a UNION over a subquery
    of the cases), whatever the number of persons and records."""
    from ..models import (
        BudgetLine,
        Case,
        CaseMember,
        CaseNote,
        Delivery,
        MonitoringVisit,
        Plan,
        SurveyResponse,
        Vulnerability,
    )

    person_ids = list(person_ids)
    if not person_ids:
        return {}
    cases = Case.objects.filter(
        Q(principal_id__in=person_ids) | Q(members__person_id__in=person_ids)
    ).order_by().values("pk")
    parts = [
        (Case, {"pk__in": cases}),
        (CaseMember, {"case__in": cases}),
        (Vulnerability, {"case__in": cases}),
        (CaseNote, {"case__in": cases}),
        (Plan, {"case__in": cases}),
        (BudgetLine, {"plan__case__in": cases}),
        (Delivery, {"line__plan__case__in": cases}),
        (MonitoringVisit, {"case__in": cases}),
        (SurveyResponse, {"visit__case__in": cases}),
    ]
    return records_by_label(parts)


def register() -> None:
    from registry import programmes
    from registry.models import Side

    programmes.register(Side.REINTEGRATION, programmes.RECORDS, person_records)
