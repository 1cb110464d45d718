"""The registry's write path. Views, forms, admin actions, commands and tasks
all call these, so a person is created, checked and merged the same way
everywhere."""

import json
import logging
from collections import defaultdict
from itertools import combinations

from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.history import set_change_reason

from .models import (
    Consent,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    IdentityDocument,
    Person,
    PersonMerge,
    PersonRecords,
)
from .names import document_number_key, fold, name_key
from .workflow import DUPLICATE

logger = logging.getLogger(__name__)

MSG_MERGE_SAME = _("A record cannot be merged into itself.")
MSG_MERGE_ALREADY = _("%(reference)s has already been merged into another record.")
MSG_MERGE_TWO_ACCOUNTS = _(
    "Both records have a login account. Deactivate one account before merging."
)
MSG_MERGE_WRONG_PAIR = _("This possible duplicate is about two other records.")
MSG_MERGE_CLASH = _(
    "Both records have %(what)s that cannot be combined into one record. Settle them "
    "first (for example withdraw or close one), then merge."
)
MSG_DUPLICATE_MERGED = _("These records have already been merged.")
MSG_DOCUMENT_NUMBER_EMPTY = _("A document number needs at least one letter or digit.")
MSG_DOCUMENT_EXISTS = _("This person already has this document.")
MSG_MEMBER_IS_PRINCIPAL = _("The principal is already part of the household.")
MSG_CONSENT_WITHDRAWN = _("This consent was already withdrawn.")


# --- persons -----------------------------------------------------------------

def _derive_name_keys(person: Person) -> None:
    person.search_key = fold(
        " ".join([person.given_names, person.family_name, person.name_original_script])
    )
    person.name_key = name_key(person.given_names, person.family_name)
    if person.birth_date and person.birth_date_precision == Person.BirthDatePrecision.YEAR:
        # Only the year is known: store 1 January so sorting and age bands work.
        person.birth_date = person.birth_date.replace(month=1, day=1)


@transaction.atomic
def person_create(*, actor, person: Person) -> Person:
    """Save a new person and put any likely duplicate in the review queue."""
    _derive_name_keys(person)
    person.full_clean(exclude=["search_key", "name_key"])
    set_change_reason(person, "created")
    person.save()
    person_records_open(person_ids=[person.pk])
    duplicates_flag(persons=[person])
    return person


@transaction.atomic
def person_update(*, actor, person: Person) -> Person:
    """Save changes to a person (already applied to the instance by a form)."""
    _derive_name_keys(person)
    person.full_clean(exclude=["search_key", "name_key"])
    person.save()
    duplicates_flag(persons=[person])
    return person


# --- identity documents --------------------------------------------------------

@transaction.atomic
def document_save(*, actor, document: IdentityDocument, scan_content_type: str = "") -> (
    IdentityDocument
):
    """Add or change an identity document. scan_content_type is what the upload's
    bytes said it is (privatemedia.validate_document_upload)."""
    document_check(document=document)
    document.number_key = document_number_key(document.number)
    if scan_content_type:
        document.scan_content_type = scan_content_type
    document.full_clean(exclude=["number_key"])
    document.save()
    duplicates_flag(persons=[document.person])
    return document


def document_check(*, document: IdentityDocument) -> None:
    """What a form cannot see on its own, because it lives in the derived
    number key: the number has a letter or digit, and the person does not hold
    this document already (the database would refuse it with an IntegrityError).
    Forms call this to show the error next to the number."""
    key = document_number_key(document.number)
    if not key:
        raise ValidationError({"number": MSG_DOCUMENT_NUMBER_EMPTY})
    if document.person_id and IdentityDocument.objects.filter(
        person_id=document.person_id, kind=document.kind,
        issuing_country=document.issuing_country, number_key=key,
    ).exclude(pk=document.pk).exists():
        raise ValidationError({"number": MSG_DOCUMENT_EXISTS})


# --- households ------------------------------------------------------------------

