"""Monitoring visits and the sustainability survey filled at them."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.history import set_change_reason

from ..dates import add_months
from ..models import (
    AnswerOption,
    Case,
    MonitoringVisit,
    Question,
    SurveyAnswer,
    SurveyResponse,
    SurveyVersion,
)
from ..scoring import survey_scores
from ..workflow import AFTER_ARRIVAL, VISIT

# visits_schedule lives with the arrival that calls it (cases.py); named here too.
from .cases import case_refresh, iso, locked, require_work, visits_schedule  # noqa: F401

MSG_VISIT_NOT_PLANNED = _("This visit is already %(status)s.")
MSG_VISIT_BEFORE_ARRIVAL = _("A monitoring visit cannot be before the arrival (%(arrived)s).")
MSG_VISIT_IN_FUTURE = _("A visit cannot be recorded as done in the future.")
MSG_VISIT_NEEDS_ARRIVAL = _("Monitoring visits start after the arrival is recorded.")
MSG_WAIVE_REASON = _("Say why the visit will not take place: it is kept with the case.")
MSG_SURVEY_INCOMPLETE = _("Answer every question of the survey.")
MSG_SURVEY_WRONG_ANSWER = _("An answer does not belong to its question.")
MSG_DUE_TOO_LATE = _("A visit is due at most two years after arrival.")
MSG_VISIT_TOO_EARLY = _("This visit is due on %(due)s: it can be recorded from %(earliest)s. "
                        "If it really took place earlier, say why below.")

# A rescheduled or added visit stays within this many months of arrival.
LAST_VISIT_MONTHS = 24


def current_survey_version() -> SurveyVersion | None:
    """New surveys use the highest active version."""
    return SurveyVersion.objects.filter(is_active=True).order_by("-number").first()


def _locked_visit(visit: MonitoringVisit) -> tuple[Case, MonitoringVisit]:
    case = locked(visit.case)
    visit = MonitoringVisit.objects.select_for_update().get(pk=visit.pk, case=case)
    return case, visit


def _check_due(case: Case, due_on: datetime.date) -> None:
    if case.arrived_on is None or case.state not in AFTER_ARRIVAL:
        raise ValidationError(MSG_VISIT_NEEDS_ARRIVAL)
    if due_on < case.arrived_on:
        raise ValidationError({"due_on": MSG_VISIT_BEFORE_ARRIVAL % {
            "arrived": iso(case.arrived_on)}})
    if due_on > add_months(case.arrived_on, LAST_VISIT_MONTHS):
        raise ValidationError({"due_on": MSG_DUE_TOO_LATE})


def _check_planned(visit: MonitoringVisit) -> None:
    if visit.status != MonitoringVisit.Status.PLANNED:
        raise ValidationError(MSG_VISIT_NOT_PLANNED % {
            "status": MonitoringVisit.Status(visit.status).label.lower()})


def visit_transition(*, actor, visit: MonitoringVisit, to: str, reason: str = "",
                     changes: dict | None = None) -> MonitoringVisit:
    """The one way to change a visit's status, as workflow.VISIT declares it:
    who (recorded_by), when (recorded_at) and why (waived_reason or
    early_reason, and the history row's change reason). Runs with the case and
    the visit locked."""
    current = visit.status
    if current == to:
        return visit
    VISIT.check(visit, current, to, reason=reason)
    for name, value in (changes or {}).items():
        setattr(visit, name, value)
    visit.status = to
    visit.recorded_by = actor
    visit.recorded_at = timezone.now()
    set_change_reason(visit, reason or str(to))
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def visit_add(*, actor, case: Case, due_on: datetime.date) -> MonitoringVisit:
    """An extra visit, beyond the scheduled ones."""
    case = locked(case)
    require_work(actor, case)
    _check_due(case, due_on)
    visit = MonitoringVisit.objects.create(case=case, due_on=due_on)
    case_refresh(case)
    return visit


@transaction.atomic
def visit_reschedule(*, actor, visit: MonitoringVisit, due_on: datetime.date) -> MonitoringVisit:
    case, visit = _locked_visit(visit)
    require_work(actor, case)
    _check_planned(visit)
    _check_due(case, due_on)
    visit.due_on = due_on
    visit.save(update_fields=["due_on"])
    case_refresh(case)
    return visit


@transaction.atomic
def visit_waive(*, actor, visit: MonitoringVisit, reason: str) -> MonitoringVisit:
    case, visit = _locked_visit(visit)
    require_work(actor, case)
    _check_planned(visit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_WAIVE_REASON})
    visit_transition(actor=actor, visit=visit, to=MonitoringVisit.Status.WAIVED, reason=reason,
                     changes={"waived_reason": reason})
    case_refresh(case)
    return visit


def _survey_answers(version: SurveyVersion, answers: dict[int, int]) -> list[tuple]:
    """(question, option) for each question of the version, checked: every
    question answered, each with one of its own options."""
    questions = list(version.questions.all())
    options = {option.pk: option for option in AnswerOption.objects.filter(
        question__version=version, pk__in=list(answers.values()))}
    pairs = []
    for question in questions:
        chosen = answers.get(question.pk)
        option = None if chosen is None else options.get(chosen)
        if option is None:
            raise ValidationError(MSG_SURVEY_INCOMPLETE, code="incomplete")
        if option.question_id != question.pk:
            raise ValidationError(MSG_SURVEY_WRONG_ANSWER, code="wrong_answer")
        pairs.append((question, option))
    return pairs


def _previous_composite(case: Case, visit: MonitoringVisit) -> Decimal | None:
    previous = (SurveyResponse.objects.filter(visit__case=case)
                .exclude(visit=visit).filter(visit__done_on__lte=visit.done_on)
                .order_by("-visit__done_on", "-id").first())
    return previous.composite if previous else None


@transaction.atomic
def visit_record(*, actor, visit: MonitoringVisit, done_on: datetime.date, mode: str,
                 notes: str = "", answers: dict[int, int] | None = None,
                 version: SurveyVersion | None = None,
                 early_reason: str = "") -> MonitoringVisit:
    """Record a visit as done, with the sustainability survey filled at it.
    A visit is recorded from REINTEGRATION_VISIT_WINDOW_DAYS before its due
    date; earlier only with `early_reason` (kept on the visit).

    The scores are computed here, once, from the weights of the version the
    survey used; the response keeps that version, so a later version with
    other weights never changes them. A composite that fell by more than
    REINTEGRATION_SCORE_DROP_ALERT since the previous survey flags the case."""
    case, visit = _locked_visit(visit)
    require_work(actor, case)
    _check_planned(visit)
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": MSG_VISIT_IN_FUTURE})
    if case.arrived_on is None or done_on < case.arrived_on:
        raise ValidationError({"done_on": MSG_VISIT_BEFORE_ARRIVAL % {
            "arrived": iso(case.arrived_on) if case.arrived_on else "—"}})
    version = version or current_survey_version()
    pairs = _survey_answers(version, answers or {}) if version is not None else []

    early_reason = (early_reason or "").strip()
    earliest = visit.due_on - datetime.timedelta(days=settings.REINTEGRATION_VISIT_WINDOW_DAYS)
    if done_on >= earliest:
        early_reason = ""
    elif not early_reason:
        raise ValidationError({"done_on": MSG_VISIT_TOO_EARLY % {
            "due": iso(visit.due_on), "earliest": iso(earliest)}})
    visit_transition(actor=actor, visit=visit, to=MonitoringVisit.Status.DONE,
                     reason=early_reason, changes={
                         "done_on": done_on, "mode": mode, "notes": notes,
                         "early_reason": early_reason})
    if pairs and version is not None:  # pairs only come with a version
        scores = survey_scores((q.dimension, q.weight, o.score) for q, o in pairs)
        previous = _previous_composite(case, visit)
        drop = previous - scores["composite"] if previous is not None else None
        response = SurveyResponse.objects.create(
            visit=visit, version=version, economic=scores["economic"], social=scores["social"],
            psychosocial=scores["psychosocial"], composite=scores["composite"],
            drop=drop if drop and drop > 0 else None, filled_by=actor,
        )
        SurveyAnswer.objects.bulk_create([SurveyAnswer(response=response, question=q, option=o)
                                          for q, o in pairs])
        # The flag follows the latest survey of the case.
        latest = (SurveyResponse.objects.filter(visit__case=case)
                  .order_by("-visit__done_on", "-id").first())
        threshold = Decimal(str(settings.REINTEGRATION_SCORE_DROP_ALERT))
        dropped = latest is not None and bool(latest.drop and latest.drop > threshold)
        if dropped != case.score_dropped:
            Case.objects.filter(pk=case.pk).update(score_dropped=dropped)
            case.score_dropped = dropped
    case_refresh(case)
    return visit


def response_scores_recomputed(response: SurveyResponse) -> dict[str, Decimal]:
    """The scores of a stored response computed again from its answers and
    its own version's weights (the stored scores must equal these)."""
    answers = response.answers.select_related("question", "option")
    return survey_scores((a.question.dimension, a.question.weight, a.option.score)
                         for a in answers)


def survey_questions(version: SurveyVersion) -> list[Question]:
    return list(version.questions.prefetch_related("options").order_by("order", "id"))
