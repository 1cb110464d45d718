"""The registry's staff pages: who may open them, what bad input looks like,
uploads and downloads of scans, and that pages do not query per row."""

import datetime
import struct
import zlib

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import Role
from privatemedia.files import MSG_TOO_LARGE, MSG_WRONG_TYPE
from registry import forms, services, views
from registry.factories import (
    ConsentFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    IdentityDocumentFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)
from registry.models import Consent, DuplicateCandidate, HouseholdMember, IdentityDocument, Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def _png_bytes() -> bytes:
    """A real 1x1 white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


PNG_BYTES = _png_bytes()


def login(client, *roles):
    user = UserFactory(roles=list(roles))
    client.force_login(user)
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def aminata(**kwargs) -> Person:
    defaults = {"given_names": "Aminata", "family_name": "Diallo",
                "birth_date": datetime.date(1994, 3, 12), "country": "SN"}
    return PersonFactory(**{**defaults, **kwargs})


def document_with_scan(person=None, content=PDF_BYTES, content_type="application/pdf"):
    return IdentityDocumentFactory(
        person=person or PersonFactory(), scan=ContentFile(content, name="scan.pdf"),
        scan_content_type=content_type,
    )


def person_post_data(**overrides) -> dict:
    data = {
        "given_names": "Aminata", "family_name": "Diallo", "name_original_script": "",
        "birth_date": "1994-03-12", "birth_date_precision": "day", "sex": "female",
        "nationalities": ["SN"], "country_of_residence": "BE",
        "email": "aminata.diallo@example.org", "phone": "+32470123456",
        "preferred_language": "fr",
    }
    data.update(overrides)
    return data


def document_post_data(**overrides) -> dict:
    data = {"kind": "passport", "number": "A 1234 567", "issuing_country": "SN",
            "issued_on": "2020-01-15", "expires_on": "2030-01-14"}
    data.update(overrides)
    return data


# --- who may see what -------------------------------------------------------------------------

def _record_urls():
    """Every registry URL that shows or changes a record, with the record made."""
    person = PersonFactory()
    document = document_with_scan(person=person)
    consent = ConsentFactory(person=person)
    household = HouseholdFactory(principal=person)
    return [
        reverse("registry:person_list"),
        reverse("registry:person_create"),
        reverse("registry:person_detail", args=[person.pk]),
        reverse("registry:person_edit", args=[person.pk]),
        reverse("registry:document_create", args=[person.pk]),
        reverse("registry:document_edit", args=[document.pk]),
        reverse("registry:consent_create", args=[person.pk]),
        reverse("registry:consent_withdraw", args=[consent.pk]),
        reverse("registry:household_create", args=[person.pk]),
        reverse("registry:household_member_add", args=[household.pk]),
    ]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.REVIEWER])
def test_staff_pages_are_forbidden_to_applicants_and_reviewers(client, role):
    login(client, role)
    for url in _record_urls():
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.REVIEWER])
def test_scan_download_is_not_found_for_users_without_rights(client, role):
    document = document_with_scan()
    login(client, role)
    assert client.get(reverse("registry:document_scan", args=[document.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    document = document_with_scan()
    urls = _record_urls() + [reverse("registry:document_scan", args=[document.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_dpo_reads_but_cannot_change(client):
    person = PersonFactory()
    consent = ConsentFactory(person=person)
    document = document_with_scan(person=person)
    login(client, Role.DPO)
    assert client.get(reverse("registry:person_list")).status_code == 200
    assert client.get(person.get_absolute_url()).status_code == 200
    assert client.get(reverse("registry:document_scan", args=[document.pk])).status_code == 200
    for url in [
        reverse("registry:person_create"),
        reverse("registry:person_edit", args=[person.pk]),
        reverse("registry:document_create", args=[person.pk]),
        reverse("registry:document_edit", args=[document.pk]),
        reverse("registry:consent_create", args=[person.pk]),
        reverse("registry:consent_withdraw", args=[consent.pk]),
        reverse("registry:household_create", args=[person.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("registry:consent_withdraw", args=[consent.pk]))
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.is_active


@pytest.mark.parametrize("role", [Role.SCHOLARSHIP_ADMIN, Role.CASEWORKER, Role.SUPERVISOR,
                                  Role.DPO])
def test_staff_roles_see_the_list_and_the_detail(client, role):
    person = aminata()
    login(client, role)
    assert client.get(reverse("registry:person_list")).status_code == 200
    response = client.get(person.get_absolute_url())
    assert response.status_code == 200
    assert person.reference in response.content.decode()


def test_a_login_linked_to_a_person_downloads_no_registry_document(client):
    """A login account linked to a person (an applicant, or an account that
    took over a record) is not staff: the registry's documents, their own
    included, are not found; their programme's own pages show them theirs."""
    user = login(client, Role.APPLICANT)
    own = document_with_scan(person=PersonFactory(user=user))
    other = document_with_scan(person=PersonFactory(user=UserFactory(roles=[Role.APPLICANT])))
    assert client.get(reverse("registry:document_scan", args=[own.pk])).status_code == 404
    assert client.get(reverse("registry:document_scan", args=[other.pk])).status_code == 404
    # Nor may they edit their own document through the staff page.
    assert client.get(reverse("registry:document_edit", args=[own.pk])).status_code == 403


