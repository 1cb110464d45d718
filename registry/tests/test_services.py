import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from registry import services
from registry.factories import (
    ConsentFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    IdentityDocumentFactory,
    PersonFactory,
    UserFactory,
)
from registry.models import (
    Consent,
    DuplicateCandidate,
    HouseholdMember,
    IdentityDocument,
    Person,
    PersonMerge,
)

pytestmark = pytest.mark.django_db

BORN = datetime.date(1990, 5, 14)
YEAR = Person.BirthDatePrecision.YEAR


@pytest.fixture
def actor():
    return UserFactory(username="registrar")


def person(given="Aminata", family="Diallo", born=BORN, **extra):
    return PersonFactory(given_names=given, family_name=family, birth_date=born, **extra)


def pairs():
    return set(DuplicateCandidate.objects.values_list("person_a", "person_b", "reason"))


def messages_of(excinfo) -> list[str]:
    return excinfo.value.messages


# --- person_create / person_update ------------------------------------------------

def test_person_create_derives_the_name_keys(actor):
    created = services.person_create(actor=actor, person=Person(
        given_names="Amínata", family_name="DIALLO", name_original_script="أمينة",
        birth_date=BORN))
    created.refresh_from_db()
    assert created.name_key == "aminata diallo"
    # Arabic letters are kept; the hamza on the alef is a mark, like an accent.
    assert created.search_key == "aminata diallo امينة"


def test_a_year_only_birth_date_is_stored_as_the_first_of_january(actor):
    created = services.person_create(actor=actor, person=Person(
        family_name="Bekele", birth_date=datetime.date(1988, 7, 3), birth_date_precision=YEAR))
    assert created.birth_date == datetime.date(1988, 1, 1)
    assert created.birth_display == "1988"


def test_a_person_needs_a_name(actor):
    with pytest.raises(ValidationError):
        services.person_create(actor=actor, person=Person(birth_date=BORN))
    assert not Person.objects.exists()


def test_person_update_refreshes_the_keys(actor):
    existing = person("Moussa", "Sow")
    existing.given_names = "Cheikh"
    services.person_update(actor=actor, person=existing)
    existing.refresh_from_db()
    assert existing.name_key == "cheikh sow"


# --- duplicates_flag ------------------------------------------------------------------

def test_same_folded_name_and_birth_date_is_flagged_whatever_accents_case_and_order():
    first = person("Aminata", "Diallo")
    second = person("DIALLO", "Amínata")
    assert services.duplicates_flag() == 1
    assert pairs() == {(first.pk, second.pk, DuplicateCandidate.Reason.NAME_AND_BIRTH)}


def test_apostrophe_spellings_of_one_name_are_flagged():
    first = person("Fatou", "N'Diaye")
    second = person("Fatou", "Ndiaye")
    assert services.duplicates_flag() == 1
    assert pairs() == {(first.pk, second.pk, DuplicateCandidate.Reason.NAME_AND_BIRTH)}


def test_a_year_only_birth_date_matches_any_date_that_year():
    year_only = person(born=datetime.date(1990, 1, 1), birth_date_precision=YEAR)
    exact = person(born=datetime.date(1990, 11, 30))
    person(born=datetime.date(1991, 3, 2))  # another year: another person
    assert services.duplicates_flag() == 1
    assert pairs() == {(year_only.pk, exact.pk, DuplicateCandidate.Reason.NAME_AND_BIRTH)}


def test_a_different_birth_date_is_not_flagged():
    person(born=datetime.date(1990, 5, 14))
    person(born=datetime.date(1990, 5, 15))
    assert services.duplicates_flag() == 0
    assert not DuplicateCandidate.objects.exists()


def test_an_unknown_birth_date_is_never_flagged_by_name():
    person(born=None)
    person(born=None)
    assert services.duplicates_flag() == 0


def test_different_names_born_the_same_day_are_not_flagged():
    person("Aminata", "Diallo")
    person("Aminata", "Diop")
    assert services.duplicates_flag() == 0


def test_the_same_document_is_flagged_even_with_different_names():
    first = person("Moussa", "Sow", born=datetime.date(1985, 1, 2))
    second = person("Ibrahima", "Fall", born=datetime.date(1979, 9, 9))
    IdentityDocumentFactory(person=first, number="A 1234-567", issuing_country="SN")
    IdentityDocumentFactory(person=second, number="a1234567", issuing_country="SN")
    assert services.duplicates_flag() == 1
    assert pairs() == {(first.pk, second.pk, DuplicateCandidate.Reason.DOCUMENT)}


