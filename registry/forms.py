"""Forms of the registry's staff pages. They validate what was typed; the
services in registry.services decide and write."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import (  # noqa: F401  (shared with the sign-up form, in accounts)
    MSG_BAD_EMAIL,
    MSG_BIRTH_IN_FUTURE,
    MSG_NAME_REQUIRED,
)
from common.validators import DateWindow
from listing.widgets import SearchableCountrySelect, SearchableCountrySelectMultiple
from privatemedia.files import validate_document_upload

from .access import person_scope
from .models import Consent, HouseholdMember, IdentityDocument, Organisation, Person, Side
from .selectors import parse_person_reference
from .services import document_check

MSG_BAD_PHONE = _("Enter the phone number in international format, starting with + and the "
                  "country code, e.g. +32 470 12 34 56 or +221 77 123 45 67.")
MSG_BIRTH_TOO_EARLY = _("A date of birth is at most 120 years ago: enter a date on or after "
                        "%(earliest)s. Check the year.")
MSG_EXPIRES_BEFORE_ISSUE = _("The expiry date must be after the date of issue.")
MSG_ISSUED_IN_FUTURE = _("A document cannot be issued in the future: enter a date on or before "
                         "%(latest)s.")
MSG_ISSUED_TOO_EARLY = _("Documents issued more than 50 years ago are not accepted: enter a "
                         "date on or after %(earliest)s. Check the year.")
MSG_EXPIRES_TOO_FAR = _("Enter an expiry date between %(earliest)s and %(latest)s. Check the "
                        "year.")
MSG_SCAN_HELP = _("A PDF, JPEG or PNG scan of at most %(limit)s. If the form comes back with an "
                  "error, the file is not kept: choose it again before saving.")
MSG_SCAN_REPLACES = _("Choosing a new file replaces the current scan.")
MSG_CHOOSE_FILE_AGAIN = _("The file you chose was not kept because the form has errors. Correct "
                          "them, then choose the file again.")
MSG_PARTNER_REQUIRED = _("Name the partner the data will be shared with.")
MSG_CONSENT_IN_FUTURE = _("Consent cannot be recorded as given in the future.")
MSG_REFERENCE_INVALID = _("Enter a registry reference such as P-000123.")
MSG_REFERENCE_UNKNOWN = _("No person has the reference %(reference)s.")
MSG_SIDE_REQUIRED = _("Say for which programme you add this document: only its staff will "
                      "see it.")
MSG_REFERENCE_MERGED = _("%(reference)s was merged into %(survivor)s: use that reference.")

# The plausible dates, counted from today (common.validators): nobody living
# was born more than 120 years ago; documents are issued for at most about
# 30 years, and one that expired 50 years ago is no longer kept.
BIRTH_DATE_WINDOW = DateWindow(years_back=120, days_ahead=0, early_message=MSG_BIRTH_TOO_EARLY,
                               late_message=MSG_BIRTH_IN_FUTURE)
ISSUED_ON_WINDOW = DateWindow(years_back=50, days_ahead=0, early_message=MSG_ISSUED_TOO_EARLY,
                              late_message=MSG_ISSUED_IN_FUTURE)
EXPIRES_ON_WINDOW = DateWindow(years_back=50, years_ahead=30, early_message=MSG_EXPIRES_TOO_FAR,
                               late_message=MSG_EXPIRES_TOO_FAR)

# A consent given "now" on a slow clock is still accepted.
_CLOCK_TOLERANCE = datetime.timedelta(minutes=5)


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("save", label))
    return helper


class PersonForm(forms.ModelForm):
    birth_window = BIRTH_DATE_WINDOW

    class Meta:
        model = Person
        fields = [
            "given_names", "family_name", "name_original_script", "birth_date",
            "birth_date_precision", "sex", "nationalities", "country_of_residence",
            "email", "phone", "preferred_language",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "nationalities": SearchableCountrySelectMultiple,
            "country_of_residence": SearchableCountrySelect,
        }
        error_messages = {
            "email": {"invalid": MSG_BAD_EMAIL},
            "phone": {"invalid": MSG_BAD_PHONE},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.birth_window.apply(self.fields["birth_date"])
        self.helper = _helper(_("Save"))

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("given_names") or "").strip() and not (
            cleaned.get("family_name") or ""
        ).strip():
            self.add_error("given_names", MSG_NAME_REQUIRED)
        return cleaned


class ProfileForm(PersonForm):
    """What a person may change about themselves."""

    class Meta(PersonForm.Meta):
        fields = [
            "given_names", "family_name", "name_original_script", "birth_date",
            "birth_date_precision", "sex", "nationalities", "country_of_residence",
            "phone", "preferred_language",
        ]


class IdentityDocumentForm(forms.ModelForm):
    """An identity document of the person given as `instance.person`. The scan
    is checked by its bytes; `scan_content_type` is what they said.

    A new document records the programme of the staff who add it (`sides`,
    registry.access.sides_of): with one side it is set without asking; with
    both, the form asks (required). An existing document keeps its side."""

    class Meta:
        model = IdentityDocument
        fields = ["kind", "number", "issuing_country", "issued_on", "expires_on", "scan"]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "issuing_country": SearchableCountrySelect,
            # No "clear" box: a scan is replaced, not silently dropped.
            "scan": forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,"
                                                     "image/jpeg,image/png"}),
        }

    def __init__(self, *args, sides=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scan_content_type = ""
        sides = [side for side in Side.values if side in sides]
        if self.instance.pk is None and len(sides) == 1:
            self.instance.side = sides[0]
        elif self.instance.pk is None and len(sides) > 1:
            self.fields["side"] = forms.ChoiceField(
                label=_("Added for"),
                choices=[("", "---------")] + [
                    (value, label) for value, label in Side.choices if value in sides],
                error_messages={"required": MSG_SIDE_REQUIRED},
                help_text=_("Only the staff of this programme (and the data protection "
                            "officer) will see the document."),
            )
        help_text = MSG_SCAN_HELP % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        if self.instance.scan:
            help_text = f"{MSG_SCAN_REPLACES} {help_text}"
        self.fields["scan"].help_text = help_text
        ISSUED_ON_WINDOW.apply(self.fields["issued_on"])
        EXPIRES_ON_WINDOW.apply(self.fields["expires_on"])
        self.helper = _helper(_("Save"))

    @property
    def file_must_be_chosen_again(self) -> bool:
        """A file came with a form that has errors: browsers cannot refill a
        file input, so the user has to pick it again."""
        return self.is_bound and bool(self.errors) and bool(self.files.get("scan"))

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if isinstance(scan, UploadedFile):
            self.scan_content_type = validate_document_upload(scan)
        return scan

    def _post_clean(self):
        super()._post_clean()
        if self.cleaned_data.get("side"):
            self.instance.side = self.cleaned_data["side"]

    def clean(self):
        cleaned = super().clean()
        issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued and expires and expires <= issued:
            self.add_error("expires_on", MSG_EXPIRES_BEFORE_ISSUE)
        number, kind, country = (cleaned.get(k) for k in ("number", "kind", "issuing_country"))
        if number and kind and country:
            # The unique constraint names fields the form does not have
            # (person, number_key), so Django would not check it here: the
            # service says what it would refuse, next to the number.
            probe = IdentityDocument(
                pk=self.instance.pk, person_id=self.instance.person_id, kind=kind,
                number=number, issuing_country=country,
            )
            try:
                document_check(document=probe)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class ConsentForm(forms.Form):
    """`purposes`: those the user may record (registry.access.purposes_of);
    the form offers no other."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Organisation.objects.none(), required=False,
        help_text=_("Required when the consent is for sharing with a partner."),
    )
    method = forms.ChoiceField(label=_("How it was given"), choices=Consent.Method.choices)
    given_at = forms.DateTimeField(
        label=_("Given at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, purposes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if purposes is not None:
            self.fields["purpose"].choices = [
                (value, label) for value, label in Consent.Purpose.choices if value in purposes]
            if Consent.Purpose.PARTNER_SHARING not in purposes:
                del self.fields["partner"]
        if "partner" in self.fields:
            self.fields["partner"].queryset = Organisation.objects.filter(is_active=True)
        if not self.is_bound:
            self.initial.setdefault(
                "given_at", timezone.localtime().replace(second=0, microsecond=0))
        self.helper = _helper(_("Record the consent"))

    def clean_given_at(self):
        given_at = self.cleaned_data["given_at"]
        if given_at > timezone.now() + _CLOCK_TOLERANCE:
            raise forms.ValidationError(MSG_CONSENT_IN_FUTURE)
        return given_at

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("purpose") == Consent.Purpose.PARTNER_SHARING and not cleaned.get(
            "partner"
        ):
            self.add_error("partner", MSG_PARTNER_REQUIRED)
        return cleaned


class HouseholdForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Create the household"))


class HouseholdMemberForm(forms.Form):
    person = forms.CharField(
        label=_("Reference of the member"), max_length=20,
        help_text=_("The registry reference of the member, such as P-000123. Search the "
                    "registry first if the person is not there yet."),
    )
    relation = forms.ChoiceField(
        label=_("Relation to the principal"), choices=HouseholdMember.Relation.choices,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = _helper(_("Add the member"))

    def clean_person(self):
        text = self.cleaned_data["person"]
        pk = parse_person_reference(text, field_of_references=True)
        if pk is None:
            raise ValidationError(MSG_REFERENCE_INVALID)
        # A person out of the user's scope is as unknown as one that does not exist.
        persons = Person.objects if self.user is None else person_scope(self.user)
        person = persons.select_related("merged_into").filter(pk=pk).first()
        if person is None:
            raise ValidationError(MSG_REFERENCE_UNKNOWN % {"reference": text.strip().upper()})
        if person.is_merged:
            raise ValidationError(MSG_REFERENCE_MERGED % {
                "reference": person.reference, "survivor": person.merged_into.reference,
            })
        return person
