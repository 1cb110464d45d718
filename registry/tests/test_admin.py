import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
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
    IdentityDocument,
    Organisation,
    Person,
    PersonMerge,
)

pytestmark = pytest.mark.django_db

BORN = datetime.date(1990, 5, 14)


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def staff(role):
    return UserFactory(username=role, is_staff=True, roles=[role])


def changelist(model_name):
    return reverse(f"admin:registry_{model_name}_changelist")


def change_url(obj):
    return reverse(f"admin:registry_{obj._meta.model_name}_change", args=[obj.pk])


def results(response):
    return list(response.context["cl"].result_list)


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- rows for each list: every column a row shows is filled in ------------------------

def add_persons(n):
    for i in range(n):
        person = PersonFactory(user=UserFactory() if i % 2 else None)
        if i % 3 == 0:
            Person.objects.filter(pk=person.pk).update(merged_into=PersonFactory())


def add_documents(n):
    IdentityDocumentFactory.create_batch(n)


def add_households(n):
    for _i in range(n):
        HouseholdMemberFactory.create_batch(2, household=HouseholdFactory())


def add_consents(n):
    recorder = UserFactory()
    partner = Organisation.objects.create(name=f"Partner {Consent.objects.count()}",
                                          kind=Organisation.Kind.NGO, country="SN")
    for i in range(n):
        ConsentFactory(recorded_by=recorder,
                       purpose=Consent.Purpose.PARTNER_SHARING if i % 2 else
                       Consent.Purpose.SCHOLARSHIP,
                       partner=partner if i % 2 else None)


def add_organisations(n):
    start = Organisation.objects.count()
    for i in range(start, start + n):
        Organisation.objects.create(name=f"Organisation {i}", acronym=f"O{i}",
                                    kind=Organisation.Kind.LOCAL_PARTNER, country="CD")


def add_candidates(n):
    resolver = UserFactory()
    for i in range(n):
        a, b = sorted(PersonFactory.create_batch(2), key=lambda p: p.pk)
        DuplicateCandidate.objects.create(
            person_a=a, person_b=b, reason=DuplicateCandidate.Reason.NAME_AND_BIRTH,
            status=DuplicateCandidate.Status.DISMISSED if i % 2 else DuplicateCandidate.Status.OPEN,
            resolved_by=resolver if i % 2 else None)


def add_merges(n):
    actor = UserFactory()
    for _i in range(n):
        services.person_merge(actor=actor, survivor=PersonFactory(), duplicate=PersonFactory())


ROWS = {
    "person": add_persons,
    "identitydocument": add_documents,
    "household": add_households,
    "consent": add_consents,
    "organisation": add_organisations,
    "duplicatecandidate": add_candidates,
    "personmerge": add_merges,
}


@pytest.mark.parametrize("model_name", list(ROWS))
def test_each_list_runs_the_same_number_of_queries_for_3_and_30_rows(admin_client, model_name):
    url = changelist(model_name)
    ROWS[model_name](3)
    admin_client.get(url)  # warm the caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(url)
    assert response.status_code == 200
    shown = len(results(response))
    ROWS[model_name](27)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(results(response)) >= shown + 27
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


@pytest.mark.parametrize("model_name", list(ROWS))
def test_each_list_shows_the_readable_reference(admin_client, model_name):
    ROWS[model_name](2)
    response = admin_client.get(changelist(model_name))
    assert response.status_code == 200
    first = results(response)[0]
    reference = getattr(first, "reference", None) or (
        first.person.reference if hasattr(first, "person") else
        first.person_a.reference if hasattr(first, "person_a") else first.merged.reference)
    assert reference in response.content.decode()


@pytest.mark.parametrize("model_name", list(ROWS))
def test_each_list_and_search_answers_an_empty_registry(admin_client, model_name):
    assert admin_client.get(changelist(model_name), {"q": "P-000001"}).status_code == 200
    assert admin_client.get(changelist(model_name), {"q": "Keïta"}).status_code == 200


# --- search -------------------------------------------------------------------------------

def test_person_search_by_reference(admin_client):
    wanted, _other = PersonFactory(), PersonFactory()
    for term in (wanted.reference, wanted.reference.lower(), f"P-{wanted.pk}"):
        response = admin_client.get(changelist("person"), {"q": term})
        assert results(response) == [wanted], term


