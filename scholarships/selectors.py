"""The scholarships read paths: who may see which application, and what a
page needs in a fixed number of queries."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import and_

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.roles import Role
from listing.countries import country_name
from listing.pagination import pk_url
from registry.models import Person, age_on, full_name
from registry.names import fold

from .access import (  # noqa: F401 - read from here by older callers
    STAFF_ROLES,
    is_scholarship_staff,
    may_see_application,
    reviewer_sees_other_reviews,
    reviews_of,
)
from .models import (
    LIST_ORDER,
    Application,
    ApplicationDocument,
    ApplicationTransition,
    AwardOffer,
    Call,
    Referee,
    ReviewAssignment,
    ReviewerProfile,
    ReviewScore,
    call_label,
)
from .places import HOLDS_PLACE
from .states import REVIEWABLE, State
from .steps import STEPS, step_status
from .translation import in_every_language, localized

# --- applicants ------------------------------------------------------------------


def applications_of(user):
    """The applicant's own applications, newest first."""
    return (Application.objects.filter(applicant__user=user)
            .select_related("call", "call__programme").order_by("-created_at"))


def application_for_applicant(user, pk: int) -> Application:
    """The user's own application, or 404 (never 403: an applicant guessing
    numbers learns nothing about other people's applications)."""
    application = (
        Application.objects.select_related("call", "call__programme", "applicant",
                                           "host_institution")
        .prefetch_related(
            "documents", "call__required_documents",
            Prefetch("referees", queryset=Referee.objects.order_by("id"), to_attr="all_referees"),
        )
        .filter(pk=pk, applicant__user=user).first()
    )
    if application is None or not user.is_authenticated:
        raise Http404
    return application


def application_progress(application: Application) -> list[dict]:
    """The steps with whether each is done and its address, for the progress
    indicator. Uses the prefetched documents and referees."""
    required = [d.kind for d in application.call.required_documents.all()]
    uploaded = [d.kind for d in application.documents.all()]
    referees = getattr(application, "all_referees", None)
    if referees is None:
        referees = list(application.referees.all())
    active = sum(1 for r in referees if r.replaced_at is None)
    done = step_status(application, required, uploaded, active)
    return [{"slug": step.slug, "title": step.title, "done": done[step.slug],
             "url": step_url(application, step.slug)} for step in STEPS]


def step_url(application: Application, slug: str) -> str:
    special = {"documents": "scholarships:documents_step",
               "referees": "scholarships:referees_step",
               "submit": "scholarships:submit_step"}
    if slug in special:
        return reverse(special[slug], args=[application.pk])
    return reverse("scholarships:application_step", args=[application.pk, slug])


# --- public ------------------------------------------------------------------------


def open_calls(now=None):
    now = now or timezone.now()
    return (Call.objects.filter(opens_at__lte=now, closes_at__gt=now)
            .select_related("programme").order_by("closes_at"))


# --- staff -------------------------------------------------------------------------

# The columns of the staff's application list; nothing else is fetched for it.
APPLICATION_ROW_VALUES = (
    "id", "reference", "state", "submitted_at", *in_every_language("call__title"),
    "call__academic_year", "call__age_reference_date", "applicant__given_names",
    "applicant__family_name",
    "applicant__sex", "applicant__birth_date", "applicant__nationalities",
)

# States an application reaches only after its eligibility was confirmed.
CONFIRMED_ELIGIBLE = (
    State.ELIGIBLE, State.IN_REVIEW, State.RANKED, State.SELECTED, State.RESERVE,
    State.NOT_SELECTED, State.OFFERED, State.ACCEPTED, State.DECLINED, State.LAPSED,
    State.ENROLLED, State.COMPLETED, State.DISCONTINUED,
)

# Age bands of the staff list: code -> (lowest age, highest age or None).
AGE_BANDS = {
    "under-25": (0, 24),
    "25-29": (25, 29),
    "30-34": (30, 34),
    "35-39": (35, 39),
    "40-plus": (40, None),
}


