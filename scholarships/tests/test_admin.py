import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from scholarships import services
from scholarships.admin import MSG_WEIGHT_POSITIVE
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    CompleteApplicationFactory,
    ProgrammeFactory,
    admin_user,
    submitted_application,
)
from scholarships.models import ApplicationTransition, Call, Programme
from scholarships.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def staff(role):
    return UserFactory(username=role, is_staff=True, roles=[role])


def changelist(model_name):
    return reverse(f"admin:scholarships_{model_name}_changelist")


def change_url(obj):
    return reverse(f"admin:scholarships_{obj._meta.model_name}_change", args=[obj.pk])


def results(response):
    return list(response.context["cl"].result_list)


# --- rows for each list ------------------------------------------------------------------

def add_programmes(n):
    start = Programme.objects.count()
    for i in range(start, start + n):
        CallFactory(programme=ProgrammeFactory(name=f"Programme {i}"))


def add_calls(n):
    for _i in range(n):
        call = CallFactory()
        ApplicationFactory(call=call)


def add_applications(n):
    actor = admin_user()
    call = CallFactory()
    for i in range(n):
        if i % 2:
            application = submitted_application(call=call)
            services.application_transition(actor=actor, application=application,
                                            to=State.ELIGIBLE)
        else:
            ApplicationFactory(call=call)


def add_transitions(n):
    actor = admin_user()
    call = CallFactory()
    for _i in range(n):
        application = ApplicationFactory(call=call)
        services.application_transition(actor=actor, application=application,
                                        to=State.WITHDRAWN, reason="Changed plans")


ROWS = {
    "programme": add_programmes,
    "call": add_calls,
    "application": add_applications,
    "applicationtransition": add_transitions,
}


@pytest.mark.parametrize("model_name", list(ROWS))
def test_each_list_runs_the_same_number_of_queries_for_3_and_30_rows(admin_client, model_name):
    url = changelist(model_name)
    ROWS[model_name](3)
    admin_client.get(url)  # warm the caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(url)
    assert response.status_code == 200
    shown = len(results(response))
    ROWS[model_name](27)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(results(response)) >= shown + 27
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


@pytest.mark.parametrize("model_name", list(ROWS))
def test_each_change_page_opens(admin_client, model_name):
    ROWS[model_name](2)
    obj = results(admin_client.get(changelist(model_name)))[0]
    assert admin_client.get(change_url(obj)).status_code == 200


@pytest.mark.parametrize("role", [Role.SCHOLARSHIP_ADMIN, Role.DPO])
@pytest.mark.parametrize("model_name", list(ROWS))
def test_scholarship_staff_can_read_each_list(client, role, model_name):
    ROWS[model_name](2)
    client.force_login(staff(role))
    assert client.get(changelist(model_name)).status_code == 200


# --- calls ---------------------------------------------------------------------------------

def test_the_call_list_shows_the_sum_of_the_weights_and_the_applications(admin_client):
    call = CallFactory()  # weights 0.40 + 0.35 + 0.25
    ApplicationFactory.create_batch(2, call=call)
    response = admin_client.get(changelist("call"))
    row = results(response)[0]
    assert row.weight_total == Decimal("1.00")
    assert row.application_total == 2
    html = response.content.decode()
    assert f'{reverse("scholarships:application_list")}?call={call.pk}' in html


def test_the_call_page_shows_the_sum_of_the_weights(admin_client):
    call = CallFactory()
    html = admin_client.get(change_url(call)).content.decode()
    assert "sum of the weights" in html.lower()
    assert "1.00" in html


def test_the_call_list_filters_by_programme_and_year_and_searches_titles(admin_client):
    masters = CallFactory(title="Master's in water management", academic_year=2027)
    phd = CallFactory(programme=ProgrammeFactory(name="PhD"), title="Doctoral call",
                      academic_year=2028)
    assert results(admin_client.get(changelist("call"),
                                    {"programme__id__exact": phd.programme.pk})) == [phd]
    assert results(admin_client.get(changelist("call"), {"academic_year": 2027})) == [masters]
    assert results(admin_client.get(changelist("call"), {"q": "water"})) == [masters]