@pytest.mark.parametrize("term", ["keita", "KEÏTA sekou", "Sekou Keita", "sek kei"])
def test_person_search_ignores_accents_case_and_order(admin_client, term):
    wanted = PersonFactory(given_names="Sékou", family_name="Keïta")
    PersonFactory(given_names="Sekou", family_name="Touré")
    response = admin_client.get(changelist("person"), {"q": term})
    assert results(response) == [wanted]


def test_person_search_finds_both_spellings_of_ndiaye(admin_client):
    one = PersonFactory(given_names="Fatou", family_name="N'Diaye")
    two = PersonFactory(given_names="Fatou", family_name="Ndiaye")
    response = admin_client.get(changelist("person"), {"q": "ndiaye"})
    assert set(results(response)) == {one, two}


def test_person_search_by_document_number_email_and_phone(admin_client):
    wanted = PersonFactory(email="aminata.d@example.org", phone="+221771234567")
    PersonFactory()
    IdentityDocumentFactory(person=wanted, number="A1234567")
    for term in ("a 1234-567", "aminata.d@example.org", "+221 77 123 45 67"):
        response = admin_client.get(changelist("person"), {"q": term})
        assert results(response) == [wanted], term


def test_a_passport_number_starting_with_p_is_not_taken_for_a_reference(admin_client):
    holder = PersonFactory()
    IdentityDocumentFactory(person=holder, number="P0000001")
    response = admin_client.get(changelist("person"), {"q": "P0000001"})
    assert results(response) == [holder]


def test_document_search_by_person_reference_name_and_number(admin_client):
    # A name outside the factories' pools, so the other holders cannot share it.
    holder = PersonFactory(given_names="Tsion", family_name="Woldemariam")
    document = IdentityDocumentFactory(person=holder, number="EP 123 456")
    IdentityDocumentFactory.create_batch(2)
    for term in (holder.reference, "tsion", "ep123456"):
        response = admin_client.get(changelist("identitydocument"), {"q": term})
        assert results(response) == [document], term


def test_household_search_by_member_name_lists_the_household_once(admin_client):
    # A given name outside the factories' pools, so the other principal cannot share it.
    household = HouseholdFactory()
    HouseholdMemberFactory(household=household, person=PersonFactory(given_names="Vestine",
                                                                     family_name="Uwimana"))
    HouseholdMemberFactory(household=household, person=PersonFactory(given_names="Vestine",
                                                                     family_name="Mugisha"))
    HouseholdFactory()
    response = admin_client.get(changelist("household"), {"q": "vestine"})
    assert results(response) == [household]
    response = admin_client.get(changelist("household"), {"q": household.reference})
    assert results(response) == [household]


def test_candidate_search_by_either_person(admin_client):
    add_candidates(3)
    candidate = DuplicateCandidate.objects.order_by("pk").last()
    for term in (candidate.person_a.reference, candidate.person_b.reference):
        response = admin_client.get(changelist("duplicatecandidate"), {"q": term})
        assert results(response) == [candidate]


def test_person_filters(admin_client):
    PersonFactory(sex=Person.Sex.FEMALE, country_of_residence="SN")
    PersonFactory(sex=Person.Sex.MALE, country_of_residence="BE")
    response = admin_client.get(changelist("person"),
                                {"sex__exact": "female", "country_of_residence": "SN"})
    assert len(results(response)) == 1


# --- saving goes through the services ------------------------------------------------------

