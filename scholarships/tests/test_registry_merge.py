"""The registry merges persons without knowing the programmes: what it must
do with the scholarship records of the two."""

import pytest
from django.core.exceptions import ValidationError

from registry.factories import PersonFactory, UserFactory
from registry.models import Person
from registry.services import MSG_MERGE_CLASH, person_merge
from scholarships.factories import ApplicationFactory, CallFactory
from scholarships.models import Application
from scholarships.workflow import State

pytestmark = pytest.mark.django_db


def test_applications_of_the_duplicate_move_to_the_kept_record():
    survivor, duplicate = PersonFactory(), PersonFactory()
    application = ApplicationFactory(applicant=duplicate)
    person_merge(actor=UserFactory(), survivor=survivor, duplicate=duplicate)
    application.refresh_from_db()
    assert application.applicant == survivor


def test_two_applications_to_one_call_block_the_merge_and_nothing_is_lost():
    call = CallFactory()
    survivor, duplicate = PersonFactory(), PersonFactory()
    kept = ApplicationFactory(call=call, applicant=survivor)
    theirs = ApplicationFactory(call=call, applicant=duplicate)
    with pytest.raises(ValidationError) as excinfo:
        person_merge(actor=UserFactory(), survivor=survivor, duplicate=duplicate)
    assert excinfo.value.messages == [MSG_MERGE_CLASH % {"what": "applications"}]
    assert set(Application.objects.values_list("pk", "applicant")) == {
        (kept.pk, survivor.pk), (theirs.pk, duplicate.pk)}
    assert not Person.objects.get(pk=duplicate.pk).merged_into_id


def test_a_withdrawn_application_to_the_same_call_does_not_block_the_merge():
    call = CallFactory()
    survivor, duplicate = PersonFactory(), PersonFactory()
    ApplicationFactory(call=call, applicant=survivor)
    withdrawn = ApplicationFactory(call=call, applicant=duplicate, state=State.WITHDRAWN)
    person_merge(actor=UserFactory(), survivor=survivor, duplicate=duplicate)
    withdrawn.refresh_from_db()
    assert withdrawn.applicant == survivor
