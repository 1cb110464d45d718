"""End to end in Chromium: a scholarship administrator filters the
application list and downloads it as CSV from the list's own export buttons,
with the filter applied and without names (under the strict CSP and the
accessibility check of every browser test)."""

import csv
import io

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from accounts.roles import Role
from registry.factories import PersonFactory, UserFactory
from scholarships.factories import ApplicationFactory, CallFactory
from scholarships.states import State
from tests.test_browser_reintegration import click, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_filtered_application_list_is_downloaded_from_its_page(
        page: Page, live_server, role_groups):
    call = CallFactory(academic_year=2034, title="Masters in soil science")
    for number, state in enumerate([State.ELIGIBLE, State.ELIGIBLE, State.SUBMITTED], 1):
        ApplicationFactory(call=call, state=state, submitted_at=timezone.now(),
                           reference=f"SCH-2034-{number:05d}",
                           applicant=PersonFactory(given_names="Ousmane",
                                                   family_name="Quistorff-Ba"))
    UserFactory(username="nadia", roles=[Role.SCHOLARSHIP_ADMIN])
    log_in(page, live_server.url, "nadia")
    page.goto(f"{live_server.url}/scholarships/applications/")
    page.select_option("#id_state", State.ELIGIBLE)
    click(page, page.get_by_role("button", name="Search"))
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV", exact=True).click()
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert sorted(row[0] for row in rows[1:]) == ["SCH-2034-00001", "SCH-2034-00002"]
    assert "Quistorff-Ba" not in str(rows)
    # The list is still there, its filter kept.
    assert page.locator("#id_state").input_value() == State.ELIGIBLE
    click(page, page.get_by_role("link", name="Clear"))
