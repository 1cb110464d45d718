"""The reintegration read paths. Every list, page, export and download goes
through these, and they go through reintegration.access: a case the user may
not see is not found (404), and special category data is only fetched for the
rows where the user has the right."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import reduce
from operator import and_

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models import Case as DbCase
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from accounts.roles import Role, has_role
from listing.pagination import pk_url
from listing.widgets import country_choices
from registry.models import Consent, HouseholdMember, IdentityDocument, Organisation, Person
from registry.names import fold

from . import access
from .dates import add_months
from .models import (
    AnswerOption,
    BudgetLine,
    Case,
    CaseAssignment,
    CaseMember,
    CaseNote,
    CaseTransition,
    Delivery,
    MonitoringVisit,
    Plan,
    PlanTransition,
    Question,
    SensitiveAccess,
    SurveyResponse,
    SurveyVersion,
    Team,
    Vulnerability,
)
from .workflow import CASE, FINAL, MANUAL, OPEN, NextAction, PlanState, State, moves_from

# --- what the guards of the moves read (reintegration/guards.py) ----------------------

# What a person may cross a border with.
TRAVEL_KINDS = IdentityDocument.TRAVEL_KINDS


@dataclass(frozen=True)
class Traveller:
    """Someone who travels on a case without a travel document valid on the
    day of departure: `member` is None for the principal; `latest` is the
    travel document that lasts longest, and still not long enough (None when
    the person holds none)."""

    person: Person
    member: CaseMember | None
    latest: IdentityDocument | None


def travellers_without_document(case: Case, departure) -> list[Traveller]:
    """The principal and the returning members who hold no passport, national
    identity card or travel document valid on `departure` (two queries)."""
    members = list(case.members.select_related("person").order_by("relation", "id"))
    travellers = [(case.principal, None), *((member.person, member) for member in members)]
    documents = defaultdict(list)
    for document in IdentityDocument.objects.filter(
        person__in=[person.pk for person, _member in travellers], kind__in=TRAVEL_KINDS,
    ).order_by("-expires_on", "-id"):
        documents[document.person_id].append(document)
    blocked = []
    for person, member in travellers:
        held = documents[person.pk]
        if not any(document.is_valid_on(departure) for document in held):
            blocked.append(Traveller(person=person, member=member,
                                     latest=held[0] if held else None))
    return blocked


def plan_of_case(case: Case) -> Plan | None:
    return Plan.objects.filter(case=case).first()


def last_visit(case: Case) -> MonitoringVisit | None:
    return MonitoringVisit.objects.filter(case=case).order_by("-due_on", "-id").first()


def has_delivery(case: Case) -> bool:
    return Delivery.objects.filter(line__plan__case=case).exists()


def plan_finished(plan: Plan | None) -> bool:
    """Fully delivered, or closed with a reason."""
    if plan is None:
        return False
    if plan.state == PlanState.CLOSED:
        return True
    if plan.state != PlanState.APPROVED:
        return False
    lines = list(plan.lines.all())
    return bool(lines) and all(line.delivered == line.amount for line in lines)


def budget_deadline(case: Case):
    """The plan's budget must be used by this day (REINTEGRATION_BUDGET_MONTHS
    after arrival)."""
    from django.conf import settings

    if case.arrived_on is None:
        return None
    return add_months(case.arrived_on, settings.REINTEGRATION_BUDGET_MONTHS)


# The columns of the caseload and team pages and of the export.
CASE_TABLE_FIELDS = (
    "id", "reference", "state", "country_of_return", "region_of_return", "next_action",
    "next_action_due", "last_activity_at", "score_dropped", "planned_departure_on",
    "arrived_on", "created_at", "principal_id", "caseworker_id", "partner_id",
    "principal__id", "principal__given_names", "principal__family_name",
    "caseworker__id", "caseworker__username", "caseworker__first_name",
    "caseworker__last_name", "partner__id", "partner__name", "partner__acronym",
)


def _special_flag(user, condition_for_row) -> object:
    """An annotation that is `condition_for_row` where the user may see
    special category data and False everywhere else, decided by the database
    row by row: a user without the right never gets the flag, not even hidden."""
    if not access.may_have_special_rights(user):
        return Value(False, output_field=BooleanField())
    if has_role(user, Role.DPO):
        return condition_for_row
    return DbCase(When(access.special_category_condition(user), then=condition_for_row),
                  default=Value(False), output_field=BooleanField())


def case_columns(queryset: QuerySet, *, user) -> QuerySet:
    """Only the columns the lists show, with a vulnerability flag only on the
    rows where the user may see it."""
    has_vulnerability = Exists(Vulnerability.objects.filter(case=OuterRef("pk")))
    return (queryset.select_related("principal", "caseworker", "partner")
            .only(*CASE_TABLE_FIELDS)
            .annotate(has_vulnerability=_special_flag(user, has_vulnerability)))


def case_table(*, user) -> QuerySet:
    """The cases the user may see, with the lists' columns; most urgent first
    (overdue, then the soonest due, then those with nothing due)."""
    return case_columns(access.visible_cases(user), user=user).order_by(
        F("next_action_due").asc(nulls_last=True), "reference")


def case_row_cells(cases, *, today, show_caseworker: bool = False) -> list[dict]:
    """What each row of a case list prints, worked out once per row with the
    labels looked up in dicts made once per page: the template only prints.
    `cases` come from case_columns (the flag is False where the user may not
    see special category data)."""
    url = pk_url("reintegration:case_detail")
    states = {value: str(label) for value, label in State.choices}
    actions = {value: str(label) for value, label in NextAction.choices}
    countries = dict(country_choices())
    cells = []
    for case in cases:
        due = case.next_action_due
        code = case.country_of_return.code
        place = countries.get(code, code)
        partner = case.partner
        worker = case.caseworker
        cells.append({
            "id": case.pk,
            "url": url(case.pk),
            "reference": case.reference,
            "name": case.principal.full_name,
            "place": f"{place}, {case.region_of_return}" if case.region_of_return else place,
            "state": states[case.state],
            "action": actions.get(case.next_action, ""),
            "due": date_format(due, "SHORT_DATE_FORMAT") if due else "",
            "overdue": bool(due and due < today),
            "partner": (partner.acronym or partner.name) if partner else "",
            "caseworker": (worker.get_full_name() or worker.username) if show_caseworker
            else "",
            "vulnerable": case.has_vulnerability,
            "score_dropped": case.score_dropped,
            "last_activity": date_format(timezone.localtime(case.last_activity_at),
                                         "SHORT_DATE_FORMAT"),
        })
    return cells


def case_search(queryset: QuerySet, query: str) -> QuerySet:
    """A case reference or part of one (RET-2026-00017, 00017), or every folded
    word of the principal's names in any order ("diallo aminata")."""
    query = (query or "").strip()
    if not query:
        return queryset
    condition = Q(reference__icontains=query)
    words = fold(query).split()
    if words:
        condition |= reduce(and_, (Q(principal__search_key__contains=w) for w in words))
    return queryset.filter(condition)


