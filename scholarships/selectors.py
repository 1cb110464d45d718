"""The scholarships read paths: who may see which application, and what a
page needs in a fixed number of queries."""

import datetime
from functools import reduce
from operator import and_

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.roles import Role, has_role
from listing.pagination import pk_url
from registry.models import Person, age_on, full_name
from registry.names import fold

from .models import (
    LIST_ORDER,
    Application,
    ApplicationDocument,
    ApplicationTransition,
    Call,
    Referee,
    call_label,
)
from .steps import STEPS, step_status
from .workflow import State

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


def may_see_application(user, application: Application) -> bool:
    """Staff of the programme, the data protection officer, or the applicant."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or has_role(user, Role.SCHOLARSHIP_ADMIN, Role.DPO):
        return True
    return application.applicant.user_id == user.pk


# --- public ------------------------------------------------------------------------


def open_calls(now=None):
    now = now or timezone.now()
    return (Call.objects.filter(opens_at__lte=now, closes_at__gt=now)
            .select_related("programme").order_by("closes_at"))


# --- staff -------------------------------------------------------------------------

STAFF_ROLES = (Role.SCHOLARSHIP_ADMIN, Role.DPO)

# The columns of the staff's application list; nothing else is fetched for it.
APPLICATION_ROW_VALUES = (
    "id", "reference", "state", "submitted_at", "call__title", "call__academic_year",
    "call__age_reference_date", "applicant__given_names", "applicant__family_name",
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


def is_scholarship_staff(user) -> bool:
    """The staff pages on applications: scholarship administrators and the
    data protection officer."""
    return user.is_authenticated and (user.is_superuser or has_role(user, *STAFF_ROLES))


def call_choices() -> list[tuple[int, str]]:
    """Every call, newest first, for a filter: one light query."""
    return [(pk, call_label(title, year)) for pk, title, year in
            Call.objects.order_by("-opens_at").values_list("id", "title", "academic_year")]


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
    cells = []
    for row in rows:
        submitted = row["submitted_at"]
        cells.append({
            "id": row["id"],
            "url": url(row["id"]),
            "reference": row["reference"],
            "name": full_name(row["applicant__given_names"], row["applicant__family_name"]),
            "call": call_label(row["call__title"], row["call__academic_year"]),
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
    dates = set(Call.objects.exclude(age_reference_date__isnull=True)
                .order_by().values_list("age_reference_date", flat=True).distinct())
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


def call_dashboard(*, limit: int = 30) -> list[dict]:
    """The latest calls with their number of applications per state: two
    queries, the counting done by the database."""
    calls = list(Call.objects.select_related("programme").order_by("-opens_at")[:limit])
    counts: dict[int, dict[str, int]] = {call.pk: {} for call in calls}
    rows = (Application.objects.filter(call__in=[call.pk for call in calls])
            .values("call_id", "state").annotate(n=Count("id")).order_by())
    for row in rows:
        counts[row["call_id"]][row["state"]] = row["n"]
    return [{"call": call, "counts": counts[call.pk],
             "total": sum(counts[call.pk].values())} for call in calls]
