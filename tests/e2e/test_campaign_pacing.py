"""In a real browser: a campaign is created with a budget, its spend is imported from a CSV
file (French headers, decimal commas, one bad line reported), and its pacing status and
chart show it ahead of plan."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, new_workspace, sign_in

pytestmark = pytest.mark.e2e
ZONE = "Europe/Paris"


@pytest.fixture(scope="module")
def agency(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person]:
    person = Person("noor.campaigns@example.com", "Noor Haddad")
    return new_workspace(e2e_database, "Agency", person, timezone=ZONE), person


def test_create_a_campaign_import_spend_and_see_its_pacing(
    browser: Any, live_site: LiveSite, agency: tuple[uuid.UUID, Person]
) -> None:
    workspace_id, person = agency
    today = datetime.now(ZoneInfo(ZONE)).date()
    first, last = today - timedelta(days=10), today + timedelta(days=19)  # 30 days, 100 a day
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    sign_in(page, live_site.url, person)
    page.get_by_role("link", name="Campaigns").first.click()
    page.wait_for_url(f"{live_site.url}/w/{workspace_id}/campaigns")
    assert "No campaign yet" in page.content()

    page.fill("#c-name", "Summer launch")
    page.select_option("#c-objective", "traffic")
    page.fill("#c-starts", first.isoformat())
    page.fill("#c-ends", last.isoformat())
    page.fill("#c-budget", "3 000")
    page.get_by_test_id("create-campaign").click()
    page.wait_for_url(re.compile(r"/campaigns/[0-9a-f-]+\?done=created"))
    assert page.get_by_test_id("pace-status").first.get_attribute("data-pace") == "behind"

    # Ten days passed at 150 a day: 1,500 spent where 1,000 were planned.
    days = [first + timedelta(days=n) for n in range(10)]
    lines = "".join(f"{_fr(d)};Summer launch;150,00\n" for d in days)
    csv = "Date;Campagne;Dépenses\n" + lines + f"{_fr(today)};Winter;5\n"
    page.set_input_files(
        "#r-file", files=[{"name": "spend.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_test_id("import-results").click()
    report = page.get_by_test_id("import-report")
    report.wait_for()
    assert "11 lines read" in report.inner_text()
    assert "10 new days recorded" in report.inner_text()
    assert "No campaign of this name or id here" in report.inner_text()

    assert page.get_by_test_id("pace-status").first.get_attribute("data-pace") == "ahead"
    assert page.get_by_test_id("pacing-planned").inner_text() == "1,000.00"
    assert page.get_by_test_id("pacing-actual").inner_text() == "1,500.00"
    assert page.get_by_test_id("pacing-pace").inner_text() == "150 %"
    assert "overspend" in page.get_by_test_id("pacing-alert").inner_text()
    page.wait_for_selector("body[data-pacing-ready='true']")
    assert page.locator("#chart-pacing canvas").count() >= 1
    page.get_by_test_id("pacing-chart").screenshot(path=str(ARTIFACTS / "campaign-pacing.png"))

    page.goto(f"{live_site.url}/w/{workspace_id}/campaigns")
    row = page.get_by_test_id("campaign-row").filter(has_text="Summer launch")
    assert row.get_by_test_id("pace-status").get_attribute("data-pace") == "ahead"
    context.close()


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")
