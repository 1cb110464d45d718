"""The registry in the Django admin.

Every write goes through registry.services (person_create/update, document_save,
consent_give/withdraw, person_merge, duplicate_dismiss), so a record saved here
gets its name keys and its duplicate check exactly as one saved in the portal.
Each list runs a fixed number of queries whatever the number of rows: what a
row shows is in list_select_related or annotated, never fetched per row.

Who sees what is registry.access's: every list, change page, history page,
search and autocomplete is scoped to the persons the user may see and to the
documents, consents and households of their programme; the person a record
may be attached to is chosen among those persons only. The data protection
officer reads everything and changes nothing.
"""

import datetime
import json
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, URLField
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from common import formats
from common.admin import ReadOnlyAdminMixin, RegistryHistoryAdmin, RegistrySearchMixin
from common.admin_list import FastChangeListMixin, PresentCountryFilter, remembered
from listing.countries import country_column
from listing.pagination import BoundedCountPaginator
from reporting.admin_bulk import start_in_background

from . import access, services
from .models import (
    Consent,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    IdentityDocument,
    Organisation,
    Person,
    PersonMerge,
    Side,
)
from .names import document_number_key, fold

PHONE = re.compile(r"\+?[0-9][0-9 ().\-]{5,}", re.ASCII)

MSG_NOT_OPEN = _("This possible duplicate has already been resolved.")
MSG_UNKNOWN_DECISION = _("Choose one of the three decisions.")
EMPTY = "—"


# --- shared pieces ---------------------------------------------------------------


