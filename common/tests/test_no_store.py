"""Cache-Control: no-store on every page and file that shows personal data
(common/middleware.py); static files and the public pages stay cacheable."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, HttpResponse
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from accounts.roles import Role
from common.middleware import NoStoreMiddleware
from registry.factories import PersonFactory, UserFactory
from reintegration.factories import CaseFactory
from scholarships.factories import ApplicationFactory, CallFactory
from scholarships.models import ApplicationDocument, DocumentKind

pytestmark = pytest.mark.django_db

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def assert_not_stored(response):
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, cache_control
    assert "private" in cache_control, cache_control


def test_a_person_page_is_never_stored(client):
    person = PersonFactory()
    client.force_login(UserFactory(roles=[Role.DPO]))
    response = client.get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 200
    assert person.reference in response.content.decode()
    assert_not_stored(response)


def test_a_case_page_is_never_stored(client):
    case = CaseFactory()
    client.force_login(case.caseworker)
    response = client.get(reverse("reintegration:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert case.reference in response.content.decode()
    assert_not_stored(response)


def test_a_refused_page_is_not_stored_either(client):
    case = CaseFactory()
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    response = client.get(reverse("reintegration:case_detail", args=[case.pk]))
    assert response.status_code in (403, 404)
    assert_not_stored(response)


@pytest.fixture
def applicant():
    user = UserFactory(roles=[Role.APPLICANT])
    PersonFactory(user=user)
    return user


def test_the_portal_pages_are_never_stored(client, applicant):
    application = ApplicationFactory(applicant=applicant.person)
    client.force_login(applicant)
    for url in (reverse("scholarships:my_applications"),
                reverse("scholarships:application_detail", args=[application.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_not_stored(response)


def test_a_download_is_never_stored(client, applicant, private_storage):
    application = ApplicationFactory(applicant=applicant.person)
    client.force_login(applicant)
    client.post(reverse("scholarships:documents_step", args=[application.pk]), {
        "kind": DocumentKind.CV,
        f"{DocumentKind.CV}-file": SimpleUploadedFile("cv.pdf", PDF_BYTES),
    })
    document = ApplicationDocument.objects.get()
    response = client.get(reverse("scholarships:document_download",
                                  args=[application.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert_not_stored(response)


def test_an_admin_page_is_never_stored(client):
    person = PersonFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in (reverse("admin:index"),
                reverse("admin:registry_person_change", args=[person.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_not_stored(response)


def test_a_file_response_is_never_stored_even_to_an_anonymous_visitor():
    """A file a view forgot to mark (e.g. behind a secret link): the middleware marks it."""
    request = RequestFactory().get("/some/file/")
    middleware = NoStoreMiddleware(lambda r: FileResponse(io.BytesIO(b"x"), filename="x.pdf"))
    assert_not_stored(middleware(request))
    attachment = HttpResponse(b"a,b", content_type="text/csv")
    attachment["Content-Disposition"] = 'attachment; filename="list.csv"'
    assert_not_stored(NoStoreMiddleware(lambda r: attachment)(request))


def test_a_page_behind_a_secret_link_or_answering_a_post_is_never_stored():
    """Even to an anonymous visitor: the link is someone's key, the answer to a
    form shows what they typed. The middleware marks what a view forgot."""
    factory = RequestFactory()
    page = NoStoreMiddleware(lambda r: HttpResponse(b"<p>Letter for Aminata Diallo</p>"))
    request = factory.get(reverse("scholarships:referee_upload", args=["abc"]))
    request.resolver_match = resolve(request.path)
    assert_not_stored(page(request))
    assert_not_stored(page(factory.post("/accounts/signup/", {"email": "a@example.org"})))
    public = factory.get(reverse("scholarships:call_list"))
    public.resolver_match = resolve(public.path)
    assert "Cache-Control" not in page(public)


def test_the_public_call_list_and_the_privacy_notice_stay_cacheable(client):
    """(The login page is Django's: it marks itself never_cache.)"""
    CallFactory()
    for url in (reverse("scholarships:call_list"), reverse("privacy_notice")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.get("Cache-Control", ""), url


def test_a_static_file_stays_cacheable_even_for_a_logged_in_user(settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ without collectstatic
    client = Client()  # a new client builds its middleware with the setting above
    client.force_login(UserFactory(roles=[Role.DPO]))
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_demo_seeders_refuse_when_demo_data_is_not_allowed(settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from registry.models import Person

    settings.DEMO_DATA_ALLOWED = False
    for command in ("seed_demo", "seed_demo_scholarships", "seed_demo_reintegration"):
        with pytest.raises(CommandError, match="Demo data is not allowed"):
            call_command(command)
    assert not Person.objects.exists()