def call_form(programme, **extra):
    now = timezone.localtime()
    data = {
        "programme": programme.pk, "title_en": "Short training 2027", "slug": "short-2027",
        "academic_year": 2027, "summary_en": "Professionals of partner countries.",
        "description_en": "", "opens_at_0": now.date().isoformat(), "opens_at_1": "09:00:00",
        "closes_at_0": (now + datetime.timedelta(days=30)).date().isoformat(),
        "closes_at_1": "12:00:00", "eligible_nationalities": ["SN", "BJ"], "max_age": 40,
        "age_reference_date": "2027-10-01", "min_degree": "bachelor",
        "exclude_eu_residents": "on", "exclude_award_holders": "on",
        "reviewers_per_application": 2, "quota": 10,
        "required_documents-TOTAL_FORMS": 1, "required_documents-INITIAL_FORMS": 0,
        "required_documents-0-kind": "cv",
        "criteria-TOTAL_FORMS": 2, "criteria-INITIAL_FORMS": 0,
        "criteria-0-order": 0, "criteria-0-name": "Relevance", "criteria-0-weight": "0.6",
        "criteria-0-scale_max": 5, "criteria-0-description": "",
        "criteria-1-order": 1, "criteria-1-name": "Motivation", "criteria-1-weight": "0.4",
        "criteria-1-scale_max": 5, "criteria-1-description": "",
    }
    data.update(extra)
    return data


def test_a_call_is_published_with_its_documents_and_rubric(admin_client):
    programme = ProgrammeFactory()
    response = admin_client.post(reverse("admin:scholarships_call_add"), call_form(programme))
    assert response.status_code == 302, response.context["adminform"].form.errors
    call = Call.objects.get(slug="short-2027")
    assert [d.kind for d in call.required_documents.all()] == ["cv"]
    assert sum(c.weight for c in call.criteria.all()) == Decimal("1.0")
    assert {c.code for c in call.eligible_nationalities} == {"SN", "BJ"}
    assert call.history.count() == 1


@pytest.mark.parametrize("weight", ["0", "-0.5"])
def test_a_criterion_weight_must_be_positive(admin_client, weight):
    programme = ProgrammeFactory()
    response = admin_client.post(reverse("admin:scholarships_call_add"),
                                 call_form(programme, **{"criteria-1-weight": weight}))
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"]
                   if f.formset.prefix == "criteria").formset
    assert formset.errors[1]["weight"] == [str(MSG_WEIGHT_POSITIVE)]
    assert not Call.objects.filter(slug="short-2027").exists()


def test_a_view_only_user_cannot_revert_a_call(client):
    call = CallFactory(title="Before")
    call.title = "After"
    call.save()
    old = call.history.order_by("history_date").first()
    client.force_login(staff(Role.DPO))
    url = reverse("admin:scholarships_call_simple_history", args=[call.pk, old.history_id])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.post(url, call_form(call.programme, title_en="Before", slug=call.slug)
                       ).status_code == 403
    call.refresh_from_db()
    assert call.title == "After"


def test_the_call_history_page_opens(admin_client):
    call = CallFactory()
    assert admin_client.get(reverse("admin:scholarships_call_history", args=[call.pk])
                            ).status_code == 200


# --- applications --------------------------------------------------------------------------

def test_an_application_is_read_only_in_the_admin(admin_client):
    application = CompleteApplicationFactory()
    response = admin_client.get(change_url(application))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="highest_degree"' not in html
    assert reverse("scholarships:application_view", args=[application.pk]) in html
    for document in application.documents.all():
        assert reverse("scholarships:document_download",
                       args=[application.pk, document.pk]) in html
    for referee in application.referees.all():
        assert referee.email in html
    assert admin_client.post(change_url(application), {"motivation": "changed"}
                             ).status_code == 403
    assert admin_client.get(reverse("admin:scholarships_application_add")).status_code == 403
    assert admin_client.get(reverse("admin:scholarships_application_delete",
                                    args=[application.pk])).status_code == 403


