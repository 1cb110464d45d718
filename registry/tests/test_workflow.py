"""A possible duplicate moves only as registry.workflow declares, through
services.duplicate_transition, which records who, when and why; the
retention verdict of a person is folded in one place for both programmes."""

import pytest
from django.core.exceptions import ValidationError

from registry.factories import PersonFactory, UserFactory
from registry.models import DuplicateCandidate
from registry.retention import verdicts_by_person
from registry.services import duplicate_dismiss, duplicate_transition
from registry.workflow import DUPLICATE

Status = DuplicateCandidate.Status


def pair(status=Status.OPEN):
    first, second = PersonFactory(), PersonFactory()
    a, b = sorted([first, second], key=lambda p: p.pk)
    return DuplicateCandidate.objects.create(person_a=a, person_b=b, reason="name_birth",
                                             status=status)


@pytest.mark.django_db
def test_dismissing_records_who_when_and_why():
    officer = UserFactory(username="registrar-one")
    candidate = duplicate_dismiss(actor=officer, candidate=pair(), note="Twin sisters")
    candidate.refresh_from_db()
    assert (candidate.status, candidate.resolved_by, candidate.note) == (
        Status.DISMISSED, officer, "Twin sisters")
    assert candidate.resolved_at is not None


@pytest.mark.django_db
def test_a_merged_pair_cannot_be_reopened_or_dismissed():
    candidate = pair(Status.MERGED)
    with pytest.raises(ValidationError):
        duplicate_transition(actor=UserFactory(username="registrar-two"),
                             candidates=[candidate], to=Status.OPEN)
    with pytest.raises(ValidationError):
        duplicate_transition(actor=UserFactory(username="registrar-three"),
                             candidates=[candidate], to=Status.DISMISSED)
    assert DuplicateCandidate.objects.get(pk=candidate.pk).status == Status.MERGED


def test_the_declaration_lets_a_dismissed_pair_be_merged_later():
    assert DUPLICATE.allowed(Status.DISMISSED, Status.MERGED)
    assert not DUPLICATE.allowed(Status.MERGED, Status.OPEN)


def test_one_record_still_kept_keeps_the_person_whatever_the_order():
    rows = [(1, "closed"), (1, None), (2, "not_awarded"), (2, "withdrawn"), (3, None),
            (3, "closed")]
    assert verdicts_by_person(rows) == {1: None, 2: "not_awarded", 3: None}