def person_form(**overrides):
    data = {
        "given_names": "Sekou", "family_name": "KEITA", "name_original_script": "",
        "birth_date": BORN.isoformat(), "birth_date_precision": "day", "sex": "male",
        "nationalities": ["GN"], "country_of_residence": "GN", "email": "", "phone": "",
        "preferred_language": "fr", "user": "",
        "documents-TOTAL_FORMS": "0", "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0", "documents-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_adding_a_person_derives_the_keys_and_flags_the_duplicate(admin_client):
    earlier = PersonFactory(given_names="Sékou", family_name="Keïta", birth_date=BORN)
    response = admin_client.post(reverse("admin:registry_person_add"), person_form(**{
        "documents-TOTAL_FORMS": "1", "documents-0-kind": "passport",
        "documents-0-number": "gn 12-34", "documents-0-issuing_country": "GN",
        "documents-0-issued_on": "", "documents-0-expires_on": "",
    }))
    assert response.status_code == 302, response.context["errors"]
    added = Person.objects.get(family_name="KEITA")
    assert added.name_key == "keita sekou"
    assert added.documents.get().number_key == "GN1234"
    assert DuplicateCandidate.objects.filter(person_a=earlier, person_b=added).exists()
    assert any("Review the possible duplicate" in m for m in flash(response))


def test_changing_a_person_refreshes_the_keys(admin_client):
    existing = PersonFactory(given_names="Moussa", family_name="Sow", birth_date=BORN)
    response = admin_client.post(change_url(existing), person_form(
        given_names="Mamadou", family_name="Sow"))
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.name_key == "mamadou sow"
    assert existing.history.first().history_user.username == "root"


def test_the_same_document_twice_is_a_form_error_not_a_crash(admin_client):
    holder = PersonFactory()
    IdentityDocumentFactory(person=holder, number="A1234567", issuing_country="SN")
    response = admin_client.post(reverse("admin:registry_identitydocument_add"), {
        "person": holder.pk, "kind": "passport", "number": "a 1234 567",
        "issuing_country": "SN", "issued_on": "", "expires_on": "",
    })
    assert response.status_code == 200
    assert str(services.MSG_DOCUMENT_EXISTS) in response.content.decode()
    assert holder.documents.count() == 1


def test_adding_a_document_goes_through_document_save(admin_client):
    holder = PersonFactory()
    other = PersonFactory()
    IdentityDocumentFactory(person=other, number="A1234567", issuing_country="SN")
    response = admin_client.post(reverse("admin:registry_identitydocument_add"), {
        "person": holder.pk, "kind": "passport", "number": "a-1234-567",
        "issuing_country": "SN", "issued_on": "", "expires_on": "",
    })
    assert response.status_code == 302
    assert holder.documents.get().number_key == "A1234567"
    assert DuplicateCandidate.objects.filter(reason=DuplicateCandidate.Reason.DOCUMENT).exists()


def test_a_merged_person_is_shown_read_only(admin_client):
    survivor, merged = PersonFactory(), PersonFactory()
    services.person_merge(actor=UserFactory(), survivor=survivor, duplicate=merged)
    response = admin_client.get(change_url(merged))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="given_names"' not in page
    assert survivor.reference in page
    assert response.context["has_delete_permission"] is False


def test_adding_a_consent_records_who_recorded_it(admin_client, superuser):
    subject = PersonFactory()
    response = admin_client.post(reverse("admin:registry_consent_add"), {
        "person": subject.pk, "purpose": "scholarship", "partner": "", "method": "signed",
        "given_at_0": "2026-01-05", "given_at_1": "10:00:00",
    })
    assert response.status_code == 302
    assert subject.consents.get().recorded_by == superuser


def test_the_withdraw_action_withdraws_through_the_service(admin_client, superuser):
    consent = ConsentFactory()
    response = admin_client.post(changelist("consent"), {
        "action": "withdraw", "_selected_action": [consent.pk]})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_by == superuser


# --- duplicate review ----------------------------------------------------------------------

@pytest.fixture
def candidate():
    PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=BORN,
                  email="aminata@example.org")
    b = PersonFactory(given_names="DIALLO", family_name="Amínata", birth_date=BORN, email="")
    IdentityDocumentFactory(person=b, number="SN778899")
    services.duplicates_flag()
    return DuplicateCandidate.objects.get()


def test_the_review_page_shows_both_persons_side_by_side(admin_client, candidate):
    response = admin_client.get(change_url(candidate))
    page = response.content.decode()
    assert response.status_code == 200
    assert candidate.person_a.reference in page
    assert candidate.person_b.reference in page
    assert "aminata@example.org" in page
    assert "SN778899" in page
    rows = {str(row["label"]): row for row in response.context["rows"]}
    assert rows["e-mail"]["differs"]
    assert rows["given names"]["differs"]
    assert not rows["all names, folded and sorted"]["differs"]
    assert not rows["date of birth"]["differs"]
    for decision in ("keep_a", "keep_b", "dismiss"):
        assert f'value="{decision}"' in page