def test_scan_of_a_document_without_a_file_is_not_found(client):
    document = IdentityDocumentFactory()
    login(client, Role.CASEWORKER)
    assert client.get(reverse("registry:document_scan", args=[document.pk])).status_code == 404


def test_unknown_records_are_not_found(client):
    login(client, Role.CASEWORKER)
    for name in ["person_detail", "person_edit", "document_create", "document_edit",
                 "document_scan", "consent_create", "consent_withdraw", "household_create",
                 "household_member_add"]:
        assert client.get(reverse(f"registry:{name}", args=[999999])).status_code == 404, name


# --- person list -----------------------------------------------------------------------------

def _listed(client, **params) -> list[Person]:
    """The persons the list page shows, in its order."""
    response = client.get(reverse("registry:person_list"), params)
    assert response.status_code == 200
    ids = [row["id"] for row in response.context["rows"]]
    found = Person.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


@pytest.mark.parametrize("query", ["aminata diallo", "DIALLO", "Diallo Aminata", "Amínata",
                                   "  aminata   "])
def test_search_finds_a_person_by_folded_words_of_the_name(client, query):
    person = aminata()
    PersonFactory(given_names="Moussa", family_name="Ndiaye", country="SN")
    login(client, Role.CASEWORKER)
    assert _listed(client, q=query) == [person]


@pytest.mark.parametrize("template", ["P-{pk:06d}", "p-{pk:06d}", "P-{pk}", "P {pk}"])
def test_search_finds_a_person_by_reference(client, template):
    person = aminata()
    aminata()  # a namesake that must not be listed
    login(client, Role.CASEWORKER)
    assert _listed(client, q=template.format(pk=person.pk)) == [person]


def test_search_by_an_unknown_reference_finds_nobody(client):
    aminata()
    login(client, Role.CASEWORKER)
    assert _listed(client, q="P-999999") == []
    assert _listed(client, q="P-99999999999999999999") == []


def test_list_filters_by_sex_nationality_and_country_of_residence(client):
    senegalese = aminata(sex=Person.Sex.FEMALE, nationalities=["SN", "BE"],
                         country_of_residence="BE")
    congolese = PersonFactory(country="CD", sex=Person.Sex.MALE, country_of_residence="CD")
    login(client, Role.CASEWORKER)
    assert _listed(client, sex="female") == [senegalese]
    assert _listed(client, sex="male") == [congolese]
    assert _listed(client, nationality="BE") == [senegalese]
    assert _listed(client, nationality="CD") == [congolese]
    assert _listed(client, country_of_residence="BE") == [senegalese]
    assert _listed(client, country_of_residence="CD", sex="female") == []
    assert _listed(client, q="diallo", nationality="SN") == [senegalese]


