"""The scholarships read paths: who may see which application, and what a
page needs in a fixed number of queries."""

import datetime
from functools import reduce
from operator import and_

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role, has_role
from registry.names import fold

from .models import Application, ApplicationDocument, ApplicationTransition, Call, Referee
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
APPLICATION_TABLE_FIELDS = (
    "id", "reference", "state", "submitted_at", "created_at", "call_id", "applicant_id",
    "call__id", "call__title", "call__academic_year", "call__age_reference_date",
    "applicant__id", "applicant__given_names", "applicant__family_name", "applicant__sex",
    "applicant__birth_date", "applicant__birth_date_precision", "applicant__nationalities",
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


def application_table(*, user) -> QuerySet:
    """The staff list: every application the user may see, only the columns
    shown, submitted ones newest first and drafts after them."""
    if not is_scholarship_staff(user):
        return Application.objects.none()
    return (Application.objects.select_related("call", "applicant")
            .only(*APPLICATION_TABLE_FIELDS)
            .order_by(F("submitted_at").desc(nulls_last=True), "-created_at", "-id"))


def application_search(queryset: QuerySet, query: str) -> QuerySet:
    """A reference (or part of one, "SCH-2026-00042", "00042"), or every
    folded word of the applicant's names ("keita sekou" finds "Sékou Keïta")."""
    query = (query or "").strip()
    if not query:
        return queryset
    condition = Q(reference__icontains=query)
    words = fold(query).split()
    if words:
        condition |= reduce(and_, (Q(applicant__search_key__contains=w) for w in words))
    return queryset.filter(condition)


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