def test_the_same_number_from_another_country_is_not_flagged():
    first = person("Moussa", "Sow", born=datetime.date(1985, 1, 2))
    second = person("Ibrahima", "Fall", born=datetime.date(1979, 9, 9))
    IdentityDocumentFactory(person=first, number="A1234567", issuing_country="SN")
    IdentityDocumentFactory(person=second, number="A1234567", issuing_country="GN")
    assert services.duplicates_flag() == 0


def test_numbers_without_a_letter_or_digit_never_match(actor):
    first = person("Moussa", "Sow", born=datetime.date(1985, 1, 2))
    second = person("Ibrahima", "Fall", born=datetime.date(1979, 9, 9))
    IdentityDocumentFactory(person=first, number="--", issuing_country="SN")
    IdentityDocumentFactory(person=second, number="//", issuing_country="SN")
    assert services.duplicates_flag() == 0
    assert services.duplicates_flag(persons=[first]) == 0


def test_running_twice_flags_nothing_new():
    person("Aminata", "Diallo")
    person("Diallo", "Aminata")
    assert services.duplicates_flag() == 1
    assert services.duplicates_flag() == 0
    assert DuplicateCandidate.objects.count() == 1


def test_a_dismissed_pair_is_not_flagged_again(actor):
    person("Aminata", "Diallo")
    person("Diallo", "Aminata")
    services.duplicates_flag()
    services.duplicate_dismiss(actor=actor, candidate=DuplicateCandidate.objects.get())
    assert services.duplicates_flag() == 0
    assert DuplicateCandidate.objects.get().status == DuplicateCandidate.Status.DISMISSED


def test_person_create_flags_the_new_person_against_the_registry(actor):
    earlier = person("Keïta", "Sekou")
    unrelated = person("Hawa", "Barry")
    new = services.person_create(actor=actor, person=Person(
        given_names="Sekou", family_name="KEITA", birth_date=BORN))
    assert pairs() == {(earlier.pk, new.pk, DuplicateCandidate.Reason.NAME_AND_BIRTH)}
    # Per-person mode looks only at pairs with the given persons.
    assert services.duplicates_flag(persons=[new]) == 0
    assert services.duplicates_flag(persons=[unrelated]) == 0


def test_document_save_flags_the_holder_of_the_same_document(actor):
    holder = person("Moussa", "Sow", born=datetime.date(1985, 1, 2))
    IdentityDocumentFactory(person=holder, number="SN998877", issuing_country="SN")
    other = person("Ibrahima", "Fall", born=datetime.date(1979, 9, 9))
    services.document_save(actor=actor, document=IdentityDocument(
        person=other, kind=IdentityDocument.Kind.PASSPORT, number="sn 998 877",
        issuing_country="SN"))
    assert pairs() == {(holder.pk, other.pk, DuplicateCandidate.Reason.DOCUMENT)}


def test_merged_records_are_never_flagged(actor):
    survivor = person("Aminata", "Diallo")
    merged = person("Diallo", "Aminata")
    services.person_merge(actor=actor, survivor=survivor, duplicate=merged)
    DuplicateCandidate.objects.all().delete()
    assert services.duplicates_flag() == 0


def test_the_sweep_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for _i in range(3):
        first = person("Aminata", "Diallo", born=datetime.date(1990 + _i, 5, 14))
        person("Diallo", "Aminata", born=first.birth_date)
        IdentityDocumentFactory(person=first, number=f"SN{_i}", issuing_country="SN")
        IdentityDocumentFactory(number=f"SN{_i}", issuing_country="SN")
    with django_assert_max_num_queries(6):
        assert services.duplicates_flag() == 6


# --- document_save --------------------------------------------------------------------

def test_document_save_derives_the_number_key(actor):
    saved = services.document_save(actor=actor, document=IdentityDocument(
        person=person(), kind=IdentityDocument.Kind.PASSPORT, number="a 1234-567",
        issuing_country="SN"))
    saved.refresh_from_db()
    assert saved.number_key == "A1234567"


def test_the_same_document_twice_for_one_person_is_a_validation_error(actor):
    holder = person()
    IdentityDocumentFactory(person=holder, number="A1234567", issuing_country="SN")
    with pytest.raises(ValidationError) as excinfo:
        services.document_save(actor=actor, document=IdentityDocument(
            person=holder, kind=IdentityDocument.Kind.PASSPORT, number="a-1234-567",
            issuing_country="SN"))
    assert excinfo.value.message_dict == {"number": [str(services.MSG_DOCUMENT_EXISTS)]}
    assert holder.documents.count() == 1


