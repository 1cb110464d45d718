"""See the package docstring: the ids of this programme's records about some
persons, so the read log can answer "everything read about this person"."""

from registry.programmes import records_by_label


def person_records(person_ids) -> dict[str, list[int]]:
    """{"scholarships.application": [ids], ...} in one query (a UNION), whatever
    the number of persons and records."""
    from ..models import (
        Application,
        ApplicationDocument,
        AwardOffer,
        Referee,
        ReviewAssignment,
        ScholarFollowUp,
    )

    person_ids = list(person_ids)
    if not person_ids:
        return {}
    mine = {"application__applicant_id__in": person_ids}
    parts = [
        (Application, {"applicant_id__in": person_ids}),
        (ApplicationDocument, mine),
        (Referee, mine),
        (ReviewAssignment, mine),
        (AwardOffer, mine),
        (ScholarFollowUp, mine),
    ]
    return records_by_label(parts)


def register() -> None:
    from registry import programmes
    from registry.models import Side

    programmes.register(Side.SCHOLARSHIP, programmes.RECORDS, person_records)
