"""The registry's read paths: who may see what, and what a page needs."""

from django.db.models import CharField, Field, Prefetch, Q, QuerySet, Value

from listing.pagination import pk_url
from listing.widgets import country_choices

from . import access
from .models import (
    Consent,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    IdentityDocument,
    Person,
    birth_display,
    full_name,
    person_reference,
)
from .names import fold

# The columns of the person list page; nothing else is fetched for it.
PERSON_ROW_VALUES = (
    "id", "given_names", "family_name", "birth_date", "birth_date_precision", "sex",
    "nationalities", "country_of_residence",
)
# How many of a person's past versions the detail page shows.
PERSON_HISTORY_LENGTH = 10


def duplicate_queue_size(user=None) -> int:
    """Open pairs in the queue; given `user`, those whose two persons they see."""
    queryset = (DuplicateCandidate.objects.all() if user is None
                else access.duplicates_visible(user))
    return queryset.filter(
        status=DuplicateCandidate.Status.OPEN).count()


def parse_person_reference(text: str, *, field_of_references: bool = False) -> int | None:
    """The id in a reference as people type it: P-000123, p-123, P 123.
    None when the text is not a reference. In a free search the dash or space
    is required, since "P1234567" is what a passport number looks like; a field
    that only takes references also accepts "P123"."""
    upper = (text or "").strip().upper()
    if not upper.startswith("P"):
        return None
    if not field_of_references and not upper.startswith(("P-", "P ")):
        return None
    digits = upper[1:].lstrip("- ")
    # The length bound keeps the id within a database integer.
    if digits.isascii() and digits.isdigit() and len(digits) <= 12:
        return int(digits)
    return None


def person_search(queryset: QuerySet, query: str) -> QuerySet:
    """Match a reference (P-000123), or every folded word of the query."""
    query = (query or "").strip()
    if not query:
        return queryset
    pk = parse_person_reference(query)
    if pk is not None:
        return queryset.filter(pk=pk)
    for word in fold(query).split():
        queryset = queryset.filter(search_key__contains=word)
    return queryset


def person_list(*, user, query: str = "") -> QuerySet:
    """Persons a staff user may see (registry.access), without merged-away
    records."""
    if not user.has_perm("registry.view_person"):
        return Person.objects.none()
    queryset = access.person_scope(user, Person.objects.filter(merged_into__isnull=True))
    return person_search(queryset, query)


def person_rows(queryset: QuerySet) -> QuerySet:
    """The person list page: only the columns shown, as plain values (no model
    instances to make per row)."""
    return queryset.values(*PERSON_ROW_VALUES)


def person_row_cells(rows) -> list[dict]:
    """What each row of the person list prints, worked out once per row."""
    url = pk_url("registry:person_detail")
    sexes = {value: str(label) for value, label in Person.Sex.choices}
    names = dict(country_choices())
    cells = []
    for row in rows:
        codes = row["nationalities"].split(",") if row["nationalities"] else []
        cells.append({
            "id": row["id"],
            "url": url(row["id"]),
            "reference": person_reference(row["id"]),
            "name": full_name(row["given_names"], row["family_name"]),
            "born": birth_display(row["birth_date"], row["birth_date_precision"]),
            "sex": sexes[row["sex"]],
            "nationalities": ", ".join(names.get(code, code) for code in codes),
            "residence": names.get(row["country_of_residence"], row["country_of_residence"]),
        })
    return cells


def person_detail(*, user, pk: int) -> Person | None:
    """One person with everything the detail page shows, in a fixed number of
    queries whatever the number of documents, households or consents. Merged
    records are included: their page says where the person went. Only the
    documents, consents and households of the user's sides (registry.access)."""
    if not user.has_perm("registry.view_person"):
        return None
    members = HouseholdMember.objects.select_related("person").order_by("relation", "person_id")
    return (
        access.person_scope(user, Person.objects.select_related("merged_into", "user"))
        .prefetch_related(
            Prefetch("documents", queryset=access.documents_visible(
                user, IdentityDocument.objects.order_by("-expires_on", "-id"))),
            Prefetch("households_headed", queryset=access.households_visible(
                user, Household.objects.prefetch_related(
                    Prefetch("members", queryset=members)))),
            Prefetch("memberships", queryset=access.household_members_visible(
                user, HouseholdMember.objects.select_related("household__principal")
                .order_by("-household__created_at"))),
            Prefetch("consents", queryset=access.consents_visible(
                user, Consent.objects.select_related("partner", "recorded_by", "withdrawn_by"))),
        )
        .filter(pk=pk)
        .first()
    )


def person_open_duplicates(*, person: Person, user=None) -> list[DuplicateCandidate]:
    """Open pairs in the duplicate queue that involve this person, each with
    `other`: the other person of the pair. Given `user`, only the pairs whose
    two persons they may see."""
    queryset = (DuplicateCandidate.objects.all() if user is None
                else access.duplicates_visible(user))
    candidates = list(
        queryset.filter(
            Q(person_a=person) | Q(person_b=person), status=DuplicateCandidate.Status.OPEN,
        ).select_related("person_a", "person_b")
    )
    for candidate in candidates:
        candidate.other = (
            candidate.person_b if candidate.person_a_id == person.pk else candidate.person_a
        )
    return candidates


