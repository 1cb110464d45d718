"""See the package docstring: this programme's answer to the retention
schedule (registry.retention).

- An application that led to no scholarship (never submitted, withdrawn, not
  eligible, not selected, offer declined or lapsed) is kept
  RETENTION["applications_not_awarded_years"] after its call closed.
- A scholar's application is kept RETENTION["scholars_years"] after the
  scholarship ended (completed or discontinued).
- Anything else is live: the person is not due.

Anonymising keeps the call (so its academic year), the state, the degree
level, country and year, the host institution and the amounts; it clears the
free-text answers, the snapshot of the submission, the reviewers' and
administrators' comments, the referees' names and addresses, and deletes the
uploaded documents and the reference letters with their files."""

import datetime

from django.utils import timezone

from ..workflow import FINAL, State

NOT_AWARDED = "not_awarded"
SCHOLARSHIP_ENDED = "scholarship_ended"
ENDED = (State.COMPLETED, State.DISCONTINUED)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def persons_due(*, now, schedule, person_ids=None) -> dict[int, str | None]:
    """{applicant id: reason, or None while one of their applications is kept}."""
    from registry.retention import verdicts_by_person, years_ago

    from ..models import Application

    not_awarded_before = years_ago(now, schedule["applications_not_awarded_years"])
    ended_before = years_ago(now, schedule["scholars_years"])
    applications = Application.objects.order_by()
    if person_ids is not None:
        applications = applications.filter(applicant_id__in=person_ids)
    rows = applications.values_list(
        "applicant_id", "state", "call__closes_at", "follow_up__completed_on",
        "follow_up__discontinued_on")

    def reason(state, closes_at, completed_on, discontinued_on) -> str | None:
        if state in ENDED:
            end = completed_on or discontinued_on
            ended = _aware(end) if end else closes_at
            return SCHOLARSHIP_ENDED if ended < ended_before else None
        if state in FINAL or state == State.DRAFT:
            return NOT_AWARDED if closes_at < not_awarded_before else None
        return None

    # One application still kept keeps the person (registry.retention).
    return verdicts_by_person((person_id, reason(*rest)) for person_id, *rest in rows)


def anonymise(*, person_id: int, now) -> None:
    from registry.retention import delete_files_after_commit

    from ..models import (
        Application,
        ApplicationDocument,
        ApplicationTransition,
        AwardOffer,
        ProgressReport,
        Referee,
        ReviewAssignment,
        ReviewScore,
        ScholarFollowUp,
    )

    mine = {"application__applicant_id": person_id}
    Application.objects.filter(applicant_id=person_id).update(
        degree_title="", degree_institution="", employer="", position="",
        study_programme="", motivation="", submitted_snapshot={},
    )
    documents = list(ApplicationDocument.objects.filter(**mine))
    delete_files_after_commit([(d.file.storage, d.file.name) for d in documents if d.file])
    ApplicationDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()
    referees = list(Referee.objects.filter(**mine))
    delete_files_after_commit([(r.letter.storage, r.letter.name) for r in referees if r.letter])
    Referee.objects.filter(pk__in=[r.pk for r in referees]).update(
        name="", email="", institution="", letter="", letter_content_type="")
    ApplicationTransition.objects.filter(**mine).update(reason="")
    ReviewAssignment.objects.filter(**mine).update(comment="", conflict_note="")
    ReviewScore.objects.filter(assignment__application__applicant_id=person_id).update(
        comment="")
    AwardOffer.objects.filter(**mine).update(answer_reason="")
    follow_ups = ScholarFollowUp.objects.filter(**mine)
    ScholarFollowUp.history.filter(
        id__in=list(follow_ups.values_list("pk", flat=True))).update(discontinuation_reason="")
    follow_ups.update(discontinuation_reason="")
    ProgressReport.objects.filter(follow_up__application__applicant_id=person_id).update(
        notes="")


def register() -> None:
    from registry import programmes
    from registry.models import Side

    programmes.register(Side.SCHOLARSHIP, programmes.RETENTION, persons_due)
    programmes.register(Side.SCHOLARSHIP, programmes.ANONYMISE, anonymise)