@transaction.atomic
def household_create(*, actor, principal: Person, notes: str = "") -> Household:
    return Household.objects.create(principal=principal, notes=notes)


@transaction.atomic
def household_member_add(*, actor, household: Household, person: Person,
                         relation: str) -> HouseholdMember:
    if person.pk == household.principal_id:
        raise ValidationError({"person": MSG_MEMBER_IS_PRINCIPAL})
    member, _created = HouseholdMember.objects.update_or_create(
        household=household, person=person, defaults={"relation": relation},
    )
    return member


# --- consent -------------------------------------------------------------------------

@transaction.atomic
def consent_give(*, actor, person: Person, purpose: str, method: str, partner=None,
                 given_at=None, notice_version: str = "") -> Consent:
    consent = Consent(
        person=person, purpose=purpose, method=method, partner=partner,
        given_at=given_at or timezone.now(), recorded_by=actor, notice_version=notice_version,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, when=None) -> Consent:
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at:
        raise ValidationError(MSG_CONSENT_WITHDRAWN)
    consent.withdrawn_at = when or timezone.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return consent


@transaction.atomic
def person_create_for_account(*, user, birth_date, language: str, notice_version: str) -> Person:
    """A new person for an account whose sign-up was just confirmed, with the
    consent given on the sign-up form (accounts.services.account_confirm asks
    through accounts.hooks). Never links an existing person: a likely match
    only lands in the duplicate queue, through person_create."""
    from .selectors import person_matches

    person = person_create(actor=user, person=Person(
        given_names=user.first_name, family_name=user.last_name, birth_date=birth_date,
        birth_date_precision=Person.BirthDatePrecision.DAY, email=user.email,
        preferred_language=language, user=user,
    ))
    consent_give(actor=user, person=person, purpose=Consent.Purpose.SCHOLARSHIP,
                 method=Consent.Method.ONLINE, notice_version=notice_version)
    matches = [p for p in person_matches(
        email=user.email, name_key=name_key(user.first_name, user.last_name),
        birth_date=birth_date,
    ) if p.pk != person.pk]
    if matches:
        # Ids only: the log is read by more people than the registry.
        logger.info("Sign-up of user %s created person %s; %d possible registry match(es) "
                    "(%s) not linked, left for staff review (the duplicate check flags the "
                    "same name and birth date).", user.pk, person.pk, len(matches),
                    ", ".join(str(p.pk) for p in matches))
    return person


# --- duplicates ------------------------------------------------------------------------

def _births_match(a: Person, b: Person) -> bool:
    if a.birth_date is None or b.birth_date is None:
        return False
    year_only = Person.BirthDatePrecision.YEAR
    if year_only in (a.birth_date_precision, b.birth_date_precision):
        return a.birth_date.year == b.birth_date.year
    return a.birth_date == b.birth_date