# The calls for the list's filter, kept in the cache: the list is the page
# staff open all day, and calls change a few times a year. Saving or deleting
# a call forgets them (apps.py); DASHBOARD_COUNTS_SECONDS bounds what a write
# that sends no signal (a bulk load) leaves stale.
CALL_CHOICES_KEY = "scholarships:call-choices"


def call_choices_forget(**_signal) -> None:
    transaction.on_commit(lambda: cache.delete(CALL_CHOICES_KEY))


def call_choices() -> list[tuple[int, str]]:
    """Every call, newest first, for a filter: one light query when the
    cache does not hold them."""
    choices = cache.get(CALL_CHOICES_KEY)
    if choices is None:
        choices = [(pk, call_label(title, year)) for pk, title, year in
                   Call.objects.order_by("-opens_at").values_list("id", "title", "academic_year")]
        cache.set(CALL_CHOICES_KEY, choices, settings.DASHBOARD_COUNTS_SECONDS)
    return choices


def application_table(*, user) -> QuerySet:
    """The staff list: every application the user may see, submitted ones
    newest first and drafts after them (filters apply to it; application_rows
    reads a page of it)."""
    if not is_scholarship_staff(user):
        return Application.objects.none()
    return Application.objects.order_by(*LIST_ORDER)


def application_rows(queryset: QuerySet) -> QuerySet:
    """Only the columns the list shows, as plain values: making 75 model
    instances (application, call, person) per page costs more than the query."""
    return queryset.values(*APPLICATION_ROW_VALUES)


def application_row_cells(rows, *, today: datetime.date) -> list[dict]:
    """What each row of the list prints, worked out once per row, with the
    labels looked up in dicts made once per page: the template only prints."""
    url = pk_url("scholarships:application_view")
    states = {value: str(label) for value, label in State.choices}
    sexes = {value: str(label) for value, label in Person.Sex.choices}
    draft = gettext("draft")  # what a draft's reference column says
    cells = []
    for row in rows:
        submitted = row["submitted_at"]
        cells.append({
            "id": row["id"],
            "url": url(row["id"]),
            "reference": row["reference"] or draft,
            "name": full_name(row["applicant__given_names"], row["applicant__family_name"]),
            "call": call_label(localized(row, "call__title"), row["call__academic_year"]),
            "state": states[row["state"]],
            "sex": sexes[row["applicant__sex"]],
            "nationalities": row["applicant__nationalities"].replace(",", ", "),
            # Age where the call measures it.
            "age": age_on(row["applicant__birth_date"],
                          row["call__age_reference_date"] or today),
            "submitted": date_format(timezone.localtime(submitted), "SHORT_DATETIME_FORMAT")
            if submitted else "",
        })
    return cells


def application_search(queryset: QuerySet, query: str) -> QuerySet:
    """A reference (or part of one, "SCH-2026-00042", "00042"), or every
    folded word of the applicant's names ("keita sekou" finds "Sékou Keïta").
    Names have no digits and references always do, so the query is one or the
    other: each then has an index (trigram indexes on PostgreSQL), where
    "reference OR name" would read every row."""
    query = (query or "").strip()
    if not query:
        return queryset
    if any(ch.isdigit() for ch in query) or query.upper().startswith("SCH-"):
        return queryset.filter(reference__icontains=query)
    words = fold(query).split()
    if not words:
        return queryset.none()
    return queryset.filter(reduce(and_, (Q(applicant__search_key__contains=w) for w in words)))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier; 29 February becomes the 28th, which keeps
    the arithmetic of Person.age_on."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _birth_range(reference: datetime.date, low: int, high: int | None) -> Q:
    """Born so that the age on `reference` is between low and high inclusive."""
    condition = Q(applicant__birth_date__lte=_years_before(reference, low))
    if high is not None:
        condition &= Q(applicant__birth_date__gt=_years_before(reference, high + 1))
    return condition


