"""The retention schedule (settings.RETENTION): which persons the agency no
longer needs to know by name, and their anonymisation.

Each programme answers for its own records through its RETENTION hook
(registry.programmes): for every person it holds a record of, the reason the
person is due, or None while a record must still be kept. A person is due
only when EVERY programme holding a record of them says so; a person no
programme holds anything of is due once their registry record is older than
the longest period of the schedule.

Anonymising keeps what statistics need (year of birth, sex, nationalities,
country of residence; the programmes keep calls, states, amounts, scores) and
removes what identifies: names, contact, login link, identity documents and
their scans, the free text and files of the programmes' records, and the
same values in the change history (an old version holding the name would
defeat it)."""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.history import set_change_reason

from . import programmes
from .models import (
    DuplicateCandidate,
    Household,
    IdentityDocument,
    Person,
    PersonMerge,
    RetentionRun,
)

logger = logging.getLogger(__name__)

# What stays of the name. The person_has_a_name constraint needs one; the
# search keys stay empty so nobody finds the person by it either.
PLACEHOLDER_FAMILY_NAME = "Anonymised"
NO_RECORD = "no_programme_record"

DEFAULT_SCHEDULE = {
    "applications_not_awarded_years": 5,
    "scholars_years": 10,
    "closed_cases_years": 10,
    "apply": False,
}


def schedule() -> dict:
    return {**DEFAULT_SCHEDULE, **getattr(settings, "RETENTION", {})}


def years_ago(now: datetime.datetime, years: int) -> datetime.datetime:
    """`now` moved back whole years (29 February becomes 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def verdicts_by_person(rows) -> dict[int, str | None]:
    """{person id: reason, or None while one of their records is still kept}
    from (person id, reason or None) pairs, one per record of a programme:
    one record still kept keeps the person; otherwise the first reason found
    is theirs. Each programme's RETENTION hook folds its rows through this."""
    found: dict[int, str | None] = {}
    for person_id, reason in rows:
        if reason is None:
            found[person_id] = None
        else:
            found.setdefault(person_id, reason)
    return found


def longest_period(plan: dict) -> int:
    return max(value for key, value in plan.items() if key.endswith("_years"))


def delete_files_after_commit(storage_names: list[tuple]) -> None:
    """Delete (storage, name) pairs once the transaction commits: a rollback
    keeps the records, so it must keep their files too."""
    pairs = [(storage, name) for storage, name in storage_names if name]

    def delete():
        for storage, name in pairs:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("retention: could not delete file %s", name)

    transaction.on_commit(delete)


def _verdicts(*, now, plan, person_ids=None) -> dict[str, dict[int, str | None]]:
    return {side: fn(now=now, schedule=plan, person_ids=person_ids)
            for side, fn in programmes.hooks(programmes.RETENTION).items()}


def _due_from(verdicts: dict, candidates=None) -> dict[int, dict[str, str]]:
    """{person id: {side: reason}} for the persons every holding programme
    lets go."""
    held: dict[int, dict[str, str | None]] = {}
    for side, found in verdicts.items():
        for person_id, reason in found.items():
            held.setdefault(person_id, {})[side] = reason
    return {person_id: reasons for person_id, reasons in held.items()
            if all(reason is not None for reason in reasons.values())
            and (candidates is None or person_id in candidates)}


def persons_due(*, now=None) -> tuple[dict[int, dict[str, str]], set[int]]:
    """The persons due, with each holding programme's reason, and every
    person a programme holds a record of (due or not)."""
    now = now or timezone.now()
    plan = schedule()
    verdicts = _verdicts(now=now, plan=plan)
    held = {pid for found in verdicts.values() for pid in found}
    due = _due_from(verdicts)
    # Anonymised ones are done; merged-away records follow their survivor.
    live = set(Person.objects.filter(pk__in=list(due), anonymised_at__isnull=True,
                                     merged_into__isnull=True).values_list("pk", flat=True))
    due = {pid: reasons for pid, reasons in due.items() if pid in live}
    unheld = (Person.objects.filter(anonymised_at__isnull=True, merged_into__isnull=True,
                                    created_at__lt=years_ago(now, longest_period(plan)))
              .exclude(pk__in=list(held)).values_list("pk", flat=True))
    for pid in unheld:
        due[pid] = {"registry": NO_RECORD}
    return due, held


def _still_due(person_id: int, *, now, plan) -> bool:
    verdicts = _verdicts(now=now, plan=plan, person_ids=[person_id])
    if any(person_id in found for found in verdicts.values()):
        return bool(_due_from(verdicts, candidates={person_id}))
    person = Person.objects.filter(pk=person_id).values("created_at").first()
    return bool(person) and person["created_at"] < years_ago(now, longest_period(plan))


