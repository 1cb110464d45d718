"""Monitoring visits and the sustainability survey: scores computed from the
weights of the version a survey used, kept when a new version comes, drops
flagged."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from common import formats
from registry.factories import UserFactory
from reintegration.charts import score_chart
from reintegration.factories import case_through
from reintegration.models import (
    AnswerOption,
    Case,
    Dimension,
    MonitoringVisit,
    Question,
    SurveyResponse,
    SurveyVersion,
)
from reintegration.scoring import survey_scores
from reintegration.services import monitoring as services
from reintegration.workflow import NextAction, State

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date.today


def version_with(number, weights, *, active=True):
    """A survey version with one question per (dimension, weight), each
    with the answers "good" (1), "fair" (0.5) and "bad" (0)."""
    version = SurveyVersion.objects.create(number=number, title=f"Survey v{number}",
                                           is_active=active)
    for order, (dimension, weight) in enumerate(weights):
        question = Question.objects.create(version=version, dimension=dimension,
                                           text=f"Question {order}", weight=D(weight),
                                           order=order)
        for rank, (text, score) in enumerate([("good", "1"), ("fair", "0.5"), ("bad", "0")]):
            AnswerOption.objects.create(question=question, text=text, score=D(score), order=rank)
    return version


def answering(version, texts):
    """{question: option} choosing the option with the given text, question by question."""
    answers = {}
    for question, text in zip(version.questions.order_by("order"), texts, strict=True):
        answers[question.pk] = question.options.get(text=text).pk
    return answers


@pytest.fixture
def monitored(worker, boss):
    return case_through(State.MONITORING, worker=worker, approver=boss, arrived_days_ago=200)


def visits_of(case):
    return list(case.visits.order_by("due_on"))


# --- the scores ----------------------------------------------------------------------

def test_scores_are_weighted_means_per_dimension_and_overall():
    scores = survey_scores([
        ("economic", D("1"), D("1")), ("economic", D("3"), D("0")),
        ("social", D("2"), D("0.5")),
        ("psychosocial", D("1"), D("1")),
    ])
    assert scores == {"economic": D("0.2500"), "social": D("0.5000"),
                      "psychosocial": D("1.0000"), "composite": D("0.4286")}


def test_the_score_comes_from_the_weights_of_the_version_the_survey_used(worker, monitored):
    SurveyVersion.objects.update(is_active=False)
    equal = version_with(10, [("economic", "1"), ("social", "1"), ("psychosocial", "1")])
    heavy = version_with(11, [("economic", "4"), ("social", "1"), ("psychosocial", "1")],
                         active=False)
    first, second = visits_of(monitored)[:2]
    same_answers = ["good", "bad", "bad"]
    services.visit_record(actor=worker, visit=first, done_on=TODAY(), mode="phone",
                          answers=answering(equal, same_answers), version=equal)
    services.visit_record(actor=worker, visit=second, done_on=TODAY(), mode="in_person",
                          answers=answering(heavy, same_answers), version=heavy)
    by_equal = SurveyResponse.objects.get(visit=first)
    by_heavy = SurveyResponse.objects.get(visit=second)
    assert (by_equal.version, by_heavy.version) == (equal, heavy)
    assert by_equal.composite == D("0.3333")  # (1 + 0 + 0) / 3
    assert by_heavy.composite == D("0.6667")  # (4 + 0 + 0) / 6
    assert (by_equal.economic, by_equal.social, by_equal.psychosocial) == (
        D("1.0000"), D("0.0000"), D("0.0000"))
    assert services.response_scores_recomputed(by_heavy)["composite"] == by_heavy.composite


def test_a_new_version_with_other_weights_leaves_last_years_score_as_it_was(
        worker, monitored):
    SurveyVersion.objects.update(is_active=False)
    old = version_with(20, [("economic", "1"), ("social", "1")])
    visit = visits_of(monitored)[0]
    services.visit_record(actor=worker, visit=visit, done_on=TODAY(), mode="phone",
                          answers=answering(old, ["good", "bad"]))
    before = SurveyResponse.objects.get(visit=visit).composite
    assert before == D("0.5000")
    SurveyVersion.objects.update(is_active=False)
    version_with(21, [("economic", "9"), ("social", "1")])
    assert services.current_survey_version().number == 21
    response = SurveyResponse.objects.get(visit=visit)
    assert response.version == old and response.composite == before
    assert services.response_scores_recomputed(response)["composite"] == before


def test_new_surveys_use_the_highest_active_version():
    SurveyVersion.objects.update(is_active=False)
    version_with(30, [("economic", "1")])
    version_with(31, [("economic", "1")], active=False)
    assert services.current_survey_version().number == 30


def test_version_1_has_realistic_questions_in_the_three_dimensions():
    version = SurveyVersion.objects.get(number=1)
    questions = list(version.questions.prefetch_related("options"))
    assert len(questions) == 11
    assert {q.dimension for q in questions} == set(Dimension.values)
    assert all(len(q.options.all()) >= 3 for q in questions)
    for question in questions:
        scores = [o.score for o in question.options.all()]
        assert max(scores) == D("1") and min(scores) == D("0")
    texts = " ".join(q.text for q in questions).lower()
    for topic in ("income", "work", "debts", "eat", "housing", "health care", "documents",
                  "school", "community", "safe", "leave the country"):
        assert topic in texts


def test_every_question_must_be_answered_with_one_of_its_own_options(worker, monitored):
    version = services.current_survey_version()
    visit = visits_of(monitored)[0]
    answers = {q.pk: q.options.first().pk for q in version.questions.all()}
    missing = dict(list(answers.items())[1:])
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(actor=worker, visit=visit, done_on=TODAY(), mode="phone",
                              answers=missing)
    assert excinfo.value.messages == [services.MSG_SURVEY_INCOMPLETE]
    first, second = list(version.questions.order_by("order"))[:2]
    crossed = {**answers, first.pk: second.options.first().pk}
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(actor=worker, visit=visit, done_on=TODAY(), mode="phone",
                              answers=crossed)
    assert excinfo.value.messages == [services.MSG_SURVEY_WRONG_ANSWER]
    visit.refresh_from_db()
    assert visit.status == MonitoringVisit.Status.PLANNED


def test_a_drop_above_the_threshold_between_visits_flags_the_case(worker, monitored, settings):
    settings.REINTEGRATION_SCORE_DROP_ALERT = "0.15"
    SurveyVersion.objects.update(is_active=False)
    version = version_with(40, [("economic", "1"), ("social", "1")])
    first, second, third = visits_of(monitored)
    services.visit_record(actor=worker, visit=first, done_on=TODAY() - datetime.timedelta(2),
                          mode="phone", answers=answering(version, ["good", "good"]))
    services.visit_record(actor=worker, visit=second, done_on=TODAY() - datetime.timedelta(1),
                          mode="phone", answers=answering(version, ["good", "fair"]))
    assert SurveyResponse.objects.get(visit=second).drop == D("0.2500")
    assert Case.objects.get(pk=monitored.pk).score_dropped is True
    services.visit_record(actor=worker, visit=third, done_on=TODAY(), mode="phone",
                          answers=answering(version, ["good", "good"]),
                          early_reason="Moves to Dakar next month")
    assert SurveyResponse.objects.get(visit=third).drop is None  # it rose
    assert Case.objects.get(pk=monitored.pk).score_dropped is False


def test_a_drop_below_the_threshold_is_not_flagged(worker, monitored, settings):
    settings.REINTEGRATION_SCORE_DROP_ALERT = "0.30"
    SurveyVersion.objects.update(is_active=False)
    version = version_with(41, [("economic", "1"), ("social", "1")])
    first, second, _third = visits_of(monitored)
    services.visit_record(actor=worker, visit=first, done_on=TODAY() - datetime.timedelta(1),
                          mode="phone", answers=answering(version, ["good", "good"]))
    services.visit_record(actor=worker, visit=second, done_on=TODAY(), mode="phone",
                          answers=answering(version, ["good", "fair"]))
    assert Case.objects.get(pk=monitored.pk).score_dropped is False


def test_the_chart_draws_one_point_per_survey_and_marks_the_drop(worker, monitored, settings):
    settings.REINTEGRATION_SCORE_DROP_ALERT = "0.15"
    SurveyVersion.objects.update(is_active=False)
    version = version_with(42, [("economic", "1")])
    first, second, _third = visits_of(monitored)
    services.visit_record(actor=worker, visit=first, done_on=TODAY() - datetime.timedelta(1),
                          mode="phone", answers=answering(version, ["good"]))
    services.visit_record(actor=worker, visit=second, done_on=TODAY(), mode="phone",
                          answers=answering(version, ["bad"]))
    chart = score_chart(SurveyResponse.objects.filter(visit__case=monitored)
                        .select_related("visit").order_by("visit__due_on"))
    composite = chart.series[0]
    assert composite.key == "composite" and len(composite.points) == 2
    top, bottom = composite.points[0][1], composite.points[1][1]
    assert top < bottom  # a score of 1 is drawn higher (smaller y) than 0
    assert chart.drops == [composite.points[1]]


# --- visits ----------------------------------------------------------------------

def test_a_visit_is_waived_only_with_a_reason(worker, monitored):
    visit = visits_of(monitored)[0]
    with pytest.raises(ValidationError) as excinfo:
        services.visit_waive(actor=worker, visit=visit, reason=" ")
    assert excinfo.value.message_dict["reason"] == [services.MSG_WAIVE_REASON]
    services.visit_waive(actor=worker, visit=visit, reason="Returnee moved to Dakar")
    visit.refresh_from_db()
    assert (visit.status, visit.waived_reason) == (MonitoringVisit.Status.WAIVED,
                                                   "Returnee moved to Dakar")


def test_a_done_or_waived_visit_cannot_be_recorded_again(worker, monitored):
    visit = visits_of(monitored)[0]
    services.visit_waive(actor=worker, visit=visit, reason="Unreachable")
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(actor=worker, visit=visit, done_on=TODAY(), mode="phone",
                              answers={})
    assert excinfo.value.messages == [services.MSG_VISIT_NOT_PLANNED % {"status": "waived"}]


def test_a_visit_is_not_recorded_in_the_future_nor_before_arrival(worker, monitored):
    visit = visits_of(monitored)[0]
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(actor=worker, visit=visit, mode="phone", answers={},
                              done_on=TODAY() + datetime.timedelta(days=1))
    assert excinfo.value.message_dict["done_on"] == [services.MSG_VISIT_IN_FUTURE]
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(actor=worker, visit=visit, mode="phone", answers={},
                              done_on=monitored.arrived_on - datetime.timedelta(days=1))
    assert "done_on" in excinfo.value.message_dict


def test_a_visit_can_be_rescheduled_and_the_next_action_follows(worker, boss):
    case = case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss,
                        arrived_days_ago=100)
    visit = visits_of(case)[0]
    new_day = TODAY() + datetime.timedelta(days=3)
    services.visit_reschedule(actor=worker, visit=visit, due_on=new_day)
    case.refresh_from_db()
    assert (case.next_action, case.next_action_due) == (NextAction.VISIT, new_day)
    with pytest.raises(ValidationError) as excinfo:
        services.visit_reschedule(actor=worker, visit=visit,
                                  due_on=case.arrived_on - datetime.timedelta(days=1))
    assert excinfo.value.message_dict["due_on"] == [services.MSG_VISIT_BEFORE_ARRIVAL % {
        "arrived": formats.day(case.arrived_on)}]


def test_an_extra_visit_can_be_added_after_arrival_only(worker, boss, monitored):
    extra = services.visit_add(actor=worker, case=monitored,
                               due_on=TODAY() + datetime.timedelta(days=10))
    assert extra.months_after_arrival is None and extra.status == MonitoringVisit.Status.PLANNED
    early = case_through(State.COUNSELLING, worker=worker, approver=boss)
    with pytest.raises(ValidationError) as excinfo:
        services.visit_add(actor=worker, case=early, due_on=TODAY())
    assert excinfo.value.messages == [services.MSG_VISIT_NEEDS_ARRIVAL]


def test_only_the_cases_workers_record_visits(monitored):
    visit = visits_of(monitored)[0]
    with pytest.raises(PermissionDenied):
        services.visit_waive(actor=UserFactory(roles=[Role.DPO]), visit=visit, reason="No")


# --- the window of a scheduled visit (issue 12, point 3) ------------------------------

@pytest.fixture
def just_arrived(worker, boss):
    """Monitoring reached on the day of arrival: the 3-, 6- and 12-month
    visits are all months away. No survey, to look at the dates alone."""
    SurveyVersion.objects.update(is_active=False)
    return case_through(State.MONITORING, worker=worker, approver=boss, arrived_days_ago=0)


def test_a_visit_months_away_is_not_recorded_on_the_arrival_day(worker, just_arrived, settings):
    settings.REINTEGRATION_VISIT_WINDOW_DAYS = 30
    visit = visits_of(just_arrived)[0]
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(actor=worker, visit=visit, done_on=TODAY(), mode="phone",
                              answers={}, version=None)
    earliest = visit.due_on - datetime.timedelta(days=30)
    assert excinfo.value.message_dict["done_on"] == [services.MSG_VISIT_TOO_EARLY % {
        "due": formats.day(visit.due_on), "earliest": formats.day(earliest)}]
    visit.refresh_from_db()
    assert visit.status == MonitoringVisit.Status.PLANNED


def test_an_early_visit_is_recorded_with_its_reason(worker, just_arrived):
    visit = visits_of(just_arrived)[0]
    services.visit_record(actor=worker, visit=visit, done_on=TODAY(), mode="phone", answers={},
                          version=None, early_reason="Leaves for Dakar next week")
    visit.refresh_from_db()
    assert (visit.status, visit.early_reason, visit.recorded_by) == (
        MonitoringVisit.Status.DONE, "Leaves for Dakar next week", worker)
    assert visit.history.latest().history_change_reason == "Leaves for Dakar next week"


def test_a_visit_inside_the_window_needs_no_reason(worker, boss, settings):
    settings.REINTEGRATION_VISIT_WINDOW_DAYS = 30
    SurveyVersion.objects.update(is_active=False)
    case = case_through(State.MONITORING, worker=worker, approver=boss, arrived_days_ago=70)
    visit = visits_of(case)[0]  # due 3 months after arrival, in about 20 days
    assert 0 < (visit.due_on - TODAY()).days <= 30
    services.visit_record(actor=worker, visit=visit, done_on=TODAY(), mode="phone", answers={},
                          version=None, early_reason="ignored: not early")
    visit.refresh_from_db()
    assert (visit.status, visit.early_reason) == (MonitoringVisit.Status.DONE, "")


def test_the_window_is_a_setting(worker, just_arrived, settings):
    settings.REINTEGRATION_VISIT_WINDOW_DAYS = 400
    visit = visits_of(just_arrived)[0]
    services.visit_record(actor=worker, visit=visit, done_on=TODAY(), mode="phone", answers={},
                          version=None)
    visit.refresh_from_db()
    assert visit.status == MonitoringVisit.Status.DONE


def test_the_page_shows_the_early_error_next_to_the_date_and_keeps_what_was_typed(
        client, worker, just_arrived):
    from django.urls import reverse

    visit = visits_of(just_arrived)[0]
    client.force_login(worker)
    url = reverse("reintegration:visit_record", args=[just_arrived.pk, visit.pk])
    data = {"done_on": TODAY().isoformat(), "mode": "phone", "notes": "Met at the market"}
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["done_on"] == [str(services.MSG_VISIT_TOO_EARLY % {
        "due": formats.day(visit.due_on),
        "earliest": formats.day(visit.due_on - datetime.timedelta(days=30))})]
    html = response.content.decode()
    assert "Met at the market" in html
    # The error sits in the date field's block, not only at the top of the page.
    block = html[html.index('id="div_id_done_on"'):html.index('id="div_id_mode"')]
    assert "invalid-feedback" in block

    data["early_reason"] = "Leaves for Dakar next week"
    assert client.post(url, data).status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.early_reason) == (MonitoringVisit.Status.DONE,
                                                  "Leaves for Dakar next week")
