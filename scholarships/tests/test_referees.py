"""The referees step (the applicant's side) and the referee's private upload
page (no account)."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Role
from privatemedia.files import MSG_WRONG_TYPE
from registry.factories import PersonFactory, UserFactory
from scholarships import services, urls
from scholarships.factories import (
    ApplicationFactory,
    CompleteApplicationFactory,
    RefereeFactory,
    ReviewerProfileFactory,
    admin_user,
    review_as,
)
from scholarships.forms.uploads import (
    MSG_REFEREE_ALREADY_NAMED,
    MSG_REFEREE_EMAIL_INVALID,
    MSG_REFEREE_IS_APPLICANT,
)
from scholarships.models import Referee
from scholarships.views.session import MSG_CHECK_AND_SAVE
from scholarships.views.uploads import MSG_LETTER_THANKS, MSG_REFEREE_NAMED
from scholarships.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def applicant():
    user = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=user, birth_date=datetime.date(1996, 8, 2))
    return user


@pytest.fixture
def application(applicant):
    return ApplicationFactory(applicant=applicant.person)


def page_url(application):
    return reverse("scholarships:referees_step", args=[application.pk])


def referee_data(prefix="add", **values):
    data = {"name": "Prof. Kwame Mensah", "email": "k.mensah@ug.edu.gh",
            "institution": "University of Ghana", "language": "en", **values}
    action = prefix
    return {"action": action, **{f"{prefix}-{key}": value for key, value in data.items()}}


def link(referee):
    return reverse("scholarships:referee_upload", args=[services.referee_token(referee)])


def letter(content=PDF_BYTES, name="letter.pdf"):
    return {"file": SimpleUploadedFile(name, content)}


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- the applicant names referees ---------------------------------------------------------


def test_naming_a_referee_stores_them_and_sends_the_invitation(
        client, applicant, application, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(application), referee_data(language="fr"))
    assert response.status_code == 302
    referee = Referee.objects.get()
    assert (referee.name, referee.email, referee.language) == (
        "Prof. Kwame Mensah", "k.mensah@ug.edu.gh", "fr")
    assert referee.invited_at is not None
    assert [m.to for m in mailoutbox] == [["k.mensah@ug.edu.gh"]]
    page = client.get(response.url)
    assert str(MSG_REFEREE_NAMED % {"name": referee.name}) in messages_of(page)
    assert "Prof. Kwame Mensah" in page.content.decode()


def test_the_page_shows_invitation_and_letter_status_never_the_letter(client, applicant,
                                                                        application):
    waiting = RefereeFactory(application=application,
                             invited_at=datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))
    answered = RefereeFactory(application=application, invited_at=waiting.invited_at)
    services.referee_letter_upload(referee=answered,
                                   upload=SimpleUploadedFile("l.pdf", PDF_BYTES),
                                   content_type="application/pdf")
    answered.refresh_from_db()
    client.force_login(applicant)
    page = client.get(page_url(application))
    html = page.content.decode()
    assert "2 March 2026" in html
    assert "Not yet" in html and "Yes" in html
    assert answered.letter.name not in html
    assert "letter.pdf" not in html and "/references/" not in html
    # Two referees named: no form to add a third, the explanation instead.
    assert page.context["show_add_form"] is False
    assert str(services.MSG_TOO_MANY_REFEREES) in html


def test_no_address_in_the_portal_serves_a_referee_letter(client, applicant, application):
    portal = [p for p in urls.urlpatterns if str(p.pattern).startswith("portal/")]
    assert portal
    assert not [p for p in portal if "letter" in str(p.pattern) or "letter" in (p.name or "")]
    # The staff page that does serve letters does not open to the applicant.
    referee = RefereeFactory(application=application)
    services.referee_letter_upload(referee=referee, upload=SimpleUploadedFile("l.pdf", PDF_BYTES),
                                   content_type="application/pdf")
    client.force_login(applicant)
    for pattern in urls.urlpatterns:
        if "letter" in (pattern.name or ""):
            url = reverse(f"scholarships:{pattern.name}", args=[application.pk, referee.pk])
            assert client.get(url).status_code in (403, 404)


def test_a_third_referee_is_refused_beside_the_form_with_what_was_typed(client, applicant,
                                                                         application):
    RefereeFactory(application=application)
    RefereeFactory(application=application)
    client.force_login(applicant)
    response = client.post(page_url(application), referee_data(name="Dr. Aïcha Traoré"))
    assert response.status_code == 200
    form = response.context["add_form"]
    assert form.non_field_errors() == [str(services.MSG_TOO_MANY_REFEREES)]
    assert response.context["show_add_form"] is True
    assert 'value="Dr. Aïcha Traoré"' in response.content.decode()
    assert application.referees.count() == 2


@pytest.mark.parametrize("email", ["not-an-address", "k.mensah@", ""])
def test_a_bad_email_is_refused_beside_the_field(client, applicant, application, email):
    client.force_login(applicant)
    response = client.post(page_url(application), referee_data(email=email))
    assert response.context["add_form"].errors["email"] == [str(MSG_REFEREE_EMAIL_INVALID)]
    assert not Referee.objects.exists()


def test_the_applicant_cannot_be_their_own_referee(client, applicant, application):
    client.force_login(applicant)
    for own in (applicant.person.email.upper(), applicant.email):
        response = client.post(page_url(application), referee_data(email=own))
        assert response.context["add_form"].errors["email"] == [str(MSG_REFEREE_IS_APPLICANT)]
    assert not Referee.objects.exists()


def test_the_same_referee_cannot_be_named_twice(client, applicant, application):
    RefereeFactory(application=application, email="k.mensah@ug.edu.gh")
    client.force_login(applicant)
    response = client.post(page_url(application), referee_data(email="K.Mensah@ug.edu.gh"))
    assert response.context["add_form"].errors["email"] == [str(MSG_REFEREE_ALREADY_NAMED)]
    assert application.referees.count() == 1


def test_a_referee_who_does_not_answer_can_be_replaced(client, applicant, application,
                                                       mailoutbox,
                                                       django_capture_on_commit_callbacks):
    silent = RefereeFactory(application=application)
    other = RefereeFactory(application=application)
    old_link = link(silent)
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(application),
                               referee_data(prefix=f"replace-{silent.pk}", name="Dr. Ngozi Eze",
                                            email="n.eze@unn.edu.ng"))
    assert response.status_code == 302
    silent.refresh_from_db()
    assert silent.replaced_at is not None
    active = application.referees.filter(replaced_at__isnull=True)
    assert {r.pk for r in active} == {other.pk, Referee.objects.get(name="Dr. Ngozi Eze").pk}
    assert [m.to for m in mailoutbox] == [["n.eze@unn.edu.ng"]]
    # The replaced referee's link now says so.
    response = client.get(old_link)
    assert response.status_code == 410
    assert str(services.MSG_REFEREE_REPLACED) in response.content.decode()


def test_replacing_a_referee_already_replaced_in_another_tab_adds_no_third(client, applicant,
                                                                           application):
    silent = RefereeFactory(application=application)
    RefereeFactory(application=application)
    client.force_login(applicant)
    first = referee_data(prefix=f"replace-{silent.pk}", email="first@uni.example.org")
    second = referee_data(prefix=f"replace-{silent.pk}", name="Dr. Second",
                          email="second@uni.example.org")
    assert client.post(page_url(application), first).status_code == 302
    response = client.post(page_url(application), second)
    assert response.status_code == 200
    assert response.context["add_form"].non_field_errors() == [
        str(services.MSG_TOO_MANY_REFEREES)]
    assert 'value="Dr. Second"' in response.content.decode()
    assert application.referees.filter(replaced_at__isnull=True).count() == 2


def test_referees_can_still_be_replaced_after_submission(client, applicant):
    application = CompleteApplicationFactory(applicant=applicant.person)
    services.application_submit(actor=applicant, application=application)
    silent = application.referees.first()
    client.force_login(applicant)
    response = client.post(page_url(application),
                           referee_data(prefix=f"replace-{silent.pk}", email="new@uni.example.org"))
    assert response.status_code == 302
    assert application.referees.filter(replaced_at__isnull=True).count() == 2
    assert application.referees.filter(email="new@uni.example.org").exists()


def test_referees_cannot_change_once_the_review_is_over(client, applicant):
    application = CompleteApplicationFactory(applicant=applicant.person)
    application = services.application_submit(actor=applicant, application=application)
    ReviewerProfileFactory.create_batch(2)
    admin = admin_user()
    services.application_transition(actor=admin, application=application, to=State.ELIGIBLE)
    for assignment in services.reviewers_assign_automatically(actor=admin,
                                                              application=application):
        review_as(assignment, percent=70)
    application.refresh_from_db()
    assert application.state == State.RANKED
    silent = application.referees.first()
    client.force_login(applicant)
    page = client.get(page_url(application))
    assert page.context["changeable"] is False
    assert "<form method=\"post\" action=\"#" not in page.content.decode()
    response = client.post(page_url(application),
                           referee_data(prefix=f"replace-{silent.pk}", email="new@uni.example.org"))
    assert response.status_code == 302
    assert str(services.MSG_REFEREE_NOT_CHANGEABLE) in messages_of(client.get(response.url))
    assert not application.referees.filter(replaced_at__isnull=False).exists()


def test_another_applicant_gets_404(client, application):
    intruder = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=intruder)
    client.force_login(intruder)
    assert client.get(page_url(application)).status_code == 404
    assert client.post(page_url(application), referee_data()).status_code == 404
    assert not Referee.objects.exists()


def test_what_was_typed_before_the_session_expired_comes_back_after_login(client, applicant,
                                                                          application):
    response = client.post(page_url(application), referee_data(name="Dr. Fatou Sarr"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    client.force_login(applicant)
    page = client.get(page_url(application))
    assert str(MSG_CHECK_AND_SAVE) in messages_of(page)
    assert page.context["add_form"]["name"].value() == "Dr. Fatou Sarr"
    assert not Referee.objects.exists()  # shown to check, not saved


# --- the referee's page --------------------------------------------------------------------


def test_the_page_shows_the_applicant_and_the_call_only(client, application):
    application.motivation = "I want to study soil science to help farmers in Kaffrine."
    application.save()
    referee = RefereeFactory(application=application)
    response = client.get(link(referee))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(application.applicant.full_name) in html
    assert escape(application.call.title) in html
    assert "Kaffrine" not in html
    assert application.applicant.email not in html
    assert html.count('type="file"') == 1
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_a_letter_is_received_once(client, application, private_storage):
    referee = RefereeFactory(application=application)
    url = link(referee)
    response = client.post(url, letter(name="Letter for Aminata.pdf"))
    assert response.status_code == 200
    assert str(MSG_LETTER_THANKS) in response.content.decode()
    referee.refresh_from_db()
    assert referee.letter_received_at is not None
    assert referee.letter_content_type == "application/pdf"
    assert referee.letter.name.startswith("references/")
    assert "Aminata" not in referee.letter.name
    assert (private_storage / referee.letter.name).read_bytes() == PDF_BYTES

    again = client.get(url)
    assert again.status_code == 200
    assert str(services.MSG_LETTER_ALREADY) in again.content.decode()
    assert 'type="file"' not in again.content.decode()
    stored = referee.letter.name
    client.post(url, letter(b"%PDF-1.4\nanother\n%%EOF\n"))
    referee.refresh_from_db()
    assert referee.letter.name == stored


def test_a_letter_that_is_not_a_pdf_or_image_is_refused(client, application):
    referee = RefereeFactory(application=application)
    response = client.post(link(referee), letter(b"<html>not a letter</html>", "letter.pdf"))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [str(MSG_WRONG_TYPE)]
    referee.refresh_from_db()
    assert referee.letter_received_at is None


def test_an_expired_link_says_so(client, application, settings, monkeypatch):
    settings.REFEREE_LINK_MAX_AGE_DAYS = 30
    referee = RefereeFactory(application=application)
    issued = time.time() - 31 * 86400
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: issued)
        url = link(referee)
    response = client.get(url)
    assert response.status_code == 410
    assert str(services.MSG_LINK_EXPIRED) in response.content.decode()
    assert client.post(url, letter()).status_code == 410
    referee.refresh_from_db()
    assert referee.letter_received_at is None


def test_a_link_from_29_days_ago_still_works(client, application, settings, monkeypatch):
    settings.REFEREE_LINK_MAX_AGE_DAYS = 30
    referee = RefereeFactory(application=application)
    issued = time.time() - 29 * 86400
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: issued)
        url = link(referee)
    assert client.get(url).status_code == 200


def test_a_tampered_link_is_not_found(client, application):
    referee = RefereeFactory(application=application)
    url = link(referee)
    response = client.get(url[:-3] + "abc/")
    assert response.status_code == 404
    assert str(services.MSG_LINK_INVALID) in response.content.decode()
    assert client.get(reverse("scholarships:referee_upload", args=["nonsense"])).status_code == 404


def test_the_page_speaks_the_referees_language_unless_they_switch(client, application):
    referee = RefereeFactory(application=application, language="fr")
    response = client.get(link(referee))
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr"' in response.content.decode()
    # The language switcher leaves a cookie: the visitor's choice wins.
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    response = client.get(link(referee))
    assert response["Content-Language"] == "nl"
    # Refusals too are in the referee's language.
    client.cookies.clear()
    services.referee_letter_upload(referee=referee, upload=SimpleUploadedFile("l.pdf", PDF_BYTES),
                                   content_type="application/pdf")
    assert client.get(link(referee))["Content-Language"] == "fr"