def duplicates_flag(*, persons=None) -> int:
    """Put likely duplicate pairs in the review queue; return how many are new.

    Two rules from the field: the same folded name (any order of the parts) with
    a compatible date of birth (a year-only date matches any date in that
    year), or the same document number from the same issuing country. With
    `persons`, only pairs involving them are looked for (on every save); without,
    the whole registry is swept (nightly) in a fixed number of queries.
    """
    active = Person.objects.filter(merged_into__isnull=True)
    pairs: dict[tuple[int, int], str] = {}

    # Rule 1: folded name and birth year narrow the groups in the database;
    # the exact-date check runs on the few rows left.
    groups = active.exclude(birth_date__isnull=True).annotate(year=ExtractYear("birth_date"))
    if persons is not None:
        keys = [(p.name_key, p.birth_date.year) for p in persons if p.birth_date]
        if not keys:
            groups = groups.none()
        else:
            cond = Q()
            for key, year in keys:
                cond |= Q(name_key=key, year=year)
            groups = groups.filter(cond)
    else:
        dup_keys = (
            groups.values("name_key", "year").annotate(n=Count("id")).filter(n__gt=1)
            .values_list("name_key", flat=True)
        )
        groups = groups.filter(name_key__in=dup_keys)
    by_key = defaultdict(list)
    for person in groups.only("id", "name_key", "birth_date", "birth_date_precision"):
        by_key[(person.name_key, person.year)].append(person)
    for members in by_key.values():
        for a, b in combinations(members, 2):
            if _births_match(a, b):
                pairs.setdefault((min(a.pk, b.pk), max(a.pk, b.pk)),
                                 DuplicateCandidate.Reason.NAME_AND_BIRTH)

    # Rule 2: the same document held by two persons.
    docs = IdentityDocument.objects.filter(person__merged_into__isnull=True).exclude(number_key="")
    if persons is not None:
        ids = [p.pk for p in persons]
        mine = docs.filter(person_id__in=ids).values_list("number_key", "issuing_country")
        cond = Q()
        for number, country in mine:
            cond |= Q(number_key=number, issuing_country=country)
        docs = docs.filter(cond) if cond else docs.none()
    else:
        shared = (
            docs.values("number_key", "issuing_country")
            .annotate(n=Count("person", distinct=True)).filter(n__gt=1)
            .values_list("number_key", flat=True)
        )
        docs = docs.filter(number_key__in=shared)
    holders: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for number, country, person_id in docs.values_list(
        "number_key", "issuing_country", "person_id"
    ):
        holders[(number, country)].add(person_id)
    for holder_ids in holders.values():
        for low, high in combinations(sorted(holder_ids), 2):
            pairs.setdefault((low, high), DuplicateCandidate.Reason.DOCUMENT)

    if not pairs:
        return 0
    before = DuplicateCandidate.objects.count()
    DuplicateCandidate.objects.bulk_create(
        [DuplicateCandidate(person_a_id=a, person_b_id=b, reason=reason)
         for (a, b), reason in pairs.items()],
        ignore_conflicts=True,
    )
    return DuplicateCandidate.objects.count() - before


@transaction.atomic
def duplicate_dismiss(*, actor, candidate: DuplicateCandidate, note: str = "") -> (
    DuplicateCandidate
):
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status == DuplicateCandidate.Status.MERGED:
        raise ValidationError(MSG_DUPLICATE_MERGED)
    duplicate_transition(actor=actor, candidates=[candidate],
                         to=DuplicateCandidate.Status.DISMISSED, note=note)
    return candidate


def duplicate_transition(*, actor, candidates, to: str, note: str | None = None,
                         at=None) -> int:
    """The one way to change DuplicateCandidate.status, as workflow.DUPLICATE
    declares it: who (resolved_by), when (resolved_at) and why (note; None
    keeps the one written). Candidates already in `to` are left as they are
    (moving to the current state is a no-op); the caller holds their locks."""
    moving = [c for c in candidates if c.status != to]
    for candidate in moving:
        DUPLICATE.check(candidate, candidate.status, to)
    at = at or timezone.now()
    changes = {"status": to, "resolved_by": actor, "resolved_at": at}
    if note is not None:
        changes["note"] = note
    for candidate in moving:
        for name, value in changes.items():
            setattr(candidate, name, value)
    DuplicateCandidate.objects.filter(pk__in=[c.pk for c in moving]).update(**changes)
    return len(moving)


# Fields copied from the merged record when the kept one has none.
_FILL_IF_EMPTY = ["email", "phone", "name_original_script", "country_of_residence"]


def _reverse_relations():
    """Every foreign key or one-to-one that points at Person, from any app
    (scholarship applications and return cases included) without the
    registry importing them."""
    for rel in Person._meta.related_objects:
        if rel.many_to_many:
            raise NotImplementedError(f"person_merge cannot move {rel}")
        yield rel


