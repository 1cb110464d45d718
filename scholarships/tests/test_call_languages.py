"""Call content (title, summary, programme name, conditions of the award) is
written in English, French and Dutch; each reader sees their language, and
the English text where a translation is missing."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import (
    CallFactory,
    ProgrammeFactory,
    admin_user,
    eligible_application,
    offered_application,
    reviewer,
)
from scholarships.models import Call, Programme
from scholarships.tests.test_admin import call_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

GENERAL_CONDITION_FR = "Prévenez sans délai le bureau des bourses"


@pytest.fixture
def translated_call():
    programme = ProgrammeFactory(name="Water scholarships", name_fr="Bourses de l'eau",
                                 name_nl="Waterbeurzen")
    return CallFactory(programme=programme, title="Water management in Belgium",
                       title_fr="Gestion de l'eau en Belgique",
                       title_nl="Waterbeheer in België",
                       summary="Engineers of partner countries.",
                       summary_fr="Ingénieurs des pays partenaires.",
                       summary_nl="Ingenieurs uit partnerlanden.")


@pytest.fixture
def english_call():
    return CallFactory(title="Soil science", summary="Agronomists only.")


def page(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("language", "title", "summary", "programme"), [
    ("en", "Water management in Belgium", "Engineers of partner countries.",
     "Water scholarships"),
    ("fr", "Gestion de l'eau en Belgique", "Ingénieurs des pays partenaires.",
     "Bourses de l'eau"),
    ("nl", "Waterbeheer in België", "Ingenieurs uit partnerlanden.", "Waterbeurzen"),
])
def test_the_open_calls_read_in_the_reader_language_or_english(
        client, translated_call, english_call, language, title, summary, programme):
    html = page(client, reverse("scholarships:call_list"), language)

    assert escape(title) in html and escape(summary) in html and escape(programme) in html
    # No French or Dutch for this one: the English text, not an empty title.
    assert "Soil science" in html and "Agronomists only." in html
    detail = page(client, reverse("scholarships:call_detail", args=[translated_call.slug]),
                  language)
    assert escape(title) in detail


def test_the_staff_list_and_the_reviewer_queue_show_the_staff_language(
        client, translated_call):
    application = eligible_application(call=translated_call)
    client.force_login(admin_user())
    assert escape("Waterbeheer in België") in page(
        client, reverse("scholarships:application_list"), "nl")

    user = reviewer()
    services.review_assign(actor=admin_user(), application=application, reviewer=user)
    client.force_login(user)
    assert escape("Gestion de l'eau en Belgique") in page(
        client, reverse("scholarships:reviewer_home"), "fr")


def test_the_reviewer_queue_reads_the_translated_titles_without_a_query_per_row(client):
    admin = admin_user()
    user = reviewer()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    def assign(start, count):
        for n in range(start, start + count):
            call = CallFactory(title=f"Call {n}", title_fr=f"Appel {n}")
            services.review_assign(actor=admin, application=eligible_application(call=call),
                                   reviewer=user)

    assign(0, 1)
    client.get(reverse("scholarships:reviewer_home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("scholarships:reviewer_home"))
    assign(1, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("scholarships:reviewer_home"))
    assert "Appel 3" in response.content.decode()
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_staff_write_a_call_in_three_languages_in_the_admin(admin_client):
    programme = ProgrammeFactory()
    form = admin_client.get(reverse("admin:scholarships_call_add")).content.decode()
    for name in ("title_en", "title_fr", "title_nl", "summary_fr", "award_conditions_nl"):
        assert f'name="{name}"' in form

    response = admin_client.post(reverse("admin:scholarships_call_add"), call_form(
        programme, title_fr="Formation courte 2027", title_nl="Korte opleiding 2027",
        summary_fr="Professionnels des pays partenaires.",
        award_conditions_en="You attend every day.",
        award_conditions_fr="Vous suivez chaque journée."))

    assert response.status_code == 302, response.context["adminform"].form.errors
    call = Call.objects.get(slug="short-2027")
    assert (call.title_en, call.title_fr, call.title_nl) == (
        "Short training 2027", "Formation courte 2027", "Korte opleiding 2027")
    assert call.award_conditions_fr == "Vous suivez chaque journée."


def test_the_english_title_is_required_in_the_admin(admin_client):
    response = admin_client.post(reverse("admin:scholarships_call_add"), call_form(
        ProgrammeFactory(), title_en="", title_fr="Formation courte 2027"))

    assert response.status_code == 200
    assert "title_en" in response.context["adminform"].form.errors
    assert not Call.objects.filter(slug="short-2027").exists()


def test_the_acceptance_page_shows_the_conditions_of_the_call_in_the_reader_language(client):
    application, offer = offered_application(applicant__user=UserFactory())
    Call.objects.filter(pk=application.call_id).update(
        award_conditions_en="You study full time.\nYou come back home.",
        award_conditions_fr="Vous étudiez à temps plein.\nVous rentrez chez vous.")
    client.force_login(application.applicant.user)
    url = reverse("scholarships:offer_accept", args=[application.pk, offer.pk])

    french = page(client, url, "fr")
    dutch = page(client, url, "nl")

    assert "<li>Vous étudiez à temps plein.</li>" in french
    assert "<li>Vous rentrez chez vous.</li>" in french
    assert GENERAL_CONDITION_FR not in french
    # No Dutch text: the English conditions.
    assert "<li>You study full time.</li>" in dutch


def test_a_call_without_conditions_shows_the_general_ones(client):
    application, offer = offered_application(applicant__user=UserFactory())
    client.force_login(application.applicant.user)

    french = page(client, reverse("scholarships:offer_accept", args=[application.pk, offer.pk]),
                  "fr")

    assert GENERAL_CONDITION_FR in french


def test_the_demo_calls_have_french_and_dutch_text():
    call_command("seed_demo_scholarships", stdout=io.StringIO())

    translated = Call.objects.exclude(title_fr=None).exclude(title_nl=None).get()
    assert translated.summary_fr and translated.summary_nl
    assert translated.award_conditions_fr and translated.award_conditions_nl
    assert translated.title_fr != translated.title_en
    assert not Programme.objects.filter(name_fr=None).exists()