def person_recent_changes(*, person: Person, limit: int = PERSON_HISTORY_LENGTH) -> list:
    """The person's last versions, newest first, each with `changed_fields`
    (verbose names of what differs from the version before). One query: the
    version before the oldest shown is fetched with the rest."""
    records = list(
        person.history.select_related("history_user").order_by("-history_date", "-history_id")
        [:limit + 1]
    )
    labels = {f.name: f.verbose_name for f in Person._meta.get_fields()
              if isinstance(f, Field) and f.concrete}
    for newer, older in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older)
        newer.changed_fields = [labels.get(name, name) for name in delta.changed_fields
                                if name != "updated_at"]
    if records and len(records) <= limit:
        records[-1].changed_fields = []  # the first version: nothing to compare with
    return records[:limit]


def household_for_member_add(*, user, pk: int) -> Household | None:
    """A household whose members the user may change, with its members."""
    if not user.has_perm("registry.add_householdmember") or not access.may_change(user):
        return None
    return (
        access.households_visible(user, Household.objects.select_related("principal"))
        .prefetch_related(Prefetch("members", queryset=HouseholdMember.objects.select_related(
            "person")))
        .filter(pk=pk, principal__merged_into__isnull=True)
        .first()
    )


def document_list(*, user) -> QuerySet:
    """Identity documents the user may see: with the permission, those of
    their sides of the persons in their scope (registry.access); without it,
    none. A login account linked to a person reaches that person's documents
    through the pages of its own programme, not through the registry."""
    documents = IdentityDocument.objects.select_related("person")
    if not user.is_authenticated or not user.has_perm("registry.view_identitydocument"):
        return documents.none()
    return access.documents_visible(user, documents)


def person_matches(*, email: str = "", name_key: str = "", birth_date=None) -> list[Person]:
    """Registry persons who may be the one described: the same e-mail address
    (case aside), or the same folded name (registry.names.name_key, so accents,
    case and the order of the parts do not matter) with a compatible date of
    birth (a year-only date matches any date in its year). Merged records are
    left out. Records that already have a login account are included (see
    `user_id`): a caller linking an account must tell "nobody" from "somebody
    who already has one", and decide itself."""
    email = (email or "").strip()
    condition = Q()
    if email:
        condition |= Q(email__iexact=email)
    if name_key and birth_date:
        # The year narrows the rows in the database (index on name_key,
        # birth_date); the day is compared below, where the precision is known.
        condition |= Q(name_key=name_key, birth_date__year=birth_date.year)
    if not condition:
        return []
    year_only = Person.BirthDatePrecision.YEAR
    matches = []
    for person in Person.objects.filter(condition, merged_into__isnull=True).order_by("pk"):
        same_email = bool(email) and person.email.lower() == email.lower()
        same_birth = bool(birth_date) and person.birth_date is not None and (
            person.birth_date == birth_date
            or (person.birth_date_precision == year_only
                and person.birth_date.year == birth_date.year)
        )
        if same_email or (person.name_key == name_key and same_birth):
            matches.append(person)
    return matches


# --- for the read log (audit.hooks) ---------------------------------------------------

def person_for_log(pk: int) -> Person | None:
    """The person a row of the read log is about, merged and anonymised ones
    too: what was read about them stays answerable."""
    return Person.objects.filter(pk=pk).only(
        "id", "given_names", "family_name", "merged_into_id").first()


def _registry_records(person_id: int) -> dict[str, list]:
    """The registry's own records about a person: the person, their identity
    documents, consents and households (headed or joined), in one query."""

    def labelled(queryset, model):
        return (queryset.order_by()
                .annotate(label=Value(model._meta.label_lower, output_field=CharField()))
                .values_list("label", "pk"))

    parts = [
        labelled(Person.objects.filter(pk=person_id), Person),
        labelled(IdentityDocument.objects.filter(person_id=person_id), IdentityDocument),
        labelled(Consent.objects.filter(person_id=person_id), Consent),
        labelled(Household.objects.filter(
            Q(principal_id=person_id) | Q(members__person_id=person_id)), Household),
    ]
    found: dict[str, list] = {}
    for label, pk in parts[0].union(*parts[1:], all=True):
        found.setdefault(label, []).append(pk)
    return found


def person_records(person_id: int) -> dict[str, set[str]]:
    """Every record about the person, by model label: the registry's and what
    each programme's RECORDS hook returns (one query each)."""
    from . import programmes

    records: dict[str, set[str]] = {}
    sources = [_registry_records(person_id)]
    sources += [fn([person_id]) for fn in programmes.hooks(programmes.RECORDS).values()]
    for found in sources:
        for label, ids in found.items():
            records.setdefault(label, set()).update(str(pk) for pk in ids)
    return records


def person_histories(person_id: int) -> list[tuple[str, dict]]:
    """The histories the read log's person page shows, with their filter."""
    return [
        ("registry.person", {"id": person_id}),
        ("registry.identitydocument", {"person_id": person_id}),
        ("registry.consent", {"person_id": person_id}),
    ]