def _overwrite_person_history(person: Person) -> None:
    Person.history.filter(id=person.pk).update(
        given_names=person.given_names, family_name=person.family_name,
        name_original_script="", email="", phone="", user_id=None,
        birth_date=person.birth_date, birth_date_precision=person.birth_date_precision,
    )


def _close_login(user_id: int) -> None:
    """The person's login goes with their name: it can no longer log in, and
    neither it nor its history says who it was (the username and address are
    the person's e-mail)."""
    User = get_user_model()
    user = User.objects.get(pk=user_id)
    user.username = f"anonymised-{user.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.skip_history_when_saving = True
    user.save()
    user.groups.clear()
    User.history.filter(id=user.pk).update(
        username=user.username, email="", first_name="", last_name="")


@transaction.atomic
def person_anonymise(*, person: Person, now=None) -> None:
    """Anonymise one person: the programmes' records first (their ANONYMISE
    hooks), then the registry's. Persons merged into this one go with it."""
    now = now or timezone.now()
    for merged in Person.objects.filter(merged_into=person, anonymised_at__isnull=True):
        person_anonymise(person=merged, now=now)
    for fn in programmes.hooks(programmes.ANONYMISE).values():
        fn(person_id=person.pk, now=now)

    documents = list(IdentityDocument.objects.filter(person=person))
    delete_files_after_commit([(d.scan.storage, d.scan.name) for d in documents if d.scan])
    IdentityDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()
    # After the delete: deleting writes one more history row, with the number.
    IdentityDocument.history.filter(person_id=person.pk).delete()

    headed = Household.objects.filter(principal=person)
    headed.update(notes="")
    Household.history.filter(principal_id=person.pk).update(notes="")
    DuplicateCandidate.objects.filter(Q(person_a=person) | Q(person_b=person)).update(note="")
    PersonMerge.objects.filter(Q(survivor=person) | Q(merged=person)).update(
        snapshot={"anonymised": True})

    if person.user_id:
        _close_login(person.user_id)

    person.given_names = ""
    person.family_name = PLACEHOLDER_FAMILY_NAME
    person.name_original_script = ""
    person.email = ""
    person.phone = ""
    person.user = None
    if person.birth_date:
        person.birth_date = person.birth_date.replace(month=1, day=1)
        person.birth_date_precision = Person.BirthDatePrecision.YEAR
    # Not derived from the placeholder: an anonymised person is found by
    # reference only, and is nobody's duplicate (a hyphen never survives
    # registry.names.name_key, so no typed name can give this key).
    person.search_key = ""
    person.name_key = f"-anonymised-{person.pk}"
    person.anonymised_at = now
    set_change_reason(person, "anonymised")
    person.save()
    _overwrite_person_history(person)


def retention_run(*, actor=None, dry_run: bool = True, now=None,
                  only: list[int] | None = None) -> RetentionRun:
    """Ask the programmes who is due, record the run and, unless dry_run,
    anonymise each due person in a transaction of their own (one failure
    does not undo the others; each is checked again just before). `only`:
    at most these persons (those of the dry run the DPO read)."""
    now = now or timezone.now()
    plan = schedule()
    due, held = persons_due(now=now)
    if only is not None:
        keep = set(only)
        due = {pid: reasons for pid, reasons in due.items() if pid in keep}
    by_programme: dict[str, dict[str, int]] = {}
    for reasons in due.values():
        for side, reason in reasons.items():
            counts = by_programme.setdefault(side, {})
            counts[reason] = counts.get(reason, 0) + 1
    report = {
        "now": now.isoformat(),
        "schedule": dict(plan),
        "held": len(held),
        "due": len(due),
        "by_programme": by_programme,
        "persons": sorted(due),
        "anonymised": [],
        "skipped": [],
        "failed": [],
    }
    if not dry_run:
        for person_id in sorted(due):
            try:
                with transaction.atomic():
                    person = (Person.objects.select_for_update()
                              .filter(pk=person_id, anonymised_at__isnull=True).first())
                    if person is None or not _still_due(person_id, now=now, plan=plan):
                        report["skipped"].append(person_id)
                        continue
                    person_anonymise(person=person, now=now)
            except Exception:  # one bad record must not stop the schedule
                logger.exception("retention: anonymising person %s failed", person_id)
                report["failed"].append(person_id)
            else:
                if person_id not in report["skipped"]:
                    report["anonymised"].append(person_id)
    return RetentionRun.objects.create(
        ran_by=actor if getattr(actor, "is_authenticated", False) else None,
        dry_run=dry_run, persons=len(report["anonymised"]), report=report,
    )
