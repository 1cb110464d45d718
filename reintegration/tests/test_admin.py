"""The reintegration models in the Django admin: configuration an
administrator edits (teams, ceilings, the survey while unused), case records
read only and scoped like the workspace, every list in a fixed number of
queries."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from registry.factories import UserFactory
from reintegration.admin import MSG_NOT_SUPERVISOR
from reintegration.factories import case_through, caseworker
from reintegration.models import BudgetCeiling, Question, SurveyVersion, Team
from reintegration.services import plans
from reintegration.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def changelist(model):
    return reverse(f"admin:reintegration_{model._meta.model_name}_changelist")


def test_every_reintegration_model_is_in_the_admin_with_search_filters_and_joins():
    for model in apps.get_app_config("reintegration").get_models():
        if model.__name__.startswith("Historical"):
            continue
        assert model in admin.site._registry, model
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields, model
        assert model_admin.list_filter, model
        assert model_admin.list_select_related is not False, model


def test_every_changelist_opens_for_a_superuser(client, root, worker, boss):
    case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss)
    for model in apps.get_app_config("reintegration").get_models():
        if model.__name__.startswith("Historical"):
            continue
        response = client.get(changelist(model))
        assert response.status_code == 200, model


@pytest.mark.parametrize("model_name", ["case", "delivery", "monitoringvisit", "casetransition"])
def test_case_lists_run_the_same_number_of_queries_for_few_and_many_cases(
        client, root, worker, boss, model_name):
    url = reverse(f"admin:reintegration_{model_name}_changelist")
    case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _i in range(4):
        case_through(State.ASSISTANCE_IN_PROGRESS, worker=worker, approver=boss)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_case_records_are_read_only_in_the_admin(client, root, worker, boss):
    case = case_through(State.INTAKE, worker=worker, approver=boss)
    response = client.get(reverse("admin:reintegration_case_change", args=[case.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.get(reverse("admin:reintegration_case_add")).status_code == 403


def test_a_staff_caseworker_sees_only_their_own_cases_in_the_admin(client, worker, boss):
    from reintegration.factories import supervisor_of
    from reintegration.models import Case

    mine = case_through(State.INTAKE, worker=worker, approver=boss)
    other = caseworker()
    theirs = case_through(State.INTAKE, worker=other, approver=supervisor_of(other).supervisor)
    worker.is_staff = True
    worker.save()
    client.force_login(worker)
    assert client.get(changelist(Team)).status_code == 200  # configuration: read only
    assert list(client.get(changelist(Case)).context["cl"].result_list) == [mine]
    assert client.get(reverse("admin:reintegration_case_change",
                              args=[theirs.pk])).status_code == 302  # "does not exist"
    assert theirs.reference not in client.get(
        reverse("admin:reintegration_casetransition_changelist")).content.decode()


def test_the_dpo_reads_every_case_in_the_admin(client, worker, boss):
    case = case_through(State.INTAKE, worker=worker, approver=boss)
    client.force_login(UserFactory(roles=[Role.DPO], is_staff=True))
    from reintegration.models import Case

    response = client.get(changelist(Case))
    assert list(response.context["cl"].result_list) == [case]


def test_an_administrator_edits_a_ceiling_and_plans_use_it(client, root, worker, boss):
    row = BudgetCeiling.objects.get(household_size=1)
    response = client.post(reverse("admin:reintegration_budgetceiling_change", args=[row.pk]),
                           {"household_size": 1, "amount": "2500.00"})
    assert response.status_code == 302
    case = case_through(State.RETURNED, worker=worker, approver=boss)
    assert plans.plan_ceiling(case).total == Decimal("2500.00")
    change = row.history.first()  # the change is kept, with who made it
    assert (change.amount, change.history_user) == (Decimal("2500.00"), root)


def test_a_team_needs_a_supervisor_with_the_role(client, root, worker):
    not_a_supervisor = caseworker()
    response = client.post(reverse("admin:reintegration_team_add"), {
        "name": "Liège desk", "supervisor": not_a_supervisor.pk, "caseworkers": [worker.pk]})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["supervisor"] == [
        MSG_NOT_SUPERVISOR % {"user": not_a_supervisor.get_username()}]
    boss = UserFactory(roles=[Role.SUPERVISOR])
    response = client.post(reverse("admin:reintegration_team_add"), {
        "name": "Liège desk", "supervisor": boss.pk, "caseworkers": [worker.pk]})
    assert response.status_code == 302
    assert list(Team.objects.get(name="Liège desk").caseworkers.all()) == [worker]


def test_a_survey_version_in_use_is_read_only(client, root, worker, boss):
    from reintegration.services import monitoring

    version = SurveyVersion.objects.get(number=1)
    question = version.questions.first()
    url = reverse("admin:reintegration_question_change", args=[question.pk])
    assert 'name="_save"' in client.get(url).content.decode()  # unused: editable

    case = case_through(State.MONITORING, worker=worker, approver=boss, arrived_days_ago=100)
    answers = {q.pk: q.options.first().pk for q in version.questions.all()}
    monitoring.visit_record(actor=worker, visit=case.visits.order_by("due_on").first(),
                            done_on=datetime.date.today(), mode="phone", answers=answers)

    assert 'name="_save"' not in client.get(url).content.decode()
    before = question.weight
    client.post(url, {"version": version.pk, "dimension": question.dimension,
                      "text": question.text, "weight": "9.00", "order": question.order})
    assert Question.objects.get(pk=question.pk).weight == before
    page = client.get(reverse("admin:reintegration_surveyversion_change", args=[version.pk]))
    assert page.status_code == 200
    assert "questions-0-weight" not in page.content.decode()


def test_history_pages_show_only_records_the_user_may_see(client, worker, boss):
    """simple_history would fall back to the historical rows of a record the
    user's list leaves out; the admin answers 404 instead."""
    from reintegration.factories import supervisor_of
    from reintegration.models import Vulnerability
    from reintegration.services import records

    other = caseworker()
    theirs = case_through(State.INTAKE, worker=other, approver=supervisor_of(other).supervisor)
    secret = records.vulnerability_save(actor=other, case=theirs, kind="trafficking",
                                        notes="Owes the network")
    note = records.note_add(actor=other, case=theirs, text="Hidden in Liège",
                            is_confidential=True)
    urls = [reverse("admin:reintegration_case_history", args=[theirs.pk]),
            reverse("admin:reintegration_vulnerability_history", args=[secret.pk]),
            reverse("admin:reintegration_casenote_history", args=[note.pk])]
    worker.is_staff = True
    worker.save()
    client.force_login(worker)
    for url in urls:
        assert client.get(url).status_code == 404, url
    # A superuser reads the case's history, not the special category records'.
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(urls[0]).status_code == 200
    for url in urls[1:]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Owes the network" not in response.content
    # The data protection officer reads them.
    client.force_login(UserFactory(roles=[Role.DPO], is_staff=True))
    for url in urls:
        assert client.get(url).status_code == 200, url
    # Deleted, a vulnerability's history is shown to nobody (simple_history
    # would rebuild the record from its historical rows).
    secret_pk = secret.pk
    records.vulnerability_remove(actor=other, vulnerability=secret)
    assert Vulnerability.history.filter(id=secret_pk).exists()
    assert client.get(urls[1]).status_code == 404


def test_nothing_is_reverted_from_a_history_page(client, root, worker, boss):
    from reintegration.services import records

    case = case_through(State.INTAKE, worker=worker, approver=boss)
    note = records.note_add(actor=worker, case=case, text="First version")
    records.note_edit(actor=worker, note=note, text="Second version", is_confidential=False)
    first = note.history.earliest("history_date")
    url = reverse("admin:reintegration_casenote_simple_history",
                  args=[note.pk, first.history_id])
    assert client.post(url, {"text": "First version"}).status_code == 403
    note.refresh_from_db()
    assert note.text == "Second version"