def caseload(*, user) -> QuerySet:
    """"My caseload": the cases assigned to the user."""
    return case_table(user=user).filter(caseworker=user)


def team_cases(*, user) -> QuerySet:
    """The cases of the caseworkers in the teams the user supervises."""
    return _of_team(case_table(user=user), user)


def _of_team(cases: QuerySet, user) -> QuerySet:
    return cases.filter(caseworker_id__in=Team.caseworkers.through.objects
                        .filter(team__supervisor=user).values("user_id"))


def team_summary(*, user) -> list[dict]:
    """Per caseworker of the user's teams: open cases, overdue ones, plans
    awaiting approval. One query, the counting done by the database."""
    today = timezone.localdate()
    cases = "reintegration_cases"
    open_ = Q(**{f"{cases}__state__in": OPEN})
    workers = (
        get_user_model().objects.filter(pk__in=Team.caseworkers.through.objects.filter(
            team__supervisor=user).values("user_id"))
        .annotate(open_cases=Count(cases, filter=open_),
                  overdue_cases=Count(cases, filter=open_ & Q(**{
                      f"{cases}__next_action_due__lt": today})),
                  plans_awaiting=Count(cases, filter=Q(**{
                      f"{cases}__plan__state": PlanState.SUBMITTED,
                      f"{cases}__state": State.RETURNED})))
        .order_by("last_name", "username")
    )
    return [{"caseworker": worker, "open": worker.open_cases, "overdue": worker.overdue_cases,
             "awaiting": worker.plans_awaiting} for worker in workers]


