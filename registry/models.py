import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from common import formats
from privatemedia.files import RandomName


class Side(models.TextChoices):
    """The programmes that share the registry. A record that belongs to one
    of them (a document, a consent) is shown to that programme's staff only
    (registry.access)."""

    SCHOLARSHIP = "scholarship", _("Scholarships")
    REINTEGRATION = "reintegration", _("Voluntary return and reintegration")


def _reference(prefix: str, pk: int | None) -> str:
    return f"{prefix}-{pk:06d}" if pk else ""


class Organisation(models.Model):
    class Kind(models.TextChoices):
        HOST_UNIVERSITY = "host_university", _("Host university or institute")
        INTERNATIONAL = "international", _("International organisation")
        NGO = "ngo", _("Non-governmental organisation")
        LOCAL_PARTNER = "local_partner", _("Local partner in the country of return")
        GOVERNMENT = "government", _("Public authority")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organisation_unique_name"),
        ]
        indexes = [models.Index(fields=["kind", "country"])]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def reference(self) -> str:
        return _reference("O", self.pk)


class Person(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    class BirthDatePrecision(models.TextChoices):
        DAY = "day", _("Exact date")
        YEAR = "year", _("Only the year is known")

    given_names = models.CharField(
        _("given names"), max_length=150, blank=True,
        help_text=_("All given names, in the order the person uses them."),
    )
    family_name = models.CharField(
        _("family name"), max_length=150, blank=True,
        help_text=_("Leave empty if the person has a single name."),
    )
    name_original_script = models.CharField(
        _("name in original script"), max_length=300, blank=True,
        help_text=_("For example in Arabic, Amharic or Tifinagh script."),
    )
    # Derived by the services from the names above, never typed.
    search_key = models.CharField(max_length=620, editable=False, db_index=True)
    name_key = models.CharField(max_length=310, editable=False, db_index=True)

    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_date_precision = models.CharField(
        _("precision of the date of birth"), max_length=4,
        choices=BirthDatePrecision.choices, default=BirthDatePrecision.DAY,
    )
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    nationalities = CountryField(_("nationalities"), multiple=True, blank=True)
    country_of_residence = CountryField(_("country of residence"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneNumberField(
        _("phone"), blank=True,
        help_text=_("International format, e.g. +32 470 12 34 56 or +221 77 123 45 67."),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="en",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="person",
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="merged_from",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set by the retention run (registry.retention): identity, contact and
    # documents are gone; what reports need (year, sex, nationality) is kept.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True,
                                         editable=False)
    history = HistoricalRecords(excluded_fields=["search_key", "name_key"])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["family_name", "given_names", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(given_names="", family_name=""), name="person_has_a_name",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="person_not_merged_into_itself",
            ),
        ]
        indexes = [
            # The person list: active records in name order.
            models.Index(fields=["family_name", "given_names", "id"], name="person_list_order",
                         condition=Q(merged_into__isnull=True)),
            # The admin's changelist: every record (merged ones too) in name order.
            models.Index(fields=["family_name", "given_names", "id"], name="person_admin_order"),
            models.Index(fields=["name_key", "birth_date"]),
            models.Index(fields=["sex"]),
            models.Index(fields=["country_of_residence"]),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.reference})" if self.pk else self.full_name

    def get_absolute_url(self):
        return reverse("registry:person_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return person_reference(self.pk)

    @property
    def full_name(self) -> str:
        return full_name(self.given_names, self.family_name)

    @property
    def birth_display(self) -> str:
        return birth_display(self.birth_date, self.birth_date_precision)

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def age_on(self, day: datetime.date) -> int | None:
        return age_on(self.birth_date, day)


# How a person's name, birth and age read, from the bare values: the model's
# properties use them, and so do list pages that read rows without making
# model instances.

def person_reference(pk: int | None) -> str:
    return _reference("P", pk)


def full_name(given_names: str, family_name: str) -> str:
    return " ".join(p for p in (given_names, family_name) if p)


def birth_display(birth_date: datetime.date | None, precision: str) -> str:
    if not birth_date:
        return ""
    if precision == Person.BirthDatePrecision.YEAR:
        return str(birth_date.year)
    return formats.short_day(birth_date)


def age_on(birth_date: datetime.date | None, day: datetime.date) -> int | None:
    if not birth_date:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))



