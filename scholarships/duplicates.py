"""One person, one award: the registry's likely duplicates of an applicant
(registry.duplicates), read where scholarship decisions are made.

- duplicate_warnings: for a page of applications, the applicants' likely
  duplicates who applied for a scholarship too, with their applications of the
  same academic year (the staff application page, the ranking, the committee).
  Only scholarship applications are read: a likely duplicate known to the
  registry for another programme only is not shown here.
- duplicate_award_problem: the guard of every move that gives an award
  (selection, offer, acceptance), called by services.application_transition
  and nowhere else. The rule "already holds a scholarship this year"
  (eligibility.MSG_HOLDS_AWARD) counts across the likely duplicates: when one
  of them holds, or is selected for, offered or has accepted an award of the
  same academic year, the move is refused unless an administrator gives a
  reason to proceed, kept in the application's history with the references
  it was given for. A later move of the same application (the offer after
  the selection, the applicant's acceptance) is not stopped again for the
  applications already named there."""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from registry.duplicates import Likely, likely_duplicates

from .models import Application, ApplicationTransition, Call
from .places import HOLDS_PLACE
from .states import Actor, State

# The moves that give an application one of the awards.
AWARD_MOVES = (State.SELECTED, State.OFFERED, State.ACCEPTED)

MSG_DUPLICATE_HOLDS = _(
    "Possible duplicate: %(person)s (%(why)s) already holds an award for %(year)s: "
    "%(applications)s. Check that this is not the same person, or give a reason to proceed: "
    "it is kept in the history of the application.")
MSG_DUPLICATE_APPLICANT = _(
    "Your answer could not be recorded. Please contact the scholarship office.")
MSG_DUPLICATE_PROCEEDED = _(
    "Proceeded although a possible duplicate holds an award this academic year "
    "(%(applications)s): %(reason)s")


@dataclass
class DuplicateWarning:
    likely: Likely
    # (reference, state label) of the other person's applications of the same academic year.
    applications: list[tuple[str, str]] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return self.likely.reference

    @property
    def why(self) -> str:
        return ", ".join(label[:1].lower() + label[1:] for label in self.likely.why)


def _years(applications: list) -> dict[int, int]:
    """The academic year of each application's call: read from the call when
    the page loaded it, else in one query."""
    years, missing = {}, set()
    for application in applications:
        if Application.call.is_cached(application):
            years[application.pk] = application.call.academic_year
        else:
            missing.add(application.call_id)
    if missing:
        by_call = dict(Call.objects.filter(pk__in=missing).values_list("pk", "academic_year"))
        for application in applications:
            years.setdefault(application.pk, by_call.get(application.call_id))
    return years


def duplicate_warnings(applications: Iterable[Application]) -> dict[int, list[DuplicateWarning]]:
    """For each application (by id), the applicant's likely duplicates who
    applied for a scholarship, each with their applications of the same
    academic year. A fixed number of queries, whatever the number of rows."""
    applications = list(applications)
    likely = likely_duplicates({a.applicant_id for a in applications})
    others = {one.person_id for found in likely.values() for one in found}
    if not others:
        return {}
    theirs = defaultdict(list)
    for person_id, reference, state, year in (
            Application.objects.filter(applicant_id__in=others, reference__isnull=False)
            .exclude(state=State.DRAFT)
            .values_list("applicant_id", "reference", "state", "call__academic_year")
            .order_by("reference")):
        theirs[person_id].append((reference, state, year))
    years = _years(applications)
    result = {}
    for application in applications:
        warnings = [
            DuplicateWarning(one, [(reference, State(state).label)
                                   for reference, state, year in theirs[one.person_id]
                                   if year == years[application.pk]])
            for one in likely.get(application.applicant_id, []) if theirs[one.person_id]]
        if warnings:
            result[application.pk] = warnings
    return result


def _acknowledged(application: Application) -> str:
    """What administrators wrote when they proceeded with this application's
    earlier award moves: the references named there are not asked about again."""
    return "\n".join(ApplicationTransition.objects.filter(
        application=application, to_state__in=AWARD_MOVES, actor__isnull=False,
    ).exclude(reason="").values_list("reason", flat=True))


def duplicate_award_holders(application: Application) -> list[tuple[Likely, list]]:
    """The likely duplicates of the applicant holding (or selected for, or
    offered) an award of the same academic year, with those applications,
    leaving out those an administrator already proceeded past for this
    application."""
    likely = likely_duplicates([application.applicant_id]).get(application.applicant_id, [])
    if not likely:
        return []
    by_person = {one.person_id: one for one in likely}
    holding = defaultdict(list)
    for other in (Application.objects.filter(
            applicant_id__in=by_person, call__academic_year=application.call.academic_year,
            state__in=HOLDS_PLACE).exclude(pk=application.pk)
            .only("id", "reference", "state", "applicant_id").order_by("reference", "id")):
        holding[other.applicant_id].append(other)
    if not holding:
        return []
    seen = _acknowledged(application)
    result = []
    for person_id, held in holding.items():
        new = [other for other in held
               if not (other.reference and re.search(rf"\b{re.escape(other.reference)}\b", seen))]
        if new:
            result.append((by_person[person_id], new))
    return result


def _listed(holders) -> str:
    return ", ".join(f"{other.reference} ({State(other.state).label})"
                     for _likely, held in holders for other in held)


def duplicate_award_problem(application: Application, *, capacity: str,
                            proceed_reason: str = "") -> tuple[str | None, str]:
    """(why the move that gives this application an award is refused, or
    None; the text to record in the transition's reason when an
    administrator proceeds, or ""). The applicant is told to contact the
    office, never who the other person is."""
    holders = duplicate_award_holders(application)
    if not holders:
        return None, ""
    if capacity == Actor.APPLICANT:
        return str(MSG_DUPLICATE_APPLICANT), ""
    proceed_reason = (proceed_reason or "").strip()
    if capacity == Actor.ADMINISTRATOR and proceed_reason:
        return None, str(MSG_DUPLICATE_PROCEEDED % {"applications": _listed(holders),
                                                    "reason": proceed_reason})
    return str(MSG_DUPLICATE_HOLDS % {
        "person": ", ".join(one.reference for one, _held in holders),
        "why": ", ".join(dict.fromkeys(
            label[:1].lower() + label[1:] for one, _held in holders for label in one.why)),
        "year": application.call.academic_year_label,
        "applications": _listed(holders),
    }), ""