def team_submitted_plans(*, user, limit: int = 20) -> tuple[list[Case], list[Case]]:
    """The team page's two lists in one query, each by submission: the first
    `limit` submitted plans the supervisor can approve now (a plan is approved
    once the returnee's arrival is recorded: the case is "returned"), and the
    first `limit` that wait for the arrival. Only the columns the lists
    print: the case list's (team_cases) cost twice as much to compile."""
    returned = DbCase(When(state=State.RETURNED, then=Value(True)), default=Value(False),
                      output_field=BooleanField())
    cases = list(
        _of_team(access.visible_cases(user), user)
        .filter(plan__state=PlanState.SUBMITTED, state__in=OPEN)
        .select_related("principal", "caseworker")
        .only("id", "reference", "state", "principal__given_names", "principal__family_name",
              "caseworker__username", "caseworker__first_name", "caseworker__last_name")
        .annotate(submitted_at=F("plan__submitted_at"), returned=returned,
                  rank=Window(RowNumber(), partition_by=[returned],
                              order_by=[F("plan__submitted_at").asc(), F("pk").asc()]))
        .filter(rank__lte=limit).order_by("plan__submitted_at", "pk"))
    return ([case for case in cases if case.returned],
            [case for case in cases if not case.returned])


def case_for(*, user, pk: int) -> tuple[Case, access.CaseRights]:
    """One case the user may see, with the user's rights on it, or 404 (never
    403: a caseworker guessing numbers learns nothing about other cases)."""
    case = (access.visible_cases(user).select_related("principal", "caseworker", "partner",
                                                     "opened_by")
            .filter(pk=pk).first())
    if case is None:
        raise Http404
    rights = access.case_rights(user, case)
    if not rights.see:
        raise Http404
    return case, rights


def visible_notes(*, user, case: Case, rights: access.CaseRights) -> QuerySet:
    notes = CaseNote.objects.filter(case=case)
    if not rights.special:
        notes = notes.filter(is_confidential=False)
    return notes


@dataclass
class Budget:
    approved: Decimal
    delivered: Decimal
    deadline: object
    # The plan was closed: what is left will not be delivered.
    closed: bool = False

    @property
    def left(self) -> Decimal:
        return self.approved - self.delivered


def plan_for(case: Case) -> Plan | None:
    """The case's plan with its lines, deliveries and history, in three queries
    whatever their number."""
    return (
        Plan.objects.select_related("created_by", "submitted_by", "approved_by", "closed_by")
        .prefetch_related(
            Prefetch("lines", queryset=BudgetLine.objects.order_by("id").prefetch_related(
                Prefetch("deliveries", queryset=Delivery.objects.select_related("recorded_by")
                         .order_by("delivered_on", "id")))),
            Prefetch("transitions", queryset=PlanTransition.objects.select_related("actor")
                     .order_by("at", "id")),
        )
        .filter(case=case).first()
    )


