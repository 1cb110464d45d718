import datetime

import pytest

from registry.duplicates import likely_duplicates
from registry.factories import IdentityDocumentFactory, PersonFactory, UserFactory
from registry.models import DuplicateCandidate, Person
from registry.names import name_key

pytestmark = pytest.mark.django_db

BORN = datetime.date(1991, 3, 7)
YEAR = Person.BirthDatePrecision.YEAR
NAME_BIRTH = DuplicateCandidate.Reason.NAME_AND_BIRTH
DOCUMENT = DuplicateCandidate.Reason.DOCUMENT


def person(given="Zoubeirou", family="Quaxalaba", born=BORN, **kwargs):
    # Names no factory pool contains, so random persons never collide.
    return PersonFactory(given_names=given, family_name=family,
                         name_key=name_key(given, family), birth_date=born, **kwargs)


def ids(result, pk):
    return [likely.person_id for likely in result.get(pk, [])]


def test_same_folded_name_and_birth_date_is_a_likely_duplicate():
    first = person()
    second = person(given="ZOUBÉIROU", family="quaxalaba")
    result = likely_duplicates([first.pk, second.pk])
    assert ids(result, first.pk) == [second.pk]
    assert ids(result, second.pk) == [first.pk]
    assert result[first.pk][0].reasons == (NAME_BIRTH,)
    assert result[first.pk][0].reference == second.reference
    assert result[first.pk][0].why == ["Same name and date of birth"]


def test_other_birth_date_or_other_name_is_not():
    first = person()
    person(born=datetime.date(1991, 3, 8))
    person(given="Zoubeira")
    assert likely_duplicates([first.pk]) == {}


def test_year_only_birth_date_matches_any_date_of_that_year():
    first = person()
    year_only = person(born=datetime.date(1991, 1, 1), birth_date_precision=YEAR)
    person(born=datetime.date(1992, 1, 1), birth_date_precision=YEAR)
    result = likely_duplicates([first.pk, year_only.pk])
    assert ids(result, first.pk) == [year_only.pk]
    assert ids(result, year_only.pk) == [first.pk]
    # Each found from its own side too (the query asks the day or the year).
    assert ids(likely_duplicates([first.pk]), first.pk) == [year_only.pk]
    assert ids(likely_duplicates([year_only.pk]), year_only.pk) == [first.pk]


def test_merged_records_and_the_person_itself_are_left_out():
    first = person()
    survivor = person(given="Abdoulkarimou", family="Quaxalabo")
    merged = person()
    Person.objects.filter(pk=merged.pk).update(merged_into=survivor)
    assert likely_duplicates([first.pk]) == {}


def test_same_identity_document_is_a_likely_duplicate():
    first, second = person(), person(given="Hamadoun", family="Zyxwerty", born=None)
    IdentityDocumentFactory(person=first, number="ab 123-456", number_key="AB123456",
                            issuing_country="ML")
    IdentityDocumentFactory(person=second, number="AB123456", number_key="AB123456",
                            issuing_country="ML")
    # The same number from another country is another document.
    IdentityDocumentFactory(number="AB123456", number_key="AB123456", issuing_country="SN")
    result = likely_duplicates([first.pk])
    assert ids(result, first.pk) == [second.pk]
    assert result[first.pk][0].reasons == (DOCUMENT,)


def test_open_pair_is_a_likely_duplicate_with_its_reason():
    first, second = person(), person(given="Hamadoun", family="Zyxwerty", born=None)
    DuplicateCandidate.objects.create(person_a=first, person_b=second, reason=DOCUMENT)
    assert ids(likely_duplicates([second.pk]), second.pk) == [first.pk]
    assert likely_duplicates([second.pk])[second.pk][0].reasons == (DOCUMENT,)


def test_dismissed_pair_is_not_a_likely_duplicate_even_with_the_same_name_and_birth():
    first, second = person(), person()
    DuplicateCandidate.objects.create(
        person_a=first, person_b=second, reason=NAME_BIRTH,
        status=DuplicateCandidate.Status.DISMISSED, resolved_by=UserFactory())
    assert likely_duplicates([first.pk, second.pk]) == {}


def test_reasons_add_up_for_one_other_person():
    first, second = person(), person()
    IdentityDocumentFactory(person=first, number="X1", number_key="X1", issuing_country="NE")
    IdentityDocumentFactory(person=second, number="X1", number_key="X1", issuing_country="NE")
    result = likely_duplicates([first.pk])
    assert result[first.pk][0].reasons == (NAME_BIRTH, DOCUMENT)


def test_query_count_does_not_grow_with_persons(django_assert_max_num_queries):
    few = [person(given=f"Qwo{i}", family="Quaxalaba").pk for i in range(3)]
    many = [person(given=f"Qwu{i}", family="Quaxalaba").pk for i in range(30)]
    for pk in few + many:
        twin = Person.objects.get(pk=pk)
        person(given=twin.given_names, born=twin.birth_date)
        IdentityDocumentFactory(person=twin)
    with django_assert_max_num_queries(4):
        small = likely_duplicates(few)
    with django_assert_max_num_queries(4):
        large = likely_duplicates(many)
    assert len(small) == 3 and len(large) == 30
