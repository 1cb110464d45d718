"""End to end in Chromium: the Content-Security-Policy holds, and the pages'
own scripts still run under it (they are files, not inline code)."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from scholarships.factories import CallFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_injected_inline_script_is_refused_and_reported(page: Page, live_server,
                                                            csp_violations):
    page.goto(live_server.url + reverse("privacy_notice"))
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "document.body.dataset.injected = 'yes';";
        document.body.appendChild(script);
    }""")
    assert page.locator("body").get_attribute("data-injected") is None
    page.wait_for_timeout(200)
    assert any("inline script" in text for text in csp_violations), csp_violations
    csp_violations.clear()  # expected here: the automatic check must not fail this test


@pytest.mark.browser_context_args(timezone_id="Africa/Dakar")
def test_the_local_time_and_the_language_switcher_work_under_the_policy(page: Page,
                                                                        live_server):
    call = CallFactory()
    page.goto(live_server.url + reverse("scholarships:call_list"))
    expect(page.get_by_text(call.title).first).to_be_visible()
    # static/js/local-times.js: the visitor's own time beside the Brussels time.
    expect(page.locator(".local-time").first).to_be_visible()
    expect(page.locator(".local-time").first).to_contain_text("GMT")
    # static/js/site.js: choosing a language sends the form, no button needed.
    page.select_option("#language", "fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
