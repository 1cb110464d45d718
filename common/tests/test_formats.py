"""Dates are written one way per language (common/formats/): on the pages, in
the e-mails and in the messages, never ISO or US-style beside them."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from registry.factories import PersonFactory
from scholarships.eligibility import eligibility_problems
from scholarships.factories import CallFactory, CompleteApplicationFactory, offered_application
from scholarships.notifications import award_offer_send

BRUSSELS = ZoneInfo("Europe/Brussels")
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
}
AT = {"en": ", ", "fr": " à ", "nl": " om "}  # between the date and the time
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
NUMERIC = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")  # 3/13/2027 or 13/03/2027


def long_date(language: str, day: datetime.date) -> str:
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def assert_no_other_form(text: str) -> None:
    assert not ISO.findall(text), ISO.findall(text)
    assert not NUMERIC.findall(text), NUMERIC.findall(text)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_call_page_writes_its_dates_in_the_visitors_language(client, language):
    year = timezone.localdate().year + 1
    closes = datetime.datetime(year, 3, 13, 16, 0, tzinfo=BRUSSELS)
    call = CallFactory(closes_at=closes, age_reference_date=datetime.date(year, 10, 1))

    response = client.get(reverse("scholarships:call_detail", args=[call.slug]),
                          headers={"accept-language": language})

    text = visible_text(response.content.decode())
    assert f"{long_date(language, closes.date())}{AT[language]}16:00" in text
    assert long_date(language, call.age_reference_date) in text
    assert_no_other_form(text)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_the_award_offer_e_mail_writes_the_deadline_in_the_applicants_language(language):
    deadline = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=13),
                                         datetime.time(17, 30), tzinfo=BRUSSELS)
    application, offer = offered_application(deadline=deadline)
    application.applicant.preferred_language = language
    application.applicant.save(update_fields=["preferred_language"])
    mail.outbox.clear()

    assert award_offer_send(offer_id=offer.pk)

    body = mail.outbox[-1].body
    assert f"{long_date(language, deadline.date())}{AT[language]}17:30" in body
    assert_no_other_form(body)


@pytest.mark.django_db
def test_a_message_with_a_date_in_french_writes_it_the_french_way():
    call = CallFactory(max_age=30, age_reference_date=datetime.date(2027, 10, 1))
    person = PersonFactory(birth_date=datetime.date(1990, 5, 1))
    application = CompleteApplicationFactory(call=call, applicant=person)

    with translation.override("fr"):
        problems = " ".join(eligibility_problems(application))

    assert "1 octobre 2027" in problems
    assert_no_other_form(problems)


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_a_typed_date_is_read_day_first_and_iso_still_accepted(language):
    field = forms.DateField()
    with translation.override(language):
        assert field.clean("13/03/2027") == datetime.date(2027, 3, 13)
        assert field.clean("02/03/2027") == datetime.date(2027, 3, 2)  # 2 March, not 3 Feb
        assert field.clean("2027-03-13") == datetime.date(2027, 3, 13)  # <input type=date>
