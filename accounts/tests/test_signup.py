"""Signing up as an applicant: the form, the confirmation link, and the new
registry person it gets (never an existing one: see test_takeover.py)."""

import datetime
import logging
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.forms import (
    MSG_BIRTH_REQUIRED,
    MSG_INVALID_LOGIN,
    MSG_PASSWORDS_DIFFER,
    MSG_PRIVACY_REQUIRED,
)
from accounts.roles import Role, has_role
from accounts.views import MSG_WELCOME
from registry.factories import PersonFactory, UserFactory
from registry.forms import MSG_BAD_EMAIL, MSG_BIRTH_IN_FUTURE, MSG_NAME_REQUIRED
from registry.models import Consent, DuplicateCandidate, Person
from registry.names import name_key
from registry.selectors import person_matches

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP_URL = "/accounts/signup/"
APPLY_URL = "/scholarships/calls/masters-2026/apply/"
PASSWORD = "Baobab-river-2031"
BORN = datetime.date(1996, 4, 17)
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm/[^/\s]+/)")


def signup_data(**changes):
    data = {
        "given_names": "Aminata", "family_name": "Diallo", "birth_date": BORN.isoformat(),
        "email": "aminata.diallo@example.org", "password1": PASSWORD, "password2": PASSWORD,
        "preferred_language": "fr", "privacy_consent": "on", "next": APPLY_URL,
    }
    data.update(changes)
    return data


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST through the client and send the e-mails queued for after the commit."""

    def _post(url, data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kwargs)

    return _post


@pytest.fixture
def sign_up(post):
    def _sign_up(**changes):
        response = post(SIGNUP_URL, signup_data(**changes))
        assert response.status_code == 302, response.context and response.context["form"].errors
        return response

    return _sign_up


def confirm_path(message) -> str:
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def field_block(html: str, name: str) -> str:
    block = re.search(rf'<div id="div_id_{name}".*?</div>\s*</div>', html, re.S)
    assert block, html
    return block.group(0)


class ShiftedClock:
    """Stands in for the time module inside django.core.signing."""

    def __init__(self, hours: float):
        self.offset = hours * 3600

    def time(self):
        return time.time() + self.offset


# --- the whole flow -----------------------------------------------------------------------

def test_sign_up_confirm_and_land_on_the_page_asked_for(client, sign_up):
    assert client.get(f"{SIGNUP_URL}?next={APPLY_URL}").context["next"] == APPLY_URL
    response = sign_up()
    assert response["Location"] == (
        f"{reverse('accounts:signup_sent')}?next={APPLY_URL.replace('/', '%2F')}")
    sent = client.get(response["Location"])
    assert "aminata.diallo@example.org" in sent.content.decode()
    assert sent.context["next"] == APPLY_URL

    user = User.objects.get(username="aminata.diallo@example.org")
    assert not user.is_active
    assert (user.first_name, user.last_name) == ("Aminata", "Diallo")
    assert not Person.objects.filter(user=user).exists()  # nothing before confirmation

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["aminata.diallo@example.org"]
    response = client.post(confirm_path(mail.outbox[0]))
    assert response.status_code == 302
    assert response["Location"] == APPLY_URL
    assert response.cookies["django_language"].value == "fr"

    user.refresh_from_db()
    assert user.is_active
    assert has_role(user, Role.APPLICANT)
    assert logged_in_as(client) == str(user.pk)
    person = user.person
    assert (person.given_names, person.family_name, person.birth_date) == (
        "Aminata", "Diallo", BORN)
    assert person.email == "aminata.diallo@example.org"
    assert person.preferred_language == "fr"
    assert person.name_key == name_key("Aminata", "Diallo")
    page = client.get(reverse("accounts:profile"))
    assert str(MSG_WELCOME) in [str(m) for m in page.context["messages"]]


def test_without_next_the_confirmation_lands_on_the_applicant_start_page(client, sign_up):
    sign_up(next="")
    response = client.post(confirm_path(mail.outbox[0]))
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("scholarships:my_applications")


def test_a_next_on_another_site_is_dropped(client, sign_up):
    response = sign_up(next="https://evil.example.com/phish")
    assert "evil" not in response["Location"]
    response = client.post(confirm_path(mail.outbox[0]))
    assert response["Location"] == reverse("home")


def test_the_confirmation_e_mail_is_in_the_chosen_language(sign_up, monkeypatch):
    languages = []
    real_render = services.render_to_string

    def render(*args, **kwargs):
        languages.append(translation.get_language())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services, "render_to_string", render)
    sign_up(preferred_language="nl")
    assert languages == ["nl", "nl"]  # subject and body


def test_the_language_choice_defaults_to_the_language_of_the_page(client):
    client.cookies["django_language"] = "fr"
    assert client.get(SIGNUP_URL).context["form"]["preferred_language"].initial == "fr"


def test_login_page_offers_to_create_an_account_keeping_next(client):
    html = client.get(f"/accounts/login/?next={APPLY_URL}").content.decode()
    assert f'href="{SIGNUP_URL}?next={APPLY_URL}"' in html


def test_a_logged_in_user_is_not_shown_the_sign_up_form(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    response = client.get(f"{SIGNUP_URL}?next={APPLY_URL}")
    assert response["Location"] == APPLY_URL


# --- inactive until confirmed --------------------------------------------------------------

def test_an_unconfirmed_account_cannot_log_in(client, sign_up):
    sign_up()
    response = client.post("/accounts/login/", {"username": "aminata.diallo@example.org",
                                                "password": PASSWORD})
    assert response.status_code == 200
    assert str(MSG_INVALID_LOGIN) in response.content.decode()
    assert not logged_in_as(client)

    client.post(confirm_path(mail.outbox[0]))
    client.post(reverse("logout"))
    response = client.post("/accounts/login/", {"username": "aminata.diallo@example.org",
                                                "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_as(client)


def test_the_link_works_once(client, sign_up):
    sign_up()
    path = confirm_path(mail.outbox[0])
    client.post(path)
    client.post(reverse("logout"))
    response = client.get(path)
    assert response.status_code == 400
    assert str(services.MSG_ALREADY_CONFIRMED) in response.content.decode()
    assert not logged_in_as(client)
    assert Person.objects.count() == 1


def test_signing_up_again_before_confirming_replaces_the_first_sign_up(client, sign_up):
    sign_up(family_name="Dialo")
    sign_up(password1="Kapok-tree-Dakar-7", password2="Kapok-tree-Dakar-7")
    assert User.objects.filter(username="aminata.diallo@example.org").count() == 1
    first, second = (confirm_path(m) for m in mail.outbox)
    assert client.get(first).status_code == 400  # superseded
    assert client.post(second).status_code == 302
    user = User.objects.get(username="aminata.diallo@example.org")
    assert user.check_password("Kapok-tree-Dakar-7")
    assert user.person.family_name == "Diallo"


# --- never linked to an existing registry person ------------------------------------------
# A sign-up always gets a new person; a likely match goes to the duplicate
# queue, where an administrator checks who is who (test_takeover.py: why).

def test_a_person_already_in_the_registry_is_flagged_not_linked(client, sign_up):
    existing = PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=BORN,
                             email="", user=None)
    before = Person.objects.count()
    sign_up()
    client.post(confirm_path(mail.outbox[0]))
    assert Person.objects.count() == before + 1
    existing.refresh_from_db()
    assert existing.user is None
    assert existing.email == ""  # nothing of the sign-up written into it
    new = User.objects.get(username="aminata.diallo@example.org").person
    assert new.pk != existing.pk
    pair = DuplicateCandidate.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {existing.pk, new.pk}
    assert pair.reason == DuplicateCandidate.Reason.NAME_AND_BIRTH
    assert pair.status == DuplicateCandidate.Status.OPEN


@pytest.mark.parametrize(("given", "family"), [
    ("AMINATA", "diallo"),
    ("Amínata", "Diallo"),
    ("Diallo", "Aminata"),
    ("  aminata ", "DIALLÓ"),
])
def test_accents_case_and_order_of_the_names_are_flagged_not_linked(client, sign_up, given,
                                                                    family):
    existing = PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=BORN,
                             email="a.diallo@example.sn", user=None)
    sign_up(given_names=given, family_name=family)
    client.post(confirm_path(mail.outbox[0]))
    existing.refresh_from_db()
    assert existing.user is None
    assert existing.email == "a.diallo@example.sn"
    new = User.objects.get(username="aminata.diallo@example.org").person
    assert new.pk != existing.pk
    assert DuplicateCandidate.objects.filter(person_a=existing, person_b=new).exists()


def test_a_person_with_the_same_e_mail_address_is_not_linked(client, sign_up):
    existing = PersonFactory(given_names="Aminata", family_name="Diallo Sow", birth_date=BORN,
                             email="Aminata.Diallo@example.org", user=None)
    sign_up()
    client.post(confirm_path(mail.outbox[0]))
    existing.refresh_from_db()
    assert existing.user is None
    assert User.objects.get(username="aminata.diallo@example.org").person.pk != existing.pk


def test_possible_matches_are_logged_by_id_only(client, sign_up, caplog):
    existing = PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=BORN,
                             email="a.diallo@example.sn", user=None)
    sign_up()
    with caplog.at_level(logging.INFO, logger="registry.services"):
        client.post(confirm_path(mail.outbox[0]))
    new = User.objects.get(username="aminata.diallo@example.org").person
    [line] = [r.getMessage() for r in caplog.records if r.name == "registry.services"]
    assert str(existing.pk) in line and str(new.pk) in line
    for personal in ("Aminata", "Diallo", "example", BORN.isoformat(), existing.reference):
        assert personal not in line


def test_a_matching_person_with_another_account_is_never_taken_over(client, sign_up):
    owner = UserFactory(roles=[Role.APPLICANT], email="aminata.d@example.com")
    existing = PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=BORN,
                             user=owner)
    sign_up()
    response = client.post(confirm_path(mail.outbox[0]))
    assert response.status_code == 302
    user = User.objects.get(username="aminata.diallo@example.org")
    existing.refresh_from_db()
    assert existing.user == owner
    new = user.person
    assert new.pk != existing.pk
    pair = DuplicateCandidate.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {existing.pk, new.pk}
    assert pair.reason == DuplicateCandidate.Reason.NAME_AND_BIRTH


def test_several_matching_persons_are_not_guessed_between(client, sign_up):
    one = PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=BORN, user=None)
    two = PersonFactory(given_names="Diallo", family_name="Aminata", birth_date=BORN, user=None)
    sign_up()
    client.post(confirm_path(mail.outbox[0]))
    new = User.objects.get(username="aminata.diallo@example.org").person
    assert new.pk not in (one.pk, two.pk)
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.user is None and two.user is None
    flagged = {frozenset((c.person_a_id, c.person_b_id))
               for c in DuplicateCandidate.objects.all()}
    assert frozenset((one.pk, new.pk)) in flagged
    assert frozenset((two.pk, new.pk)) in flagged


def test_a_shared_e_mail_address_alone_does_not_link(client, sign_up):
    # A cousin's address, or a cyber café's: another name, another birth date.
    cousin = PersonFactory(given_names="Moussa", family_name="Fall",
                           birth_date=datetime.date(1970, 1, 1),
                           email="aminata.diallo@example.org", user=None)
    sign_up()
    client.post(confirm_path(mail.outbox[0]))
    cousin.refresh_from_db()
    assert cousin.user is None
    assert User.objects.get(username="aminata.diallo@example.org").person.pk != cousin.pk


def test_a_year_of_birth_and_a_common_name_alone_do_not_link(client, sign_up):
    namesake = PersonFactory(given_names="Aminata", family_name="Diallo",
                             birth_date=datetime.date(BORN.year, 1, 1),
                             birth_date_precision=Person.BirthDatePrecision.YEAR,
                             email="", user=None)
    sign_up()
    client.post(confirm_path(mail.outbox[0]))
    namesake.refresh_from_db()
    assert namesake.user is None
    new = User.objects.get(username="aminata.diallo@example.org").person
    # Not linked, but in front of an administrator.
    assert DuplicateCandidate.objects.filter(person_a=namesake, person_b=new).exists()


def test_a_year_of_birth_with_the_same_e_mail_is_flagged_not_linked(client, sign_up):
    existing = PersonFactory(given_names="Aminata", family_name="Diallo",
                             birth_date=datetime.date(BORN.year, 1, 1),
                             birth_date_precision=Person.BirthDatePrecision.YEAR,
                             email="aminata.diallo@example.org", user=None)
    sign_up()
    client.post(confirm_path(mail.outbox[0]))
    existing.refresh_from_db()
    assert existing.user is None
    new = User.objects.get(username="aminata.diallo@example.org").person
    assert DuplicateCandidate.objects.filter(person_a=existing, person_b=new).exists()


def test_a_merged_record_is_never_linked(client, sign_up):
    survivor = PersonFactory(given_names="Awa", family_name="Ndiaye", user=None)
    PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=BORN, user=None,
                  merged_into=survivor)
    sign_up()
    client.post(confirm_path(mail.outbox[0]))
    person = User.objects.get(username="aminata.diallo@example.org").person
    assert person.merged_into is None
    assert (person.given_names, person.family_name) == ("Aminata", "Diallo")
    survivor.refresh_from_db()
    assert survivor.user is None


def test_a_matching_record_that_does_not_validate_is_left_for_staff(client, sign_up):
    broken = PersonFactory(given_names="Aminata", family_name="Diallo", birth_date=BORN,
                           country_of_residence="XX", user=None)
    sign_up()
    response = client.post(confirm_path(mail.outbox[0]))
    assert response.status_code == 302
    broken.refresh_from_db()
    assert broken.user is None
    new = User.objects.get(username="aminata.diallo@example.org").person
    assert DuplicateCandidate.objects.filter(person_a=broken, person_b=new).exists()


def test_person_matches_finds_by_e_mail_or_by_name_and_birth():
    by_email = PersonFactory(email="Fatou.Sow@example.org", given_names="Fatou",
                             family_name="Sow", birth_date=datetime.date(1990, 3, 3))
    by_name = PersonFactory(given_names="Sow", family_name="FATOU", email="",
                            birth_date=BORN)
    by_year = PersonFactory(given_names="Fatou", family_name="Sow", email="",
                            birth_date=datetime.date(BORN.year, 1, 1),
                            birth_date_precision=Person.BirthDatePrecision.YEAR)
    PersonFactory(given_names="Fatou", family_name="Sow", email="",
                  birth_date=BORN + datetime.timedelta(days=1))  # another day
    PersonFactory(given_names="Fatou", family_name="Sow", email="", birth_date=BORN,
                  merged_into=by_name)
    found = person_matches(email="fatou.sow@example.org", name_key=name_key("Fatou", "Sow"),
                           birth_date=BORN)
    assert [p.pk for p in found] == [by_email.pk, by_name.pk, by_year.pk]
    assert person_matches() == []


# --- addresses that already have an account -----------------------------------------------

def test_an_address_with_an_active_account_gets_the_same_page_and_an_e_mail(client, post):
    owner = UserFactory(username="aminata.diallo@example.org",
                        email="aminata.diallo@example.org", roles=[Role.APPLICANT])
    PersonFactory(user=owner, given_names="Aminata", family_name="Diallo",
                  preferred_language="en")
    unknown = post(SIGNUP_URL, signup_data(email="someone.new@example.org"))
    mail.outbox.clear()
    known = post(SIGNUP_URL, signup_data(email="Aminata.Diallo@Example.org"))

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    page = client.get(known["Location"])
    assert page.templates[0].name == "accounts/signup_sent.html"
    assert User.objects.filter(email__iexact="aminata.diallo@example.org").count() == 1
    owner.refresh_from_db()
    assert owner.check_password("correct-horse-battery")  # untouched

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["aminata.diallo@example.org"]
    assert message.subject == "You already have an account"
    assert not CONFIRM_LINK.search(message.body)
    reset = re.search(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert reset, message.body
    form_page = client.get(reset.group(1), follow=True)
    assert form_page.context["validlink"]


def test_an_account_found_by_its_e_mail_field_is_recognised_too(post):
    UserFactory(username="adiallo", email="aminata.diallo@example.org")
    post(SIGNUP_URL, signup_data(preferred_language="en"))
    assert not User.objects.filter(username="aminata.diallo@example.org").exists()
    assert mail.outbox[0].subject == "You already have an account"


def test_a_switched_off_account_is_left_alone(post):
    blocked = UserFactory(username="aminata.diallo@example.org", is_active=False,
                          roles=[Role.REVIEWER])
    response = post(SIGNUP_URL, signup_data())
    assert response.status_code == 302
    blocked.refresh_from_db()
    assert not blocked.is_active
    assert blocked.check_password("correct-horse-battery")
    assert mail.outbox == []


# --- links that do not work -----------------------------------------------------------------

def test_an_expired_link_is_refused_and_a_new_one_can_be_sent(client, sign_up, post,
                                                              monkeypatch):
    sign_up()
    path = confirm_path(mail.outbox[0])
    monkeypatch.setattr(signing, "time", ShiftedClock(hours=49))  # the default is 48 hours
    response = client.get(path)
    monkeypatch.undo()
    assert response.status_code == 400
    assert str(services.MSG_LINK_EXPIRED) in response.content.decode()
    assert not User.objects.get(username="aminata.diallo@example.org").is_active
    assert not logged_in_as(client)
    form = response.context["form"]
    assert form.initial["email"] == "aminata.diallo@example.org"
    assert response.context["next"] == APPLY_URL

    response = post(reverse("accounts:signup_resend"), {
        "email": "aminata.diallo@example.org", "token": form.initial["token"],
        "next": APPLY_URL})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    response = client.post(confirm_path(mail.outbox[1]))
    assert response["Location"] == APPLY_URL
    assert User.objects.get(username="aminata.diallo@example.org").person.birth_date == BORN


def test_a_link_younger_than_the_limit_works(client, sign_up, monkeypatch):
    sign_up()
    monkeypatch.setattr(signing, "time", ShiftedClock(hours=47))
    assert client.post(confirm_path(mail.outbox[0])).status_code == 302


def test_the_limit_comes_from_the_settings(client, sign_up, settings, monkeypatch):
    settings.SIGNUP_LINK_MAX_AGE_HOURS = 1
    sign_up(preferred_language="en")
    assert "1 hour." in mail.outbox[0].body
    monkeypatch.setattr(signing, "time", ShiftedClock(hours=2))
    assert client.post(confirm_path(mail.outbox[0])).status_code == 400


@pytest.mark.parametrize("damage", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: token[:10],
    lambda token: signing.dumps({"u": 1}, salt="accounts.signup"),
    lambda token: signing.dumps({"u": 1, "s": "x", "b": "1990-01-01", "l": "en"},
                                salt="another.purpose"),
])
def test_a_tampered_link_is_refused(client, sign_up, damage):
    sign_up()
    token = confirm_path(mail.outbox[0]).split("/")[-2]
    response = client.get(reverse("accounts:signup_confirm", args=[damage(token)]))
    assert response.status_code == 400
    html = response.content.decode()
    assert str(services.MSG_LINK_INVALID) in html
    assert reverse("accounts:signup_resend") in html
    assert not User.objects.get(username="aminata.diallo@example.org").is_active
    assert not logged_in_as(client)
    assert not Person.objects.exists()


def test_a_new_link_asked_for_without_the_old_one_sends_back_to_the_form(client, sign_up,
                                                                         post):
    sign_up()
    response = post(reverse("accounts:signup_resend"),
                    {"email": "Aminata.Diallo@example.org", "next": APPLY_URL})
    assert response["Location"].startswith(reverse("accounts:signup_sent"))
    assert len(mail.outbox) == 2
    body = mail.outbox[1].body
    assert not CONFIRM_LINK.search(body)
    link = re.search(r"https?://[^/\s]+(/accounts/signup/\?\S+)", body).group(1)
    page = client.get(link)
    assert page.context["form"]["email"].value() == "aminata.diallo@example.org"
    assert page.context["next"] == APPLY_URL


def test_asking_for_a_link_says_the_same_whatever_the_address(client, post):
    UserFactory(username="known@example.org", email="known@example.org")
    unknown = post(reverse("accounts:signup_resend"), {"email": "nobody@example.org"})
    assert mail.outbox == []
    known = post(reverse("accounts:signup_resend"), {"email": "known@example.org"})
    assert unknown["Location"] == known["Location"]
    assert [m.subject for m in mail.outbox] == ["You already have an account"]


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"given_names": "", "family_name": " "}, "given_names", MSG_NAME_REQUIRED),
    ({"password2": "Baobab-river-2032"}, "password2", MSG_PASSWORDS_DIFFER),
    ({"password1": "12345", "password2": "12345"}, "password1",
     "This password is too short. It must contain at least 12 characters."),
    ({"password1": "Baobab-rive", "password2": "Baobab-rive"}, "password1",  # 11 characters
     "This password is too short. It must contain at least 12 characters."),
    ({"privacy_consent": ""}, "privacy_consent", MSG_PRIVACY_REQUIRED),
    ({"password1": "password123", "password2": "password123"}, "password1",
     "This password is too common."),
    ({"password1": "aminata.diallo", "password2": "aminata.diallo"}, "password1",
     "The password is too similar to the"),
    ({"email": "aminata.diallo@"}, "email", MSG_BAD_EMAIL),
    ({"birth_date": (datetime.date.today() + datetime.timedelta(days=2)).isoformat()},
     "birth_date", MSG_BIRTH_IN_FUTURE),
    ({"birth_date": ""}, "birth_date", MSG_BIRTH_REQUIRED),
])
def test_bad_input_shows_the_error_beside_the_field_and_keeps_what_was_typed(
    client, post, changes, field, message
):
    data = signup_data(**changes)
    response = post(SIGNUP_URL, data)
    assert response.status_code == 200
    assert str(message) in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    block = field_block(html, field)
    assert "is-invalid" in block
    assert str(message).replace("'", "&#x27;") in block
    for name in ("given_names", "family_name", "email", "birth_date"):
        if data[name].strip():
            assert f'value="{data[name]}"' in html or f'value="{data[name].strip()}"' in html
    assert 'name="password1"' in html
    assert f'value="{data["password1"]}"' not in html  # passwords are typed again
    assert f'value="{data["password2"]}"' not in html
    assert f'name="next" value="{APPLY_URL}"' in html
    assert not User.objects.exists()
    assert mail.outbox == []


def test_a_single_name_is_enough(client, sign_up):
    sign_up(given_names="", family_name="Ngozi")
    client.post(confirm_path(mail.outbox[0]))
    person = User.objects.get(username="aminata.diallo@example.org").person
    assert (person.given_names, person.family_name) == ("", "Ngozi")


def test_an_applicant_may_type_their_e_mail_login_with_capitals(client):
    from registry.factories import UserFactory

    UserFactory(username="aminata.diallo@example.org", email="aminata.diallo@example.org")
    response = client.post("/accounts/login/", {"username": "Aminata.Diallo@Example.org",
                                                "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_opening_the_link_does_not_confirm_until_the_button_is_pressed(client, sign_up):
    sign_up()
    page = client.get(confirm_path(mail.outbox[0]))
    assert page.status_code == 200
    assert not User.objects.get(username="aminata.diallo@example.org").is_active
    assert client.post(confirm_path(mail.outbox[0])).status_code == 302
    assert User.objects.get(username="aminata.diallo@example.org").is_active


# --- the privacy notice and the consent ------------------------------------------------------

def test_the_form_asks_for_consent_naming_the_notice_version_and_linking_it(client, settings):
    settings.PRIVACY_NOTICE_VERSION = "2031-04"
    html = client.get(SIGNUP_URL).content.decode()
    block = field_block(html, "privacy_consent")
    assert 'type="checkbox"' in block
    assert "I have read the privacy notice (version 2031-04)" in block
    assert f'href="{reverse("privacy_notice")}"' in block


def test_the_consent_is_recorded_with_the_version_agreed_to(client, sign_up, settings):
    settings.PRIVACY_NOTICE_VERSION = "2031-04"
    sign_up()
    assert not Consent.objects.exists()  # nothing before confirmation
    # A new notice published between the sign-up and the click does not change
    # what the person agreed to.
    settings.PRIVACY_NOTICE_VERSION = "2031-09"
    client.post(confirm_path(mail.outbox[0]))
    user = User.objects.get(username="aminata.diallo@example.org")
    consent = Consent.objects.get()
    assert consent.person == user.person
    assert consent.purpose == Consent.Purpose.SCHOLARSHIP
    assert consent.method == Consent.Method.ONLINE
    assert consent.notice_version == "2031-04"
    assert consent.recorded_by == user
    assert consent.withdrawn_at is None


def test_a_new_link_for_an_expired_one_keeps_the_version_agreed_to(client, sign_up, post,
                                                                   settings, monkeypatch):
    settings.PRIVACY_NOTICE_VERSION = "2031-04"
    sign_up()
    monkeypatch.setattr(signing, "time", ShiftedClock(hours=49))
    token = client.get(confirm_path(mail.outbox[0])).context["form"].initial["token"]
    monkeypatch.undo()
    settings.PRIVACY_NOTICE_VERSION = "2031-09"
    post(reverse("accounts:signup_resend"),
         {"email": "aminata.diallo@example.org", "token": token})
    client.post(confirm_path(mail.outbox[1]))
    assert Consent.objects.get().notice_version == "2031-04"


def test_a_link_without_the_notice_version_is_refused(client, sign_up):
    # Sent before consent was asked for: it cannot record one.
    sign_up()
    user = User.objects.get(username="aminata.diallo@example.org")
    old = signing.dumps({"u": user.pk, "s": services._state_stamp(user),
                         "b": BORN.isoformat(), "l": "fr"}, salt=services.SIGNUP_SALT,
                        compress=True)
    response = client.post(reverse("accounts:signup_confirm", args=[old]))
    assert response.status_code == 400
    assert str(services.MSG_LINK_INVALID) in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    assert not Person.objects.exists()


# --- passwords of at least 12 characters ------------------------------------------------------

def test_a_short_password_is_refused_beside_the_field_in_the_user_s_language(client, post):
    client.cookies["django_language"] = "fr"
    response = post(SIGNUP_URL, signup_data(password1="Baobab-rive", password2="Baobab-rive"))
    assert response.status_code == 200
    block = field_block(response.content.decode(), "password1")
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in block
    assert not User.objects.exists()