def test_keep_a_merges_b_into_a(admin_client, superuser, candidate):
    a, b = candidate.person_a, candidate.person_b
    response = admin_client.post(change_url(candidate), {"decision": "keep_a",
                                                         "note": "Same passport photo"})
    assert response.status_code == 302
    assert response["Location"].startswith(changelist("duplicatecandidate"))
    b.refresh_from_db()
    candidate.refresh_from_db()
    assert b.merged_into == a
    assert a.documents.get().number == "SN778899"
    assert candidate.status == DuplicateCandidate.Status.MERGED
    merge = PersonMerge.objects.get()
    assert (merge.survivor, merge.merged, merge.merged_by) == (a, b, superuser)
    assert merge.reason == "Same passport photo"


def test_keep_b_merges_a_into_b(admin_client, candidate):
    response = admin_client.post(change_url(candidate), {"decision": "keep_b"})
    assert response.status_code == 302
    candidate.person_a.refresh_from_db()
    assert candidate.person_a.merged_into == candidate.person_b


def test_not_the_same_person_dismisses_with_the_note(admin_client, superuser, candidate):
    response = admin_client.post(change_url(candidate), {"decision": "dismiss",
                                                         "note": "Twin sisters"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.DISMISSED
    assert (candidate.note, candidate.resolved_by) == ("Twin sisters", superuser)
    assert not PersonMerge.objects.exists()


def test_a_refused_merge_is_shown_as_an_error_and_changes_nothing(admin_client, candidate):
    Person.objects.filter(pk=candidate.person_a_id).update(user=UserFactory(username="one"))
    Person.objects.filter(pk=candidate.person_b_id).update(user=UserFactory(username="two"))
    assert admin_client.get(change_url(candidate)).context["both_have_accounts"]
    response = admin_client.post(change_url(candidate), {"decision": "keep_a"})
    assert response.status_code == 302
    assert response["Location"] == change_url(candidate)
    assert str(services.MSG_MERGE_TWO_ACCOUNTS) in flash(response)
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN
    assert not Person.objects.filter(merged_into__isnull=False).exists()


def test_a_resolved_pair_cannot_be_decided_again(admin_client, candidate):
    admin_client.post(change_url(candidate), {"decision": "dismiss"})
    response = admin_client.get(change_url(candidate))
    assert 'value="keep_a"' not in response.content.decode()
    response = admin_client.post(change_url(candidate), {"decision": "keep_a"})
    assert response.status_code == 302
    assert not PersonMerge.objects.exists()


def test_a_scholarship_admin_may_decide(client, candidate):
    client.force_login(staff(Role.SCHOLARSHIP_ADMIN))
    response = client.get(change_url(candidate))
    assert 'value="keep_a"' in response.content.decode()
    client.post(change_url(candidate), {"decision": "keep_a"})
    assert PersonMerge.objects.count() == 1


@pytest.mark.parametrize("role", [Role.DPO, Role.SUPERVISOR])
def test_a_view_only_role_sees_the_review_but_cannot_decide(client, candidate, role):
    client.force_login(staff(role))
    response = client.get(change_url(candidate))
    page = response.content.decode()
    assert response.status_code == 200
    assert candidate.person_b.reference in page
    assert 'value="keep_a"' not in page
    for decision in ("keep_a", "keep_b", "dismiss"):
        assert client.post(change_url(candidate), {"decision": decision}).status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN
    assert not Person.objects.filter(merged_into__isnull=False).exists()


def test_a_caseworker_cannot_open_the_review(client, candidate):
    client.force_login(staff(Role.CASEWORKER))
    assert client.get(change_url(candidate)).status_code == 403


def test_candidates_are_neither_added_nor_deleted_by_hand(admin_client, candidate):
    assert admin_client.get(reverse("admin:registry_duplicatecandidate_add")).status_code == 403
    delete = reverse("admin:registry_duplicatecandidate_delete", args=[candidate.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert DuplicateCandidate.objects.exists()


# --- merges are an audit trail -----------------------------------------------------------

def test_merges_are_read_only_even_for_a_superuser(admin_client):
    add_merges(1)
    merge = PersonMerge.objects.get()
    response = admin_client.get(change_url(merge))
    page = response.content.decode()
    assert response.status_code == 200
    assert merge.survivor.reference in page
    assert "registry.IdentityDocument.person" in page or "moved" in page
    assert 'name="_save"' not in page
    assert admin_client.get(reverse("admin:registry_personmerge_add")).status_code == 403
    assert admin_client.post(change_url(merge), {"reason": "edited"}).status_code == 403
    delete = reverse("admin:registry_personmerge_delete", args=[merge.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert PersonMerge.objects.get().reason == ""


def test_the_dpo_reads_merges(client):
    add_merges(1)
    client.force_login(staff(Role.DPO))
    assert client.get(changelist("personmerge")).status_code == 200
    assert client.get(change_url(PersonMerge.objects.get())).status_code == 200


# --- history ------------------------------------------------------------------------------

def test_a_view_only_user_cannot_revert_through_the_history_form(client):
    subject = PersonFactory(given_names="Before")
    subject.given_names = "After"
    services.person_update(actor=UserFactory(), person=subject)
    old = subject.history.order_by("history_date").first()
    client.force_login(staff(Role.DPO))
    url = reverse("admin:registry_person_simple_history", args=[subject.pk, old.history_id])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    # simple_history alone would save this POST: its form is built without change=True.
    assert client.post(url, person_form(given_names="Before", family_name=subject.family_name)
                       ).status_code == 403
    subject.refresh_from_db()
    assert subject.given_names == "After"


def test_a_merge_cannot_be_undone_by_reverting_the_merged_record(admin_client):
    survivor, merged = PersonFactory(), PersonFactory()
    before = merged.history.create(
        **{f.attname: getattr(merged, f.attname) for f in Person._meta.concrete_fields
           if f.attname not in ("search_key", "name_key")},
        history_date=merged.updated_at, history_type="~")
    services.person_merge(actor=UserFactory(), survivor=survivor, duplicate=merged)
    url = reverse("admin:registry_person_simple_history", args=[merged.pk, before.history_id])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="_change_history"' not in response.content.decode()
    assert admin_client.post(url, person_form(
        given_names=merged.given_names, family_name=merged.family_name,
        _change_history="1")).status_code == 403
    merged.refresh_from_db()
    assert merged.merged_into == survivor


def test_the_document_list_filters_by_expiry(admin_client):
    today = datetime.date.today()
    expired = IdentityDocumentFactory(issued_on=today - datetime.timedelta(days=4000),
                                      expires_on=today - datetime.timedelta(days=1))
    IdentityDocumentFactory(issued_on=today - datetime.timedelta(days=10),
                            expires_on=today + datetime.timedelta(days=3000))
    response = admin_client.get(changelist("identitydocument"), {"expiry": "expired"})
    assert results(response) == [expired]
    assert IdentityDocument.objects.count() == 2


@pytest.mark.parametrize("model_name", list(ROWS))
def test_each_change_and_history_page_opens(admin_client, model_name):
    ROWS[model_name](2)
    obj = results(admin_client.get(changelist(model_name)))[0]
    assert admin_client.get(change_url(obj)).status_code == 200
    history = reverse(f"admin:registry_{model_name}_history", args=[obj.pk])
    assert admin_client.get(history).status_code == 200


@pytest.mark.parametrize("model_name", ["person", "identitydocument", "household", "consent",
                                        "organisation"])
def test_each_add_page_opens(admin_client, model_name):
    assert admin_client.get(reverse(f"admin:registry_{model_name}_add")).status_code == 200


def test_choosing_a_person_never_offers_a_merged_record(admin_client):
    survivor = PersonFactory(given_names="Abebe", family_name="Bekele")
    merged = PersonFactory(given_names="Abebe", family_name="Bekele")
    services.person_merge(actor=UserFactory(), survivor=survivor, duplicate=merged)
    response = admin_client.get(reverse("admin:autocomplete"), {
        "app_label": "registry", "model_name": "identitydocument", "field_name": "person",
        "term": "abebe"})
    assert [r["id"] for r in response.json()["results"]] == [str(survivor.pk)]
