"""A download view with PRIVATE_MEDIA_SERVE = "nginx": the same access checks,
then an empty answer that hands the file to nginx."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.roles import Role
from registry.factories import IdentityDocumentFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def nginx(settings, private_storage):
    from django_sendfile.utils import _get_sendfile

    settings.PRIVATE_MEDIA_SERVE = "nginx"
    settings.SENDFILE_BACKEND = "django_sendfile.backends.nginx"
    settings.SENDFILE_ROOT = str(private_storage)
    settings.SENDFILE_URL = "/protected/"
    _get_sendfile.cache_clear()
    yield
    _get_sendfile.cache_clear()


def test_a_scan_goes_out_through_nginx_after_the_access_check(client, nginx):
    document = IdentityDocumentFactory(person=PersonFactory(),
                                       scan=ContentFile(PDF, name="scan.pdf"),
                                       scan_content_type="application/pdf")
    # The data protection officer reads every scan (registry/tests/test_views.py).
    client.force_login(UserFactory(roles=[Role.DPO]))

    response = client.get(reverse("registry:document_scan", args=[document.pk]))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{document.scan.name}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["Content-Disposition"].endswith('.pdf"')

    # A reviewer sees no scan: the same 404 as for a document that does not exist.
    client.force_login(UserFactory(roles=[Role.REVIEWER]))
    refused = client.get(reverse("registry:document_scan", args=[document.pk]))
    assert refused.status_code == 404
    assert not refused.has_header("X-Accel-Redirect")


def test_an_anonymous_visitor_gets_the_login_page_not_the_file(client, nginx):
    document = IdentityDocumentFactory(scan=ContentFile(PDF, name="scan.pdf"),
                                       scan_content_type="application/pdf")
    response = client.get(reverse("registry:document_scan", args=[document.pk]))
    assert response.status_code == 302
    assert not response.has_header("X-Accel-Redirect")