class PersonRecords(models.Model):
    """Which programmes hold a record about a person (an application, a
    return case): registry.access reads it to tell whose staff see the
    person, one index probe, instead of asking every programme's tables about
    every person on every list. A row of its own, so that saving a Person
    never writes it back stale. One column per registry.models.Side. Kept by
    the programmes' services through registry.services.person_sides_note and
    person_sides_refresh (the scope hooks of registry.programmes say what a
    record is); registry migration 0005 filled it. Every person has a row from
    its creation (services.person_create, person_records_open; migration 0006
    gave one to every person before): a person without a row is seen by the
    data protection officer alone."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True,
                                  related_name="programme_records")
    scholarship = models.BooleanField(_("scholarships"), default=False)
    reintegration = models.BooleanField(_("voluntary return and reintegration"), default=False)

    class Meta:
        verbose_name = _("programmes holding a record")
        verbose_name_plural = _("programmes holding a record")
        indexes = [
            # The persons no programme holds a record about: few, and seen by
            # every side's staff (registry.access.person_condition).
            models.Index(fields=["person"], condition=Q(scholarship=False, reintegration=False),
                         name="personrecords_none"),
        ]

    def __str__(self):
        return str(self.person_id)


class IdentityDocument(models.Model):
    class Kind(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        NATIONAL_ID = "national_id", _("National identity card")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
        TRAVEL_DOCUMENT = "travel_document", _("Travel document or laissez-passer")

    # Documents that let a person cross a border.
    TRAVEL_KINDS = (Kind.PASSPORT, Kind.NATIONAL_ID, Kind.TRAVEL_DOCUMENT)
    # registry.services.person_merge: when both records hold the same document,
    # the copy is dropped.
    merge_drops_duplicates = True

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=40)
    number_key = models.CharField(max_length=40, editable=False, db_index=True)
    issuing_country = CountryField(_("issuing country"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    scan = models.FileField(
        _("scan"), upload_to=RandomName("identity-documents"), blank=True, max_length=200,
    )
    scan_content_type = models.CharField(max_length=60, blank=True, editable=False)
    # Which programme's staff added it: only they (and the data protection
    # officer) see it. Empty for documents of unknown origin: the data
    # protection officer only.
    side = models.CharField(_("added for"), max_length=16, choices=Side.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["person_id", "-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | Q(expires_on__isnull=True)
                | Q(expires_on__gt=F("issued_on")),
                name="document_expires_after_issue",
            ),
            models.UniqueConstraint(
                fields=["person", "kind", "issuing_country", "number_key"],
                name="document_unique_per_person",
            ),
        ]
        indexes = [models.Index(fields=["number_key", "issuing_country"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} ({self.issuing_country})"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.expires_on is None or self.expires_on >= day


class Household(models.Model):
    principal = models.ForeignKey(
        Person, verbose_name=_("principal"), on_delete=models.PROTECT,
        related_name="households_headed",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["-created_at"]

    def __str__(self):
        return _("Household %(reference)s of %(name)s") % {
            "reference": self.reference, "name": self.principal.full_name,
        }

    @property
    def reference(self) -> str:
        return _reference("H", self.pk)


class HouseholdMember(models.Model):
    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Spouse or partner")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Brother or sister")
        OTHER = "other", _("Other relative or dependant")

    # registry.services.person_merge: a person counted twice in one household
    # is counted once.
    merge_drops_duplicates = True

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships",
    )
    relation = models.CharField(
        _("relation to the principal"), max_length=10, choices=Relation.choices,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="household_member_once"),
        ]

    def __str__(self):
        return f"{self.person.full_name} ({self.get_relation_display()})"


class Consent(models.Model):
    class Purpose(models.TextChoices):
        SCHOLARSHIP = "scholarship", _("Processing of a scholarship application")
        REINTEGRATION = "reintegration", _("Voluntary return and reintegration case")
        PARTNER_SHARING = "partner_sharing", _("Sharing with a named partner")

    class Method(models.TextChoices):
        ONLINE = "online", _("Online form")
        SIGNED = "signed", _("Signed paper form")
        VERBAL = "verbal", _("Verbal, recorded by staff")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consents",
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    partner = models.ForeignKey(
        Organisation, verbose_name=_("partner"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="consents",
    )
    method = models.CharField(_("how it was given"), max_length=10, choices=Method.choices)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    # The version of the privacy notice the person was shown, where they gave
    # consent online (settings.PRIVACY_NOTICE_VERSION at the time).
    notice_version = models.CharField(_("privacy notice version"), max_length=20, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("withdrawal recorded by"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(purpose="partner_sharing") | Q(partner__isnull=False),
                name="consent_sharing_names_partner",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]
        indexes = [models.Index(fields=["person", "purpose"])]

    def __str__(self):
        return f"{self.get_purpose_display()} ({self.person.reference})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def side(self) -> str:
        return PURPOSE_SIDE[self.purpose]


# The declared purposes of processing, and the programme each belongs to: its
# staff see and record consents for that purpose, nobody else does.
PURPOSE_SIDE = {
    Consent.Purpose.SCHOLARSHIP: Side.SCHOLARSHIP,
    Consent.Purpose.REINTEGRATION: Side.REINTEGRATION,
    Consent.Purpose.PARTNER_SHARING: Side.REINTEGRATION,
}


class DuplicateCandidate(models.Model):
    """A pair of persons that may be one. person_a has the lower id, so a pair
    is flagged once whichever way round it was found."""

    class Reason(models.TextChoices):
        NAME_AND_BIRTH = "name_birth", _("Same name and date of birth")
        DOCUMENT = "document", _("Same identity document")

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    person_a = models.ForeignKey(
        Person, verbose_name=_("person A"), on_delete=models.CASCADE, related_name="+",
    )
    person_b = models.ForeignKey(
        Person, verbose_name=_("person B"), on_delete=models.CASCADE, related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN,
    )
    flagged_at = models.DateTimeField(_("flagged at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-flagged_at"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")),
                                   name="duplicate_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-flagged_at"])]

    def __str__(self):
        return f"{self.person_a.reference} / {self.person_b.reference}"


class PersonMerge(models.Model):
    """Who merged which record into which, and what moved: the audit trail of
    a merge. The merged record is kept, inactive, pointing at the survivor."""

    survivor = models.ForeignKey(
        Person, verbose_name=_("kept record"), on_delete=models.PROTECT, related_name="+",
    )
    merged = models.ForeignKey(
        Person, verbose_name=_("merged record"), on_delete=models.PROTECT, related_name="+",
    )
    candidate = models.ForeignKey(
        DuplicateCandidate, verbose_name=_("possible duplicate"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="merges",
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), on_delete=models.PROTECT,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    moved = models.JSONField(_("records moved"), default=dict)
    snapshot = models.JSONField(_("merged record as it was"), default=dict)

    class Meta:
        verbose_name = _("merge of persons")
        verbose_name_plural = _("merges of persons")
        ordering = ["-merged_at"]

    def __str__(self):
        return f"{self.merged.reference} → {self.survivor.reference}"


class RetentionRun(models.Model):
    """One run of the retention schedule (registry.retention): what was due,
    and, unless it was a dry run, what was anonymised."""

    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ran by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Empty when the schedule ran it."),
    )
    dry_run = models.BooleanField(_("dry run"), default=True)
    persons = models.PositiveIntegerField(_("persons anonymised"), default=0)
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-ran_at", "-id"]

    def __str__(self):
        return f"{formats.short_moment(self.ran_at)} ({'dry run' if self.dry_run else 'applied'})"