def application_age_band(queryset: QuerySet, band: str, today=None) -> QuerySet:
    """Applicants whose age falls in the band, on the call's age reference date
    (today for calls without one). Done in the database with birth-date ranges,
    one range per reference date in use: calls are few, applications many."""
    if band == "unknown":
        return queryset.filter(applicant__birth_date__isnull=True)
    if band not in AGE_BANDS:
        return queryset
    low, high = AGE_BANDS[band]
    today = today or timezone.localdate()
    dates = {day for day in Call.objects.exclude(age_reference_date__isnull=True)
             .order_by().values_list("age_reference_date", flat=True).distinct()
             if day is not None}
    condition = Q(call__age_reference_date__isnull=True) & _birth_range(today, low, high)
    for day in dates:
        condition |= Q(call__age_reference_date=day) & _birth_range(day, low, high)
    return queryset.filter(condition)


def application_eligibility(queryset: QuerySet, decision: str) -> QuerySet:
    """The pre-check is not stored; what an administrator decided is the state.
    A withdrawn application counts as eligible when it had been found so."""
    confirmed = Exists(ApplicationTransition.objects.filter(
        application=OuterRef("pk"), to_state=State.ELIGIBLE))
    if decision == "eligible":
        return queryset.filter(Q(state__in=CONFIRMED_ELIGIBLE)
                               | (Q(state=State.WITHDRAWN) & confirmed))
    if decision == "ineligible":
        return queryset.filter(state=State.INELIGIBLE)
    if decision == "undecided":
        return queryset.filter(Q(state__in=(State.DRAFT, State.SUBMITTED))
                               | (Q(state=State.WITHDRAWN) & ~confirmed))
    return queryset


def application_for_staff(*, user, pk: int) -> Application:
    """One application with everything the staff page shows, or 404."""
    if not is_scholarship_staff(user):
        raise Http404
    application = (
        Application.objects.select_related("call", "call__programme", "applicant",
                                           "applicant__user", "host_institution")
        .prefetch_related(
            Prefetch("documents", queryset=ApplicationDocument.objects.order_by("kind")),
            "call__required_documents",
            Prefetch("referees", queryset=Referee.objects.order_by("id"), to_attr="all_referees"),
            Prefetch("transitions", queryset=ApplicationTransition.objects.select_related(
                "actor").order_by("at", "id")),
        )
        .filter(pk=pk).first()
    )
    if application is None or not may_see_application(user, application):
        raise Http404
    return application


# The dashboard's counts, kept in the cache: counting 100,000 applications by
# call and state costs more than the rest of the page. Every application
# created or moved through the services forgets them (call_counts_forget);
# DASHBOARD_COUNTS_SECONDS bounds what a write outside the services (a bulk
# load) leaves stale.
CALL_COUNTS_KEY = "scholarships:call-counts"


def call_counts_forget() -> None:
    cache.delete(CALL_COUNTS_KEY)


def call_dashboard(*, limit: int = 30) -> tuple[list[dict], datetime.datetime]:
    """The latest calls with their number of applications per state, and when
    those were counted: one query for the calls, and the counting done by the
    database when the cached counts are missing or about other calls."""
    calls = list(Call.objects.select_related("programme").order_by("-opens_at")[:limit])
    ids = [call.pk for call in calls]
    cached = cache.get(CALL_COUNTS_KEY)
    if cached is None or cached["calls"] != ids:
        counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
        rows = (Application.objects.filter(call__in=ids)
                .values("call_id", "state").annotate(n=Count("id")).order_by())
        for row in rows:
            counts[row["call_id"]][row["state"]] = row["n"]
        cached = {"calls": ids, "counts": counts, "at": timezone.now()}
        cache.set(CALL_COUNTS_KEY, cached, settings.DASHBOARD_COUNTS_SECONDS)
    counts = cached["counts"]
    return [{"call": call, "counts": counts[call.pk], "total": sum(counts[call.pk].values())}
            for call in calls], cached["at"]


# --- review ----------------------------------------------------------------------------
# Reads for reviewers and for the review's progress. A reviewer sees only the
# assignments made to them; the application opens only after they declared
# no conflict of interest.

LIVE_ASSIGNMENTS = ("to_declare", "to_score", "submitted")
OPEN_ASSIGNMENTS = ("to_declare", "to_score")