def budget_of(case: Case, plan: Plan | None) -> Budget | None:
    """What was approved, delivered and is left, and until when; from the
    prefetched lines."""
    if plan is None:
        return None
    lines = list(plan.lines.all())
    approved = sum((line.amount for line in lines), Decimal("0.00"))
    delivered = sum((line.delivered for line in lines), Decimal("0.00"))
    return Budget(approved=approved, delivered=delivered, deadline=budget_deadline(case),
                  closed=plan.state == PlanState.CLOSED)


def visits_for(case: Case) -> list[MonitoringVisit]:
    return list(MonitoringVisit.objects.filter(case=case).select_related(
        "survey", "survey__version", "recorded_by").order_by("due_on", "id"))


def documents_for(case: Case, members, *, travel_only: bool = False
                  ) -> dict[int, list[IdentityDocument]]:
    """Identity documents of everyone on the case, by person (only those one
    may cross a border with, with travel_only)."""
    ids = [case.principal_id, *(m.person_id for m in members)]
    documents = defaultdict(list)
    found = IdentityDocument.objects.filter(person_id__in=ids)
    if travel_only:
        found = found.filter(kind__in=IdentityDocument.TRAVEL_KINDS)
    for document in found.order_by("-expires_on", "-id"):
        documents[document.person_id].append(document)
    return documents


def registry_household(case: Case) -> list[HouseholdMember]:
    """Members of the principal's households in the registry, who may return
    with them."""
    return list(HouseholdMember.objects.filter(household__principal=case.principal_id)
                .select_related("person").order_by("relation", "person__family_name"))


def timeline(*, notes, transitions, assignments, plan, visits) -> list[dict]:
    """The case's diary: notes, state changes, reassignments, plan decisions,
    deliveries and visits, newest first, from what the page already fetched."""
    events = []
    for note in notes:
        events.append({"at": note.written_at, "kind": "note", "object": note})
    for transition in transitions:
        events.append({"at": transition.at, "kind": "state", "object": transition})
    for assignment in assignments:
        events.append({"at": assignment.at, "kind": "assignment", "object": assignment})
    if plan is not None:
        for transition in plan.transitions.all():
            events.append({"at": transition.at, "kind": "plan", "object": transition})
        for line in plan.lines.all():
            for delivery in line.deliveries.all():
                events.append({"at": delivery.recorded_at, "kind": "delivery",
                               "object": delivery, "line": line})
    for visit in visits:
        if visit.recorded_at:
            events.append({"at": visit.recorded_at, "kind": "visit", "object": visit})
    events.sort(key=lambda event: event["at"], reverse=True)
    return events


def case_page(*, user, case: Case, rights: access.CaseRights,
              notes_limit: int | None = None) -> dict:
    """Everything the case page shows, in a fixed number of queries whatever
    the number of notes, lines, deliveries or visits. With `notes_limit`, the
    timeline is the latest notes only (and the other events since the oldest
    of them): `notes_total` counts them all in the database (one more query,
    only when there are more)."""
    members = list(case.members.select_related("person").order_by("relation", "id"))
    shown_notes = visible_notes(user=user, case=case, rights=rights)
    notes = list(shown_notes.select_related("author", "corrects")
                 .order_by("-written_at", "-id")[:None if notes_limit is None else notes_limit + 1])
    notes_total = len(notes)
    since = None
    if notes_limit is not None and notes_total > notes_limit:
        notes = notes[:notes_limit]
        notes_total = shown_notes.count()
        since = notes[-1].written_at
    transitions = list(CaseTransition.objects.filter(case=case).select_related("actor")
                       .order_by("at", "id"))
    assignments = list(CaseAssignment.objects.filter(case=case).select_related(
        "from_caseworker", "to_caseworker", "actor").order_by("at", "id"))
    plan = plan_for(case)
    visits = visits_for(case)
    known = {"plan": plan, "visits": visits}
    vulnerabilities = (list(Vulnerability.objects.filter(case=case).select_related(
        "recorded_by")) if rights.special else [])
    moves = [state for state in moves_from(case.state) if state in MANUAL] if (
        rights.work) else []
    return {
        "members": members,
        "documents": documents_for(case, members),
        "notes": notes,
        "transitions": transitions,
        "assignments": assignments,
        "plan": plan,
        "lines": list(plan.lines.all()) if plan else [],
        "budget": budget_of(case, plan),
        "visits": visits,
        "surveys": [visit.survey for visit in visits if _has_survey(visit)],
        "vulnerabilities": vulnerabilities,
        "moves": moves,
        "blocked": {state: CASE.move(case.state, state).problems(
                         case, {"known": known})
                     for state in moves if state in (State.MONITORING, State.CLOSED)},
        "timeline": [event for event in timeline(
            notes=notes, transitions=transitions, assignments=assignments, plan=plan,
            visits=visits) if since is None or event["at"] >= since],
        "notes_total": notes_total,
        "timeline_cut": since is not None,
        "is_final": case.state in FINAL,
        "sharing_missing": sharing_missing(case),
    }


