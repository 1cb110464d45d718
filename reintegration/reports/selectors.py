"""The reintegration report's figures, computed by the database: one grouped
query per table, whatever the number of cases, each scoped to the cases the
user may see figures of (scope.case_condition)."""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear, TruncMonth
from django.utils import timezone

from reporting.aggregates import Median

from ..models import BudgetLine, CaseTransition, MonitoringVisit, SurveyResponse, Vulnerability
from ..states import State
from . import scope

# A monitoring visit counts as done on time when it was done at most this many
# days after its due date.
ON_TIME_DAYS = 14


@dataclass
class Filters:
    year: int | None = None
    country: str = ""
    partner: int | None = None


def _cases(user, filters: Filters, prefix: str = ""):
    """Conditions on the cases (through `prefix`): the user's scope, the filters."""
    condition = scope.case_condition(user, prefix)
    if filters.country:
        condition &= Q(**{f"{prefix}country_of_return": filters.country})
    if filters.partner:
        condition &= Q(**{f"{prefix}partner_id": filters.partner})
    return condition


def _returned(user, filters: Filters):
    qs = scope.cases(user).filter(_cases(user, filters), arrived_on__isnull=False)
    if filters.year:
        qs = qs.filter(arrived_on__year=filters.year)
    return qs


def years(user) -> list[int]:
    return list(scope.cases(user).filter(arrived_on__isnull=False)
                .annotate(y=ExtractYear("arrived_on")).order_by("-y")
                .values_list("y", flat=True).distinct())


def returns_by_country(user, filters: Filters) -> list[dict]:
    return list(_returned(user, filters).values(key=F("country_of_return"))
                .annotate(n=Count("pk")).order_by("key"))


def returns_by_month(user, filters: Filters) -> list[dict]:
    return list(_returned(user, filters).annotate(month=TruncMonth("arrived_on"))
                .values("month").annotate(n=Count("pk")).order_by("month"))


def returns_by_team(user, filters: Filters) -> list[dict]:
    """By the team of the case's caseworker. A caseworker in two teams counts
    in both (the report says so)."""
    return list(_returned(user, filters)
                .values(key=Coalesce(F("caseworker__reintegration_teams__name"), Value("")))
                .annotate(n=Count("pk", distinct=True)).order_by("key"))


def _days(later, earlier):
    return ExpressionWrapper(later - earlier, output_field=DurationField())


def durations(user, filters: Filters) -> list[dict]:
    """Per country of return: days from the start of counselling to the
    departure, and from the arrival to the first assistance delivered
    (median and mean, with how many cases each is computed from)."""
    from ..models import Delivery

    counselled = Subquery(CaseTransition.objects.filter(
        case=OuterRef("pk"), to_state=State.COUNSELLING).order_by("at").values("at")[:1])
    first_help = Subquery(Delivery.objects.filter(line__plan__case=OuterRef("pk"))
                          .order_by("delivered_on").values("delivered_on")[:1])
    qs = _returned(user, filters).annotate(
        counselled_on=Cast(counselled, DateField()),
        departed_on=Coalesce(F("planned_departure_on"), F("arrived_on")),
        helped_on=first_help,
    ).annotate(
        to_departure=_days(F("departed_on"), F("counselled_on")),
        to_help=_days(F("helped_on"), F("arrived_on")),
    )
    return list(qs.values(key=F("country_of_return")).annotate(
        n_departure=Count("pk", filter=Q(counselled_on__isnull=False)),
        median_departure=Median("to_departure"), mean_departure=Avg("to_departure"),
        n_help=Count("pk", filter=Q(helped_on__isnull=False)),
        median_help=Median("to_help"), mean_help=Avg("to_help"),
    ).order_by("key"))


def assistance(user, filters: Filters, by: str) -> list[dict]:
    """Approved (budget lines of approved plans) against delivered, in euros,
    by category or by partner organisation."""
    key = F("category") if by == "category" else Coalesce(
        F("plan__case__partner__name"), Value(""))
    qs = BudgetLine.objects.filter(_cases(user, filters, "plan__case__"),
                                   plan__approved_at__isnull=False).order_by()
    if filters.year:
        qs = qs.filter(plan__approved_at__year=filters.year)
    return list(qs.values(key=key).annotate(
        approved=Sum("amount"), delivered=Sum("delivered"),
        n=Count("plan__case", distinct=True)).order_by("key"))


def visits(user, filters: Filters, today: datetime.date | None = None) -> list[dict]:
    """The visits due by today, by round (3, 6, 12 months): done on time,
    done late, waived, still not done."""
    today = today or timezone.localdate()
    late = F("due_on") + datetime.timedelta(days=ON_TIME_DAYS)
    qs = MonitoringVisit.objects.filter(_cases(user, filters, "case__"), due_on__lte=today)
    if filters.year:
        qs = qs.filter(due_on__year=filters.year)
    done = MonitoringVisit.Status.DONE
    return list(qs.order_by().values(key=F("months_after_arrival")).annotate(
        on_time=Count("pk", filter=Q(status=done, done_on__lte=late)),
        late=Count("pk", filter=Q(status=done, done_on__gt=late)),
        waived=Count("pk", filter=Q(status=MonitoringVisit.Status.WAIVED)),
        overdue=Count("pk", filter=Q(status=MonitoringVisit.Status.PLANNED)),
    ).order_by("key"))


def scores(user, filters: Filters, by: str = "country") -> list[dict]:
    """Mean sustainability scores by visit round, per country of return or
    per survey version (its weights)."""
    key = F("visit__case__country_of_return") if by == "country" else F("version__number")
    qs = SurveyResponse.objects.filter(_cases(user, filters, "visit__case__"))
    if filters.year:
        qs = qs.filter(visit__done_on__year=filters.year)
    return list(qs.order_by().values(key=key, months=F("visit__months_after_arrival")).annotate(
        n=Count("pk"), composite=Avg("composite"), economic=Avg("economic"),
        social=Avg("social"), psychosocial=Avg("psychosocial"),
    ).order_by("key", "months"))


def vulnerabilities(user, filters: Filters) -> list[dict]:
    """How many cases have each kind of vulnerability: counts only."""
    qs = Vulnerability.objects.filter(_cases(user, filters, "case__"))
    if filters.year:
        qs = qs.filter(case__arrived_on__year=filters.year)
    return list(qs.order_by().values(key=F("kind")).annotate(
        n=Count("case", distinct=True)).order_by("key"))