def spread_threshold() -> Decimal:
    return Decimal(str(settings.SCHOLARSHIP_REVIEW_SPREAD_THRESHOLD))


@dataclass(frozen=True)
class ReviewSummary:
    """Where an application's review stands. Scores are out of 100."""

    base: int  # the call's reviewers per application
    live: int  # assignments not cancelled nor returned for a conflict
    open: int  # assignments still to declare or to score
    submitted: int
    score: Decimal | None  # the weighted mean over submitted reviews
    spread: Decimal | None  # highest minus lowest submitted score
    threshold: Decimal

    @property
    def high_spread(self) -> bool:
        return self.spread is not None and self.spread > self.threshold

    @property
    def needs_third_review(self) -> bool:
        """The reviewers disagree by more than the threshold and nobody beyond
        the call's number of reviewers has scored yet."""
        return self.high_spread and self.submitted <= self.base and not self.open

    @property
    def needed(self) -> int:
        """Reviewers the application needs assigned now."""
        return self.base + (1 if self.high_spread and self.submitted <= self.base else 0)

    @property
    def complete(self) -> bool:
        return not self.open and self.submitted >= self.base and not self.needs_third_review


def _review_aggregates(prefix: str = "") -> dict:
    """Aggregates over an application's review assignments, named as
    ReviewSummary wants them; prefix is the path to the assignments."""
    path = f"{prefix}review_assignments"
    submitted = Q(**{f"{path}__status": "submitted"})
    return {
        "review_live": Count(path, filter=Q(**{f"{path}__status__in": LIVE_ASSIGNMENTS})),
        "review_open": Count(path, filter=Q(**{f"{path}__status__in": OPEN_ASSIGNMENTS})),
        "review_submitted": Count(path, filter=submitted),
        "review_mean": Avg(f"{path}__total", filter=submitted),
        "review_high": Max(f"{path}__total", filter=submitted),
        "review_low": Min(f"{path}__total", filter=submitted),
    }


def _summary(base: int, values, threshold: Decimal) -> ReviewSummary:
    high, low = values["review_high"], values["review_low"]
    spread = (Decimal(high) - Decimal(low)) if values["review_submitted"] >= 2 else None
    score = values["review_mean"]
    return ReviewSummary(
        base=base, live=values["review_live"], open=values["review_open"],
        submitted=values["review_submitted"],
        score=None if score is None else Decimal(score).quantize(Decimal("0.01")),
        spread=spread, threshold=threshold,
    )


def review_summary(application: Application) -> ReviewSummary:
    """One query, the arithmetic done by the database."""
    values = Application.objects.filter(pk=application.pk).aggregate(**_review_aggregates())
    return _summary(application.call.reviewers_per_application, values, spread_threshold())


def reviewer_candidates(application: Application) -> QuerySet:
    """Reviewers who may be asked to review this application, least loaded
    first: active profile, reviewer role, not of the applicant's nationality,
    not at the applicant's host institution, not the applicant, never asked
    before for this application (a declared conflict stays declared)."""
    person = application.applicant
    nationalities = [country.code for country in person.nationalities]
    profiles = (ReviewerProfile.objects.filter(is_active=True, user__is_active=True,
                                               user__groups__name=Role.REVIEWER)
                .exclude(country__in=nationalities)
                .exclude(user__in=ReviewAssignment.objects.filter(
                    application=application).values("reviewer")))
    if application.host_institution_id:
        profiles = profiles.exclude(institution_id=application.host_institution_id)
    if person.user_id:
        profiles = profiles.exclude(user_id=person.user_id)
    return (profiles.select_related("user", "institution")
            .annotate(load=Count("user__review_assignments", filter=Q(
                user__review_assignments__status__in=OPEN_ASSIGNMENTS)))
            .order_by("load", "user_id"))


@dataclass(frozen=True, slots=True)
class QueueRow:
    """An assignment as the reviewer's queue shows it (read as values)."""

    pk: int
    status: str
    status_label: str
    assigned_at: datetime.datetime
    total: Decimal | None
    reference: str
    applicant: str
    call_title: str


