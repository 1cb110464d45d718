"""Who sees which person of the registry, and which parts of them
(registry.access), on every registry page and in the administration.

The world: one person, Zqxbintou Zqxkamara, is both a scholarship applicant
and the returnee of a case followed by caseworker `cw` (team of supervisor
`sup`). She has a passport added for each programme and one of unknown origin,
a consent for each programme and a household. `cw_other` and `sup_other` are
another return team."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.roles import Role
from registry import access
from registry.factories import (
    ConsentFactory,
    HouseholdFactory,
    IdentityDocumentFactory,
    PersonFactory,
    UserFactory,
)
from registry.models import Consent, DuplicateCandidate, PersonMerge, Side
from reintegration.factories import CaseFactory, caseworker, supervisor_of
from reintegration.views.intake import MSG_EXACT_NEEDS_BOTH
from scholarships.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = ["applicant", "reviewer", "scholarship_admin", "cw", "cw_other", "sup", "sup_other",
         "partner", "dpo", "superuser"]
STAFF_OF_CASE = {"cw", "sup"}


def _document(person, side, number):
    return IdentityDocumentFactory(person=person, side=side, number=number,
                                   scan=ContentFile(PDF, name="scan.pdf"),
                                   scan_content_type="application/pdf")


@pytest.fixture
def world():
    cw, cw_other = caseworker(), caseworker()
    sup = supervisor_of(cw).supervisor
    sup_other = supervisor_of(cw_other).supervisor
    users = {
        "applicant": UserFactory(roles=[Role.APPLICANT]),
        "reviewer": UserFactory(roles=[Role.REVIEWER]),
        "scholarship_admin": UserFactory(roles=[Role.SCHOLARSHIP_ADMIN]),
        "cw": cw, "cw_other": cw_other, "sup": sup, "sup_other": sup_other,
        "partner": UserFactory(roles=[Role.PARTNER]),
        "dpo": UserFactory(roles=[Role.DPO]),
        "superuser": UserFactory(is_superuser=True),
    }
    for user in users.values():
        user.is_staff = True  # the administration's own gate is not what is tested
        user.save()
    person = PersonFactory(given_names="Zqxbintou", family_name="Zqxkamara",
                           birth_date=datetime.date(1993, 4, 2), country="GN")
    ApplicationFactory(applicant=person)
    case = CaseFactory(principal=person, caseworker=cw)
    twin = PersonFactory(given_names="Zqxbintou", family_name="Zqxkamara",
                         birth_date=datetime.date(1993, 4, 2), country="GN")
    merged = PersonFactory(given_names="Zqxbinta", family_name="Zqxkamara", country="GN",
                           merged_into=person)
    return {
        "users": users, "person": person, "twin": twin, "case": case,
        "doc_s": _document(person, Side.SCHOLARSHIP, "ZQS1111111"),
        "doc_r": _document(person, Side.REINTEGRATION, "ZQR2222222"),
        "doc_u": _document(person, "", "ZQU3333333"),
        "consent_s": ConsentFactory(person=person, purpose=Consent.Purpose.SCHOLARSHIP),
        "consent_r": ConsentFactory(person=person, purpose=Consent.Purpose.REINTEGRATION),
        "household": HouseholdFactory(principal=person, notes="Zqxhousehold notes"),
        "pair": DuplicateCandidate.objects.create(
            person_a=person, person_b=twin, reason=DuplicateCandidate.Reason.NAME_AND_BIRTH),
        "merge": PersonMerge.objects.create(survivor=person, merged=merged,
                                            merged_by=users["superuser"]),
    }


# Who gets 200 on each page; the others get `denied` (403: no right to the
# page at all) or 404 (the record is out of their scope or of another side).
SEE_PERSON = {"scholarship_admin", "cw", "sup", "dpo", "superuser"}
WRITE_PERSON = {"scholarship_admin", "cw", "sup", "superuser"}
REGISTRY_STAFF = {"scholarship_admin", "cw", "cw_other", "sup", "sup_other", "dpo",
                  "superuser"}
WRITERS = REGISTRY_STAFF - {"dpo"}


def _pages(w):
    """(url, who gets 200, who gets 403 rather than 404)."""
    person, no_rights = w["person"].pk, {"applicant", "reviewer", "partner"}
    readers_403 = no_rights
    writers_403 = no_rights | {"dpo"}
    return [
        (reverse("registry:person_list"), REGISTRY_STAFF, readers_403),
        (reverse("registry:person_create"), WRITERS, writers_403),
        (reverse("registry:person_detail", args=[person]), SEE_PERSON, readers_403),
        (reverse("registry:person_edit", args=[person]), WRITE_PERSON, writers_403),
        (reverse("registry:document_create", args=[person]), WRITE_PERSON, writers_403),
        (reverse("registry:document_edit", args=[w["doc_r"].pk]),
         {"cw", "sup", "superuser"}, writers_403),
        (reverse("registry:document_edit", args=[w["doc_s"].pk]),
         {"scholarship_admin", "superuser"}, writers_403),
        (reverse("registry:document_edit", args=[w["doc_u"].pk]), {"superuser"}, writers_403),
        (reverse("registry:document_scan", args=[w["doc_r"].pk]),
         {"cw", "sup", "dpo", "superuser"}, set()),
        (reverse("registry:document_scan", args=[w["doc_s"].pk]),
         {"scholarship_admin", "dpo", "superuser"}, set()),
        (reverse("registry:document_scan", args=[w["doc_u"].pk]), {"dpo", "superuser"}, set()),
        (reverse("registry:consent_create", args=[person]), WRITE_PERSON, writers_403),
        (reverse("registry:consent_withdraw", args=[w["consent_r"].pk]),
         {"cw", "sup", "superuser"}, writers_403),
        (reverse("registry:consent_withdraw", args=[w["consent_s"].pk]),
         {"scholarship_admin", "superuser"}, writers_403),
        (reverse("registry:household_create", args=[person]), {"cw", "sup", "superuser"},
         writers_403),
        (reverse("registry:household_member_add", args=[w["household"].pk]),
         {"cw", "sup", "superuser"}, writers_403),
        (reverse("registry:changes"), {"dpo", "superuser"}, set(ROLES) - {"dpo", "superuser"}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_registry_page_answers_each_role_by_scope_and_side(client, world, role):
    client.force_login(world["users"][role])
    for url, allowed, forbidden in _pages(world):
        expected = 200 if role in allowed else 403 if role in forbidden else 404
        assert client.get(url).status_code == expected, (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_no_role_writes_out_of_its_scope_or_side(client, world, role):
    """POSTs are refused as GETs are: nothing is recorded."""
    client.force_login(world["users"][role])
    consent_r, consent_s = world["consent_r"], world["consent_s"]
    for consent, allowed in ((consent_r, {"cw", "sup", "superuser"}),
                             (consent_s, {"scholarship_admin", "superuser"})):
        response = client.post(reverse("registry:consent_withdraw", args=[consent.pk]))
        consent.refresh_from_db()
        assert (consent.withdrawn_at is not None) == (role in allowed), role
        if role not in allowed:
            assert response.status_code in (403, 404)


def test_the_dpo_pages_of_the_registry_are_not_for_other_roles(client, world):
    person = world["person"].pk
    urls = [reverse("registry:subject_access", args=[person]),
            reverse("registry:retention")]
    for role in set(ROLES) - {"dpo", "superuser"}:
        client.force_login(world["users"][role])
        for url in urls:
            assert client.get(url).status_code in (302, 403, 404), (role, url)


def _detail(client, world, role) -> str:
    client.force_login(world["users"][role])
    response = client.get(world["person"].get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_scholarship_admin_sees_nothing_of_the_return(client, world):
    html = _detail(client, world, "scholarship_admin")
    assert "ZQS1111111" in html
    assert "ZQR2222222" not in html and "ZQU3333333" not in html
    assert str(Consent.Purpose.SCHOLARSHIP.label) in html
    assert str(Consent.Purpose.REINTEGRATION.label) not in html
    assert reverse("registry:consent_withdraw", args=[world["consent_s"].pk]) in html
    assert reverse("registry:consent_withdraw", args=[world["consent_r"].pk]) not in html
    assert world["household"].reference not in html and "Households" not in html
    assert reverse("registry:household_create", args=[world["person"].pk]) not in html
    assert "return case" not in html.lower()


@pytest.mark.parametrize("role", ["cw", "sup"])
def test_the_return_staff_see_nothing_of_the_scholarship(client, world, role):
    html = _detail(client, world, role)
    assert "ZQR2222222" in html
    assert "ZQS1111111" not in html and "ZQU3333333" not in html
    assert str(Consent.Purpose.REINTEGRATION.label) in html
    assert str(Consent.Purpose.SCHOLARSHIP.label) not in html
    assert world["household"].reference in html


def test_the_dpo_reads_everything_and_has_no_button_to_change(client, world):
    html = _detail(client, world, "dpo")
    person = world["person"].pk
    for number in ("ZQS1111111", "ZQR2222222", "ZQU3333333"):
        assert number in html
    assert str(Consent.Purpose.SCHOLARSHIP.label) in html
    assert str(Consent.Purpose.REINTEGRATION.label) in html
    assert world["household"].reference in html
    for name, pk in [("person_edit", person), ("document_create", person),
                     ("consent_create", person), ("household_create", person),
                     ("document_edit", world["doc_r"].pk),
                     ("consent_withdraw", world["consent_r"].pk),
                     ("household_member_add", world["household"].pk)]:
        assert reverse(f"registry:{name}", args=[pk]) not in html, name


def test_the_dpo_person_page_links_to_the_read_log_when_it_exists(client, world):
    html = _detail(client, world, "dpo")
    try:
        url = reverse("audit:person", args=[world["person"].pk])
    except Exception:  # the audit page is built by another piece of work
        assert "Reads and changes of this person" not in html
    else:
        assert url in html and "Reads and changes of this person" in html
    assert "Reads and changes of this person" not in _detail(client, world, "cw")


@pytest.mark.parametrize("role", ["cw_other", "sup_other"])
def test_another_team_does_not_find_the_person_in_the_list(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(reverse("registry:person_list"), {"q": "Zqxkamara"})
    person = world["person"]
    assert response.status_code == 200
    assert person.get_absolute_url() not in response.content.decode()
    # The twin has no programme record yet: every programme's staff may see it.
    assert world["twin"].get_absolute_url() in response.content.decode()


def test_a_person_without_any_record_is_seen_by_both_programmes_until_one_holds_one(world):
    users = world["users"]
    newcomer = PersonFactory(given_names="Zqxnew", family_name="Zqxcomer")
    for role in ("scholarship_admin", "cw", "cw_other", "sup_other"):
        assert access.person_in_scope(users[role], newcomer.pk), role
    for role in ("applicant", "reviewer", "partner"):
        assert not access.person_in_scope(users[role], newcomer.pk), role
    ApplicationFactory(applicant=newcomer)
    assert access.person_in_scope(users["scholarship_admin"], newcomer.pk)
    for role in ("cw", "cw_other", "sup_other"):
        assert not access.person_in_scope(users[role], newcomer.pk), role


def test_a_user_with_both_sides_sees_the_union(world):
    both = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN, Role.CASEWORKER])
    applicant = ApplicationFactory().applicant
    returnee = CaseFactory(caseworker=both).principal
    other_returnee = CaseFactory().principal
    assert access.person_in_scope(both, applicant.pk)
    assert access.person_in_scope(both, returnee.pk)
    assert not access.person_in_scope(both, other_returnee.pk)
    assert set(access.sides_of(both)) == set(Side.values)


def test_a_new_document_records_the_side_of_its_author(client, world):
    person = world["person"]
    data = {"kind": "passport", "number": "ZQN4444444", "issuing_country": "GN",
            "issued_on": "2020-01-01", "expires_on": "2030-01-01"}
    client.force_login(world["users"]["scholarship_admin"])
    url = reverse("registry:document_create", args=[person.pk])
    assert client.post(url, data).status_code == 302
    assert person.documents.get(number="ZQN4444444").side == Side.SCHOLARSHIP
    # With both sides, the form asks; without an answer, it says so next to the field.
    both = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN, Role.CASEWORKER])
    client.force_login(both)
    response = client.post(url, {**data, "number": "ZQN5555555"})
    assert response.status_code == 200
    assert response.context["form"].errors["side"]
    assert client.post(url, {**data, "number": "ZQN5555555",
                             "side": Side.REINTEGRATION}).status_code == 302
    assert person.documents.get(number="ZQN5555555").side == Side.REINTEGRATION


def test_the_consent_form_offers_only_the_users_purposes(client, world):
    url = reverse("registry:consent_create", args=[world["person"].pk])
    client.force_login(world["users"]["scholarship_admin"])
    choices = [value for value, _label in
               client.get(url).context["form"].fields["purpose"].choices]
    assert choices == [Consent.Purpose.SCHOLARSHIP]
    response = client.post(url, {"purpose": Consent.Purpose.REINTEGRATION,
                                 "method": "signed", "given_at": "2026-01-01T10:00"})
    assert response.status_code == 200 and response.context["form"].errors["purpose"]
    client.force_login(world["users"]["cw"])
    choices = {value for value, _label in
               client.get(url).context["form"].fields["purpose"].choices}
    assert choices == {Consent.Purpose.REINTEGRATION, Consent.Purpose.PARTNER_SHARING}


def test_the_person_list_does_not_grow_in_queries_with_rows(client, world,
                                                            django_assert_max_num_queries):
    client.force_login(world["users"]["scholarship_admin"])
    for _ in range(15):
        ApplicationFactory()
    client.get(reverse("registry:person_list"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("registry:person_list")).status_code == 200


# --- the administration ----------------------------------------------------------------------

ADMIN_MODELS = {
    # model: (roles with the view permission)
    "person": REGISTRY_STAFF,
    "identitydocument": REGISTRY_STAFF,
    "household": REGISTRY_STAFF,
    "consent": REGISTRY_STAFF,
    "duplicatecandidate": {"scholarship_admin", "sup", "sup_other", "dpo", "superuser"},
    "personmerge": {"scholarship_admin", "dpo", "superuser"},
}


def _admin_records(w):
    """(model, object, who sees it)."""
    return [
        ("person", w["person"], SEE_PERSON),
        ("identitydocument", w["doc_r"], {"cw", "sup", "dpo", "superuser"}),
        ("identitydocument", w["doc_s"], {"scholarship_admin", "dpo", "superuser"}),
        ("identitydocument", w["doc_u"], {"dpo", "superuser"}),
        ("household", w["household"], {"cw", "sup", "dpo", "superuser"}),
        ("consent", w["consent_r"], {"cw", "sup", "dpo", "superuser"}),
        ("consent", w["consent_s"], {"scholarship_admin", "dpo", "superuser"}),
        ("duplicatecandidate", w["pair"], {"scholarship_admin", "sup", "dpo", "superuser"}),
        ("personmerge", w["merge"], {"scholarship_admin", "dpo", "superuser"}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_registry_admin_list_and_page_is_scoped(client, world, role):
    client.force_login(world["users"][role])
    for model, obj, sees in _admin_records(world):
        change = reverse(f"admin:registry_{model}_change", args=[obj.pk])
        changelist = client.get(reverse(f"admin:registry_{model}_changelist"))
        response = client.get(change)
        if role not in ADMIN_MODELS[model]:
            assert changelist.status_code == 403, (role, model)
            assert response.status_code == 403, (role, model)
            continue
        assert changelist.status_code == 200, (role, model)
        assert (change in changelist.content.decode()) == (role in sees), (role, model)
        if role in sees:
            assert response.status_code == 200, (role, model)
        else:
            # The admin's answer for a record it does not find.
            assert response.status_code == 302, (role, model)
            assert response["Location"] == reverse("admin:index")
        history = client.get(reverse(f"admin:registry_{model}_history", args=[obj.pk])) \
            if model not in ("duplicatecandidate", "personmerge") else None
        if history is not None and role not in sees:
            assert history.status_code == 404, (role, model)


def test_the_dpo_changes_nothing_in_the_administration(client, world):
    client.force_login(world["users"]["dpo"])
    url = reverse("admin:registry_person_change", args=[world["person"].pk])
    html = client.get(url).content.decode()
    assert 'name="_save"' not in html
    response = client.post(url, {"given_names": "Changed"})
    assert response.status_code == 403
    world["person"].refresh_from_db()
    assert world["person"].given_names == "Zqxbintou"
    assert client.get(reverse("admin:registry_consent_add")).status_code == 403


def test_the_admin_search_finds_nobody_by_another_sides_document(client, world):
    client.force_login(world["users"]["scholarship_admin"])
    changelist = reverse("admin:registry_person_changelist")
    change = reverse("admin:registry_person_change", args=[world["person"].pk])
    assert change in client.get(changelist, {"q": "ZQS1111111"}).content.decode()
    assert change not in client.get(changelist, {"q": "ZQR2222222"}).content.decode()
    client.force_login(world["users"]["cw_other"])
    assert change not in client.get(changelist, {"q": "Zqxkamara"}).content.decode()
    assert change not in client.get(changelist, {"q": world["person"].reference}).content.decode()


def test_the_scholarship_admin_reviews_a_pair_without_the_return_documents(client, world):
    client.force_login(world["users"]["scholarship_admin"])
    html = client.get(reverse("admin:registry_duplicatecandidate_change",
                              args=[world["pair"].pk])).content.decode()
    assert "ZQS1111111" in html
    assert "ZQR2222222" not in html and "ZQU3333333" not in html
    assert str(Consent.Purpose.REINTEGRATION.label) not in html


# --- the intake of a return case: is the person already known? ----------------------------

def _intake(client, **params):
    return client.get(reverse("reintegration:intake"), params)


def test_another_team_learns_only_that_the_person_has_an_open_case_elsewhere(client, world):
    client.force_login(world["users"]["cw_other"])
    person = world["person"]
    case = world["case"]
    # The free search does not browse persons out of scope.
    html = _intake(client, q="Zqxkamara").content.decode()
    assert f"/registry/persons/{person.pk}/" not in html
    response = _intake(client, exact="1", name="ZQXKAMARA zqxbintou", born="1993-04-02")
    assert response.status_code == 200
    html = response.content.decode()
    assert person.reference in html and "2 Apr 1993" in html
    assert "open return case followed by another team" in html
    assert reverse("reintegration:case_open", args=[person.pk]) not in html
    assert "ZQR2222222" not in html and "ZQS1111111" not in html
    assert case.reference not in html
    # Without the exact date of birth, nothing is said.
    html = _intake(client, exact="1", name="Zqxbintou Zqxkamara",
                   born="1993-04-03").content.decode()
    assert person.reference not in html


def test_the_exact_search_needs_the_name_and_the_date_or_a_document(client, world):
    client.force_login(world["users"]["cw_other"])
    response = _intake(client, exact="1", name="Zqxbintou Zqxkamara")
    assert response.status_code == 200
    assert str(MSG_EXACT_NEEDS_BOTH) in response.content.decode()
    assert 'value="Zqxbintou Zqxkamara"' in response.content.decode()


def test_a_scholar_found_by_document_can_have_a_case_opened_by_the_finder_only(client, world):
    scholar = ApplicationFactory(applicant=PersonFactory(
        given_names="Zqxmoussa", family_name="Zqxtoure", country="GN")).applicant
    IdentityDocumentFactory(person=scholar, side=Side.SCHOLARSHIP, number="ZQD7777777")
    cw = world["users"]["cw_other"]
    client.force_login(cw)
    open_url = reverse("reintegration:case_open", args=[scholar.pk])
    assert client.get(open_url).status_code == 404  # not by guessing the id
    response = _intake(client, exact="1", document="zqd 777 7777")
    match = response.context["exact_results"][0]
    assert match["reference"] == scholar.reference and not match["open_elsewhere"]
    html = response.content.decode()
    assert open_url in html and "Zqxmoussa Zqxtoure" in html
    assert client.get(open_url, {"found": match["token"]}).status_code == 200
    # The proof is this user's: another caseworker cannot use it.
    client.force_login(world["users"]["cw"])
    assert client.get(open_url, {"found": match["token"]}).status_code == 404


def test_the_case_caseworker_finds_the_person_with_the_free_search(client, world):
    client.force_login(world["users"]["cw"])
    response = _intake(client, q="Zqxkamara")
    found = {p.pk for p in response.context["results"]}
    assert found == {world["person"].pk, world["twin"].pk}
    assert "already has an open case" in response.content.decode()


def test_the_admin_person_page_shows_only_the_users_side(client, world):
    url = reverse("admin:registry_person_change", args=[world["person"].pk])
    client.force_login(world["users"]["scholarship_admin"])
    html = client.get(url).content.decode()
    assert "ZQS1111111" in html
    assert "ZQR2222222" not in html and "ZQU3333333" not in html
    assert "1 document(s), heads 0 household(s), member of 0, 1 consent(s)" in html
    client.force_login(world["users"]["dpo"])
    html = client.get(url).content.decode()
    assert all(n in html for n in ("ZQS1111111", "ZQR2222222", "ZQU3333333"))


# --- which programmes hold a record (registry.models.PersonRecords) -------------------

def _sees(user, person) -> bool:
    return access.person_in_scope(user, person.pk)


def test_a_person_leaves_the_other_programmes_sight_when_a_record_is_opened_and_returns_after():
    """The scope reads which programmes hold a record from PersonRecords, kept
    by the programmes' services: an application started, a case opened with a
    member, the member removed again."""
    from reintegration.models import CaseMember
    from reintegration.services import cases as case_services
    from reintegration.workflow import State
    from scholarships import services as scholarship_services
    from scholarships.factories import CallFactory

    admin = UserFactory(roles=[Role.SCHOLARSHIP_ADMIN])
    cw = caseworker()
    applicant, returnee, child = (
        PersonFactory(given_names=f"Zqx{n}", family_name="Zqxrecords", country="GN")
        for n in ("apply", "return", "child"))
    assert all(_sees(admin, p) and _sees(cw, p) for p in (applicant, returnee, child))

    scholarship_services.application_start(actor=admin, call=CallFactory(), person=applicant)
    case = case_services.case_open(actor=cw, principal=returnee, country_of_return="GN",
                                   members=[(child, "child")],
                                   consent_method=Consent.Method.SIGNED)
    assert (_sees(admin, applicant), _sees(cw, applicant)) == (True, False)
    assert (_sees(admin, returnee), _sees(cw, returnee)) == (False, True)
    assert (_sees(admin, child), _sees(cw, child)) == (False, True)

    case_services.case_move(actor=cw, case=case, to=State.COUNSELLING)
    case_services.case_member_remove(actor=cw, member=CaseMember.objects.get(person=child))
    assert (_sees(admin, child), _sees(cw, child)) == (True, True)


def test_a_merge_carries_the_duplicates_programme_to_the_survivor(world):
    """The survivor takes the duplicate's case: the other programme's staff no
    longer see the survivor; the emptied duplicate has no record left."""
    from registry import services

    users = world["users"]
    survivor = PersonFactory(given_names="Zqxsurvivor", family_name="Zqxmerge", country="GN")
    duplicate = PersonFactory(given_names="Zqxduplicate", family_name="Zqxmerge", country="GN")
    CaseFactory(principal=duplicate, caseworker=users["cw"])
    assert _sees(users["scholarship_admin"], survivor)
    services.person_merge(actor=users["superuser"], survivor=survivor, duplicate=duplicate,
                          reason="same person")
    assert not _sees(users["scholarship_admin"], survivor)
    assert _sees(users["cw"], survivor)
    assert _sees(users["scholarship_admin"], duplicate)


def test_the_scope_of_a_list_is_the_same_few_queries_whatever_the_number_of_persons(
        client, world):
    """The person list of a scholarship administrator: the scope is a join on
    PersonRecords, not a query per programme or per person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["users"]["scholarship_admin"])
    client.get(reverse("registry:person_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("registry:person_list"))
    for _ in range(30):
        ApplicationFactory()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("registry:person_list"))
    assert response.status_code == 200
    assert len(many) == len(few) <= 5


def test_a_person_with_no_record_is_seen_by_every_side_and_one_without_a_row_by_the_dpo_only(
        world):
    """Every person has its PersonRecords row from its creation (the service
    and the factory); the persons no programme holds are read from the
    partial index and seen by every side's staff. A person missing its row
    (written around the services) is seen by the data protection officer
    alone: the scope fails closed."""
    from registry import services
    from registry.models import Person, PersonRecords

    users = world["users"]
    admin = users["superuser"]
    fresh = services.person_create(actor=admin, person=Person(
        given_names="Zqxnew", family_name="Zqxperson", birth_date=datetime.date(1990, 1, 1)))
    assert PersonRecords.objects.filter(person=fresh, scholarship=False,
                                        reintegration=False).exists()
    stray = PersonFactory(given_names="Zqxstray", family_name="Zqxrow")
    PersonRecords.objects.filter(person=stray).delete()
    for name in ("scholarship_admin", "cw", "cw_other", "sup", "dpo", "superuser"):
        seen = set(access.person_scope(users[name]).filter(
            pk__in=[fresh.pk, stray.pk, world["person"].pk]).values_list("pk", flat=True))
        assert fresh.pk in seen, name
        assert (stray.pk in seen) == (name in ("dpo", "superuser")), name
        assert (world["person"].pk in seen) == (name in SEE_PERSON), name
