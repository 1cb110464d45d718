"""The applicant's portal: the list of my applications, starting one, the
form's steps, the read-only summary and withdrawing; and that nobody opens
another applicant's application."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from accounts.roles import Role
from registry.factories import OrganisationFactory, PersonFactory, UserFactory
from registry.models import Person
from scholarships import services
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    CompleteApplicationFactory,
    RefereeFactory,
    admin_user,
)
from scholarships.forms import steps as step_forms
from scholarships.models import Application, Degree, LanguageLevel
from scholarships.steps import SAVED_STEPS
from scholarships.views import portal
from scholarships.workflow import NEXT_STEP, State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

BRUSSELS = ZoneInfo("Europe/Brussels")

LONG_ENOUGH = ("I want to study rural development to help the farmers' cooperatives of my "
               "region plan their harvests and reach the markets of Dakar. ") * 3


def make_applicant(**kwargs) -> Person:
    user = UserFactory(roles=[Role.APPLICANT])
    defaults = {"given_names": "Aminata", "family_name": "Diallo", "country": "SN",
                "birth_date": datetime.date(1996, 3, 12), "preferred_language": "en"}
    return PersonFactory(user=user, **{**defaults, **kwargs})


@pytest.fixture
def applicant(client) -> Person:
    person = make_applicant()
    client.force_login(person.user)
    return person


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def step_url(application, slug) -> str:
    return reverse("scholarships:application_step", args=[application.pk, slug])


def education_data(**overrides) -> dict:
    data = {"highest_degree": Degree.BACHELOR, "degree_title": "Licence en agronomie",
            "degree_institution": "Université Cheikh Anta Diop", "degree_country": "SN",
            "degree_year": "2019", "continue": "1"}
    return {**data, **overrides}


def personal_data(person, **overrides) -> dict:
    data = {"given_names": "Aminata", "family_name": "Diallo Sow", "birth_date": "1996-03-12",
            "birth_date_precision": "day", "sex": "female", "nationalities": ["SN", "GN"],
            "country_of_residence": "SN", "phone": "+221 77 123 45 67",
            "preferred_language": "fr", "continue": "1"}
    return {**data, **overrides}


def submitted(person) -> Application:
    application = CompleteApplicationFactory(applicant=person)
    return services.application_submit(actor=person.user, application=application)


# --- nobody opens another applicant's application ----------------------------------------

def test_no_portal_page_opens_another_applicants_application(client, applicant):
    others = [ApplicationFactory(applicant=make_applicant(given_names="Grâce", country="CD")),
              submitted(make_applicant(given_names="Abebe", country="ET"))]
    for other in others:
        before = (other.state, other.steps_done, other.motivation)
        urls = [reverse("scholarships:application_detail", args=[other.pk]),
                reverse("scholarships:application_withdraw", args=[other.pk]),
                *[step_url(other, slug) for slug in SAVED_STEPS]]
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"motivation": LONG_ENOUGH, "reason": "x",
                                     "continue": "1"}).status_code == 404, url
        other.refresh_from_db()
        assert (other.state, other.steps_done, other.motivation) == before


def test_portal_pages_send_anonymous_visitors_to_the_login_page(client):
    application = ApplicationFactory()
    for url in [reverse("scholarships:my_applications"),
                reverse("scholarships:application_detail", args=[application.pk]),
                reverse("scholarships:application_withdraw", args=[application.pk]),
                reverse("scholarships:application_start", args=[application.call.slug]),
                step_url(application, "education")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_unknown_step_is_not_found(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    assert client.get(step_url(application, "hobbies")).status_code == 404


def test_steps_with_pages_of_their_own_redirect_there(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.get(step_url(application, "documents"))
    assert response["Location"] == reverse("scholarships:documents_step", args=[application.pk])


# --- my applications ---------------------------------------------------------------------

def test_my_applications_shows_state_next_step_deadline_and_links(client, applicant):
    draft = ApplicationFactory(applicant=applicant)
    done = submitted(applicant)
    response = client.get(reverse("scholarships:my_applications"))
    content = response.content.decode()
    assert response.status_code == 200
    assert escape(str(NEXT_STEP[State.DRAFT])) in content
    assert escape(str(NEXT_STEP[State.SUBMITTED])) in content
    assert str(State.SUBMITTED.label) in content
    assert done.reference in content
    assert step_url(draft, "personal") in content  # continue where the draft stops
    assert reverse("scholarships:application_detail", args=[done.pk]) in content
    assert reverse("scholarships:application_withdraw", args=[draft.pk]) in content
    assert reverse("scholarships:call_list") in content
    deadline = date_format(timezone.localtime(draft.call.closes_at, BRUSSELS), "j F Y, H:i")
    assert deadline in content
    assert "(Brussels time)" in content


def test_my_applications_offers_no_withdraw_after_a_final_decision(client, applicant):
    application = submitted(applicant)
    services.application_transition(actor=admin_user(), application=application,
                                    to=State.INELIGIBLE, reason="Diploma not recognised")
    content = client.get(reverse("scholarships:my_applications")).content.decode()
    assert reverse("scholarships:application_withdraw", args=[application.pk]) not in content
    assert escape(str(NEXT_STEP[State.INELIGIBLE])) in content


def test_my_applications_without_a_registry_person_explains(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    response = client.get(reverse("scholarships:my_applications"))
    assert response.status_code == 200
    assert escape(str(portal.MSG_NO_PERSON)) in response.content.decode()


def test_my_applications_query_count_does_not_grow_with_rows(client, applicant):
    ApplicationFactory(applicant=applicant)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("scholarships:my_applications")).status_code == 200
        return len(queries)

    count()  # warm the caches (session, roles and permissions)
    one = count()
    ApplicationFactory.create_batch(4, applicant=applicant)
    CompleteApplicationFactory.create_batch(3, applicant=applicant)
    submitted(applicant)
    RefereeFactory(application=ApplicationFactory(applicant=applicant))
    assert Application.objects.filter(applicant=applicant).count() == 10
    assert count() == one


# --- starting ------------------------------------------------------------------------------

def test_start_opens_a_draft_and_goes_to_the_first_step(client, applicant):
    call = CallFactory()
    assert client.get(reverse("scholarships:application_start", args=[call.slug])
                      ).status_code == 200
    response = client.post(reverse("scholarships:application_start", args=[call.slug]))
    application = Application.objects.get(call=call, applicant=applicant)
    assert application.state == State.DRAFT
    assert response["Location"] == step_url(application, "personal")


def test_start_again_continues_the_same_draft_at_its_first_incomplete_step(client, applicant):
    application = ApplicationFactory(applicant=applicant, steps_done=["personal", "education"])
    response = client.post(reverse("scholarships:application_start",
                                   args=[application.call.slug]))
    assert response["Location"] == step_url(application, "employment")
    assert Application.objects.filter(applicant=applicant).count() == 1


def test_start_on_a_closed_call_says_so_and_opens_nothing(client, applicant):
    call = CallFactory(opens_at=timezone.now() - datetime.timedelta(days=40),
                       closes_at=timezone.now() - datetime.timedelta(days=1))
    url = reverse("scholarships:application_start", args=[call.slug])
    assert escape(str(services.MSG_CALL_NOT_OPEN)) in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert escape(str(services.MSG_CALL_NOT_OPEN)) in response.content.decode()
    assert not Application.objects.filter(call=call).exists()


def test_start_without_a_registry_person_explains(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    call = CallFactory()
    response = client.post(reverse("scholarships:application_start", args=[call.slug]))
    assert response.status_code == 200
    assert escape(str(portal.MSG_NO_PERSON)) in response.content.decode()
    assert not Application.objects.exists()


# --- the steps ------------------------------------------------------------------------------

def test_every_step_shows_the_progress(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    for slug in SAVED_STEPS:
        response = client.get(step_url(application, slug))
        assert response.status_code == 200
        assert response.context["current_step"] == slug
        assert 'aria-current="step"' in response.content.decode()


def test_saving_a_step_marks_it_done_and_goes_to_the_next(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "education"), education_data())
    assert response["Location"] == step_url(application, "employment")
    application.refresh_from_db()
    assert application.degree_title == "Licence en agronomie"
    assert application.degree_year == 2019
    assert "education" in application.steps_done
    progress = client.get(step_url(application, "employment")).context["progress"]
    assert {item["slug"]: item["done"] for item in progress}["education"] is True


def test_missing_year_is_shown_beside_the_field_and_the_rest_is_kept(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "education"), education_data(degree_year=""))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["degree_year"] == [str(step_forms.MSG_REQUIRED)]
    content = response.content.decode()
    assert 'id="error_1_id_degree_year"' in content
    assert 'value="Licence en agronomie"' in content
    application.refresh_from_db()
    assert application.degree_title == "" and "education" not in application.steps_done


def test_too_short_motivation_is_refused_with_the_text_kept(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    text = "Je veux apprendre pour aider ma région."
    response = client.post(step_url(application, "motivation"),
                           {"motivation": text, "continue": "1"})
    assert response.status_code == 200
    expected = step_forms.MSG_MOTIVATION_TOO_SHORT % {"min": 300, "count": len(text)}
    assert response.context["form"].errors["motivation"] == [str(expected)]
    assert escape(text) in response.content.decode()
    assert "motivation" not in Application.objects.get(pk=application.pk).steps_done


def test_too_long_motivation_is_refused_but_never_cut(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "motivation"),
                           {"motivation": "a" * 5001, "continue": "1"})
    assert "motivation" in response.context["form"].errors
    assert "maxlength" not in response.content.decode()
    assert "a" * 5001 in response.content.decode()


def test_motivation_of_the_right_length_completes_the_step(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    client.post(step_url(application, "motivation"), {"motivation": LONG_ENOUGH,
                                                      "continue": "1"})
    application.refresh_from_db()
    assert application.motivation == LONG_ENOUGH.strip()
    assert "motivation" in application.steps_done


def test_save_as_draft_keeps_an_unfinished_step_without_completing_it(client, applicant):
    application = ApplicationFactory(applicant=applicant, steps_done=["motivation"],
                                     motivation=LONG_ENOUGH)
    response = client.post(step_url(application, "motivation"),
                           {"motivation": "Première idée, à compléter.", "draft": "1"})
    assert response["Location"] == step_url(application, "motivation")
    assert str(portal.MSG_SAVED_AS_DRAFT) in messages_of(response)
    application.refresh_from_db()
    assert application.motivation == "Première idée, à compléter."
    assert "motivation" not in application.steps_done


def test_save_as_draft_of_a_finished_step_completes_it_and_stays(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "education"), education_data(
        draft="1", **{"continue": ""}))
    assert response["Location"] == step_url(application, "education")
    application.refresh_from_db()
    assert "education" in application.steps_done


def test_save_as_draft_still_refuses_malformed_answers(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "education"),
                           {"degree_title": "Licence", "degree_year": "deux mille",
                            "draft": "1"})
    assert response.status_code == 200
    assert "degree_year" in response.context["form"].errors
    assert 'value="Licence"' in response.content.decode()
    application.refresh_from_db()
    assert application.degree_title == ""


def test_employment_is_optional_but_experience_cannot_be_negative(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "employment"),
                           {"years_of_experience": "-2", "continue": "1"})
    assert response.context["form"].errors["years_of_experience"] == [
        str(step_forms.MSG_EXPERIENCE_NEGATIVE)]
    client.post(step_url(application, "employment"), {"continue": "1"})
    application.refresh_from_db()
    assert "employment" in application.steps_done


def test_study_plan_offers_only_the_calls_host_institutions_and_a_future_start(client,
                                                                               applicant):
    application = ApplicationFactory(applicant=applicant)
    host = application.call.host_institutions.get()
    elsewhere = OrganisationFactory(name="Université de Kinshasa", country="CD")
    form = client.get(step_url(application, "study-plan")).context["form"]
    assert list(form.fields["host_institution"].queryset) == [host]
    data = {"host_institution": elsewhere.pk, "study_programme": "MSc Rural Development",
            "planned_start": timezone.localdate().isoformat(), "duration_months": "24",
            "continue": "1"}
    response = client.post(step_url(application, "study-plan"), data)
    errors = response.context["form"].errors
    assert "host_institution" in errors
    # Today is before the call's academic year: the field says which dates it takes.
    assert errors["planned_start"][0].startswith("This call is for the academic year")
    start = datetime.date(application.call.academic_year, 9, 15)
    client.post(step_url(application, "study-plan"),
                {**data, "host_institution": host.pk, "planned_start": start.isoformat()})
    application.refresh_from_db()
    assert application.host_institution == host and application.planned_start == start
    assert "study-plan" in application.steps_done


def test_languages_need_english_or_french(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "languages"), {
        "english_level": LanguageLevel.NONE, "french_level": "", "dutch_level": "B2",
        "continue": "1"})
    assert response.context["form"].errors["english_level"] == [
        str(step_forms.MSG_LANGUAGE_NEEDED)]
    client.post(step_url(application, "languages"), {
        "english_level": LanguageLevel.NONE, "french_level": LanguageLevel.C1,
        "continue": "1"})
    application.refresh_from_db()
    assert application.french_level == LanguageLevel.C1
    assert "languages" in application.steps_done


def test_personal_step_saves_the_person_and_marks_the_step(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "personal"), personal_data(applicant))
    assert response["Location"] == step_url(application, "education")
    applicant.refresh_from_db()
    assert applicant.family_name == "Diallo Sow"
    assert {c.code for c in applicant.nationalities} == {"SN", "GN"}
    assert str(applicant.phone) == "+221771234567"
    application.refresh_from_db()
    assert "personal" in application.steps_done


def test_personal_step_needs_birth_date_and_nationality(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = client.post(step_url(application, "personal"), personal_data(
        applicant, birth_date="", nationalities=[]))
    errors = response.context["form"].errors
    assert errors["birth_date"] == [str(step_forms.MSG_REQUIRED)]
    assert errors["nationalities"] == [str(step_forms.MSG_REQUIRED)]
    assert 'value="Diallo Sow"' in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.family_name == "Diallo"


def test_personal_step_asks_for_sex_rather_than_assuming_it(client, applicant):
    applicant.sex = Person.Sex.UNKNOWN
    applicant.save()
    application = ApplicationFactory(applicant=applicant)
    form = client.get(step_url(application, "personal")).context["form"]
    assert form["sex"].value() == ""
    response = client.post(step_url(application, "personal"), personal_data(applicant, sex=""))
    assert response.context["form"].errors["sex"] == [str(step_forms.MSG_SEX_REQUIRED)]


# --- after submission ---------------------------------------------------------------------

def test_after_submission_steps_are_read_only(client, applicant):
    application = submitted(applicant)
    for slug in SAVED_STEPS:
        response = client.get(step_url(application, slug))
        assert response.status_code == 200
        assert response.context["form"] is None
        content = response.content.decode()
        assert escape(str(services.MSG_NOT_EDITABLE)) in content
        assert 'name="continue"' not in content
    content = client.get(step_url(application, "education")).content.decode()
    assert "BSc Agronomy" in content


def test_after_submission_a_step_post_is_refused(client, applicant):
    application = submitted(applicant)
    response = client.post(step_url(application, "education"),
                           education_data(degree_title="Changed"))
    assert str(services.MSG_NOT_EDITABLE) in messages_of(response)
    application.refresh_from_db()
    assert application.degree_title == "BSc Agronomy"
    response = client.post(step_url(application, "personal"), personal_data(applicant))
    assert str(services.MSG_NOT_EDITABLE) in messages_of(response)
    applicant.refresh_from_db()
    assert applicant.family_name == "Diallo"


def test_personal_data_submitted_is_shown_as_submitted(client, applicant):
    application = submitted(applicant)
    applicant.family_name = "Ndiaye"
    applicant.save()
    content = client.get(step_url(application, "personal")).content.decode()
    assert "Diallo" in content and "Ndiaye" not in content


# --- reading an application ----------------------------------------------------------------

def test_detail_of_a_submitted_application(client, applicant):
    application = submitted(applicant)
    referee = application.referees.first()
    referee.letter_received_at = timezone.now()
    referee.letter = "references/secret-letter"
    referee.save()
    response = client.get(reverse("scholarships:application_detail", args=[application.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert application.reference in content
    assert escape(str(NEXT_STEP[State.SUBMITTED])) in content
    assert "BSc Agronomy" in content
    for doc in application.documents.all():
        assert reverse("scholarships:document_download", args=[application.pk, doc.pk]) in content
    assert "Letter received: yes" in content and "Letter received: not yet" in content
    assert "secret-letter" not in content
    assert str(State.SUBMITTED.label) in content  # in the history too
    assert 'name="continue"' not in content


def test_detail_of_a_draft_shows_what_is_there_with_links_to_change_it(client, applicant):
    application = ApplicationFactory(applicant=applicant, degree_title="Licence en économie")
    content = client.get(reverse("scholarships:application_detail",
                                 args=[application.pk])).content.decode()
    assert "Licence en économie" in content
    assert step_url(application, "education") in content


# --- withdrawing ----------------------------------------------------------------------------

def test_withdraw_a_draft(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    url = reverse("scholarships:application_withdraw", args=[application.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "I got a place elsewhere."})
    assert response["Location"] == reverse("scholarships:my_applications")
    assert str(portal.MSG_WITHDRAWN) in messages_of(response)
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN
    transition = application.transitions.get()
    assert transition.reason == "I got a place elsewhere."
    assert transition.actor == applicant.user


def test_withdraw_a_submitted_application(client, applicant):
    application = submitted(applicant)
    client.post(reverse("scholarships:application_withdraw", args=[application.pk]), {})
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN


def test_withdraw_is_refused_after_a_final_decision(client, applicant):
    application = submitted(applicant)
    services.application_transition(actor=admin_user(), application=application,
                                    to=State.INELIGIBLE, reason="Diploma not recognised")
    url = reverse("scholarships:application_withdraw", args=[application.pk])
    refusal = services.MSG_TRANSITION % {"from": State.INELIGIBLE.label,
                                         "to": State.WITHDRAWN.label}
    response = client.get(url)
    assert escape(str(refusal)) in response.content.decode()
    assert 'type="submit">Withdraw' not in response.content.decode()
    response = client.post(url, {"reason": ""})
    assert str(refusal) in messages_of(response)
    application.refresh_from_db()
    assert application.state == State.INELIGIBLE


def test_a_withdrawn_draft_is_read_only(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    services.application_withdraw(actor=applicant.user, application=application)
    response = client.get(step_url(application, "education"))
    assert escape(str(portal.MSG_WITHDRAWN_NOT_EDITABLE)) in response.content.decode()
    response = client.post(step_url(application, "education"), education_data())
    assert str(portal.MSG_WITHDRAWN_NOT_EDITABLE) in messages_of(response)