class _QueueRows:
    """A query of assignments as a Paginator reads it: count(), and a slice
    read as values and made QueueRows (no model instances)."""

    FIELDS = ("id", "status", "assigned_at", "total", "application__reference",
              "application__applicant__given_names", "application__applicant__family_name",
              *in_every_language("application__call__title"))

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    @staticmethod
    def _row(row: dict, labels: dict) -> QueueRow:
        return QueueRow(pk=row["id"], status=row["status"],
                        status_label=labels.get(row["status"], row["status"]),
                        assigned_at=row["assigned_at"], total=row["total"],
                        reference=row["application__reference"] or "",
                        applicant=full_name(row["application__applicant__given_names"],
                                            row["application__applicant__family_name"]),
                        call_title=localized(row, "application__call__title"))

    def __getitem__(self, key):
        labels = dict(ReviewAssignment.Status.choices)
        return [self._row(row, labels) for row in self.queryset.values(*self.FIELDS)[key]]

    def with_values(self, *names: str) -> list[tuple[QueueRow, dict]]:
        """Every row, with the values of these annotations."""
        labels = dict(ReviewAssignment.Status.choices)
        return [(self._row(row, labels), {name: row[name] for name in names})
                for row in self.queryset.values(*self.FIELDS, *names)]


# The open assignments a reviewer's page lists, of each kind (to declare, to
# score), the oldest first; the badge counts them all.
OPEN_SHOWN = 25


def reviewer_queue(user) -> dict:
    """The reviewer's assignments: to declare and to score (the OPEN_SHOWN
    oldest of each, with how many there are, read in one query with window
    functions), and done (submitted or returned for a conflict), the latest
    first, to paginate: its count and one page are read, never the whole
    history. Rows are QueueRows, read as values."""
    queue: dict = {"to_declare": [], "to_score": [],
                   "to_declare_count": 0, "to_score_count": 0}
    by_status = [F("status")]
    oldest_first = [F("assigned_at").asc(), F("id").asc()]
    open_ = (reviews_of(user).filter(status__in=OPEN_ASSIGNMENTS)
             .annotate(position=Window(RowNumber(), partition_by=by_status, order_by=oldest_first),
                       of=Window(Count("id"), partition_by=by_status))
             .filter(position__lte=OPEN_SHOWN).order_by("assigned_at", "id"))
    for row, extra in _QueueRows(open_).with_values("of"):
        queue[row.status].append(row)
        queue[f"{row.status}_count"] = extra["of"]
    done = _QueueRows(reviews_of(user).exclude(status__in=OPEN_ASSIGNMENTS)
                      .order_by("-assigned_at", "-id"))
    return {**queue, "done": done}


def assignment_for_reviewer(*, user, pk: int):
    """The reviewer's own assignment, or 404: another reviewer's number tells
    nothing, not even that it exists."""
    assignment = (reviews_of(user)
                  .select_related("application__call", "application__applicant",
                                  "application__host_institution")
                  .filter(pk=pk).first())
    if assignment is None:
        raise Http404
    return assignment


def reviews_seen_by(assignment) -> list:
    """No peeking: the other reviewers' submitted reviews, only once this
    reviewer has submitted their own. Without names."""
    if not reviewer_sees_other_reviews(assignment):
        return []
    return list(ReviewAssignment.objects
                .filter(application_id=assignment.application_id,
                        status=ReviewAssignment.Status.SUBMITTED)
                .exclude(pk=assignment.pk)
                .only("id", "total", "comment", "submitted_at", "application_id")
                .prefetch_related(Prefetch("scores", queryset=ReviewScore.objects
                                           .select_related("criterion")))
                .order_by("submitted_at", "id"))


# --- ranking ---------------------------------------------------------------------------------