@dataclass(frozen=True)
class SharingMissing:
    """The case's partner organisation cannot see the case: no consent to
    share with it is in force. `withdrawn_at`: the last withdrawal, when the
    returnee had consented before."""

    partner: Organisation
    withdrawn_at: datetime | None = None


def sharing_missing(case: Case) -> SharingMissing | None:
    """Why the case's partner organisation cannot see an open case (see
    access.partner_cases), or None: no partner, the case is over, or the
    consent is in force. One query, none without a partner."""
    if case.partner_id is None or not case.is_open or case.partner is None:
        return None
    withdrawals = list(Consent.objects.filter(
        purpose=Consent.Purpose.PARTNER_SHARING, person_id=case.principal_id,
        partner_id=case.partner_id).values_list("withdrawn_at", flat=True))
    withdrawn = [when for when in withdrawals if when is not None]
    if len(withdrawn) < len(withdrawals):  # a consent in force
        return None
    return SharingMissing(partner=case.partner, withdrawn_at=max(withdrawn, default=None))


def _has_survey(visit: MonitoringVisit) -> bool:
    try:
        return visit.survey is not None
    except SurveyResponse.DoesNotExist:
        return False


def line_for(*, user, case_pk: int, pk: int) -> tuple[BudgetLine, Case, access.CaseRights]:
    case, rights = case_for(user=user, pk=case_pk)
    line = BudgetLine.objects.select_related("plan").filter(pk=pk, plan__case=case).first()
    if line is None:
        raise Http404
    return line, case, rights


def _delivery_of(case: Case, pk: int) -> Delivery:
    delivery = Delivery.objects.filter(pk=pk, line__plan__case=case).first()
    if delivery is None:
        raise Http404
    return delivery


def delivery_for(*, user, case_pk: int, pk: int) -> Delivery:
    """A delivery of a case the user may see (for its evidence), or 404."""
    case, _rights = case_for(user=user, pk=case_pk)
    return _delivery_of(case, pk)


def visit_for(*, user, case_pk: int, pk: int) -> tuple[MonitoringVisit, Case, access.CaseRights]:
    case, rights = case_for(user=user, pk=case_pk)
    visit = MonitoringVisit.objects.filter(pk=pk, case=case).first()
    if visit is None:
        raise Http404
    return visit, case, rights


def note_for(*, user, case_pk: int, pk: int) -> tuple[CaseNote, Case, access.CaseRights]:
    case, rights = case_for(user=user, pk=case_pk)
    note = visible_notes(user=user, case=case, rights=rights).filter(pk=pk).first()
    if note is None:
        raise Http404
    return note, case, rights


def access_log(*, user) -> QuerySet:
    """Who saw which case's restricted data: the data protection officer only."""
    if not (user.is_authenticated and has_role(user, Role.DPO)):
        return SensitiveAccess.objects.none()
    return access_log_columns(SensitiveAccess.objects.order_by("-at", "-id"))