def test_a_document_number_needs_a_letter_or_digit(actor):
    with pytest.raises(ValidationError) as excinfo:
        services.document_save(actor=actor, document=IdentityDocument(
            person=person(), kind=IdentityDocument.Kind.PASSPORT, number=" - ",
            issuing_country="SN"))
    assert excinfo.value.message_dict == {"number": [str(services.MSG_DOCUMENT_NUMBER_EMPTY)]}


def test_a_document_cannot_expire_before_it_was_issued(actor):
    with pytest.raises(ValidationError):
        services.document_save(actor=actor, document=IdentityDocument(
            person=person(), kind=IdentityDocument.Kind.PASSPORT, number="A1",
            issuing_country="SN", issued_on=datetime.date(2024, 1, 1),
            expires_on=datetime.date(2023, 1, 1)))
    assert not IdentityDocument.objects.exists()


# --- duplicate_dismiss ------------------------------------------------------------------

def flagged_pair():
    first = person("Aminata", "Diallo")
    second = person("Diallo", "Aminata")
    services.duplicates_flag()
    return first, second, DuplicateCandidate.objects.get()


def test_dismiss_records_who_and_why(actor):
    _a, _b, candidate = flagged_pair()
    services.duplicate_dismiss(actor=actor, candidate=candidate, note="Twins")
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.DISMISSED
    assert candidate.resolved_by == actor
    assert candidate.resolved_at is not None
    assert candidate.note == "Twins"


def test_dismissing_twice_changes_nothing(actor):
    _a, _b, candidate = flagged_pair()
    services.duplicate_dismiss(actor=actor, candidate=candidate, note="Twins")
    other = UserFactory()
    services.duplicate_dismiss(actor=other, candidate=candidate, note="Again")
    candidate.refresh_from_db()
    assert (candidate.resolved_by, candidate.note) == (actor, "Twins")


def test_a_merged_pair_cannot_be_dismissed(actor):
    first, second, candidate = flagged_pair()
    services.person_merge(actor=actor, survivor=first, duplicate=second, candidate=candidate)
    with pytest.raises(ValidationError) as excinfo:
        services.duplicate_dismiss(actor=actor, candidate=candidate)
    assert messages_of(excinfo) == [str(services.MSG_DUPLICATE_MERGED)]
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.MERGED


# --- person_merge ------------------------------------------------------------------------

def test_merge_moves_everything_that_pointed_at_the_duplicate(actor):
    survivor = person("Aminata", "Diallo", email="aminata@example.org")
    duplicate = person("DIALLO", "Amínata")
    account = UserFactory(username="aminata")
    Person.objects.filter(pk=duplicate.pk).update(user=account)
    passport = IdentityDocumentFactory(person=duplicate)
    consent = ConsentFactory(person=duplicate)
    headed = HouseholdFactory(principal=duplicate)
    child = HouseholdMemberFactory(household=headed)
    elsewhere = HouseholdMemberFactory(person=duplicate, relation=HouseholdMember.Relation.SPOUSE)
    earlier = person("Aminata", "Diallo", born=None)
    Person.objects.filter(pk=earlier.pk).update(merged_into=duplicate)

    merge = services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate,
                                  reason="Same passport photo")

    passport.refresh_from_db()
    consent.refresh_from_db()
    headed.refresh_from_db()
    elsewhere.refresh_from_db()
    earlier.refresh_from_db()
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert passport.person == survivor
    assert consent.person == survivor
    assert headed.principal == survivor
    assert elsewhere.person == survivor
    assert child.person != survivor
    assert earlier.merged_into == survivor
    assert survivor.user == account
    assert duplicate.user is None
    assert duplicate.merged_into == survivor
    assert merge.merged_by == actor
    assert merge.reason == "Same passport photo"
    assert merge.moved["moved"] == {
        "registry.IdentityDocument.person": 1,
        "registry.Consent.person": 1,
        "registry.Household.principal": 1,
        "registry.HouseholdMember.person": 1,
        "registry.Person.merged_into": 1,
        "user": 1,
    }
    assert merge.snapshot["given_names"] == "DIALLO"


