"""End to end in Chromium: a scholarship administrator opens the report (its
charts drawn on the server, under the strict CSP), asks for the applications
export, and watches the progress page turn to "Ready" by itself (the
polling script), then downloads the file."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from reporting.models import ExportJob
from reporting.services import export_job_build
from scholarships.factories import ApplicationFactory, CallFactory
from scholarships.states import State
from tests.test_browser_reintegration import click, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_shows_its_charts_and_an_export_becomes_ready_on_its_page(
        page: Page, live_server, role_groups, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path, "base_url": None}}}
    base = live_server.url
    call = CallFactory(academic_year=2031, title="Masters in water management")
    for number in range(1, 13):
        ApplicationFactory(call=call, state=State.SUBMITTED, submitted_at=timezone.now(),
                           reference=f"SCH-2031-{number:05d}",
                           applicant=PersonFactory(sex="female", nationalities=["SN"]))
    UserFactory(username="nadia", first_name="Nadia", roles=[Role.SCHOLARSHIP_ADMIN])

    log_in(page, base, "nadia")
    click(page, page.get_by_role("link", name="Scholarship figures"))
    expect(page.locator("h1")).to_have_text("Scholarships report")
    expect(page.locator("#chart-nationality-desc")).to_contain_text("Senegal: 12")
    expect(page.locator("#chart-years-desc")).to_contain_text("Applications: 2031 12")

    # A job still waiting: its page polls until the worker (here, this test) is done.
    nadia = UserFactory(username="nadia")
    job = ExportJob.objects.create(user=nadia, kind="scholarships.applications", format="csv")
    page.goto(f"{base}/reports/exports/{job.pk}/")
    expect(page.locator("[data-status-label]")).to_have_text("Waiting")
    expect(page.locator("[data-download]")).to_be_hidden()
    export_job_build(job_id=job.pk)
    expect(page.locator("[data-status-label]")).to_have_text("Ready", timeout=15000)
    expect(page.locator("[data-rows]")).to_have_text("12")
    with page.expect_download() as download:
        page.locator("[data-download] a").click()
    assert download.value.suggested_filename.endswith(".csv")


def test_a_supervisor_opens_the_return_figures_of_the_team(page: Page, live_server, role_groups):
    from reintegration.factories import CaseFactory, ReturneeFactory, caseworker, supervisor_of
    from reintegration.states import State as CaseState

    worker = caseworker("awa")
    supervisor_of(worker, username="ines")
    for _ in range(6):
        CaseFactory(principal=ReturneeFactory(country="GN"), country_of_return="GN",
                    caseworker=worker, state=CaseState.MONITORING,
                    arrived_on=timezone.localdate(), next_action_due=None)
    log_in(page, live_server.url, "ines")
    click(page, page.get_by_role("link", name="Return figures"))
    expect(page.locator("h1")).to_have_text("Returns and reintegration report")
    expect(page.locator("#chart-countries-desc")).to_contain_text("Guinea: 6")
    page.select_option("#id_country", "SN")
    click(page, page.get_by_role("button", name="Show"))
    expect(page.get_by_role("region", name="Returns by country of return")).to_contain_text(
        "No data for these filters.")