def access_log_columns(queryset: QuerySet) -> QuerySet:
    """Only what the access log shows."""
    return queryset.select_related("user", "case").only(
        "id", "what", "at", "user__id", "user__username", "user__first_name", "user__last_name",
        "case__id", "case__reference")



# --- the partner organisations' pages ------------------------------------------------------

PARTNER_TABLE_FIELDS = (
    "id", "reference", "state", "country_of_return", "region_of_return", "arrived_on",
    "principal_id", "partner_id", "principal__id", "principal__given_names",
    "principal__family_name", "partner__id", "partner__name", "partner__acronym",
)


def partner_table(*, user) -> QuerySet:
    """The cases a partner's staff see (reintegration.access.partner_cases),
    the oldest arrivals (the nearest budget deadlines) first."""
    return access.partner_cases(user).order_by(F("arrived_on").asc(nulls_last=True),
                                               "reference")


def partner_columns(queryset: QuerySet) -> QuerySet:
    """The partner list's columns, with what the plan approved and what was
    delivered added up by the database (for one page of rows)."""
    return (queryset.select_related("principal", "partner").only(*PARTNER_TABLE_FIELDS)
            .annotate(approved=Sum("plan__lines__amount"),
                      delivered=Sum("plan__lines__delivered")))


def partner_case_for(*, user, pk: int) -> Case:
    """One case of the user's partner organisation, or 404. Only the columns
    its page shows: nothing of the household, documents or vulnerabilities."""
    case = (access.partner_cases(user).select_related("principal", "partner", "caseworker")
            .filter(pk=pk).first())
    if case is None:
        raise Http404
    return case


def partner_plan(case: Case) -> Plan | None:
    """The approved (or closed) plan with its lines, or None: a partner sees
    no draft."""
    return (Plan.objects.filter(case=case, state__in=(PlanState.APPROVED, PlanState.CLOSED))
            .prefetch_related(Prefetch("lines", queryset=BudgetLine.objects.order_by("id")))
            .first())


def partner_deliveries(case: Case) -> list[Delivery]:
    return list(Delivery.objects.filter(line__plan__case=case)
                .select_related("line", "recorded_by").order_by("-delivered_on", "-id"))


def partner_delivery_for(*, user, case_pk: int, pk: int) -> Delivery:
    """A delivery of a case of the user's partner organisation (for its
    evidence), or 404."""
    return _delivery_of(partner_case_for(user=user, pk=case_pk), pk)


def survey_form_rows() -> list[tuple[int, str, str, int, str]]:
    """The survey version new surveys use (services.monitoring.
    current_survey_version), for the case page's quick visit form, as
    (question id, dimension, question, option id, option) rows in the
    questions' and options' order: one query of values rather than three of
    objects (the version, its questions, their options). A question without
    options, which could not be answered, is left out."""
    current = (SurveyVersion.objects.filter(is_active=True).order_by("-number")
               .values("pk")[:1])
    return list(AnswerOption.objects.filter(question__version=Subquery(current))
                .order_by("question__order", "question_id", "order", "id")
                .values_list("question_id", "question__dimension", "question__text", "pk",
                             "text"))


def survey_form_questions(rows) -> list[Question]:
    """The questions of survey_form_rows with their options, as a VisitForm
    takes them (question.options.all() as prefetch_related leaves it)."""
    questions: dict[int, Question] = {}
    options: dict[int, list[AnswerOption]] = {}
    for question_id, dimension, text, option_id, option_text in rows:
        if question_id not in questions:
            questions[question_id] = Question(pk=question_id, dimension=dimension, text=text)
        options.setdefault(question_id, []).append(
            AnswerOption(pk=option_id, question_id=question_id, text=option_text))
    for question in questions.values():
        prefetched = question.options.all()
        prefetched._result_cache = options[question.pk]
        prefetched._prefetch_done = True  # type: ignore[attr-defined]
        question._prefetched_objects_cache = {"options": prefetched}  # type: ignore[attr-defined]
    return list(questions.values())