@transaction.atomic
def person_merge(*, actor, survivor: Person, duplicate: Person,
                 candidate: DuplicateCandidate | None = None, reason: str = "") -> PersonMerge:
    """Fold `duplicate` into `survivor`: everything that pointed at the duplicate
    points at the survivor, all in one transaction. The duplicate is kept,
    marked merged, so its reference still leads somewhere and the merge can be
    audited."""
    if survivor.pk == duplicate.pk:
        raise ValidationError(MSG_MERGE_SAME)
    if candidate is not None and {candidate.person_a_id, candidate.person_b_id} != {
        survivor.pk, duplicate.pk,
    }:
        raise ValidationError(MSG_MERGE_WRONG_PAIR)
    # Lock both rows in a fixed order so two merges of the same pair queue up.
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(
        pk__in=[survivor.pk, duplicate.pk]).order_by("pk")}
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    for person in (survivor, duplicate):
        if person.merged_into_id:
            raise ValidationError(MSG_MERGE_ALREADY % {"reference": person.reference})
    if survivor.user_id and duplicate.user_id:
        raise ValidationError(MSG_MERGE_TWO_ACCOUNTS)

    snapshot = json.loads(serializers.serialize("json", [duplicate]))[0]["fields"]
    moved: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for rel in _reverse_relations():
        model, field = rel.related_model, rel.field.name
        label = f"{model._meta.label}.{field}"
        rows = model._base_manager.filter(**{field: duplicate})
        if rel.one_to_one:
            continue  # the login account is handled below
        # Where a unique constraint would be broken, both records hold the same
        # thing. A copy of a link (the same document, the same household twice)
        # is dropped, on models that say so; anything else (two applications to
        # one call, two open return cases) is a decision for a person, and the
        # merge is refused naming it.
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and field in constraint.fields:
                others = [f for f in constraint.fields if f != field]
                scope = constraint.condition or Q()
                theirs = (model._base_manager.filter(scope, **{field: survivor})
                          .values_list(*others))
                clash = Q()
                for values in theirs:
                    clash |= Q(**dict(zip(others, values, strict=True)))
                if not clash or not rows.filter(scope).filter(clash).exists():
                    continue
                if not getattr(model, "merge_drops_duplicates", False):
                    raise ValidationError(MSG_MERGE_CLASH % {
                        "what": model._meta.verbose_name_plural})
                n, _detail = rows.filter(scope).filter(clash).delete()
                dropped[label] = dropped.get(label, 0) + n
        try:
            # A constraint on an expression is not read above: the database
            # still refuses the clash, and the merge is refused the same way.
            with transaction.atomic():
                n = rows.update(**{field: survivor})
        except IntegrityError as error:
            raise ValidationError(MSG_MERGE_CLASH % {
                "what": model._meta.verbose_name_plural}) from error
        if n:
            moved[label] = n
    # A household the duplicate headed may count the survivor as a member, or the
    # duplicate was a member of the survivor's household: the principal is never
    # also a member (household_member_add refuses it), so that row goes.
    n, _detail = HouseholdMember.objects.filter(
        person=survivor, household__principal=survivor).delete()
    if n:
        label = f"{HouseholdMember._meta.label}.person"
        dropped[label] = dropped.get(label, 0) + n

    filled = []
    for name in _FILL_IF_EMPTY:
        if not getattr(survivor, name) and getattr(duplicate, name):
            setattr(survivor, name, getattr(duplicate, name))
            filled.append(name)
    if survivor.sex == Person.Sex.UNKNOWN and duplicate.sex != Person.Sex.UNKNOWN:
        survivor.sex = duplicate.sex
        filled.append("sex")
    year_only = Person.BirthDatePrecision.YEAR
    if duplicate.birth_date and (
        survivor.birth_date is None
        # The duplicate knows the day of a birth the survivor only has the year of.
        or (survivor.birth_date_precision == year_only
            and duplicate.birth_date_precision != year_only
            and survivor.birth_date.year == duplicate.birth_date.year)
    ):
        survivor.birth_date = duplicate.birth_date
        survivor.birth_date_precision = duplicate.birth_date_precision
        filled.append("birth_date")
    extra = [c for c in duplicate.nationalities if c not in survivor.nationalities]
    if extra:
        survivor.nationalities = list(survivor.nationalities) + extra
        filled.append("nationalities")
    if duplicate.user_id:
        survivor.user_id, duplicate.user_id = duplicate.user_id, None
        moved["user"] = 1
    duplicate.merged_into = survivor
    set_change_reason(duplicate, f"merged into {survivor.reference}")
    duplicate.save()
    set_change_reason(survivor, f"{duplicate.reference} merged into this record")
    # A name in the original script may have been filled in: search it too.
    _derive_name_keys(survivor)
    survivor.save()

    now = timezone.now()
    if candidate is not None:
        duplicate_transition(
            actor=actor, at=now, to=DuplicateCandidate.Status.MERGED,
            candidates=list(DuplicateCandidate.objects.select_for_update().filter(
                pk=candidate.pk)))
    # Other open pairs that involved the merged record are settled by the merge;
    # the survivor is checked again below instead.
    duplicate_transition(
        actor=actor, at=now, to=DuplicateCandidate.Status.MERGED,
        note=f"merged into {survivor.reference}",
        candidates=list(DuplicateCandidate.objects.select_for_update().filter(
            Q(person_a=duplicate) | Q(person_b=duplicate),
            status=DuplicateCandidate.Status.OPEN)))
    merge = PersonMerge.objects.create(
        survivor=survivor, merged=duplicate, candidate=candidate, merged_by=actor,
        reason=reason, moved={"moved": moved, "dropped": dropped, "filled": filled},
        snapshot=snapshot,
    )
    duplicates_flag(persons=[survivor])
    # The duplicate's applications and cases are the survivor's now.
    person_sides_refresh(person_ids=[survivor.pk, duplicate.pk])
    return merge