def test_the_application_page_shows_the_audit_trail(admin_client):
    application = ApplicationFactory()
    services.application_transition(actor=admin_user(username="registrar"),
                                    application=application, to=State.WITHDRAWN,
                                    reason="Found another scholarship")
    html = admin_client.get(change_url(application)).content.decode()
    assert "registrar" in html and "Found another scholarship" in html


def test_the_application_list_filters_by_call_and_state(admin_client):
    add_applications(4)
    call = Call.objects.get()
    other = ApplicationFactory()
    listed = results(admin_client.get(changelist("application"), {"state__exact": "eligible"}))
    assert {a.state for a in listed} == {State.ELIGIBLE} and len(listed) == 2
    listed = results(admin_client.get(changelist("application"),
                                      {"call__id__exact": other.call.pk}))
    assert listed == [other]
    assert call.pk != other.call.pk


@pytest.mark.parametrize("term", ["SCH-2027-00042", "keita sekou", "Keïta"])
def test_the_application_list_searches_references_and_folded_names(admin_client, term):
    wanted = ApplicationFactory(
        applicant=PersonFactory(given_names="Sékou", family_name="Keïta"),
        state=State.SUBMITTED, reference="SCH-2027-00042", submitted_at=timezone.now())
    ApplicationFactory(applicant=PersonFactory(given_names="Awa", family_name="Ndiaye"))
    assert results(admin_client.get(changelist("application"), {"q": term})) == [wanted]


def test_the_application_list_finds_the_applications_of_a_person_by_reference(admin_client):
    wanted = ApplicationFactory()
    ApplicationFactory()
    response = admin_client.get(changelist("application"),
                                {"q": wanted.applicant.reference})
    assert results(response) == [wanted]


def test_transitions_are_read_only(admin_client):
    add_transitions(1)
    transition = ApplicationTransition.objects.get()
    assert admin_client.get(reverse("admin:scholarships_applicationtransition_add")
                            ).status_code == 403
    response = admin_client.get(change_url(transition))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


# --- the application rows, written by common.admin_list ---------------------------

@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("query", [{}, {"state__exact": "submitted", "o": "-5"}])
def test_the_application_rows_are_the_admins_own(language, query):
    from django.contrib import admin

    from common.tests.admin_rows import assert_rows_as_django_draws_them
    from scholarships.models import Application

    ApplicationFactory()  # a draft: no reference yet
    submitted_application()
    submitted_application()
    assert_rows_as_django_draws_them(
        admin.site._registry[Application], changelist("application"), query, language)


def test_the_application_list_links_each_row_and_offers_the_bulk_actions(admin_client):
    application = submitted_application()
    response = admin_client.get(changelist("application"), {"state__exact": "submitted"})
    html = response.content.decode()
    change = reverse("admin:scholarships_application_change", args=[application.pk])
    assert f'href="{change}?_changelist_filters=state__exact%3Dsubmitted"' in html
    assert (f'<input type="checkbox" name="_selected_action" value="{application.pk}" '
            f'class="action-select" aria-label="Select this object for an action - '
            f'{application}">') in html
    assert 'value="confirm_eligibility"' in html


def test_above_the_count_limit_the_application_list_names_no_false_total(
        admin_client, settings, monkeypatch):
    from django.contrib import admin

    from scholarships.models import Application

    settings.LIST_COUNT_LIMIT = 3
    monkeypatch.setattr(admin.site._registry[Application], "list_per_page", 2)
    for _ in range(5):
        submitted_application()
    html = admin_client.get(changelist("application"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "more than 3 applications" in html
    # "Select all" runs the action on every matching application: it names no number.
    assert "Select all applications (more than 3)" in html
    assert "Select all 4 applications" not in html
    settings.LIST_COUNT_LIMIT = 1000
    html = admin_client.get(changelist("application"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "5 applications" in html and "Select all 5 applications" in html
