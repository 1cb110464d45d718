"""The case diary: notes with author and time, confidential ones, changed
only within a day, corrected afterwards by a new note referencing the old."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import UserFactory
from reintegration.factories import case_through
from reintegration.models import CaseNote
from reintegration.services import records as services
from reintegration.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(worker, boss):
    return case_through(State.COUNSELLING, worker=worker, approver=boss)


def written_hours_ago(note, hours):
    CaseNote.objects.filter(pk=note.pk).update(
        written_at=timezone.now() - datetime.timedelta(hours=hours))
    note.refresh_from_db()
    return note


def test_a_note_keeps_its_author_and_time(worker, case):
    note = services.note_add(actor=worker, case=case, text="Met the family in Liège.")
    assert note.author == worker
    assert timezone.now() - note.written_at < datetime.timedelta(minutes=1)


def test_an_empty_note_is_refused(worker, case):
    with pytest.raises(ValidationError) as excinfo:
        services.note_add(actor=worker, case=case, text="   ")
    assert excinfo.value.message_dict["text"] == [services.MSG_NOTE_EMPTY]


def test_the_author_changes_a_note_within_a_day(worker, case):
    note = written_hours_ago(services.note_add(actor=worker, case=case, text="Flight on 3 May"),
                             23)
    services.note_edit(actor=worker, note=note, text="Flight on 5 May", is_confidential=False)
    note.refresh_from_db()
    assert note.text == "Flight on 5 May" and note.edited_at is not None
    assert note.history.count() == 2  # what it said before is kept


def test_after_a_day_the_service_refuses_the_edit_and_a_correction_is_a_new_note(
        worker, case, settings):
    settings.REINTEGRATION_NOTE_EDIT_HOURS = 24
    note = written_hours_ago(services.note_add(actor=worker, case=case, text="Flight on 3 May"),
                             25)
    with pytest.raises(ValidationError) as excinfo:
        services.note_edit(actor=worker, note=note, text="Flight on 5 May",
                           is_confidential=False)
    assert excinfo.value.messages == [services.MSG_NOTE_LOCKED % {"hours": 24}]
    note.refresh_from_db()
    assert note.text == "Flight on 3 May"
    correction = services.note_add(actor=worker, case=case, text="Flight moved to 5 May",
                                   corrects=note)
    assert correction.corrects == note
    assert list(note.corrections.all()) == [correction]


def test_only_the_author_changes_a_note(worker, boss, case):
    note = services.note_add(actor=worker, case=case, text="Phoned the partner")
    with pytest.raises(ValidationError) as excinfo:
        services.note_edit(actor=boss, note=note, text="Changed", is_confidential=False)
    assert excinfo.value.messages == [services.MSG_NOTE_NOT_AUTHOR]


def test_a_correction_of_a_confidential_note_is_confidential(worker, case):
    secret = services.note_add(actor=worker, case=case, text="Told me about threats",
                               is_confidential=True)
    correction = services.note_add(actor=worker, case=case, text="From his cousin",
                                   corrects=secret)
    assert correction.is_confidential is True


def test_a_correction_refers_to_a_note_of_the_same_case(worker, boss, case):
    other = case_through(State.INTAKE, worker=worker, approver=boss)
    note = services.note_add(actor=worker, case=other, text="Elsewhere")
    with pytest.raises(ValidationError) as excinfo:
        services.note_add(actor=worker, case=case, text="Correction", corrects=note)
    assert excinfo.value.messages == [services.MSG_NOTE_OTHER_CASE]


def test_the_data_protection_officer_writes_no_note(case):
    with pytest.raises(PermissionDenied):
        services.note_add(actor=UserFactory(roles=[Role.DPO]), case=case, text="Hello")


def test_notes_can_still_be_written_on_a_closed_case(worker, boss):
    closed = case_through(State.CLOSED, worker=worker, approver=boss)
    assert services.note_add(actor=worker, case=closed, text="Called after closing").pk


def test_the_edit_page_of_a_note_older_than_a_day_leads_to_the_correction(client, worker, case):
    note = written_hours_ago(services.note_add(actor=worker, case=case, text="Old"), 30)
    client.force_login(worker)
    response = client.get(reverse("reintegration:note_edit", args=[case.pk, note.pk]),
                          follow=True)
    assert response.redirect_chain[-1][0] == reverse("reintegration:note_correct",
                                                     args=[case.pk, note.pk])
    assert str(services.MSG_NOTE_LOCKED % {"hours": 24}) in response.content.decode()
    response = client.post(reverse("reintegration:note_correct", args=[case.pk, note.pk]),
                           {"text": "The right date is 5 May"})
    assert response.status_code == 302
    assert CaseNote.objects.get(corrects=note).text == "The right date is 5 May"


def test_a_note_posted_empty_comes_back_with_the_error_next_to_the_field(client, worker, case):
    client.force_login(worker)
    response = client.post(reverse("reintegration:note_add", args=[case.pk]),
                           {"text": "", "is_confidential": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert response.context["form"]["is_confidential"].value() is True
