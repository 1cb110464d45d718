"""The case page and the team page at their cost (issue 14): fixed query
counts, the timeline cut to its latest notes with a link to the whole of it,
and the quick visit form drawn once for the day yet always the survey in use,
by the same template as the visit page."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reintegration.factories import case_through
from reintegration.models import AnswerOption, Question, SurveyVersion
from reintegration.services import plans, records
from reintegration.views.cases import TIMELINE_NOTES
from reintegration.workflow import State

pytestmark = pytest.mark.django_db

# The user, the case, its members, notes, state changes, assignments, plan
# (with its lines, deliveries and decisions), visits, vulnerabilities, identity
# documents, the registry household, the reminders, the budget ceiling, the
# survey of the quick visit form (one query, three before), the read log. A
# case with a partner organisation adds the partner's consent.
CASE_PAGE_QUERIES = 18
# The user, the filter's partners and caseworkers, the plans waiting, the
# count and the page of cases, the team with its counts (one query, two
# before), the read log.
TEAM_PAGE_QUERIES = 8


def get(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response, queries


def radios(html):
    return re.findall(r'<input type="radio" name="([^"]+)" value="([^"]*)"', html)


def labels(html):
    return re.findall(r'<label for="([^"]+)"[^>]*>([^<]*)<', html)


def survey(number, questions):
    """An active survey version: {question text: [answer texts]}."""
    SurveyVersion.objects.update(is_active=False)
    version = SurveyVersion.objects.create(number=number, title=f"Survey v{number}")
    for order, (text, answers) in enumerate(questions.items()):
        question = Question.objects.create(version=version, dimension="economic", text=text,
                                           weight=Decimal("1"), order=order)
        for rank, answer in enumerate(answers):
            AnswerOption.objects.create(question=question, text=answer, score=Decimal("1"),
                                        order=rank)
    return version


@pytest.fixture
def monitored(worker, boss):
    return case_through(State.MONITORING, worker=worker, approver=boss, arrived_days_ago=200)


def test_the_case_page_runs_a_fixed_number_of_queries(client, worker, monitored):
    client.force_login(worker)
    client.get(monitored.get_absolute_url())
    response, queries = get(client, monitored.get_absolute_url())
    assert 'id="quick-visit"' in response.content.decode()
    assert len(queries) == CASE_PAGE_QUERIES, "\n".join(
        q["sql"][:120] for q in queries.captured_queries)


def test_the_timeline_shows_the_latest_notes_and_links_to_all_of_them(
        client, worker, monitored):
    for i in range(TIMELINE_NOTES + 2):
        records.note_add(actor=worker, case=monitored, text=f"Diary entry {i:03d}")
    client.force_login(worker)
    response, _queries = get(client, monitored.get_absolute_url())
    html = response.content.decode()
    assert f"Diary entry {TIMELINE_NOTES + 1:03d}" in html and "Diary entry 002" in html
    assert "Diary entry 000" not in html and "Diary entry 001" not in html
    assert f"Show the whole timeline ({TIMELINE_NOTES + 2} notes)" in html
    # What happened before the oldest note shown waits for the whole timeline.
    assert "Opened by" not in html.split('id="notes-title"')[1].split("</ol>")[0]

    response, _queries = get(client, monitored.get_absolute_url(), {"timeline": "all"})
    html = response.content.decode()
    assert "Diary entry 000" in html and "Show the whole timeline" not in html
    assert "Opened by" in html


def test_the_quick_visit_form_is_the_visit_page_s_form_and_follows_the_survey(
        client, worker, monitored):
    survey(40, {"Does the stall earn enough?": ["Yes", "Partly", "No"]})
    client.force_login(worker)
    visit = monitored.visits.order_by("due_on").filter(status="planned").first()
    html = get(client, monitored.get_absolute_url())[0].content.decode()
    question = Question.objects.get(version__number=40)
    quick = html.split('id="quick-visit"')[1].split("</form>")[0]
    assert "Does the stall earn enough?" in quick
    for option in question.options.all():
        assert f'name="q{question.pk}" value="{option.pk}"' in quick
    page = get(client, reverse("reintegration:visit_record",
                               args=[monitored.pk, visit.pk]))[0].content.decode()
    form = page.split('<form method="post"')[1].split("</form>")[0]
    # One template draws both: the same questions, answers and labels.
    assert radios(quick) == radios(form) and len(radios(quick)) > 3
    assert labels(quick) == labels(form)

    # The question changed while no survey used it: the case page says so at once.
    question.text = "Does the business earn enough?"
    question.save()
    AnswerOption.objects.filter(question=question, order=1).update(text="Some months")
    html = get(client, monitored.get_absolute_url())[0].content.decode()
    assert "Does the business earn enough?" in html and "Some months" in html
    assert "Does the stall earn enough?" not in html


def test_the_visit_page_marks_a_field_in_error(client, worker, monitored):
    visit = monitored.visits.order_by("due_on").filter(status="planned").first()
    client.force_login(worker)
    url = reverse("reintegration:visit_record", args=[monitored.pk, visit.pk])
    response = client.post(url, {"done_on": "", "mode": "phone", "notes": "Kept"})
    html = response.content.decode()
    block = html[html.index('id="div_id_done_on"'):html.index('id="div_id_mode"')]
    assert "is-invalid" in block and "invalid-feedback" in block
    assert "Kept" in html
    assert re.search(r'name="mode" value="phone"[^>]* checked', html)
    response = client.post(url, {"done_on": "", "notes": "Kept"})
    block = response.content.decode().split('id="div_id_mode"')[1].split("</fieldset>")[0]
    assert 'class="form-check-input is-invalid"' in block and "invalid-feedback" in block


def test_the_team_page_runs_a_fixed_number_of_queries(client, worker, team, boss):
    def submitted(state):
        case = case_through(state, worker=worker, approver=boss)
        plan = plans.plan_start(actor=worker, case=case)
        plans.line_add(actor=worker, plan=plan, category="housing", description="Rent",
                       amount=Decimal("300"))
        plans.plan_submit(actor=worker, plan=plan)
        return case

    ready = submitted(State.RETURNED)
    client.force_login(boss)
    client.get(reverse("reintegration:team"))
    response, queries = get(client, reverse("reintegration:team"))
    assert response.context["awaiting"] == [ready]
    assert ready.principal.full_name in response.content.decode()
    assert len(queries) == TEAM_PAGE_QUERIES, "\n".join(
        q["sql"][:120] for q in queries.captured_queries)


def test_a_confidential_note_is_logged_as_read_when_the_timeline_shows_it(
        client, worker, monitored):
    """The read of restricted data is recorded when the page shows it: a
    confidential note past the timeline's cut is not on the page (nothing
    recorded), and it is with the whole timeline (one record)."""
    from reintegration.models import SensitiveAccess

    records.note_add(actor=worker, case=monitored, text="Zqx confidential",
                     is_confidential=True)
    for i in range(TIMELINE_NOTES):
        records.note_add(actor=worker, case=monitored, text=f"Diary entry {i:03d}")
    client.force_login(worker)
    reads = SensitiveAccess.objects.filter(user=worker, case=monitored)
    response, _queries = get(client, monitored.get_absolute_url())
    assert "Zqx confidential" not in response.content.decode()
    assert reads.count() == 0
    response, _queries = get(client, monitored.get_absolute_url(), {"timeline": "all"})
    assert "Zqx confidential" in response.content.decode()
    assert reads.count() == 1