def test_merge_fills_the_survivors_empty_fields_and_joins_nationalities(actor):
    survivor = person("Youssef", "Benali", born=datetime.date(1992, 1, 1),
                      birth_date_precision=YEAR, email="", country_of_residence="",
                      nationalities=["MA"], sex=Person.Sex.UNKNOWN)
    duplicate = person("Youssef", "Benali", born=datetime.date(1992, 6, 3),
                       email="y.benali@example.org", phone="+212612345678",
                       name_original_script="يوسف بنعلي", country_of_residence="BE",
                       nationalities=["BE", "MA"], sex=Person.Sex.MALE)
    merge = services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    survivor.refresh_from_db()
    assert survivor.email == "y.benali@example.org"
    assert str(survivor.phone) == "+212612345678"
    assert survivor.country_of_residence == "BE"
    assert survivor.name_original_script == "يوسف بنعلي"
    assert {c.code for c in survivor.nationalities} == {"MA", "BE"}
    assert survivor.sex == Person.Sex.MALE
    # The duplicate knew the day of a birth the survivor only had the year of.
    assert survivor.birth_date == datetime.date(1992, 6, 3)
    assert survivor.birth_date_precision == Person.BirthDatePrecision.DAY
    # The filled-in original script is searchable.
    assert "يوسف" in survivor.search_key
    assert set(merge.moved["filled"]) == {
        "email", "phone", "name_original_script", "country_of_residence", "nationalities",
        "sex", "birth_date"}


def test_merge_keeps_what_the_survivor_already_has(actor):
    survivor = person(email="kept@example.org", nationalities=["SN"])
    duplicate = person(email="other@example.org", nationalities=["SN"])
    services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    survivor.refresh_from_db()
    assert survivor.email == "kept@example.org"
    assert [c.code for c in survivor.nationalities] == ["SN"]


def test_merge_closes_the_candidate(actor):
    first, second, candidate = flagged_pair()
    merge = services.person_merge(actor=actor, survivor=second, duplicate=first,
                                  candidate=candidate)
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.MERGED
    assert candidate.resolved_by == actor
    assert merge.candidate == candidate


def test_merge_settles_other_open_pairs_of_the_duplicate(actor):
    survivor = person("Aminata", "Diallo")
    duplicate = person("Diallo", "Aminata")
    third = person("Aminata", "DIALLO")
    services.duplicates_flag()
    assert DuplicateCandidate.objects.count() == 3
    services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    statuses = dict(DuplicateCandidate.objects.values_list("person_b", "status").filter(
        person_a=survivor))
    assert statuses == {duplicate.pk: DuplicateCandidate.Status.MERGED,
                        third.pk: DuplicateCandidate.Status.OPEN}
    assert DuplicateCandidate.objects.get(person_a=duplicate).status == (
        DuplicateCandidate.Status.MERGED)


def test_the_survivor_is_checked_again_with_what_it_received(actor):
    survivor = person("Moussa", "Sow", born=datetime.date(1985, 1, 2))
    duplicate = person("Moussa", "Sow", born=datetime.date(1985, 1, 2))
    stranger = person("Ibrahima", "Fall", born=datetime.date(1979, 9, 9))
    IdentityDocumentFactory(person=duplicate, number="SN1", issuing_country="SN")
    IdentityDocumentFactory(person=stranger, number="SN1", issuing_country="SN")
    services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    assert DuplicateCandidate.objects.filter(
        person_a=survivor, person_b=stranger, status=DuplicateCandidate.Status.OPEN).exists()


def test_the_same_passport_on_both_records_is_kept_once(actor):
    survivor = person()
    duplicate = person()
    kept = IdentityDocumentFactory(person=survivor, number="A1234567", issuing_country="SN")
    IdentityDocumentFactory(person=duplicate, number="a 1234 567", issuing_country="SN")
    merge = services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    assert list(IdentityDocument.objects.all()) == [kept]
    assert merge.moved["dropped"] == {"registry.IdentityDocument.person": 1}


def test_a_shared_household_is_joined_once(actor):
    survivor = person()
    duplicate = person()
    household = HouseholdFactory()
    HouseholdMemberFactory(household=household, person=survivor)
    HouseholdMemberFactory(household=household, person=duplicate)
    services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    assert list(household.members.values_list("person", flat=True)) == [survivor.pk]


def test_the_principal_does_not_become_a_member_of_their_own_household(actor):
    survivor = person()
    duplicate = person()
    household = HouseholdFactory(principal=survivor)
    HouseholdMemberFactory(household=household, person=duplicate,
                           relation=HouseholdMember.Relation.SPOUSE)
    merge = services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    assert not household.members.exists()
    assert merge.moved["dropped"] == {"registry.HouseholdMember.person": 1}