def person_records_open(*, person_ids) -> None:
    """Every person has a PersonRecords row from the moment it exists (no
    programme holds a record yet: every column False), so that the persons
    without a record are read from a small partial index
    (registry.access.person_condition), not found by walking every person.
    A person without a row is seen by nobody but the data protection
    officer: when in doubt, show less."""
    PersonRecords.objects.bulk_create([PersonRecords(person_id=pk) for pk in set(person_ids)],
                                      ignore_conflicts=True)


def person_sides_note(*, side: str, person_ids) -> None:
    """The programme `side` now holds a record about these persons (an
    application, a return case, a case member): from now on only its staff
    (and the data protection officer) see them (registry.access). Called by
    the programme's service that creates the record, in its transaction."""
    PersonRecords.objects.bulk_create(
        [PersonRecords(person_id=pk, **{side: True}) for pk in set(person_ids)],
        update_conflicts=True, unique_fields=["person"], update_fields=[side])


def person_sides_refresh(*, person_ids=None) -> None:
    """Which programmes hold a record about these persons (every person:
    None), asked again of the programmes' scope hooks: after records were
    removed or moved (a case member removed, a merge), or written without the
    services (the benchmark's bulk seed)."""
    from . import programmes

    persons = Person.objects.order_by()
    if person_ids is not None:
        persons = persons.filter(pk__in=list(person_ids))
    holders = {side: set(persons.filter(pk__in=fn(None)).values_list("pk", flat=True))
               for side, fn in programmes.hooks(programmes.SCOPE).items()}
    known = set(PersonRecords.objects.filter(person__in=persons).values_list(
        "person_id", flat=True))
    everyone = known.union(*holders.values())
    if not everyone or not holders:
        return
    PersonRecords.objects.bulk_create(
        [PersonRecords(person_id=pk, **{side: pk in ids for side, ids in holders.items()})
         for pk in everyone],
        update_conflicts=True, unique_fields=["person"], update_fields=list(holders),
        batch_size=5000)
