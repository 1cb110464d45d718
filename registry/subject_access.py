"""Everything held about one person, for a subject-access request (GDPR
article 15): the registry's part, each programme's part (its SUBJECT_DATA
hook, registry.programmes) and the reads of the person's records.

The result is a list of sections, each a dict:

    {"key": "registry.identity",          # stable, for the JSON export
     "title": "Identity",                 # translated, for the PDF
     "labels": {"field": "Label", ...},   # translated, for the PDF
     "rows": [{"field": value, ...}, ...]}

Values are plain JSON values (str, int, float, bool, None, list): dates as ISO
strings, choices as their display, files as whether a file exists (the files
themselves are not exported)."""

import datetime
from decimal import Decimal

from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _

from . import programmes
from .models import (
    Consent,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    IdentityDocument,
    Person,
    PersonMerge,
)


def plain(value):
    """A value as the JSON export and the PDF show it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return bool(value)
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return str(value)


def field_value(obj, name: str):
    """The shown value of a model field: a choice's display, a country's
    name, a related record's text, whether a file exists."""
    field = obj._meta.get_field(name)
    if getattr(field, "choices", None) and not getattr(field, "multiple", False):
        return plain(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    if hasattr(value, "name") and hasattr(value, "code"):  # a django-countries Country
        return value.name or ""
    if getattr(field, "multiple", False):  # CountryField(multiple=True)
        return [country.name for country in value]
    if field.is_relation and value is not None:
        return str(value)
    return plain(value)


def section(key: str, title, objects, fields: list[str], *, extra=None) -> dict:
    """A section from model instances: one row per object with these fields,
    labelled with the fields' verbose names. `extra` is {key: (label, fn(obj))}
    for values that are not a field."""
    objects = list(objects)
    extra = extra or {}
    labels: dict[str, str] = {}
    if objects:
        meta = objects[0]._meta
        labels = {name: str(meta.get_field(name).verbose_name) for name in fields}
    labels.update({name: str(label) for name, (label, _fn) in extra.items()})
    rows = []
    for obj in objects:
        row = {"id": obj.pk}
        row.update({name: field_value(obj, name) for name in fields})
        row.update({name: plain(fn(obj)) for name, (_label, fn) in extra.items()})
        rows.append(row)
    return {"key": key, "title": str(title), "labels": {"id": "id", **labels}, "rows": rows}


def _registry_sections(person: Person) -> list[dict]:
    person_fields = ["given_names", "family_name", "name_original_script", "birth_date",
                     "birth_date_precision", "sex", "nationalities", "country_of_residence",
                     "email", "phone", "preferred_language", "user", "merged_into",
                     "created_at", "updated_at", "anonymised_at"]
    documents = IdentityDocument.objects.filter(person=person).order_by("kind", "id")
    consents = (Consent.objects.filter(person=person).select_related("partner")
                .order_by("given_at", "id"))
    households = (Household.objects.filter(Q(principal=person) | Q(members__person=person))
                  .distinct().select_related("principal").order_by("id"))
    memberships = (HouseholdMember.objects.filter(Q(person=person) | Q(household__principal=person))
                   .select_related("household", "person").order_by("household_id", "id"))
    duplicates = (DuplicateCandidate.objects.filter(Q(person_a=person) | Q(person_b=person))
                  .select_related("person_a", "person_b").order_by("flagged_at", "id"))
    merges = (PersonMerge.objects.filter(Q(survivor=person) | Q(merged=person))
              .select_related("survivor", "merged").order_by("merged_at", "id"))
    return [
        section("registry.identity", _("Identity and contact"), [person], person_fields,
                extra={"reference": (_("reference"), lambda p: p.reference)}),
        section("registry.documents", _("Identity documents"), documents,
                ["kind", "number", "issuing_country", "issued_on", "expires_on", "scan",
                 "side", "created_at"]),
        section("registry.households", _("Households"), households,
                ["principal", "notes", "created_at"],
                extra={"reference": (_("reference"), lambda h: h.reference)}),
        section("registry.household_members", _("Household members"), memberships,
                ["household", "person", "relation"]),
        section("registry.consents", _("Consents"), consents,
                ["purpose", "partner", "method", "given_at", "notice_version",
                 "withdrawn_at"]),
        section("registry.duplicates", _("Possible duplicates"), duplicates,
                ["person_a", "person_b", "reason", "status", "flagged_at", "resolved_at"]),
        section("registry.merges", _("Merges"), merges,
                ["survivor", "merged", "merged_at", "reason"]),
    ]


def _registry_records(person: Person) -> dict[str, list]:
    """The registry's own records about the person, by model label."""
    return {
        "registry.person": [person.pk],
        "registry.identitydocument": list(
            IdentityDocument.objects.filter(person=person).values_list("pk", flat=True)),
        "registry.consent": list(Consent.objects.filter(person=person)
                                 .values_list("pk", flat=True)),
        "registry.household": list(
            Household.objects.filter(Q(principal=person) | Q(members__person=person))
            .distinct().values_list("pk", flat=True)),
    }


def _reads_section(person: Person) -> dict:
    from audit.models import ReadEvent

    records = _registry_records(person)
    for fn in programmes.hooks(programmes.RECORDS).values():
        for label, ids in fn([person.pk]).items():
            records.setdefault(label, []).extend(ids)
    about = Q(person_id=person.pk)
    for label, ids in records.items():
        if ids:
            about |= Q(model=label, object_id__in=[str(pk) for pk in ids])
    reads = ReadEvent.objects.filter(about).select_related("user").order_by("at", "id")
    return section("audit.reads", _("Reads of these records"), reads,
                   ["at", "user", "action", "model", "object_id", "page"])


def subject_data(person: Person) -> list[dict]:
    """Every section about the person: the registry's, each programme's (in
    the order of Side), then the reads."""
    sections = _registry_sections(person)
    for fn in programmes.hooks(programmes.SUBJECT_DATA).values():
        sections.extend(fn(person))
    sections.append(_reads_section(person))
    return sections


def row_count(sections: list[dict]) -> int:
    return sum(len(s["rows"]) for s in sections)
