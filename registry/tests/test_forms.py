"""The registry's forms on their own: what they accept and the message they
give beside each field when they refuse."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test.utils import override_settings
from django.utils import timezone

from privatemedia.files import MSG_TOO_LARGE, MSG_WRONG_TYPE
from registry import forms, services
from registry.factories import IdentityDocumentFactory, OrganisationFactory, PersonFactory
from registry.models import IdentityDocument

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


# --- person ----------------------------------------------------------------------------------

def person_data(**overrides) -> dict:
    data = {
        "given_names": "Jean-Pierre", "family_name": "Mukendi", "name_original_script": "",
        "birth_date": "1988-07-01", "birth_date_precision": "day", "sex": "male",
        "nationalities": ["CD"], "country_of_residence": "BE",
        "email": "jp.mukendi@example.org", "phone": "+243812345678", "preferred_language": "fr",
    }
    data.update(overrides)
    return data


def test_person_form_accepts_a_complete_person():
    form = forms.PersonForm(person_data())
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(("given", "family"), [("Abebe", ""), ("", "Tesfaye")])
def test_person_form_accepts_a_single_name(given, family):
    assert forms.PersonForm(person_data(given_names=given, family_name=family)).is_valid()


@pytest.mark.parametrize(("given", "family"), [("", ""), ("   ", "  ")])
def test_person_form_needs_a_name(given, family):
    form = forms.PersonForm(person_data(given_names=given, family_name=family))
    assert form.errors["given_names"] == [str(forms.MSG_NAME_REQUIRED)]


def test_person_form_refuses_a_birth_date_in_the_future():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    form = forms.PersonForm(person_data(birth_date=tomorrow.isoformat()))
    assert form.errors["birth_date"] == [str(forms.MSG_BIRTH_IN_FUTURE)]
    assert forms.PersonForm(person_data(birth_date=timezone.localdate().isoformat())).is_valid()


@pytest.mark.parametrize("phone", ["0812345678", "+243 12", "not a phone"])
def test_person_form_refuses_a_phone_that_is_not_international(phone):
    form = forms.PersonForm(person_data(phone=phone))
    assert form.errors["phone"] == [str(forms.MSG_BAD_PHONE)]


@pytest.mark.parametrize("email", ["jp.mukendi", "jp@", "jp mukendi@example.org"])
def test_person_form_refuses_a_bad_email(email):
    form = forms.PersonForm(person_data(email=email))
    assert form.errors["email"] == [str(forms.MSG_BAD_EMAIL)]


def test_profile_form_does_not_let_a_person_change_their_email():
    assert "email" not in forms.ProfileForm().fields


# --- identity documents ------------------------------------------------------------------------

def document_form(person=None, instance=None, scan=None, **overrides):
    data = {"kind": "passport", "number": "OP 123 456", "issuing_country": "CD",
            "issued_on": "2021-05-10", "expires_on": "2026-05-09"}
    data.update(overrides)
    instance = instance or IdentityDocument(person=person or PersonFactory())
    files = {"scan": scan} if scan is not None else {}
    return forms.IdentityDocumentForm(data, files, instance=instance)


@pytest.mark.parametrize("expires_on", ["2021-05-10", "2020-12-31"])
def test_document_must_expire_after_it_was_issued(expires_on):
    form = document_form(expires_on=expires_on)
    assert form.errors["expires_on"] == [str(forms.MSG_EXPIRES_BEFORE_ISSUE)]
    assert "__all__" not in form.errors


def test_document_dates_are_optional():
    assert document_form(issued_on="", expires_on="").is_valid()
    assert document_form(issued_on="").is_valid()


@pytest.mark.parametrize(("content", "content_type"), [
    (PDF_BYTES, "application/pdf"), (PNG_BYTES, "image/png"), (JPEG_BYTES, "image/jpeg"),
])
def test_document_scan_type_is_read_from_the_bytes(content, content_type):
    form = document_form(scan=SimpleUploadedFile("scan.bin", content, "text/plain"))
    assert form.is_valid(), form.errors
    assert form.scan_content_type == content_type


def test_document_scan_named_pdf_that_is_not_a_pdf_is_refused():
    form = document_form(scan=SimpleUploadedFile("passport.pdf", b"<html>not a pdf</html>",
                                                 "application/pdf"))
    assert form.errors["scan"] == [str(MSG_WRONG_TYPE)]
    assert form.file_must_be_chosen_again


def test_empty_scan_is_refused():
    form = document_form(scan=SimpleUploadedFile("passport.pdf", b""))
    # Django's FileField refuses it before privatemedia would (MSG_EMPTY).
    assert form.has_error("scan", code="empty")


@override_settings(UPLOAD_MAX_BYTES=50)
def test_oversize_scan_is_refused_with_the_limit_in_the_message():
    form = document_form(scan=SimpleUploadedFile("passport.pdf", PDF_BYTES))
    assert form.errors["scan"] == [str(MSG_TOO_LARGE % {
        "size": filesizeformat(len(PDF_BYTES)), "limit": filesizeformat(50)})]
    assert filesizeformat(50) in str(form.fields["scan"].help_text)


def test_scan_help_says_the_file_must_be_chosen_again_after_an_error(settings):
    assert str(document_form().fields["scan"].help_text) == str(forms.MSG_SCAN_HELP % {
        "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)})


def test_a_valid_file_with_errors_elsewhere_must_be_chosen_again():
    form = document_form(scan=SimpleUploadedFile("scan.pdf", PDF_BYTES), number="")
    assert not form.is_valid()
    assert "scan" not in form.errors
    assert form.file_must_be_chosen_again
    assert not document_form(number="").file_must_be_chosen_again


def test_editing_a_document_does_not_recheck_the_stored_scan():
    document = IdentityDocumentFactory(scan=ContentFile(PDF_BYTES, name="x.pdf"),
                                       scan_content_type="application/pdf")
    form = document_form(instance=document, number=document.number,
                         issuing_country=document.issuing_country.code)
    assert form.is_valid(), form.errors
    assert form.scan_content_type == ""
    assert str(forms.MSG_SCAN_REPLACES) in str(form.fields["scan"].help_text)


def test_the_same_document_cannot_be_entered_twice_for_a_person():
    person = PersonFactory(country="CD")
    IdentityDocumentFactory(person=person, number="OP123456", issuing_country="CD")
    form = document_form(person=person, number="op-123 456")
    assert form.errors["number"] == [str(services.MSG_DOCUMENT_EXISTS)]
    # Another kind, another country or another person is another document.
    assert document_form(person=person, kind="national_id").is_valid()
    assert document_form(person=person, issuing_country="BE").is_valid()
    assert document_form(number="OP123456").is_valid()


def test_the_same_document_may_be_saved_again_unchanged():
    document = IdentityDocumentFactory(number="OP123456", issuing_country="CD")
    form = document_form(instance=document, number="OP 123 456", issuing_country="CD")
    assert form.is_valid(), form.errors


def test_a_document_number_needs_a_letter_or_digit():
    form = document_form(number="- / -")
    assert form.errors["number"] == [str(services.MSG_DOCUMENT_NUMBER_EMPTY)]


# --- consent ----------------------------------------------------------------------------------

def consent_data(**overrides) -> dict:
    data = {"purpose": "reintegration", "method": "verbal", "partner": "",
            "given_at": "2025-03-01T09:15"}
    data.update(overrides)
    return data


def test_consent_form_accepts_a_consent_without_partner():
    form = forms.ConsentForm(consent_data())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["partner"] is None


def test_consent_for_partner_sharing_names_the_partner():
    form = forms.ConsentForm(consent_data(purpose="partner_sharing"))
    assert form.errors["partner"] == [str(forms.MSG_PARTNER_REQUIRED)]
    partner = OrganisationFactory(name="Caritas International", country="BE")
    form = forms.ConsentForm(consent_data(purpose="partner_sharing", partner=partner.pk))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["partner"] == partner


def test_consent_cannot_name_an_inactive_partner():
    partner = OrganisationFactory(name="Closed NGO", country="BE", is_active=False)
    form = forms.ConsentForm(consent_data(purpose="partner_sharing", partner=partner.pk))
    assert form.has_error("partner", code="invalid_choice")


def test_consent_cannot_be_given_in_the_future():
    later = timezone.localtime() + datetime.timedelta(days=2)
    form = forms.ConsentForm(consent_data(given_at=later.strftime("%Y-%m-%dT%H:%M")))
    assert form.errors["given_at"] == [str(forms.MSG_CONSENT_IN_FUTURE)]


def test_consent_is_given_now_unless_said_otherwise():
    initial = forms.ConsentForm().initial["given_at"]
    assert abs(initial - timezone.now()) < datetime.timedelta(minutes=2)


# --- household member ---------------------------------------------------------------------------

@pytest.mark.parametrize("template", ["P-{pk:06d}", "p-{pk:06d}", "P-{pk}", "p{pk}", " P-{pk} "])
def test_member_is_found_by_reference(template):
    person = PersonFactory()
    form = forms.HouseholdMemberForm({"person": template.format(pk=person.pk),
                                      "relation": "child"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["person"] == person


@pytest.mark.parametrize("typed", ["Awa Diallo", "123", "P-", "P-12a", "P-²"])
def test_member_reference_must_look_like_one(typed):
    form = forms.HouseholdMemberForm({"person": typed, "relation": "child"})
    assert form.errors["person"] == [str(forms.MSG_REFERENCE_INVALID)]


def test_member_reference_must_exist():
    form = forms.HouseholdMemberForm({"person": "p-424242", "relation": "child"})
    assert form.errors["person"] == [str(forms.MSG_REFERENCE_UNKNOWN % {
        "reference": "P-424242"})]


def test_member_cannot_be_a_merged_record():
    survivor = PersonFactory()
    merged = PersonFactory(merged_into=survivor)
    form = forms.HouseholdMemberForm({"person": merged.reference, "relation": "spouse"})
    assert form.errors["person"] == [str(forms.MSG_REFERENCE_MERGED % {
        "reference": merged.reference, "survivor": survivor.reference})]
