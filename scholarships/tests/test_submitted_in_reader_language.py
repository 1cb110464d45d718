"""A submitted application reads in the language its reader chooses now: the
labels, the choices, the country names and the dates of what was submitted
are written when the page or the PDF is shown; only the answers typed stay as
they were. The confirmation PDF is in one language throughout."""

import datetime
import io
import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from pypdf import PdfReader

from registry.models import Person
from scholarships import steps
from scholarships.factories import admin_user, submitted_application
from scholarships.models import Application, Degree, DocumentKind, LanguageLevel
from scholarships.pdf import submission_summary_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

LANGUAGES = ("fr", "nl")


def known_texts() -> set[str]:
    """The labels, step titles and choices a submitted application shows,
    in the active language."""
    texts = {str(step.title) for step in steps.STEPS}
    texts |= {str(Person._meta.get_field(name).verbose_name) for name in steps.PERSON_FIELDS}
    texts |= {str(Application._meta.get_field(name).verbose_name)
              for step in steps.STEPS for name in step.fields}
    texts |= {str(Degree.BACHELOR.label), str(LanguageLevel.NONE.label),
              str(LanguageLevel.C2.label), str(Person.Sex.FEMALE.label)}
    texts |= {str(kind.label) for kind in DocumentKind}
    return {capfirst(text) for text in texts}


def english_only(language: str) -> set[str]:
    """The known texts whose translation differs from the English."""
    with translation.override("en"):
        english = known_texts()
    with translation.override(language):
        translated = known_texts()
    return english - translated


def shown_texts(html: str) -> set[str]:
    """The text of every heading, label and value of the page."""
    cells = re.findall(r"<(dt|dd|h2|li)\b[^>]*>(.*?)</\1>", html, flags=re.S)
    return {unescape(re.sub(r"<[^>]+>", " ", body)).split("  ")[0].strip()
            for __, body in cells}


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def application():
    """Submitted in English, by a woman from Benin (a country whose name is
    written differently in French)."""
    with translation.override("en"):
        return submitted_application(applicant__sex=Person.Sex.FEMALE,
                                     applicant__nationalities=["BJ"],
                                     applicant__preferred_language="en")


def read_in(client, application, language: str) -> str:
    client.force_login(application.applicant.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(application.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_submitted_application_shows_no_english_label_in_french_or_dutch(
        client, application, language):
    english = english_only(language)
    assert len(english) > 30, "the check covers the labels, titles and choices of the page"

    shown = shown_texts(read_in(client, application, language))

    assert shown & english == set()
    with translation.override(language):
        expected = known_texts() - {capfirst(str(kind.label)) for kind in DocumentKind} - {
            capfirst(str(steps.STEP_BY_SLUG["submit"].title))}
    # Every label, title and choice of the page is there, in the reader's language.
    assert expected - shown == set()


def test_the_answers_typed_stay_as_submitted_and_the_choices_follow_the_reader(
        client, application):
    html = read_in(client, application, "fr")

    assert application.degree_title in html  # "BSc Agronomy", as typed
    assert "Bénin" in html
    with translation.override("fr"):
        assert str(Degree.BACHELOR.label) in html
    assert f"{datetime.date(application.call.academic_year, 9, 15).day} sept." in html


def test_an_application_submitted_before_kept_labels_in_text_reads_in_dutch(
        client, application):
    # Snapshots taken before the bare values kept the labels as text, in the
    # language of the submission.
    with translation.override("fr"):
        legacy = steps.summary(application)
    Application.objects.filter(pk=application.pk).update(submitted_snapshot=legacy)

    shown = shown_texts(read_in(client, application, "nl"))

    assert shown & english_only("nl") == set()
    with translation.override("fr"):
        french = known_texts()
    with translation.override("nl"):
        dutch = known_texts()
    assert shown & (french - dutch) == set()
    with translation.override("nl"):
        assert capfirst(str(Person._meta.get_field("given_names").verbose_name)) in shown
        assert str(Degree.BACHELOR.label) in shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_of_the_submitted_application_is_in_one_language(client, application, language):
    client.force_login(application.applicant.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("scholarships:application_summary_pdf", args=[application.pk]))

    text = pdf_text(response.content)

    with translation.override("en"):
        english_title = f"Scholarship application {application.reference}"
    assert english_title not in text
    lines = {line.strip() for line in text.splitlines()}
    assert lines & english_only(language) == set()
    with translation.override(language):
        assert capfirst(str(Person._meta.get_field("family_name").verbose_name)) in text
        assert str(steps.STEP_BY_SLUG["education"].title) in text


def test_the_confirmation_pdf_follows_the_language_it_is_asked_in(application):
    translation.activate("fr")
    text = pdf_text(submission_summary_pdf(application, language="nl"))

    with translation.override("nl"):
        assert str(steps.STEP_BY_SLUG["study-plan"].title) in text
    assert "Study plan" not in text
    assert translation.get_language() == "fr", "the language of the caller is left as it was"
    translation.deactivate()


def test_staff_read_the_submitted_answers_in_their_language(client, application):
    client.force_login(admin_user())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"

    response = client.get(reverse("scholarships:application_view", args=[application.pk]))

    # The staff page writes the labels as they are, without a capital.
    shown = {text.lower() for text in shown_texts(response.content.decode())}
    assert shown & {text.lower() for text in english_only("nl")} == set()
    with translation.override("nl"):
        assert str(Application._meta.get_field("degree_title").verbose_name) in shown
        assert str(steps.STEP_BY_SLUG["study-plan"].title).lower() in {
            text.lower() for text in re.findall(r"<h3[^>]*>(.*?)</h3>",
                                                response.content.decode())}