class ScopedAdminMixin:
    """Lists and pages scoped by registry.access (`scope(request, queryset)`),
    every foreign key to a person chosen among the persons in scope, and the
    data protection officer read-only."""

    def scope(self, request, queryset):
        return queryset

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Person:
            kwargs["queryset"] = access.person_scope(
                request.user, Person.objects.filter(merged_into__isnull=True))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.model is IdentityDocument and db_field.name == "side":
            # A document is added for one of the actor's programmes.
            sides = access.sides_of(request.user)
            kwargs["choices"] = [("", "---------")] * (len(sides) != 1) + [
                (value, label) for value, label in Side.choices if value in sides]
            kwargs["required"] = not request.user.is_superuser
        if db_field.model is Consent and db_field.name == "purpose":
            purposes = access.purposes_of(request.user)
            kwargs["choices"] = [("", "---------")] + [
                (value, label) for value, label in Consent.Purpose.choices
                if value in purposes]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_add_permission(self, request, *args):
        return access.may_change(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return access.may_change(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return access.may_change(request.user) and super().has_delete_permission(request, obj)


def _person_link(person: Person | None):
    if person is None:
        return EMPTY
    url = reverse("admin:registry_person_change", args=[person.pk])
    return format_html('<a href="{}">{}</a>', url, person)


# --- persons ---------------------------------------------------------------------

class MergedFilter(admin.SimpleListFilter):
    title = _("record")
    parameter_name = "merged"

    def lookups(self, request, model_admin):
        return [("no", _("Active")), ("yes", _("Merged into another record"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(merged_into__isnull=True)
        if self.value() == "yes":
            return queryset.filter(merged_into__isnull=False)
        return queryset


class IdentityDocumentForm(forms.ModelForm):
    """The number key is derived, so the database's "one document once per
    person" rule is invisible to a plain ModelForm: ask the service."""

    class Meta:
        model = IdentityDocument
        fields = ["person", "kind", "number", "issuing_country", "issued_on", "expires_on",
                  "side"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "person" in self.fields and hasattr(self.fields["person"], "queryset"):
            # Documents belong to active records; a merged one has given them away.
            self.fields["person"].queryset = Person.objects.filter(merged_into__isnull=True)

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("person")
        if person is None and self.instance.person_id:
            person = self.instance.person
        if cleaned.get("number") and cleaned.get("kind") and cleaned.get("issuing_country"):
            probe = IdentityDocument(
                pk=self.instance.pk, person_id=getattr(person, "pk", None),
                kind=cleaned["kind"], number=cleaned["number"],
                issuing_country=cleaned["issuing_country"],
            )
            try:
                services.document_check(document=probe)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class IdentityDocumentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("number"):
                continue
            key = (data.get("kind"), str(data.get("issuing_country")),
                   document_number_key(data["number"]))
            if key in seen:
                form.add_error("number", services.MSG_DOCUMENT_EXISTS)
            seen.add(key)


class IdentityDocumentInline(ScopedAdminMixin, admin.TabularInline):
    model = IdentityDocument
    form = IdentityDocumentForm
    formset = IdentityDocumentFormSet
    fields = ["kind", "number", "issuing_country", "issued_on", "expires_on", "side",
              "scan_status"]
    readonly_fields = ["scan_status"]
    extra = 0

    @admin.display(description=_("scan"))
    def scan_status(self, obj):
        return _scan_status(obj)

    def scope(self, request, queryset):
        return access.documents_visible(request.user, queryset)

    def _parent_merged(self, obj):
        return obj is not None and isinstance(obj, Person) and obj.is_merged

    def has_add_permission(self, request, obj=None):
        return not self._parent_merged(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._parent_merged(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._parent_merged(obj) and super().has_delete_permission(request, obj)


def _scan_status(document: IdentityDocument) -> str:
    # Scans are uploaded, type-checked and streamed by the portal views
    # (privatemedia); the admin only says whether there is one.
    if not document.scan:
        return EMPTY
    return gettext("attached (%(type)s)") % {"type": document.scan_content_type or "?"}


PERSON_FIELDS = [
    "given_names", "family_name", "name_original_script", "birth_date",
    "birth_date_precision", "sex", "nationalities", "country_of_residence", "email", "phone",
    "preferred_language", "user",
]


@admin.register(Person)
class PersonAdmin(FastChangeListMixin, ScopedAdminMixin, RegistrySearchMixin,
                  RegistryHistoryAdmin):
    # The country by name from a list made once per language (listing.countries):
    # the field itself would have Django flatten 250 choices for every row.
    list_display = ["reference", "family_name", "given_names", "birth", "sex",
                    "nationality_codes",
                    country_column("country_of_residence", _("country of residence")),
                    "user", "merged_into"]
    list_display_links = ["reference", "family_name", "given_names"]
    list_filter = ["sex", "birth_date_precision", ("country_of_residence", PresentCountryFilter),
                   "preferred_language", MergedFilter]
    list_select_related = ["user", "merged_into"]
    # What the columns read (common.admin_list).
    list_only = ("given_names", "family_name", "birth_date", "birth_date_precision", "sex",
                 "nationalities", "country_of_residence", "user__username",
                 "merged_into__given_names", "merged_into__family_name")
    show_full_result_count = False
    # Counts at most LIST_COUNT_LIMIT persons in scope (120,000 rows otherwise).
    paginator = BoundedCountPaginator
    reference_prefix = "P"
    person_paths = ("",)
    search_fields = ["search_key", "email"]
    search_help_text = _("A reference (P-000123), names in any order with or without accents, "
                         "an e-mail address, a phone number or an identity document number.")
    raw_id_fields = ["user"]
    readonly_fields = ["reference", "merged_into_link", "merged_from_links", "record_counts",
                       "created_at", "updated_at"]
    fieldsets = [
        (_("Names"), {"fields": ["given_names", "family_name", "name_original_script"]}),
        (_("Birth and sex"), {"fields": ["birth_date", "birth_date_precision", "sex"]}),
        (_("Nationality and residence"), {"fields": ["nationalities", "country_of_residence"]}),
        (_("Contact"), {"fields": ["email", "phone", "preferred_language", "user"]}),
        (_("Record"), {"fields": ["reference", "merged_into_link", "merged_from_links",
                                  "record_counts", "created_at", "updated_at"]}),
    ]
    inlines = [IdentityDocumentInline]
    actions = ["flag_duplicates"]

    def scope(self, request, queryset):
        return access.person_scope(request.user, queryset)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user  # record_counts counts what this user sees
        return obj

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("date of birth"), ordering="birth_date")
    def birth(self, obj):
        # Written once per date, precision and language (the month's name is translated).
        return remembered(("person-birth", obj.birth_date, obj.birth_date_precision),
                          lambda: obj.birth_display or EMPTY)

    @admin.display(description=_("nationalities"))
    def nationality_codes(self, obj):
        return ", ".join(country.code for country in obj.nationalities) or EMPTY

    @admin.display(description=_("merged into"))
    def merged_into_link(self, obj):
        if not obj.merged_into_id:
            return EMPTY
        return format_html("{} {}", _person_link(obj.merged_into),
                           gettext("(this record is kept for the audit trail only)"))

    @admin.display(description=_("records merged into this one"))
    def merged_from_links(self, obj):
        if not obj.pk:
            return EMPTY
        merged = obj.merged_from.order_by("pk")
        return format_html_join(", ", "{}", ((_person_link(p),) for p in merged)) or EMPTY

    @admin.display(description=_("linked records"))
    def record_counts(self, obj):
        if not obj.pk:
            return EMPTY
        user = getattr(obj, "_viewer", None)
        if user is None:
            return EMPTY
        counts = {
            "documents": access.documents_visible(user).filter(person=obj).count(),
            "households": access.households_visible(user).filter(principal=obj).count(),
            "memberships": access.household_members_visible(user).filter(person=obj).count(),
            "consents": access.consents_visible(user).filter(person=obj).count(),
        }
        return gettext("%(documents)d document(s), heads %(households)d household(s), member "
                       "of %(memberships)d, %(consents)d consent(s)") % counts

    def search_whole_term(self, term, request=None):
        whole = Q()
        number = document_number_key(term)
        if number:
            # Only the documents the user sees: a number of the other
            # programme's document finds nobody.
            user = getattr(request, "user", None) or AnonymousUser()
            whole |= Q(pk__in=access.documents_visible(user).filter(
                number_key=number).values("person_id"))
        if PHONE.fullmatch(term):
            whole |= Q(phone=re.sub(r"[^0-9+]", "", term))
        return whole or None

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term)
        match = request.resolver_match
        if match is not None and match.url_name == "autocomplete":
            # Choosing the person of a document or a household: never a merged record.
            queryset = queryset.filter(merged_into__isnull=True)
        return queryset, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_merged:
            readonly += PERSON_FIELDS
        return readonly

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_merged:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Persons are merged, not deleted in bulk.
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            services.person_update(actor=request.user, person=obj)
        else:
            services.person_create(actor=request.user, person=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not IdentityDocument:
            return super().save_formset(request, form, formset, change)
        documents = formset.save(commit=False)
        for document in formset.deleted_objects:
            document.delete()
        sides = access.sides_of(request.user)
        for document in documents:
            if not document.side and len(sides) == 1 and not request.user.is_superuser:
                document.side = sides[0]
            services.document_save(actor=request.user, document=document)
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        person = form.instance
        pairs = access.duplicates_visible(request.user).filter(
            Q(person_a=person) | Q(person_b=person), status=DuplicateCandidate.Status.OPEN,
        ).select_related("person_a", "person_b")
        for pair in pairs:
            other = pair.person_b if pair.person_a_id == person.pk else pair.person_a
            url = reverse("admin:registry_duplicatecandidate_change", args=[pair.pk])
            self.message_user(request, format_html(
                '{} <a href="{}">{}</a>',
                gettext("%(person)s may be the same person as %(other)s.") % {
                    "person": person.reference, "other": other},
                url, gettext("Review the possible duplicate"),
            ), messages.WARNING)

    @admin.action(description=_("Look for duplicates of the selected persons"),
                  permissions=["change"])
    def flag_duplicates(self, request, queryset):
        queryset = queryset.filter(merged_into__isnull=True)
        if started := start_in_background(self, request, queryset, "registry.flag_duplicates"):
            return started
        found = services.duplicates_flag(persons=list(queryset))
        self.message_user(request, ngettext(
            "%(count)d new possible duplicate to review.",
            "%(count)d new possible duplicates to review.", found) % {"count": found})


# --- identity documents ------------------------------------------------------------

class ExpiryFilter(admin.SimpleListFilter):
    title = _("expiry")
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [
            ("expired", _("Expired")),
            ("6m", _("Expires within 6 months")),
            ("valid", _("Valid for more than 6 months")),
            ("none", _("No expiry date")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon = today + datetime.timedelta(days=183)
        return {
            "expired": lambda: queryset.filter(expires_on__lt=today),
            "6m": lambda: queryset.filter(expires_on__gte=today, expires_on__lte=soon),
            "valid": lambda: queryset.filter(expires_on__gt=soon),
            "none": lambda: queryset.filter(expires_on__isnull=True),
        }.get(self.value(), lambda: queryset)()


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(ScopedAdminMixin, RegistrySearchMixin, RegistryHistoryAdmin):
    form = IdentityDocumentForm
    list_display = ["__str__", "person_reference", "person", "kind", "issuing_country",
                    "issued_on", "expires_on", "scan_status"]
    list_filter = ["kind", ("issuing_country", CountryFilter), ExpiryFilter]
    list_select_related = ["person"]
    show_full_result_count = False
    person_paths = ("person",)
    search_fields = ["number"]
    search_help_text = _("A document number (spaces and dashes ignored), a person's "
                         "reference (P-000123) or name.")
    autocomplete_fields = ["person"]
    fields = ["person", "kind", "number", "issuing_country", "issued_on", "expires_on",
              "side", "scan_status", "created_at"]
    readonly_fields = ["scan_status", "created_at"]

    def scope(self, request, queryset):
        return access.documents_visible(request.user, queryset)

    @admin.display(description=_("person's reference"), ordering="person_id")
    def person_reference(self, obj):
        return obj.person.reference

    @admin.display(description=_("scan"))
    def scan_status(self, obj):
        return _scan_status(obj)

    def search_whole_term(self, term, request=None):
        number = document_number_key(term)
        return Q(number_key=number) if number else None

    def save_model(self, request, obj, form, change):
        services.document_save(actor=request.user, document=obj)


# --- households --------------------------------------------------------------------

class HouseholdMemberFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        principal_id = self.instance.principal_id
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            person = data.get("person")
            if person is not None and principal_id and person.pk == principal_id:
                form.add_error("person", services.MSG_MEMBER_IS_PRINCIPAL)


class HouseholdMemberInline(ScopedAdminMixin, admin.TabularInline):
    model = HouseholdMember
    formset = HouseholdMemberFormSet
    autocomplete_fields = ["person"]
    extra = 0

    def get_queryset(self, request):
        # The inline prints each member (HouseholdMember.__str__ reads the person).
        return super().get_queryset(request).select_related("person")


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, RegistrySearchMixin, RegistryHistoryAdmin):
    list_display = ["reference", "principal", "member_count", "created_at"]
    list_filter = ["created_at"]
    list_select_related = ["principal"]
    show_full_result_count = False
    reference_prefix = "H"
    person_paths = ("principal", "members__person")
    search_may_have_duplicates = True
    search_fields = ["notes"]
    search_help_text = _("A household reference (H-000012), or the reference or name of its "
                         "principal or of a member.")
    autocomplete_fields = ["principal"]
    fields = ["reference", "principal", "notes", "created_at"]
    readonly_fields = ["reference", "created_at"]
    inlines = [HouseholdMemberInline]

    def scope(self, request, queryset):
        return access.households_visible(request.user, queryset).annotate(
            member_total=Count("members"))

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


# --- consent ---------------------------------------------------------------------

class WithdrawnFilter(admin.SimpleListFilter):
    title = _("withdrawn")
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return [("no", _("Active")), ("yes", _("Withdrawn"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


@admin.register(Consent)
class ConsentAdmin(ScopedAdminMixin, RegistrySearchMixin, RegistryHistoryAdmin):
    """A consent is evidence of what a person agreed to: it is recorded once and
    then only withdrawn (the action), never edited or reverted."""

    list_display = ["person_reference", "person", "purpose", "partner", "method", "given_at",
                    "recorded_by", "active", "withdrawn_at"]
    list_filter = ["purpose", "method", WithdrawnFilter, "given_at"]
    list_select_related = ["person", "partner", "recorded_by"]
    show_full_result_count = False
    person_paths = ("person",)
    search_fields = ["partner__name", "partner__acronym"]
    search_help_text = _("A person's reference (P-000123) or name, or a partner's name.")
    autocomplete_fields = ["person", "partner"]
    fields = ["person", "purpose", "partner", "method", "given_at", "recorded_by",
              "withdrawn_at", "withdrawn_by"]
    actions = ["withdraw"]
    allow_revert = False

    def scope(self, request, queryset):
        return access.consents_visible(request.user, queryset)

    @admin.display(description=_("person's reference"), ordering="person_id")
    def person_reference(self, obj):
        return obj.person.reference

    @admin.display(description=_("active"), boolean=True, ordering="withdrawn_at")
    def active(self, obj):
        return obj.is_active

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["recorded_by", "withdrawn_at", "withdrawn_by"]
        return self.fields

    def get_changeform_initial_data(self, request):
        return {"given_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is editable; see withdraw
        saved = services.consent_give(
            actor=request.user, person=obj.person, purpose=obj.purpose, method=obj.method,
            partner=obj.partner, given_at=obj.given_at,
        )
        # The admin goes on with its own instance (log entry, redirect).
        obj.pk, obj.recorded_by, obj._state = saved.pk, saved.recorded_by, saved._state

    @admin.action(description=_("Withdraw the selected consents"), permissions=["change"])
    def withdraw(self, request, queryset):
        queryset = queryset.filter(withdrawn_at__isnull=True)
        if started := start_in_background(self, request, queryset, "registry.consent_withdraw"):
            return started
        done = 0
        for consent in queryset:
            services.consent_withdraw(actor=request.user, consent=consent)
            done += 1
        self.message_user(request, ngettext(
            "%(count)d consent withdrawn.", "%(count)d consents withdrawn.", done,
        ) % {"count": done})


# --- organisations ---------------------------------------------------------------

@admin.register(Organisation)
class OrganisationAdmin(ScopedAdminMixin, RegistrySearchMixin, RegistryHistoryAdmin):
    list_display = ["reference", "name", "acronym", "kind", "country", "city", "is_active"]
    list_display_links = ["reference", "name"]
    list_filter = ["kind", ("country", CountryFilter), "is_active"]
    show_full_result_count = False
    reference_prefix = "O"
    search_fields = ["name", "acronym", "city"]
    search_help_text = _("A reference (O-000003), a name, an acronym or a city.")

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, URLField):
            kwargs["assume_scheme"] = "https"  # what Django 6 does; silences its warning
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# --- duplicates and merges -------------------------------------------------------

def _display(value) -> str:
    return str(value) if value not in (None, "", []) else EMPTY


def _comparison_rows(a: Person, b: Person) -> list[dict]:
    """The two records field by field, for the review page. `a` and `b` come with
    user, documents, households, memberships and consents already loaded."""

    def birth(p):
        if not p.birth_date:
            return EMPTY
        if p.birth_date_precision == Person.BirthDatePrecision.YEAR:
            return gettext("%(year)s (only the year is known)") % {"year": p.birth_date.year}
        return formats.short_day(p.birth_date)

    def documents(p):
        docs = sorted(p.documents.all(), key=lambda d: (d.kind, d.number_key))
        return "; ".join(f"{d} – {gettext('expires')} {d.expires_on or EMPTY}"
                         for d in docs) or EMPTY

    def consents(p):
        return "; ".join(
            f"{c.get_purpose_display()}" + ("" if c.is_active else f" ({gettext('withdrawn')})")
            for c in p.consents.all()) or EMPTY

    lines = [
        (_("given names"), lambda p: p.given_names, True),
        (_("family name"), lambda p: p.family_name, True),
        (_("name in original script"), lambda p: p.name_original_script, True),
        (_("all names, folded and sorted"), lambda p: p.name_key, False),
        (_("date of birth"), birth, False),
        (_("sex"), lambda p: p.get_sex_display(), False),
        (_("nationalities"), lambda p: ", ".join(c.name for c in p.nationalities), False),
        (_("country of residence"), lambda p: p.country_of_residence.name, False),
        (_("e-mail"), lambda p: p.email, False),
        (_("phone"), lambda p: p.phone, False),
        (_("preferred language"), lambda p: p.get_preferred_language_display(), False),
        (_("login account"), lambda p: p.user.get_username() if p.user_id else "", False),
        (_("record created"), lambda p: timezone.localtime(p.created_at).date(), False),
        (_("identity documents"), documents, False),
        (_("number of identity documents"), lambda p: len(p.documents.all()), False),
        (_("households headed"), lambda p: len(p.households_headed.all()), False),
        (_("member of households"), lambda p: len(p.memberships.all()), False),
        (_("consents"), consents, False),
    ]
    rows = []
    for label, get, is_name in lines:
        value_a, value_b = _display(get(a)), _display(get(b))
        differs = value_a != value_b
        rows.append({
            "label": label, "a": value_a, "b": value_b, "differs": differs,
            # "Keïta" and "KEITA": different as typed, the same person's name.
            "same_folded": differs and is_name and fold(value_a) == fold(value_b),
        })
    return rows


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(ScopedAdminMixin, RegistrySearchMixin, admin.ModelAdmin):
    """The review queue. The change page (templates/admin/registry/
    duplicatecandidate/change_form.html) shows both records side by side with
    the three decisions; deciding needs registry.change_duplicatecandidate."""

    list_display = ["pair", "person_a", "person_b", "reason", "status", "flagged_at",
                    "resolved_by"]
    list_filter = ["status", "reason"]
    list_select_related = ["person_a", "person_b", "resolved_by"]
    show_full_result_count = False
    person_paths = ("person_a", "person_b")
    search_fields = ["note"]
    search_help_text = _("The reference (P-000123) or name of either person.")
    fields = ["person_a", "person_b", "reason", "status", "flagged_at", "resolved_at",
              "resolved_by", "note", "merge_links"]
    readonly_fields = fields

    def scope(self, request, queryset):
        return access.duplicates_visible(request.user, queryset)

    @admin.display(description=_("pair"), ordering="person_a_id")
    def pair(self, obj):
        return str(obj)

    @admin.display(description=_("merge"))
    def merge_links(self, obj):
        return format_html_join(", ", '<a href="{}">{}</a>', (
            (reverse("admin:registry_personmerge_change", args=[m.pk]), m)
            for m in obj.merges.select_related("survivor", "merged")
        )) or EMPTY

    def has_add_permission(self, request):
        return False  # pairs are flagged by services.duplicates_flag

    def has_delete_permission(self, request, obj=None):
        return False  # a decision is part of the audit trail

    def may_decide(self, request, candidate) -> bool:
        return (self.has_change_permission(request, candidate)
                and candidate.status == DuplicateCandidate.Status.OPEN)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return self.decide(request, object_id)
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None:
            return super().change_view(request, object_id, form_url, extra_context)
        persons = {p.pk: p for p in Person.objects.filter(
            pk__in=[candidate.person_a_id, candidate.person_b_id],
        ).select_related("user", "merged_into").prefetch_related(
            # Only what the reviewer's programme sees of each record.
            Prefetch("documents", queryset=access.documents_visible(request.user)),
            Prefetch("consents", queryset=access.consents_visible(request.user)),
            Prefetch("households_headed", queryset=access.households_visible(request.user)),
            Prefetch("memberships",
                     queryset=access.household_members_visible(request.user)))}
        a, b = persons[candidate.person_a_id], persons[candidate.person_b_id]
        context = {
            "title": gettext("Review possible duplicate") if self.may_decide(
                request, candidate) else gettext("View possible duplicate"),
            "person_a": a, "person_b": b,
            "rows": _comparison_rows(a, b),
            "may_decide": self.may_decide(request, candidate),
            "both_have_accounts": bool(a.user_id and b.user_id),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def decide(self, request, object_id):
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None:
            raise Http404
        if not self.has_change_permission(request, candidate):
            raise PermissionDenied
        here = request.get_full_path()
        if candidate.status != DuplicateCandidate.Status.OPEN:
            self.message_user(request, MSG_NOT_OPEN, messages.ERROR)
            return HttpResponseRedirect(here)
        decision = request.POST.get("decision")
        note = request.POST.get("note", "").strip()
        a, b = candidate.person_a, candidate.person_b
        try:
            if decision in ("keep_a", "keep_b"):
                survivor, duplicate = (a, b) if decision == "keep_a" else (b, a)
                services.person_merge(actor=request.user, survivor=survivor,
                                      duplicate=duplicate, candidate=candidate, reason=note)
                done = gettext("%(duplicate)s was merged into %(survivor)s.") % {
                    "duplicate": duplicate.reference, "survivor": survivor.reference}
            elif decision == "dismiss":
                services.duplicate_dismiss(actor=request.user, candidate=candidate, note=note)
                done = gettext("%(a)s and %(b)s are marked as different persons.") % {
                    "a": a.reference, "b": b.reference}
            else:
                self.message_user(request, MSG_UNKNOWN_DECISION, messages.ERROR)
                return HttpResponseRedirect(here)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(here)
        self.log_change(request, candidate, done)
        self.message_user(request, done, messages.SUCCESS)
        changelist = reverse("admin:registry_duplicatecandidate_changelist")
        return HttpResponseRedirect(add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request),
             "opts": self.opts}, changelist))


@admin.register(PersonMerge)
class PersonMergeAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, RegistrySearchMixin,
                       admin.ModelAdmin):
    """The audit trail of merges: read only, whoever asks."""

    list_display = ["__str__", "survivor", "merged", "merged_by", "merged_at", "moved_summary"]
    list_filter = ["merged_at"]
    list_select_related = ["survivor", "merged", "merged_by"]
    show_full_result_count = False
    person_paths = ("survivor", "merged")
    search_fields = ["reason"]
    search_help_text = _("The reference (P-000123) or name of the kept or the merged record.")
    fields = ["survivor", "merged", "candidate", "merged_by", "merged_at", "reason",
              "moved_pretty", "snapshot_pretty"]
    readonly_fields = fields

    def scope(self, request, queryset):
        return access.merges_visible(request.user, queryset)

    @admin.display(description=_("records moved"))
    def moved_summary(self, obj):
        moved = obj.moved.get("moved", {}) if isinstance(obj.moved, dict) else {}
        return ", ".join(f"{label.split('.', 1)[-1]}: {n}" for label, n in moved.items()) \
            or EMPTY

    @admin.display(description=_("records moved"))
    def moved_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.moved, indent=2, ensure_ascii=False))

    @admin.display(description=_("merged record as it was"))
    def snapshot_pretty(self, obj):
        return format_html("<pre>{}</pre>",
                           json.dumps(obj.snapshot, indent=2, ensure_ascii=False))
