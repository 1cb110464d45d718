"""The scholarships' side of a subject-access export and of the retention
schedule (scholarships/privacy/subject.py and retention.py)."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from registry import programmes
from registry.models import Side
from registry.retention import DEFAULT_SCHEDULE
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    CompleteApplicationFactory,
    RefereeFactory,
)
from scholarships.models import Application, ApplicationDocument, Referee
from scholarships.privacy import retention
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

YEAR = datetime.timedelta(days=366)


def closed_call(years_ago: float):
    closes = timezone.now() - years_ago * YEAR
    return CallFactory(opens_at=closes - datetime.timedelta(days=60), closes_at=closes,
                       academic_year=closes.year)


def final_application(call, state=State.NOT_SELECTED, **kwargs) -> Application:
    return CompleteApplicationFactory(
        call=call, state=state, submitted_at=call.closes_at - datetime.timedelta(days=3),
        reference=f"SCH-{call.pk}-{state[:6]}-{Application.objects.count()}", **kwargs)


def due(**kwargs):
    return retention.persons_due(now=timezone.now(), schedule=DEFAULT_SCHEDULE, **kwargs)


def test_the_hooks_are_registered():
    assert programmes.hook(Side.SCHOLARSHIP, programmes.SUBJECT_DATA) is not None
    assert programmes.hook(Side.SCHOLARSHIP, programmes.RETENTION) is retention.persons_due
    assert programmes.hook(Side.SCHOLARSHIP, programmes.ANONYMISE) is retention.anonymise


def test_the_export_holds_the_answers_the_documents_list_and_the_referees():
    application = final_application(closed_call(1), motivation="Zqxirrigation in Sahel")
    sections = {s["key"]: s for s in programmes.hook(
        Side.SCHOLARSHIP, programmes.SUBJECT_DATA)(application.applicant)}
    answers = sections["scholarships.applications"]["rows"]
    assert answers[0]["motivation"] == "Zqxirrigation in Sahel"
    assert answers[0]["reference"] == application.reference
    documents = sections["scholarships.documents"]["rows"]
    assert len(documents) == 2 and all(row["file"] is True for row in documents)
    assert len(sections["scholarships.referees"]["rows"]) == 2


def test_an_application_not_awarded_is_due_five_years_after_its_call_closed():
    old = final_application(closed_call(6))
    recent = final_application(closed_call(2))
    found = due()
    assert found[old.applicant_id] == retention.NOT_AWARDED
    assert found[recent.applicant_id] is None


def test_a_live_application_keeps_the_person_whatever_the_old_ones_say():
    old = final_application(closed_call(7))
    ApplicationFactory(applicant=old.applicant, call=CallFactory())  # a draft, call open
    assert due()[old.applicant_id] is None
    assert due(person_ids=[old.applicant_id]) == {old.applicant_id: None}


def test_a_scholar_is_kept_ten_years_after_the_scholarship_ended():
    from scholarships.models import ScholarFollowUp

    scholar = final_application(closed_call(12), state=State.COMPLETED)
    ScholarFollowUp.objects.create(application=scholar,
                                   completed_on=timezone.localdate() - 4 * YEAR)
    assert due()[scholar.applicant_id] is None
    ScholarFollowUp.objects.filter(application=scholar).update(
        completed_on=timezone.localdate() - 11 * YEAR)
    assert due()[scholar.applicant_id] == retention.SCHOLARSHIP_ENDED


def test_anonymising_clears_the_answers_and_deletes_documents_and_letters(
        private_storage, django_capture_on_commit_callbacks):
    application = final_application(closed_call(6), motivation="Zqxmotivation text")
    referee = Referee.objects.filter(application=application).first()
    referee.letter = ContentFile(b"%PDF-1.4 letter", name="letter.pdf")
    referee.save()
    files = [d.file.path for d in ApplicationDocument.objects.filter(application=application)]
    files.append(referee.letter.path)
    assert all(private_storage.joinpath(f).exists() for f in files)
    with django_capture_on_commit_callbacks(execute=True):
        retention.anonymise(person_id=application.applicant_id, now=timezone.now())
    application.refresh_from_db()
    assert application.motivation == "" and application.employer == ""
    assert application.submitted_snapshot == {}
    # What the statistics need stays.
    assert application.state == State.NOT_SELECTED
    assert application.call.academic_year == application.call.closes_at.year
    assert application.highest_degree and application.degree_country.code == "BJ"
    assert not ApplicationDocument.objects.filter(application=application).exists()
    referee.refresh_from_db()
    assert referee.name == "" and referee.email == "" and not referee.letter
    assert not any(private_storage.joinpath(f).exists() for f in files)
    # Another applicant's referees are untouched.
    other = RefereeFactory()
    retention.anonymise(person_id=application.applicant_id, now=timezone.now())
    other.refresh_from_db()
    assert other.name
