"""The public privacy notice: what a person reads before signing up."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_notice_is_public_and_shows_its_version_and_the_dpo_address(client, settings):
    settings.PRIVACY_NOTICE_VERSION = "2031-04"
    settings.DPO_EMAIL = "privacy@agency.example"
    response = client.get("/privacy/")
    assert response.status_code == 200
    assert response.templates[0].name == "privacy_notice.html"
    html = response.content.decode()
    assert "Version 2031-04" in html
    assert 'href="mailto:privacy@agency.example"' in html
    for said in ("scholarship", "reviewers assigned", "selection committee",
                 "retention schedule", "anonymised", "access", "rectification", "erasure",
                 "objection"):
        assert said in html


def test_every_page_links_the_notice_in_its_footer(client):
    html = client.get(reverse("login")).content.decode()
    footer = html[html.index("<footer"):html.index("</footer>")]
    assert f'href="{reverse("privacy_notice")}"' in footer