def test_list_leaves_out_merged_persons(client):
    survivor = aminata()
    merged = aminata(merged_into=survivor)
    login(client, Role.CASEWORKER)
    listed = _listed(client)
    assert survivor in listed
    assert merged not in listed
    assert _listed(client, q=merged.reference) == []


def test_list_shows_25_persons_per_page(client):
    PersonFactory.create_batch(30)
    login(client, Role.CASEWORKER)
    assert len(_listed(client)) == views.PERSONS_PER_PAGE == 25
    assert len(_listed(client, page=2)) == 5


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_list_queries_do_not_grow_with_rows(client):
    login(client, Role.CASEWORKER)
    url = reverse("registry:person_list")
    PersonFactory.create_batch(3, nationalities=["SN", "BE"])
    client.get(url)  # warm the caches (session, roles and permissions)
    few = _count_queries(client, url)
    PersonFactory.create_batch(27, nationalities=["CD", "BE"])
    assert _count_queries(client, url) == few


def test_list_fetches_only_the_columns_it_shows(client):
    PersonFactory(email="private.address@example.org", phone="+32470123456")
    login(client, Role.CASEWORKER)
    with CaptureQueriesContext(connection) as context:
        client.get(reverse("registry:person_list"))
    rows_query = [q["sql"] for q in context.captured_queries
                  if "registry_person" in q["sql"] and "COUNT(" not in q["sql"]]
    assert rows_query
    assert all('"registry_person"."email"' not in sql for sql in rows_query)
    assert all('"registry_person"."phone"' not in sql for sql in rows_query)


# --- person detail ---------------------------------------------------------------------------

def _person_with(n: int) -> Person:
    person = aminata()
    for i in range(n):
        document_with_scan(person=person)
        ConsentFactory(person=person, purpose=Consent.Purpose.PARTNER_SHARING,
                       partner=OrganisationFactory(name=f"Partner {n}-{i}"))
        HouseholdMemberFactory(household=HouseholdFactory(principal=person))
        HouseholdMemberFactory(person=person, relation=HouseholdMember.Relation.SPOUSE)
        DuplicateCandidate.objects.create(
            person_a=person, person_b=PersonFactory(),
            reason=DuplicateCandidate.Reason.NAME_AND_BIRTH)
        person.email = f"aminata.{n}.{i}@example.org"
        services.person_update(actor=None, person=person)
    return person


def test_detail_queries_do_not_grow_with_documents_households_and_consents(client):
    login(client, Role.SUPERVISOR)
    client.get(reverse("home"))  # warm the caches (session, roles and permissions)
    few = _count_queries(client, _person_with(3).get_absolute_url())
    many = _count_queries(client, _person_with(30).get_absolute_url())
    assert many == few


def test_detail_shows_documents_households_consents_duplicates_and_changes(client):
    person = aminata()
    document = document_with_scan(person=person)
    partner = OrganisationFactory(name="Caritas International", country="BE")
    withdrawn = ConsentFactory(person=person, purpose=Consent.Purpose.PARTNER_SHARING,
                               partner=partner, withdrawn_at=timezone.now())
    headed = HouseholdFactory(principal=person)
    child = PersonFactory(given_names="Awa", family_name="Diallo", country="SN")
    HouseholdMemberFactory(household=headed, person=child)
    parent = PersonFactory(given_names="Fatou", family_name="Sow", country="SN")
    HouseholdMemberFactory(household=HouseholdFactory(principal=parent), person=person,
                           relation=HouseholdMember.Relation.CHILD)
    namesake = aminata()
    candidate = DuplicateCandidate.objects.create(
        person_a=person, person_b=namesake, reason=DuplicateCandidate.Reason.NAME_AND_BIRTH)
    user = login(client, Role.SUPERVISOR)
    user.is_staff = True
    user.save()
    person.email = "new.address@example.org"
    services.person_update(actor=user, person=person)

    response = client.get(person.get_absolute_url())
    html = response.content.decode()
    assert document.number in html
    assert reverse("registry:document_scan", args=[document.pk]) in html
    assert reverse("registry:document_edit", args=[document.pk]) in html
    assert headed.reference in html and child.reference in html
    assert parent.reference in html
    assert "Caritas International" in html
    assert withdrawn.get_purpose_display() in html
    assert namesake.get_absolute_url() in html
    assert reverse("admin:registry_duplicatecandidate_change", args=[candidate.pk]) in html
    changes = response.context["changes"]
    assert [str(f) for f in changes[0].changed_fields] == ["e-mail"]
    assert changes[-1].history_type == "+"


