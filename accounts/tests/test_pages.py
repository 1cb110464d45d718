"""The site's own error pages (403, 404, 500) and the way from the start page
to the open calls. Error pages are what Django's handlers render with
DEBUG off (as in the tests and, by default, under `make run`)."""

import pytest
from django.conf import settings
from django.template import loader
from django.urls import path, reverse
from django.utils import translation

from accounts.forms import MSG_INVALID_LOGIN
from accounts.roles import Role
from config.urls import urlpatterns as site_urlpatterns
from registry.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # registry.factories.UserFactory
BACK_LINK = 'href="/"'


def boom(request):
    raise RuntimeError("a bug in a view")


# This module is also the URLconf of the 500 tests: the site plus a view that fails.
urlpatterns = [*site_urlpatterns, path("test-boom/", boom)]


def in_french(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"


def french(msgid: str) -> str:
    # The French of a string as the catalog has it (English until the lead
    # merges locale/pending into the catalogs).
    with translation.override("fr"):
        return translation.gettext(msgid)


def assert_site_page(html: str, language: str = "en"):
    assert f'<html lang="{language}"' in html
    assert 'class="navbar' in html
    assert BACK_LINK in html


# --- 404 ---------------------------------------------------------------------------------

def test_an_unknown_address_shows_the_sites_404_page_with_a_way_back(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert_site_page(html)
    assert "Page not found" in html
    assert "Back to the start page" in html
    assert 'name="language"' in html  # the language menu
    # Not Django's debug page listing every URL of the site.
    assert "URLconf" not in html and "registry/" not in html.split("<main")[1]


def test_the_404_page_speaks_french_to_a_french_user(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    in_french(client)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert_site_page(html, "fr")
    assert french("Back to the start page") in html
    assert french("Page not found") in html
    assert "Appels ouverts" in html  # the applicant's menu, in French


# --- 403 ---------------------------------------------------------------------------------

def test_a_caseworker_on_the_scholarship_staff_pages_gets_the_sites_403_page(client):
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    response = client.get(reverse("scholarships:admin_home"))
    html = response.content.decode()
    assert response.status_code == 403
    assert_site_page(html)
    assert "Access refused" in html
    assert "Back to the start page" in html
    # The caseworker's own menu is there to go on working.
    assert f'href="{reverse("reintegration:caseload")}"' in html
    assert 'name="language"' in html


def test_the_403_page_speaks_french_to_a_french_user(client):
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    in_french(client)
    response = client.get(reverse("scholarships:admin_home"))
    html = response.content.decode()
    assert response.status_code == 403
    assert_site_page(html, "fr")
    assert french("Access refused") in html
    assert french("Back to the start page") in html
    assert "Se déconnecter" in html  # the menu, in French


# --- 500 ---------------------------------------------------------------------------------

@pytest.mark.urls(__name__)
def test_a_failing_view_shows_the_sites_500_page_with_a_way_back(client):
    client.raise_request_exception = False
    response = client.get("/test-boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert_site_page(html)
    assert "Something went wrong" in html
    assert "Back to the start page" in html
    assert "a bug in a view" not in html and "Traceback" not in html


@pytest.mark.urls(__name__)
def test_the_500_page_speaks_french_to_a_french_user(client):
    client.raise_request_exception = False
    in_french(client)
    response = client.get("/test-boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert_site_page(html, "fr")
    assert "Gestion des dossiers" in html  # "Casework", already in the catalog
    assert french("Something went wrong") in html
    assert french("Back to the start page") in html


def test_the_500_page_renders_without_request_context_or_database(django_assert_num_queries):
    # Django's server_error renders it with an empty context: nothing may query.
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render({})
    assert BACK_LINK in html
    assert f'href="{reverse("scholarships:call_list")}"' in html


# --- the way to the open calls ------------------------------------------------------------

def test_an_anonymous_visitor_of_the_start_page_finds_the_open_calls(client):
    response = client.get("/", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{reverse("scholarships:call_list")}"' in html
    assert "Open calls" in html
    assert client.get(reverse("scholarships:call_list")).status_code == 200


def test_the_applicants_menu_leads_to_the_open_calls_and_their_applications(client):
    client.force_login(UserFactory(roles=[Role.APPLICANT]))
    response = client.get(reverse("scholarships:my_applications"))
    nav = response.content.decode().split("</nav>")[0]
    assert f'href="{reverse("scholarships:call_list")}"' in nav
    assert f'href="{reverse("scholarships:my_applications")}"' in nav


def test_a_caseworkers_menu_does_not_offer_the_open_calls(client):
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    response = client.get(reverse("reintegration:caseload"))
    nav = response.content.decode().split("</nav>")[0]
    assert f'href="{reverse("scholarships:call_list")}"' not in nav


# --- the login form -------------------------------------------------------------------------

def test_the_login_field_asks_for_an_email_or_username(client):
    html = client.get(reverse("login")).content.decode()
    assert "E-mail or username" in html
    assert ">Username" not in html


def test_a_wrong_password_is_refused_without_calling_the_email_case_sensitive(client):
    UserFactory(username="awa.ndiaye@example.org", email="awa.ndiaye@example.org")
    response = client.post(reverse("login"), {"username": "awa.ndiaye@example.org",
                                              "password": "not-the-password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "case-sensitive" not in html
    assert str(MSG_INVALID_LOGIN) in html
    assert "_auth_user_id" not in client.session


def test_the_email_address_may_be_typed_in_capitals_as_the_message_says(client):
    UserFactory(username="awa.ndiaye@example.org", email="awa.ndiaye@example.org")
    response = client.post(reverse("login"), {"username": "Awa.Ndiaye@Example.ORG",
                                              "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
