"""An expired session loses nothing: the typed step comes back after logging
in again, through the real login form (django-axes sees the request, and
Django's login() keeps the session's data)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from scholarships.factories import ApplicationFactory
from scholarships.forms import steps as step_forms
from scholarships.models import Application
from scholarships.views import session

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # registry.factories.UserFactory
LOGIN_URL = "/accounts/login/"
MOTIVATION = ("Mon village de Kolda vit de l'arachide et du riz. Je veux apprendre à gérer "
              "l'eau pour que les coopératives produisent aussi en saison sèche. ") * 4


@pytest.fixture
def application():
    user = UserFactory(roles=[Role.APPLICANT])
    person = PersonFactory(user=user, given_names="Moussa", family_name="Sow", country="SN",
                           birth_date=datetime.date(1995, 5, 2), preferred_language="en")
    return ApplicationFactory(applicant=person)


def step_url(application, slug) -> str:
    return reverse("scholarships:application_step", args=[application.pk, slug])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def stashed(client) -> list[str]:
    # A session store is not iterable; its items() is.
    return [key for key, _value in client.session.items() if key.startswith(session.STASH_PREFIX)]


def expire_and_post(client, url, data):
    """The session expired: the POST arrives anonymous."""
    client.logout()
    return client.post(url, data)


def log_in_again(client, application, next_url):
    return client.post(LOGIN_URL, {"username": application.applicant.user.username,
                                   "password": PASSWORD, "next": next_url})


def test_an_anonymous_post_goes_to_login_and_back_to_the_same_step(client, application):
    url = step_url(application, "motivation")
    response = expire_and_post(client, url, {"motivation": MOTIVATION, "continue": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert str(session.MSG_SESSION_EXPIRED) in messages_of(response)
    assert stashed(client) == [f"{session.STASH_PREFIX}{url}"]
    response = log_in_again(client, application, url)
    assert response["Location"] == url
    assert stashed(client)  # login() kept the session's data


def test_after_login_the_step_shows_what_was_typed_not_saved_yet(client, application):
    url = step_url(application, "motivation")
    expire_and_post(client, url, {"motivation": MOTIVATION, "continue": "1"})
    log_in_again(client, application, url)
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.is_bound
    assert form["motivation"].value() == MOTIVATION
    assert escape(MOTIVATION.strip()) in response.content.decode()
    assert str(session.MSG_CHECK_AND_SAVE) in messages_of(response)
    application.refresh_from_db()
    assert application.motivation == "" and application.steps_done == []
    # Saving it now works as usual.
    client.post(url, {"motivation": form["motivation"].value(), "continue": "1"})
    application.refresh_from_db()
    assert application.motivation == MOTIVATION.strip()
    assert "motivation" in application.steps_done


def test_the_kept_data_is_used_once(client, application):
    url = step_url(application, "motivation")
    expire_and_post(client, url, {"motivation": MOTIVATION, "continue": "1"})
    log_in_again(client, application, url)
    assert client.get(url).context["form"].is_bound
    again = client.get(url)
    assert not again.context["form"].is_bound
    assert str(session.MSG_CHECK_AND_SAVE) not in messages_of(again)


def test_typed_errors_show_again_after_login(client, application):
    url = step_url(application, "education")
    expire_and_post(client, url, {"degree_title": "Licence en géographie", "degree_year": "",
                                  "continue": "1"})
    log_in_again(client, application, url)
    response = client.get(url)
    form = response.context["form"]
    assert form["degree_title"].value() == "Licence en géographie"
    assert form.errors["degree_year"] == [str(step_forms.MSG_REQUIRED)]


def test_a_draft_typed_before_expiry_is_checked_as_a_draft(client, application):
    url = step_url(application, "education")
    expire_and_post(client, url, {"degree_title": "Licence en géographie", "draft": "1"})
    log_in_again(client, application, url)
    form = client.get(url).context["form"]
    assert form.is_bound and not form.errors


def test_the_personal_step_keeps_every_value_including_several_nationalities(client,
                                                                             application):
    url = step_url(application, "personal")
    typed = {"given_names": "Moussa", "family_name": "Sow Ndiaye", "birth_date": "1995-05-02",
             "birth_date_precision": "day", "sex": "male", "nationalities": ["SN", "GM"],
             "country_of_residence": "GM", "phone": "+220 700 1234",
             "preferred_language": "en", "continue": "1"}
    expire_and_post(client, url, typed)
    log_in_again(client, application, url)
    form = client.get(url).context["form"]
    assert form["family_name"].value() == "Sow Ndiaye"
    assert sorted(form["nationalities"].value()) == ["GM", "SN"]
    assert form["country_of_residence"].value() == "GM"
    application.applicant.refresh_from_db()
    assert application.applicant.family_name == "Sow"


def test_the_withdraw_reason_is_kept_too(client, application):
    url = reverse("scholarships:application_withdraw", args=[application.pk])
    expire_and_post(client, url, {"reason": "J'ai obtenu une bourse ailleurs."})
    log_in_again(client, application, url)
    response = client.get(url)
    assert response.context["form"]["reason"].value() == "J'ai obtenu une bourse ailleurs."
    application.refresh_from_db()
    assert application.state == "draft"


def test_another_users_page_does_not_open_with_the_kept_data(client, application):
    url = step_url(application, "motivation")
    expire_and_post(client, url, {"motivation": MOTIVATION, "continue": "1"})
    someone_else = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=someone_else)
    client.post(LOGIN_URL, {"username": someone_else.username, "password": PASSWORD,
                            "next": url})
    assert client.get(url).status_code == 404
    assert not stashed(client)
    assert Application.objects.get(pk=application.pk).motivation == ""


def test_a_logged_in_post_is_handled_normally(client, application):
    client.force_login(application.applicant.user)
    response = client.post(step_url(application, "motivation"),
                           {"motivation": MOTIVATION, "continue": "1"})
    assert response["Location"] == reverse("scholarships:documents_step", args=[application.pk])
    assert not stashed(client)


def test_a_huge_post_is_not_kept_and_the_message_says_so(client, application):
    url = step_url(application, "motivation")
    response = expire_and_post(client, url, {"motivation": "x" * (session.MAX_STASH_CHARS + 1)})
    assert str(session.MSG_SESSION_EXPIRED_NOT_KEPT) in messages_of(response)
    assert not stashed(client)


def test_typed_data_belongs_to_its_own_page(client):
    """The stash is keyed by path: another page finds nothing."""
    request = RequestFactory().get("/somewhere/else/")
    request.session = {f"{session.STASH_PREFIX}/scholarships/portal/applications/1/steps/"
                       "motivation/": {"motivation": ["text"]}}
    assert session.typed_data(request, announce=False) is None
    assert len(request.session) == 1