# States shown on a call's ranking: from eligible onwards, withdrawals after
# review included (the committee sees who left).
RANKING_STATES = (
    State.ELIGIBLE, State.IN_REVIEW, State.RANKED, State.SELECTED, State.RESERVE,
    State.NOT_SELECTED, State.OFFERED, State.ACCEPTED, State.DECLINED, State.LAPSED,
    State.ENROLLED, State.COMPLETED, State.DISCONTINUED,
)
# Best mean score first, no score last, then first submitted (the ranking index).
RANKING_ORDER = (F("review_score").desc(nulls_last=True), "submitted_at", "id")
RANKING_FIELDS = (
    "id", "reference", "state", "submitted_at", "call_id", "applicant_id",
    "applicant__id", "applicant__given_names", "applicant__family_name", "applicant__sex",
    "applicant__nationalities",
)


def reviewable(call: Call) -> QuerySet:
    """The call's applications whose reviewers may still be assigned (eligible,
    in review), in the order they were submitted."""
    return (Application.objects.filter(call=call, state__in=REVIEWABLE)
            .order_by("submitted_at", "id"))


class Ranking:
    """The call's applications from eligibility on, best score first (no score
    last), as a Paginator reads them: count() counts the applications alone;
    a slice reads the ids in order from the ranking index (the mean score is
    kept on the application, Application.review_score) and then the slice's
    applications with their review figures, computed by the database for
    those rows only. Three queries a page, whatever the size of the call."""

    def __init__(self, call: Call):
        self.applications = Application.objects.filter(call=call, state__in=RANKING_STATES)

    def count(self) -> int:
        return self.applications.order_by().count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key:key + 1][0]
        ids = list(self.applications.order_by(*RANKING_ORDER).values_list("pk", flat=True)[key])
        rows = (Application.objects.filter(pk__in=ids)
                .select_related("applicant").only(*RANKING_FIELDS)
                .annotate(**_review_aggregates()).order_by())
        by_id = {row.pk: row for row in rows} if ids else {}
        return [by_id[pk] for pk in ids]


def ranking(call: Call) -> Ranking:
    """The call's ranking (Ranking): paginate it."""
    return Ranking(call)


def ranking_row_summary(call: Call, application, threshold: Decimal) -> ReviewSummary:
    return _summary(call.reviewers_per_application, {
        key: getattr(application, key) for key in (
            "review_live", "review_open", "review_submitted", "review_mean",
            "review_high", "review_low")}, threshold)


def first_nationality(person) -> str:
    return person.nationalities[0].code if person.nationalities else ""


def selection_split(call: Call) -> dict:
    """Who holds the call's awards now, by sex and by (first) nationality:
    one query, counted by the database (a row per sex and nationalities)."""
    by_sex: dict[str, int] = {}
    by_country: dict[str, int] = {}
    for sex, nationalities, number in (
            Application.objects.filter(call=call, state__in=HOLDS_PLACE).order_by()
            .values_list("applicant__sex", "applicant__nationalities")
            .annotate(number=Count("id"))):
        by_sex[sex] = by_sex.get(sex, 0) + number
        # Read as values: the column's text ("SN,KE"), not Country objects.
        first = (nationalities.split(",") if isinstance(nationalities, str)
                 else list(nationalities or [""]))[0]
        country = getattr(first, "code", first) or ""
        by_country[country] = by_country.get(country, 0) + number
    return {"sex": by_sex, "country": by_country}


def reserve_queue(call: Call) -> QuerySet:
    """The call's reserve list in ranking order: the next candidate first."""
    return Application.objects.filter(call=call, state=State.RESERVE).order_by(*RANKING_ORDER)


FREED_STATUSES = (AwardOffer.Status.DECLINED, AwardOffer.Status.LAPSED,
                  AwardOffer.Status.WITHDRAWN)


def _freed(call: Call) -> QuerySet:
    """The call's offers that gave their place back. Written with EXISTS, the
    database reads the few freed offers and then the call's application ids
    from an index; joined, it read every application row of the call."""
    return AwardOffer.objects.filter(status__in=FREED_STATUSES).filter(
        Exists(Application.objects.filter(pk=OuterRef("application_id"), call=call)))


def freed_places(call: Call, limit: int | None = None) -> list:
    """Offers of the call that gave their place back (declined, lapsed,
    withdrawn), the latest first (the latest `limit` of them), with the offer
    that took the place, if any: two queries."""
    offers = (_freed(call)
              .select_related("application__applicant")
              .prefetch_related(Prefetch("replacements", queryset=AwardOffer.objects
                                         .select_related("application__applicant")))
              .order_by("-answered_at", "-id"))
    return list(offers if limit is None else offers[:limit])