def test_a_record_cannot_be_merged_into_itself(actor):
    alone = person()
    with pytest.raises(ValidationError) as excinfo:
        services.person_merge(actor=actor, survivor=alone, duplicate=alone)
    assert messages_of(excinfo) == [str(services.MSG_MERGE_SAME)]


def test_an_already_merged_record_cannot_be_merged_again(actor):
    survivor, duplicate, third = person(), person(), person()
    services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    with pytest.raises(ValidationError) as excinfo:
        services.person_merge(actor=actor, survivor=third, duplicate=duplicate)
    assert messages_of(excinfo) == [
        str(services.MSG_MERGE_ALREADY % {"reference": duplicate.reference})]
    with pytest.raises(ValidationError):
        services.person_merge(actor=actor, survivor=duplicate, duplicate=third)
    assert PersonMerge.objects.count() == 1


def test_two_login_accounts_block_the_merge(actor):
    survivor = person(user=UserFactory(username="one"))
    duplicate = person(user=UserFactory(username="two"))
    IdentityDocumentFactory(person=duplicate)
    with pytest.raises(ValidationError) as excinfo:
        services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    assert messages_of(excinfo) == [str(services.MSG_MERGE_TWO_ACCOUNTS)]
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert duplicate.documents.count() == 1


def test_a_candidate_about_another_pair_is_refused(actor):
    _first, _second, candidate = flagged_pair()
    with pytest.raises(ValidationError) as excinfo:
        services.person_merge(actor=actor, survivor=person(), duplicate=person(),
                              candidate=candidate)
    assert messages_of(excinfo) == [str(services.MSG_MERGE_WRONG_PAIR)]


def test_a_merge_that_fails_half_way_moves_nothing(actor, monkeypatch):
    survivor = person("Aminata", "Diallo")
    duplicate = person("Diallo", "Aminata", email="a@example.org")
    passport = IdentityDocumentFactory(person=duplicate)
    consent = ConsentFactory(person=duplicate)
    services.duplicates_flag()
    candidate = DuplicateCandidate.objects.get()

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    # The last step, after every row has been moved and the audit row written.
    monkeypatch.setattr(services, "duplicates_flag", broken)
    with pytest.raises(RuntimeError):
        services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate,
                              candidate=candidate)

    passport.refresh_from_db()
    consent.refresh_from_db()
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    candidate.refresh_from_db()
    assert passport.person == duplicate
    assert consent.person == duplicate
    assert duplicate.merged_into is None
    assert survivor.email != "a@example.org"
    assert candidate.status == DuplicateCandidate.Status.OPEN
    assert not PersonMerge.objects.exists()


def test_the_merge_is_in_the_history_of_both_records(actor):
    survivor, duplicate = person(), person()
    services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
    assert duplicate.history.first().history_change_reason == (
        f"merged into {survivor.reference}")
    assert survivor.history.first().history_change_reason == (
        f"{duplicate.reference} merged into this record")


# Without serialized_rollback: reloading the serialized database after another
# transactional test's flush clashes with the content types the flush
# recreated (depending on which tests ran before); this test needs no role.
@pytest.mark.django_db(transaction=True)
def test_two_admins_merging_one_pair_both_ways_at_once_merge_it_once():
    """Each thread merges the pair the other way round; the row locks (and
    SQLite's one writer at a time) make the second see the first's merge."""
    actor = UserFactory(username="registrar")
    first, second = person(), person()
    IdentityDocumentFactory(person=first)
    IdentityDocumentFactory(person=second)
    ConsentFactory(person=first, purpose=Consent.Purpose.REINTEGRATION)
    start = threading.Barrier(2)
    outcomes = []

    def merge(survivor, duplicate):
        try:
            start.wait(timeout=10)
            services.person_merge(actor=actor, survivor=survivor, duplicate=duplicate)
            outcomes.append("merged")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=merge, args=(first, second)),
               threading.Thread(target=merge, args=(second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[-1] == "merged"
    assert outcomes.count("merged") == 1
    assert PersonMerge.objects.count() == 1
    merge_row = PersonMerge.objects.get()
    assert Person.objects.filter(merged_into__isnull=True).get() == merge_row.survivor
    assert set(IdentityDocument.objects.values_list("person", flat=True)) == {
        merge_row.survivor_id}
    assert set(Consent.objects.values_list("person", flat=True)) == {merge_row.survivor_id}
