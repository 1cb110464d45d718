"""Logging in, out and back in: through the real login form, so django-axes
and the language cookie see the same request a browser would send."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.forms import MSG_INVALID_LOGIN
from accounts.roles import START_PAGES, Role
from registry.factories import PersonFactory, UserFactory
from registry.forms import MSG_NAME_REQUIRED

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # registry.factories.UserFactory
LOGIN_URL = "/accounts/login/"


def login(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def invalid_login_message() -> str:
    return str(MSG_INVALID_LOGIN)


# --- logging in ------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(Role))
def test_correct_login_lands_on_the_role_start_page(client, role):
    user = UserFactory(roles=[role])
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD},
                           follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(START_PAGES[role])
    assert logged_in(client)


def test_superuser_login_lands_on_the_admin(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    response = client.post(LOGIN_URL, {"username": "root", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert response.status_code == 200


def test_login_honours_a_safe_next_url(client):
    user = UserFactory(roles=[Role.CASEWORKER])
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD,
                                       "next": reverse("accounts:profile")})
    assert response["Location"] == reverse("accounts:profile")


def test_login_ignores_a_next_url_on_another_site(client):
    user = UserFactory(roles=[Role.CASEWORKER])
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD,
                                       "next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert "evil.example.com" not in response["Location"]


def test_wrong_password_shows_the_form_again_with_an_error(client):
    user = UserFactory()
    response = login(client, user.username, "not-the-password")
    assert response.status_code == 200
    assert invalid_login_message() in response.content.decode()
    assert not logged_in(client)


# --- throttling (django-axes) ----------------------------------------------------------------

def test_after_five_wrong_passwords_even_the_right_one_is_locked_out(client):
    user = UserFactory()
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(4):
        assert login(client, user.username, "not-the-password").status_code == 200
    # The failure that reaches the limit already answers with the lockout page.
    assert login(client, user.username, "not-the-password").status_code == 429
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "Too many failed logins" in response.content.decode()
    assert not logged_in(client)


def test_four_wrong_passwords_still_let_the_right_one_in(client):
    user = UserFactory()
    for _attempt in range(4):
        assert login(client, user.username, "not-the-password").status_code == 200
    assert login(client, user.username, PASSWORD).status_code == 302
    assert logged_in(client)


def test_lockout_is_per_username_so_others_can_still_log_in(client):
    victim, other = UserFactory(), UserFactory()
    for _attempt in range(5):
        login(client, victim.username, "not-the-password")
    assert login(client, other.username, PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(client):
    user = UserFactory()
    for _attempt in range(4):
        login(client, user.username, "not-the-password")
    assert login(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _attempt in range(4):
        assert login(client, user.username, "not-the-password").status_code == 200
    # Eight failures in all, but never five in a row: still not locked out.
    assert login(client, user.username, PASSWORD).status_code == 302
    assert logged_in(client)


# --- logging out -------------------------------------------------------------------------

def test_logout_by_post_ends_the_session_and_returns_to_login(client):
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not logged_in(client)
    assert client.get(reverse(START_PAGES[Role.CASEWORKER])).status_code == 302


def test_logout_by_get_is_refused_and_keeps_the_session(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405
    assert logged_in(client)


# --- password reset by e-mail ------------------------------------------------------------

def test_password_reset_by_email_lets_the_user_log_in_with_the_new_password(client):
    user = UserFactory(roles=[Role.APPLICANT], email="aminata.diallo@example.org")
    response = client.post(reverse("password_reset"), {"email": "aminata.diallo@example.org"})
    assert response["Location"] == reverse("password_reset_done")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["aminata.diallo@example.org"]
    link = re.search(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert link, message.body

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "Baobab-river-2031"
    response = client.post(set_password_url, {"new_password1": new_password,
                                              "new_password2": new_password})
    assert response["Location"] == reverse("password_reset_complete")

    assert login(client, user.username, PASSWORD).status_code == 200  # old one is gone
    response = login(client, user.username, new_password)
    assert response.status_code == 302
    assert logged_in(client)


def test_password_reset_link_works_only_once(client):
    UserFactory(email="hiwot.tesfaye@example.org")
    client.post(reverse("password_reset"), {"email": "hiwot.tesfaye@example.org"})
    link = re.search(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)",
                     mail.outbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": "Baobab-river-2031",
                                   "new_password2": "Baobab-river-2031"})
    assert not client.get(link, follow=True).context["validlink"]


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


# --- language --------------------------------------------------------------------------------

def test_login_sets_the_language_cookie_from_the_persons_preferred_language(client):
    user = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=user, preferred_language="fr")
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get(reverse("accounts:profile"))
    assert '<html lang="fr"' in page.content.decode()


def test_login_without_a_person_sets_no_language_cookie(client):
    user = UserFactory(roles=[Role.REVIEWER])
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_failed_login_sets_no_language_cookie(client):
    user = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=user, preferred_language="nl")
    response = login(client, user.username, "not-the-password")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- profile -----------------------------------------------------------------------------------

@pytest.fixture
def applicant(client):
    user = UserFactory(roles=[Role.APPLICANT])
    person = PersonFactory(user=user, given_names="Aminata", family_name="Diallo", country="SN",
                           preferred_language="en", phone="")
    client.force_login(user)
    return person


def profile_data(person, **changes):
    data = {
        "given_names": person.given_names,
        "family_name": person.family_name,
        "name_original_script": person.name_original_script,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "birth_date_precision": person.birth_date_precision,
        "sex": person.sex,
        "nationalities": [c.code for c in person.nationalities],
        "country_of_residence": person.country_of_residence.code or "",
        "phone": str(person.phone or ""),
        "preferred_language": person.preferred_language,
    }
    data.update(changes)
    return data


def test_applicant_sees_their_own_details_on_the_profile_page(client, applicant):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["form"].instance == applicant
    assert 'value="Aminata"' in response.content.decode()


def test_profile_without_names_shows_the_error_beside_the_field_and_keeps_what_was_typed(
    client, applicant
):
    response = client.post(reverse("accounts:profile"), profile_data(
        applicant, given_names="", family_name="  ", phone="+221771234567",
        name_original_script="أمينة ديالو"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["given_names"] == [str(MSG_NAME_REQUIRED)]
    html = response.content.decode()
    # crispy renders the error under the input it belongs to.
    field_block = re.search(r'<div id="div_id_given_names".*?</div>\s*</div>', html, re.S)
    assert field_block, html
    assert 'is-invalid' in field_block.group(0)
    assert str(MSG_NAME_REQUIRED) in field_block.group(0)
    assert 'value="+221771234567"' in html
    assert 'value="أمينة ديالو"' in html
    applicant.refresh_from_db()
    assert (applicant.given_names, applicant.family_name) == ("Aminata", "Diallo")


def test_profile_with_valid_details_saves_them_and_says_so(client, applicant):
    response = client.post(reverse("accounts:profile"), profile_data(
        applicant, family_name="Diallo Sow", phone="+221771234567"), follow=True)
    assert response.redirect_chain == [(reverse("accounts:profile"), 302)]
    assert "Your details were saved." in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.family_name == "Diallo Sow"
    assert str(applicant.phone) == "+221771234567"
    assert applicant.name_key  # the service derived it again


def test_user_without_a_person_sees_that_the_profile_is_not_linked(client):
    client.force_login(UserFactory(roles=[Role.REVIEWER]))
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["person"] is None


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- at least 12 characters, said beside the field in the user's language -------------------

TOO_SHORT_FR = "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."


def field_block(html: str, name: str) -> str:
    block = re.search(rf'<div id="div_id_{name}".*?</div>\s*</div>', html, re.S)
    assert block, html
    return block.group(0)


def test_password_reset_refuses_11_characters_beside_the_field_in_french(client):
    user = UserFactory(email="awa.ndiaye@example.org")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.post(reverse("password_reset"), {"email": "awa.ndiaye@example.org"})
    link = re.search(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)",
                     mail.outbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "Baobab-rive",
                                              "new_password2": "Baobab-rive"})
    assert response.status_code == 200
    # Django says it under the confirmation, just below the new password.
    assert TOO_SHORT_FR in field_block(response.content.decode(), "new_password2")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_refuses_11_characters_beside_the_field_in_french(client):
    user = UserFactory()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Baobab-rive",
        "new_password2": "Baobab-rive"})
    assert response.status_code == 200
    assert TOO_SHORT_FR in field_block(response.content.decode(), "new_password2")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Baobab-river",  # 12 characters
        "new_password2": "Baobab-river"})
    assert response.status_code == 302
