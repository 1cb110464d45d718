"""Who else in the registry may be the same person: read by the programmes
where they decide (one person, one award), before staff have merged or
dismissed the pair.

Three reasons, each read for a whole page of persons in one query:
- an open DuplicateCandidate pair (flagged by duplicates_flag, not yet reviewed);
- the same folded name and date of birth (a year-only date matches any date
  of that year);
- the same identity document (number and issuing country).
A pair staff dismissed ("not the same person") is never a likely duplicate,
whatever else agrees: staff decided. Merged records are left out: their
survivor is the record that counts."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, Subquery
from django.db.models.expressions import RawSQL

from .models import DuplicateCandidate, IdentityDocument, Person, person_reference

Reason = DuplicateCandidate.Reason


@dataclass(frozen=True)
class Likely:
    """Another person who may be the same one, and why (DuplicateCandidate.Reason
    values, in that order)."""

    person_id: int
    reasons: tuple[str, ...]

    @property
    def reference(self) -> str:
        return person_reference(self.person_id)

    @property
    def why(self) -> list[str]:
        return [str(Reason(reason).label) for reason in self.reasons]


def _births_match(a_date, a_precision, b_date, b_precision) -> bool:
    if a_date is None or b_date is None:
        return False
    year_only = Person.BirthDatePrecision.YEAR
    if year_only in (a_precision, b_precision):
        return a_date.year == b_date.year
    return a_date == b_date


def _same_name_and_birth(given: list[tuple[int, str, datetime.date, str]]) -> RawSQL:
    """Persons who may share a name and birth with one of the given (pk,
    folded name, birth date, precision): the same name, and the same date, or
    the same year where either date gives only its year. One range of the
    (name_key, birth_date) index each; only the candidates _births_match then
    confirms come back (a common name born the same year has dozens of others
    born on other days, which a page of a hundred rows used to read and
    compare). Written as SQL: the ORM's OR of a hundred Q objects costs more
    CPU than the query."""
    quote = connection.ops.quote_name
    table = quote(Person._meta.db_table)
    name_key, birth_date, precision = (
        f"{table}.{quote(Person._meta.get_field(field).column)}"
        for field in ("name_key", "birth_date", "birth_date_precision"))
    year_only = Person.BirthDatePrecision.YEAR
    by_year = f"({name_key} = %s AND {birth_date} BETWEEN %s AND %s)"
    by_day = (f"({name_key} = %s AND ({birth_date} = %s OR ({birth_date} BETWEEN %s AND %s "
              f"AND {precision} = %s)))")
    conditions, params = [], []
    for key, born, only_year in sorted({(key, born, precision == year_only)
                                        for _pk, key, born, precision in given}):
        first, last = datetime.date(born.year, 1, 1), datetime.date(born.year, 12, 31)
        if only_year:
            conditions.append(by_year)
            params += [key, first, last]
        else:
            conditions.append(by_day)
            params += [key, born, first, last, year_only]
    # Only column names quoted by the backend are in the text; the values are bound.
    return RawSQL(" OR ".join(conditions), params,  # noqa: S611
                  output_field=BooleanField())


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def likely_duplicates(person_ids: Iterable[int]) -> dict[int, list[Likely]]:
    """For each given person, the other persons that may be the same, in
    reference order. Persons with none are left out of the result. At most
    four queries, whatever the number of persons; each reads the given
    persons' likely matches only, not everyone sharing their name."""
    ids = {pk for pk in person_ids if pk is not None}
    if not ids:
        return {}
    found: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))

    pairs = DuplicateCandidate.objects.filter(
        Q(person_a_id__in=ids) | Q(person_b_id__in=ids),
        status__in=(DuplicateCandidate.Status.OPEN, DuplicateCandidate.Status.DISMISSED),
    ).values_list("person_a_id", "person_b_id", "status", "reason")
    dismissed = set()
    for a, b, status, reason in pairs:
        if status == DuplicateCandidate.Status.DISMISSED:
            dismissed.add((a, b))
            continue
        if a in ids:
            found[a][b].add(reason)
        if b in ids:
            found[b][a].add(reason)

    # Same name and birth: the given persons' names and births, then only the
    # persons with one of those names born on that day, or in that year where
    # a date gives only its year (_same_name_and_birth), not everyone sharing
    # a name: a few rows to compare here, however common the names.
    given = list(Person.objects.filter(pk__in=ids, birth_date__isnull=False)
                 .exclude(name_key="").order_by()
                 .values_list("pk", "name_key", "birth_date", "birth_date_precision"))
    if given:
        same_year = _same_name_and_birth(given)
        by_year = defaultdict(list)
        for row in (Person.objects.filter(same_year)
                    .filter(Q(merged_into__isnull=True, anonymised_at__isnull=True)
                            | Q(pk__in=ids)).order_by()
                    .values_list("pk", "name_key", "birth_date", "birth_date_precision")):
            by_year[(row[1], row[2].year)].append(row)
        for pk, key, born, precision in given:
            for other, _key, other_born, other_precision in by_year[(key, born.year)]:
                if other != pk and _births_match(born, precision, other_born, other_precision):
                    found[pk][other].add(Reason.NAME_AND_BIRTH)

    # Same identity document, likewise in one query.
    numbers = IdentityDocument.objects.filter(person_id__in=ids).exclude(
        number_key="").values("number_key")
    documents = list(IdentityDocument.objects.filter(
        Q(person_id__in=ids) | Q(number_key__in=Subquery(numbers),
                                 person__merged_into__isnull=True),
    ).exclude(number_key="").values_list("person_id", "number_key", "issuing_country"))
    holders = defaultdict(set)
    for other, key, country in documents:
        holders[(key, country)].add(other)
    for pk, key, country in documents:
        if pk not in ids:
            continue
        for other in holders[(key, country)]:
            if other != pk:
                found[pk][other].add(Reason.DOCUMENT)

    order = list(Reason.values)
    result = {}
    for pk, others in found.items():
        likely = [Likely(other, tuple(sorted(reasons, key=order.index)))
                  for other, reasons in sorted(others.items())
                  if other != pk and _pair(pk, other) not in dismissed]
        if likely:
            result[pk] = likely
    return result