def freed_places_count(call: Call) -> int:
    """How many offers of the call gave their place back: one query."""
    return _freed(call).count()


def offers_overdue(now=None) -> list[int]:
    """Ids of the open offers whose deadline has passed: one query."""
    now = now or timezone.now()
    return list(AwardOffer.objects.filter(status=AwardOffer.Status.OPEN, deadline__lte=now)
                .order_by("deadline").values_list("id", flat=True))


def open_offer(application: Application):
    return AwardOffer.objects.filter(application=application,
                                     status=AwardOffer.Status.OPEN).first()


def offer_for_applicant(user, pk: int, offer_pk: int):
    """An offer made on the user's own application, or 404."""
    offer = (AwardOffer.objects.select_related("application__call__programme",
                                               "application__applicant",
                                               "application__host_institution")
             .filter(pk=offer_pk, application_id=pk, application__applicant__user=user)
             .first())
    if offer is None or not user.is_authenticated:
        raise Http404
    return offer


def offer_for_staff(*, user, pk: int, offer_pk: int):
    if not is_scholarship_staff(user):
        raise Http404
    offer = (AwardOffer.objects.select_related("application__call__programme",
                                               "application__applicant",
                                               "application__host_institution")
             .filter(pk=offer_pk, application_id=pk).first())
    if offer is None:
        raise Http404
    return offer


# --- scholars ----------------------------------------------------------------------------------

SCHOLAR_STATES = (State.ACCEPTED, State.ENROLLED, State.COMPLETED, State.DISCONTINUED)
SCHOLAR_FIELDS = (
    "id", "reference", "state", "call_id", "applicant_id", "host_institution_id",
    "call__id", *in_every_language("call__title"), "call__academic_year", "applicant__id",
    "applicant__given_names", "applicant__family_name", "applicant__sex",
    "applicant__nationalities", "host_institution__id", "host_institution__name",
    "host_institution__acronym", "follow_up__id", "follow_up__arrived_on",
    "follow_up__enrolment_confirmed_on", "follow_up__completed_on",
    "follow_up__discontinued_on", "follow_up__residence", "follow_up__residence_confirmed_on",
)


def scholar_table(*, user) -> QuerySet:
    """Scholars to follow: accepted offers onwards, only the columns shown."""
    if not is_scholarship_staff(user):
        return Application.objects.none()
    return (Application.objects.filter(state__in=SCHOLAR_STATES)
            .select_related("call", "applicant", "host_institution", "follow_up")
            .only(*SCHOLAR_FIELDS)
            .order_by("-call__academic_year", "applicant__family_name", "id"))


# --- the staff application page -----------------------------------------------------------------

def reviewer_choices(reviewers: QuerySet) -> list[tuple[int, str]]:
    """The reviewer <select> of the staff application page as (id, label),
    read as values from the reviewers the assignment form offers
    (AssignReviewerForm's queryset, which decides who may be asked): a
    hundred-odd users, profiles and institutions made into objects cost a
    fifth of the page. The label is ReviewerChoiceField.label_from_instance's:
    name, country, institution, expertise."""
    rows = reviewers.values_list(
        "pk", "first_name", "last_name", "username", "reviewer_profile__country",
        "reviewer_profile__institution__name", "reviewer_profile__institution__acronym",
        "reviewer_profile__expertise")
    return [(pk, reviewer_label(name=f"{first} {last}".strip() or username, country=country,
                                institution=(f"{institution} ({acronym})" if acronym
                                             else institution or ""),
                                expertise=expertise))
            for pk, first, last, username, country, institution, acronym, expertise in rows]


def reviewer_label(*, name: str, country: str, institution: str, expertise: str) -> str:
    """How a reviewer is offered to an administrator (the assignment form's
    choices): name, country, institution, expertise."""
    return " · ".join(p for p in (name, country_name(country), institution, expertise) if p)