def test_caseworkers_see_duplicates_without_the_admin_link(client):
    person = aminata()
    namesake = aminata()
    candidate = DuplicateCandidate.objects.create(
        person_a=person, person_b=namesake, reason=DuplicateCandidate.Reason.NAME_AND_BIRTH)
    login(client, Role.CASEWORKER)
    html = client.get(person.get_absolute_url()).content.decode()
    assert namesake.reference in html
    assert reverse("admin:registry_duplicatecandidate_change", args=[candidate.pk]) not in html


def test_merged_person_page_points_to_the_record_it_was_merged_into(client):
    survivor = aminata()
    merged = aminata(merged_into=survivor)
    login(client, Role.CASEWORKER)
    response = client.get(merged.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert survivor.reference in html
    assert f'href="{survivor.get_absolute_url()}"' in html
    assert reverse("registry:person_edit", args=[merged.pk]) not in html
    # Nothing more is written to a merged record.
    assert client.get(reverse("registry:person_edit", args=[merged.pk])).status_code == 404
    assert client.get(reverse("registry:document_create", args=[merged.pk])).status_code == 404


def test_pages_link_to_each_other(client):
    person = aminata()
    login(client, Role.CASEWORKER)
    list_html = client.get(reverse("registry:person_list")).content.decode()
    assert person.get_absolute_url() in list_html
    assert reverse("registry:person_create") in list_html
    detail_html = client.get(person.get_absolute_url()).content.decode()
    for name in ["person_edit", "document_create", "consent_create", "household_create"]:
        assert reverse(f"registry:{name}", args=[person.pk]) in detail_html, name


# --- creating and editing a person ---------------------------------------------------------------

def test_create_saves_through_the_service_and_opens_the_new_record(client):
    login(client, Role.CASEWORKER)
    response = client.post(reverse("registry:person_create"), person_post_data())
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    assert person.search_key == "aminata diallo"  # derived by services.person_create
    assert str(person.phone) == "+32470123456"
    assert messages_of(response) == [str(views.MSG_PERSON_CREATED % {
        "reference": person.reference})]


def test_create_warns_about_a_likely_duplicate(client):
    existing = aminata()
    login(client, Role.CASEWORKER)
    response = client.post(reverse("registry:person_create"),
                           person_post_data(given_names="Diallo", family_name="AMINATA"))
    new = Person.objects.exclude(pk=existing.pk).get()
    assert DuplicateCandidate.objects.filter(person_a=existing, person_b=new).exists()
    warning = str(views.MSG_POSSIBLE_DUPLICATE % {
        "others": f"{existing.reference} ({existing.full_name})"})
    assert warning in messages_of(response)
    detail = client.get(new.get_absolute_url()).content.decode()
    assert existing.get_absolute_url() in detail


def test_create_page_invites_to_search_first(client):
    login(client, Role.CASEWORKER)
    html = client.get(reverse("registry:person_create")).content.decode()
    assert f'action="{reverse("registry:person_list")}"' in html


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"given_names": "", "family_name": "  "}, "given_names", forms.MSG_NAME_REQUIRED),
    ({"birth_date": "2999-01-01"}, "birth_date", forms.MSG_BIRTH_IN_FUTURE),
    ({"phone": "0470 12"}, "phone", forms.MSG_BAD_PHONE),
    ({"email": "aminata-at-example"}, "email", forms.MSG_BAD_EMAIL),
])
def test_bad_person_input_is_shown_beside_the_field_and_keeps_what_was_typed(
    client, overrides, field, message
):
    login(client, Role.CASEWORKER)
    data = person_post_data(name_original_script="أميناتا ديالو", **overrides)
    response = client.post(reverse("registry:person_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [str(message)]
    html = response.content.decode()
    assert escape(str(message)) in html
    assert f'id="error_1_id_{field}"' in html  # crispy puts the error under the field
    assert "أميناتا ديالو" in html
    for name in ("given_names", "family_name", "email", "phone"):
        if name not in overrides and name != field:
            assert f'value="{escape(data[name])}"' in html, name
    assert Person.objects.count() == 0


def test_edit_saves_changes_and_keeps_history(client):
    person = aminata()
    user = login(client, Role.CASEWORKER)
    url = reverse("registry:person_edit", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, person_post_data(family_name="Diallo-Sow"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.family_name == "Diallo-Sow"
    assert person.search_key == "aminata diallo sow"
    assert person.history.latest().history_user == user


def test_edit_with_bad_input_keeps_the_saved_name_in_the_title(client):
    person = aminata()
    login(client, Role.CASEWORKER)
    response = client.post(reverse("registry:person_edit", args=[person.pk]),
                           person_post_data(given_names="", family_name="", email="bad"))
    assert response.status_code == 200
    assert "Edit Aminata Diallo" in response.content.decode()
    person.refresh_from_db()
    assert person.given_names == "Aminata"


# --- identity documents ------------------------------------------------------------------------

def _post_document(client, person, upload=None, **overrides):
    data = document_post_data(**overrides)
    if upload is not None:
        data["scan"] = upload
    return client.post(reverse("registry:document_create", args=[person.pk]), data)


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused_and_the_typed_fields_stay(client):
    person = aminata()
    login(client, Role.CASEWORKER)
    upload = SimpleUploadedFile("passport.pdf", b"MZ\x90\x00 this is not a PDF at all",
                                content_type="application/pdf")
    response = _post_document(client, person, upload, number="SN-778899")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["scan"] == [str(MSG_WRONG_TYPE)]
    html = response.content.decode()
    assert escape(str(MSG_WRONG_TYPE)) in html
    assert escape(str(forms.MSG_CHOOSE_FILE_AGAIN)) in html
    assert 'value="SN-778899"' in html
    assert 'value="2030-01-14"' in html
    assert not IdentityDocument.objects.exists()


@override_settings(UPLOAD_MAX_BYTES=100)
def test_an_oversize_file_is_refused(client):
    person = aminata()
    login(client, Role.CASEWORKER)
    upload = SimpleUploadedFile("passport.pdf", PDF_BYTES + b"%" * 200,
                                content_type="application/pdf")
    response = _post_document(client, person, upload)
    form = response.context["form"]
    assert form.has_error("scan", code="too_large")
    message = str(MSG_TOO_LARGE % {"size": filesizeformat(len(PDF_BYTES) + 200),
                                   "limit": filesizeformat(100)})
    assert form.errors["scan"] == [message]
    assert escape(message) in response.content.decode()
    assert not IdentityDocument.objects.exists()


@pytest.mark.parametrize(("name", "content", "content_type", "extension"), [
    ("passport scan Aminata.pdf", PDF_BYTES, "application/pdf", "pdf"),
    ("IMG_0042.PNG", PNG_BYTES, "image/png", "png"),
])
def test_a_real_scan_is_stored_under_a_random_name_and_downloads(
    client, private_storage, name, content, content_type, extension
):
    person = aminata()
    login(client, Role.CASEWORKER)
    # The browser's word for the type is not trusted: the bytes decide.
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = _post_document(client, person, upload)
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    document = IdentityDocument.objects.get()
    assert document.number_key == "A1234567"
    assert document.scan_content_type == content_type
    stored = document.scan.name
    assert stored.startswith("identity-documents/")
    assert "Aminata" not in stored and "IMG" not in stored and "." not in stored
    assert (private_storage / stored).read_bytes() == content

    download = client.get(reverse("registry:document_scan", args=[document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"] == (
        f'attachment; filename="{person.reference}-passport.{extension}"')
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == content


@pytest.mark.parametrize("expires_on", ["2019-06-30", "2020-01-15"])
def test_document_expiring_before_it_was_issued_is_refused(client, expires_on):
    person = aminata()
    login(client, Role.CASEWORKER)
    response = _post_document(client, person, expires_on=expires_on)
    form = response.context["form"]
    assert form.errors["expires_on"] == [str(forms.MSG_EXPIRES_BEFORE_ISSUE)]
    assert escape(str(forms.MSG_EXPIRES_BEFORE_ISSUE)) in response.content.decode()
    assert not IdentityDocument.objects.exists()


def test_a_valid_file_sent_with_another_error_must_be_chosen_again(client):
    person = aminata()
    login(client, Role.CASEWORKER)
    upload = SimpleUploadedFile("passport.pdf", PDF_BYTES)
    response = _post_document(client, person, upload, expires_on="2019-01-01")
    assert "scan" not in response.context["form"].errors
    assert escape(str(forms.MSG_CHOOSE_FILE_AGAIN)) in response.content.decode()


def test_edit_document_keeps_the_scan_when_no_new_file_is_chosen(client):
    document = document_with_scan(person=aminata())
    stored = document.scan.name
    login(client, Role.CASEWORKER)
    url = reverse("registry:document_edit", args=[document.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, document_post_data(number="B 999 000"))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.number == "B 999 000"
    assert document.number_key == "B999000"
    assert document.scan.name == stored
    assert document.scan_content_type == "application/pdf"


def test_edit_document_replaces_the_scan(client):
    document = document_with_scan(person=aminata())
    login(client, Role.CASEWORKER)
    url = reverse("registry:document_edit", args=[document.pk])
    response = client.post(url, {**document_post_data(),
                                 "scan": SimpleUploadedFile("new.png", PNG_BYTES)})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.scan_content_type == "image/png"
    assert document.scan.read() == PNG_BYTES


def test_the_same_document_twice_for_one_person_is_refused_beside_the_number(client):
    person = aminata()
    IdentityDocumentFactory(person=person, number="A1234567", issuing_country="SN")
    login(client, Role.CASEWORKER)
    response = _post_document(client, person)
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [str(services.MSG_DOCUMENT_EXISTS)]
    assert escape(str(services.MSG_DOCUMENT_EXISTS)) in response.content.decode()
    assert person.documents.count() == 1


def test_the_same_document_held_by_two_persons_is_flagged(client):
    existing = IdentityDocumentFactory(number="A1234567", issuing_country="SN")
    person = aminata()
    login(client, Role.CASEWORKER)
    response = _post_document(client, person)
    pair = DuplicateCandidate.objects.get()
    assert pair.reason == DuplicateCandidate.Reason.DOCUMENT
    assert any(existing.person.reference in m for m in messages_of(response))


# --- consent ----------------------------------------------------------------------------------

def test_consent_for_partner_sharing_needs_a_partner(client):
    person = aminata()
    login(client, Role.CASEWORKER)
    url = reverse("registry:consent_create", args=[person.pk])
    response = client.post(url, {"purpose": "partner_sharing", "method": "signed",
                                 "given_at": "2025-02-03T10:30"})
    assert response.status_code == 200
    assert response.context["form"].errors["partner"] == [str(forms.MSG_PARTNER_REQUIRED)]
    html = response.content.decode()
    assert escape(str(forms.MSG_PARTNER_REQUIRED)) in html
    assert 'value="2025-02-03T10:30"' in html
    assert not Consent.objects.exists()


def test_consent_is_recorded_with_who_and_when(client):
    person = aminata()
    partner = OrganisationFactory(name="Caritas International", country="BE")
    user = login(client, Role.CASEWORKER)
    url = reverse("registry:consent_create", args=[person.pk])
    page = client.get(url)
    given = page.context["form"].initial["given_at"]
    assert abs(given - timezone.now()) < datetime.timedelta(minutes=2)
    response = client.post(url, {"purpose": "partner_sharing", "method": "signed",
                                 "partner": partner.pk, "given_at": "2025-02-03T10:30"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.person, consent.partner, consent.recorded_by) == (person, partner, user)
    assert timezone.localtime(consent.given_at).strftime("%Y-%m-%d %H:%M") == "2025-02-03 10:30"


def test_consent_withdrawal_asks_first_then_records_it_once(client):
    consent = ConsentFactory(person=aminata(), purpose=Consent.Purpose.REINTEGRATION)
    user = login(client, Role.CASEWORKER)
    url = reverse("registry:consent_withdraw", args=[consent.pk])
    assert client.get(url).status_code == 200
    consent.refresh_from_db()
    assert consent.is_active
    response = client.post(url)
    assert response.status_code == 302
    consent.refresh_from_db()
    assert not consent.is_active
    assert consent.withdrawn_by == user
    again = client.post(url)
    assert str(services.MSG_CONSENT_WITHDRAWN) in messages_of(again)


# --- households -----------------------------------------------------------------------------

def test_household_is_created_with_the_person_as_principal(client):
    person = aminata()
    login(client, Role.CASEWORKER)
    response = client.post(reverse("registry:household_create", args=[person.pk]),
                           {"notes": "Returns with two children."})
    household = person.households_headed.get()
    assert response["Location"] == reverse("registry:household_member_add", args=[household.pk])
    assert household.notes == "Returns with two children."


@pytest.mark.parametrize("reference", ["P-{pk:06d}", "p-{pk}", " P{pk} "])
def test_member_is_added_by_reference(client, reference):
    household = HouseholdFactory(principal=aminata())
    child = PersonFactory(given_names="Awa", family_name="Diallo", country="SN")
    login(client, Role.CASEWORKER)
    response = client.post(reverse("registry:household_member_add", args=[household.pk]),
                           {"person": reference.format(pk=child.pk), "relation": "child"})
    assert response.status_code == 302
    member = household.members.get()
    assert (member.person, member.relation) == (child, "child")


def test_member_reference_errors_are_shown_beside_the_field(client):
    principal = aminata()
    household = HouseholdFactory(principal=principal)
    merged = PersonFactory(merged_into=PersonFactory())
    login(client, Role.CASEWORKER)
    url = reverse("registry:household_member_add", args=[household.pk])
    cases = [
        ("Awa Diallo", str(forms.MSG_REFERENCE_INVALID)),
        ("P-999999", str(forms.MSG_REFERENCE_UNKNOWN % {"reference": "P-999999"})),
        (merged.reference, str(forms.MSG_REFERENCE_MERGED % {
            "reference": merged.reference, "survivor": merged.merged_into.reference})),
        (principal.reference, str(services.MSG_MEMBER_IS_PRINCIPAL)),
    ]
    for typed, message in cases:
        response = client.post(url, {"person": typed, "relation": "spouse"})
        assert response.status_code == 200, typed
        assert response.context["form"].errors["person"] == [message], typed
        html = response.content.decode()
        assert escape(message) in html, typed
        assert f'value="{escape(typed)}"' in html, typed
    assert not household.members.exists()
