"""End to end in Chromium (issue 15): a scholarship administrator in the
Django admin filters the submitted applications, selects all of them across
the list's pages and confirms their eligibility. Over BULK_ACTION_DIRECT_MAX
the action runs in the background: the administrator lands on the job's
progress page, which ends showing every record done, with a way back to the
list. Nobody else sees that page. (Celery runs eagerly here, so the job runs
when the admin request commits; tests/test_bulk_worker.py runs it through a
real worker.) The second test holds the job on the broker to see the page
while it runs: it reloads itself until the job is done."""

import re

import pytest
import test_worker as harness
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import Page, expect

from reporting import tasks
from reporting.models import BulkJob
from scholarships.factories import (
    ApplicationFactory,
    CallFactory,
    admin_user,
    submitted_application,
)
from scholarships.models import Application
from scholarships.states import State
from tests.test_browser_reintegration import click, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
private_queue = harness.private_queue
tasks_through_the_broker = harness.tasks_through_the_broker
default_queue_is_private = harness.default_queue_is_private

SUBMITTED = 6


@pytest.fixture
def short_admin_pages(monkeypatch):
    """Four applications a page, so that six fill more than one page and the
    admin offers to select them across the pages (as it does past 100)."""
    monkeypatch.setattr(admin.site._registry[Application], "list_per_page", 4)


def test_a_bulk_action_over_the_limit_runs_in_the_background_with_a_progress_page(
        page: Page, live_server, role_groups, settings, short_admin_pages):
    settings.BULK_ACTION_DIRECT_MAX = 3
    call = CallFactory(title="Masters in water engineering")
    submitted = [submitted_application(call=call) for _ in range(SUBMITTED)]
    drafts = ApplicationFactory.create_batch(2, call=call)  # not submitted: filtered out
    admin_user(is_staff=True, username="nadia")
    admin_user(is_staff=True, username="otto")
    changelist = reverse("admin:scholarships_application_changelist")

    log_in(page, live_server.url, "nadia")
    page.goto(live_server.url + changelist)
    click(page, page.locator("#changelist-filter").get_by_role(
        "link", name=State.SUBMITTED.label, exact=True))
    expect(page.locator("#result_list tbody tr")).to_have_count(4)  # the first page
    page.locator("#action-toggle").check()
    page.get_by_role("button", name=f"Select all {SUBMITTED} applications").click()
    expect(page.get_by_text(f"All {SUBMITTED} selected", exact=True)).to_be_visible()
    page.select_option("select[name=action]",
                       label="Confirm the eligibility of the selected applications")
    click(page, page.get_by_role("button", name="Go"))

    job = BulkJob.objects.get()
    assert job.user.username == "nadia" and job.total == SUBMITTED
    expect(page).to_have_url(re.compile(rf"/reports/bulk/{job.pk}/$"))
    expect(page.get_by_text(f"Started in the background: {SUBMITTED} records.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Confirm the eligibility of the selected applications")
    # The page reloads itself while the job runs; it ends with all six done.
    expect(page.locator("[data-done]")).to_have_text(f"{SUBMITTED} records done.",
                                                     timeout=20_000)
    expect(page.locator("#bulk-bar")).to_have_attribute("value", "100")
    expect(page.get_by_label("Progress: Done")).to_have_attribute("value", "100")
    expect(page.locator("#bulk-progress")).to_contain_text(
        f"100% · {SUBMITTED} / {SUBMITTED} records processed")
    expect(page.locator("[data-refused]")).to_have_count(0)
    expect(page.get_by_role("link", name="Refresh to see the progress")).to_have_count(0)

    assert set(Application.objects.filter(pk__in=[a.pk for a in submitted])
               .values_list("state", flat=True)) == {State.ELIGIBLE}
    assert set(Application.objects.filter(pk__in=[a.pk for a in drafts])
               .values_list("state", flat=True)) == {State.DRAFT}

    # Back to the list as it was filtered when the action was chosen.
    click(page, page.get_by_role("link", name="Back to the list"))
    expect(page).to_have_url(live_server.url + changelist + "?state__exact=submitted")
    expect(page.locator("#result_list tbody tr")).to_have_count(0)  # none submitted now

    # Another administrator who has the address finds no page there.
    progress = live_server.url + job.get_absolute_url()
    log_in(page, live_server.url, "otto")
    response = page.goto(progress)
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text("records done")).to_have_count(0)


def test_the_progress_page_reloads_itself_until_the_job_is_done(
        page: Page, live_server, role_groups, settings, tasks_through_the_broker,
        default_queue_is_private):
    """The job is queued on the broker and waits there; the page says how far
    it has got and follows the job by itself (static/js/bulk-progress.js asks
    its status and loads the outcome once it has finished; without scripts a
    <noscript> refresh does it).
    Like every page, the running page must pass the accessibility check
    (tests/conftest.py runs axe-core on each page load)."""
    settings.BULK_ACTION_DIRECT_MAX = 3
    applications = [submitted_application() for _ in range(4)]
    admin_user(is_staff=True, username="nadia")
    log_in(page, live_server.url, "nadia")
    page.goto(live_server.url + reverse("admin:scholarships_application_changelist"))
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]",
                       label="Confirm the eligibility of the selected applications")
    click(page, page.get_by_role("button", name="Go"))
    job = BulkJob.objects.get()
    expect(page.get_by_text("Started in the background: 4 records.")).to_be_visible()
    expect(page.get_by_label("Progress: Waiting")).to_have_attribute("value", "0")
    # The link is for browsers without scripts; this one follows the job itself.
    expect(page.get_by_role("link", name="Refresh to see the progress")).to_have_count(0)
    tasks.bulk_job_run.apply(args=[job.pk])  # what the worker does with the message
    # No click: within a few seconds the page has reloaded itself, finished.
    expect(page.locator("[data-done]")).to_have_text("4 records done.", timeout=10_000)
    expect(page.get_by_label("Progress: Done")).to_have_attribute("value", "100")
    expect(page.get_by_role("link", name="Refresh to see the progress")).to_have_count(0)
    assert set(Application.objects.filter(pk__in=[a.pk for a in applications])
               .values_list("state", flat=True)) == {State.ELIGIBLE}
