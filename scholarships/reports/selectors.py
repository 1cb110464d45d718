"""The scholarships report's figures, counted by the database: one grouped
query per table, whatever the number of applications.

"Reached" a stage: an application counts at a stage when it is there now or
went further, or when its trail (ApplicationTransition) shows it got there
and then left (a withdrawal, a decline). Applications are the submitted ones
(a draft never sent is not an application)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Person

from ..models import (
    Application,
    ApplicationTransition,
    Call,
    Degree,
    ReviewAssignment,
    ScholarFollowUp,
)
from ..states import State

AFTER_SELECTION = (State.OFFERED, State.ACCEPTED, State.DECLINED, State.LAPSED,
                   State.ENROLLED, State.COMPLETED, State.DISCONTINUED)
AFTER_ACCEPTANCE = (State.ENROLLED, State.COMPLETED, State.DISCONTINUED)
AFTER_ELIGIBILITY = (State.IN_REVIEW, State.RANKED, State.SELECTED, State.RESERVE,
                     State.NOT_SELECTED, *AFTER_SELECTION)
# States that hold one of the call's awards (scholarships/places.py says the same).
HOLDS_PLACE = (State.SELECTED, State.OFFERED, State.ACCEPTED, State.ENROLLED, State.COMPLETED,
               State.DISCONTINUED)


def _went_to(state: str) -> Exists:
    return Exists(ApplicationTransition.objects.filter(application=OuterRef("pk"),
                                                       to_state=state))


@dataclass(frozen=True)
class Stage:
    key: str
    label: str


STAGES = [
    Stage("applications", _("Applications")),
    Stage("eligible", _("Eligible")),
    Stage("reviewed", _("Reviewed")),
    Stage("selected", _("Selected")),
    Stage("offered", _("Offered")),
    Stage("accepted", _("Accepted")),
    Stage("enrolled", _("Enrolled")),
    Stage("completed", _("Completed")),
    Stage("discontinued", _("Discontinued")),
    Stage("returned_home", _("Returned home")),
]
# The short list the breakdowns show (a table of ten columns per country is
# more than a reader can take in).
BREAKDOWN_STAGES = ("applications", "eligible", "selected", "accepted", "completed")


def stage_conditions() -> dict[str, Q]:
    reviewed = Exists(ReviewAssignment.objects.filter(application=OuterRef("pk"),
                                                      submitted_at__isnull=False))
    return {
        "applications": Q(submitted_at__isnull=False),
        "eligible": Q(state__in=(State.ELIGIBLE, *AFTER_ELIGIBILITY)) | Q(_went_to(State.ELIGIBLE)),
        "reviewed": Q(reviewed),
        "selected": Q(state__in=(State.SELECTED, *AFTER_SELECTION))
        | Q(_went_to(State.SELECTED)),
        "offered": Q(state__in=AFTER_SELECTION) | Q(_went_to(State.OFFERED)),
        "accepted": Q(state__in=(State.ACCEPTED, *AFTER_ACCEPTANCE))
        | Q(_went_to(State.ACCEPTED)),
        "enrolled": Q(state__in=AFTER_ACCEPTANCE) | Q(_went_to(State.ENROLLED)),
        "completed": Q(state=State.COMPLETED),
        "discontinued": Q(state=State.DISCONTINUED),
        "returned_home": Q(follow_up__residence=ScholarFollowUp.Residence.RETURNED_HOME),
    }


def _counts(stages=None) -> dict:
    conditions = stage_conditions()
    keys = stages or [s.key for s in STAGES]
    return {f"n_{key}": Count("pk", filter=conditions[key]) for key in keys}


@dataclass
class Filters:
    year: int | None = None
    call: int | None = None
    programme: int | None = None


def base_queryset(filters: Filters):
    qs = Application.objects.filter(submitted_at__isnull=False)
    if filters.year:
        qs = qs.filter(call__academic_year=filters.year)
    if filters.call:
        qs = qs.filter(call_id=filters.call)
    if filters.programme:
        qs = qs.filter(call__programme_id=filters.programme)
    return qs.order_by()


def years() -> list[int]:
    return list(Call.objects.order_by("-academic_year").values_list("academic_year", flat=True)
                .distinct())


def by_year(filters: Filters) -> list[dict]:
    """Every academic year (the comparison ignores the year filter)."""
    qs = base_queryset(Filters(call=None, programme=filters.programme))
    return list(qs.values(year=F("call__academic_year")).annotate(**_counts())
                .order_by("year"))


def by_call(filters: Filters) -> list[dict]:
    """Each call of the selection with its stages, its quota and the awards it
    holds: the calls in one query, their counts in another (grouped by call)."""
    calls = Call.objects.order_by("academic_year", "title")
    if filters.year:
        calls = calls.filter(academic_year=filters.year)
    if filters.call:
        calls = calls.filter(pk=filters.call)
    if filters.programme:
        calls = calls.filter(programme_id=filters.programme)
    counts = {row["call_id"]: row for row in base_queryset(filters).values("call_id").annotate(
        **_counts(), held=Count("pk", filter=Q(state__in=HOLDS_PLACE)))}
    empty = {f"n_{s.key}": 0 for s in STAGES} | {"held": 0}
    return [{**call, **{k: v for k, v in counts.get(call["pk"], empty).items()
                        if k != "call_id"}}
            for call in calls.values("pk", "title", "academic_year", "quota")]


def ceiling(filters: Filters) -> dict:
    """Awards held over all calls of the year against the yearly ceiling."""
    if not filters.year:
        return {}
    held = Application.objects.filter(call__academic_year=filters.year,
                                      state__in=HOLDS_PLACE).count()
    limit = settings.SCHOLARSHIP_YEARLY_CEILING
    return {"year": filters.year, "held": held, "ceiling": limit, "free": max(0, limit - held)}


def age_band_expression(reference_dates: list[datetime.date], today: datetime.date):
    """The applicant's age band on the call's age reference date (today for a
    call without one), as a CASE over birth-date ranges: one range per band and
    per reference date in use (calls are few, applications many)."""
    from ..selectors import AGE_BANDS, _birth_range

    whens = [When(applicant__birth_date__isnull=True, then=Value("unknown"))]
    for day in [*reference_dates, None]:
        on = Q(call__age_reference_date=day) if day else Q(call__age_reference_date__isnull=True)
        for band, (low, high) in AGE_BANDS.items():
            whens.append(When(on & _birth_range(day or today, low, high), then=Value(band)))
    return Case(*whens, default=Value("unknown"), output_field=CharField())


SEVERAL = "several"

DIMENSIONS = {
    # key: (label, expression or field)
    "nationality": _("Nationality"),
    "residence": _("Country of residence"),
    "sex": _("Sex"),
    "age_band": _("Age band"),
    "degree": _("Degree level"),
    "host": _("Host institution"),
}


def breakdown(filters: Filters, dimension: str) -> list[dict]:
    qs = base_queryset(filters)
    if dimension == "nationality":
        # A person counts once, so the column adds up to the applications: a
        # person with several nationalities (stored "FR,SN", in alphabetical
        # order, so the first says nothing) under "Several nationalities".
        group = Case(When(applicant__nationalities__contains=",", then=Value(SEVERAL)),
                     default=F("applicant__nationalities"), output_field=CharField())
    elif dimension == "residence":
        group = F("applicant__country_of_residence")
    elif dimension == "sex":
        group = F("applicant__sex")
    elif dimension == "age_band":
        dates = list(Call.objects.exclude(age_reference_date__isnull=True).order_by()
                     .values_list("age_reference_date", flat=True).distinct())
        group = age_band_expression(dates, timezone.localdate())
    elif dimension == "degree":
        group = F("highest_degree")
    elif dimension == "host":
        group = Coalesce(F("host_institution__name"), Value(""))
    else:
        raise ValueError(dimension)
    return list(qs.values(group_key=group).annotate(**_counts(BREAKDOWN_STAGES))
                .order_by("group_key"))


def residence_recorded(filters: Filters) -> int:
    """How many scholars have a known residence after their studies: with none,
    "returned home" has no data and the report says so."""
    return base_queryset(filters).exclude(follow_up__residence="").filter(
        follow_up__isnull=False).count()


def dimension_label(dimension: str, code: str) -> str:
    """The reader's words for a group's code."""
    from django_countries import countries

    from ..filters import AGE_BAND_CHOICES

    if dimension == "nationality" and code == SEVERAL:
        return str(_("Several nationalities"))
    if dimension in ("nationality", "residence"):
        return str(countries.name(code)) if code else str(_("Not known"))
    if dimension == "sex":
        return str(dict(Person.Sex.choices).get(code, code))
    if dimension == "age_band":
        return str(dict(AGE_BAND_CHOICES).get(code, code))
    if dimension == "degree":
        return str(dict(Degree.choices).get(code)) if code else str(_("Not given"))
    return code or str(_("Not chosen"))
