"""In a real browser: the analytics dashboard of a workspace with published posts and their
stats shows a KPI card's figure, switching the period changes it, the charts are drawn and
download as PNG, and a chart's CSV download carries the figure; the French page too."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from orchestre.channels import service as channels
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.workspaces import service as workspaces
from tests.analytics.kpi_support import Shop
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def roastery(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person, Person]:
    """A workspace with two published posts and their stats: reach 1,200 two days ago and
    300 twenty days ago; an English and a French owner."""
    person = Person("noa@example.com", "Noa Girard")
    french = Person("lea.roux@example.com", "Léa Roux")
    with arranged_workspace(e2e_database, "Roastery", person) as arranged:
        db, actor, user, workspace = arranged.db, arranged.actor, arranged.user, arranged.workspace
        workspaces.create_user(
            db, french.email, french.name, french.password, locale="fr", timezone="Europe/Paris"
        )
        workspaces.add_member(db, actor, french.email, ["owner"])
        channel = channels.connect_channel(
            db, actor, SecretBox([new_key()]), "mastodon", "@roastery", "@roastery", "Roastery"
        )
        shop = Shop(db, workspace, user, channel)
        now = utcnow()
        shop.post(now - timedelta(days=2), text="New beans", format="image",
                  likes=60, comments=12, reach=1200, impressions=2000)  # fmt: skip
        shop.post(now - timedelta(days=20), text="Latte art", format="short_video",
                  likes=9, reach=300, impressions=500)  # fmt: skip
        ids = workspace.id
    return ids, person, french


def _sign_in(browser: Any, live_site: LiveSite, person: Person, locale: str) -> Any:
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale=locale, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
    return page


def test_the_dashboard_shows_switches_periods_and_downloads_its_figures(
    browser: Any, live_site: LiveSite, roastery: tuple[uuid.UUID, Person, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, person, _french = roastery
    page = _sign_in(browser, live_site, person, "en-US")
    page.goto(f"{live_site.url}/w/{workspace_id}/analytics")
    reach = page.get_by_test_id("kpi-reach")
    expect(reach.get_by_test_id("kpi-value")).to_have_text("1,500")
    expect(page.get_by_test_id("kpi-posts").get_by_test_id("kpi-value")).to_have_text("2")
    # ECharts drew the three charts (a canvas each).
    expect(page.locator("body[data-analytics-ready=true]")).to_have_count(1)
    expect(page.locator("#chart-series canvas").first).to_be_visible()
    expect(page.locator("#chart-heatmap canvas").first).to_be_visible()
    expect(page.locator("#chart-formats canvas").first).to_be_visible()
    expect(page.locator("[data-spark=reach] svg")).to_have_count(1)  # the card's sparkline
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analytics-en.png"), full_page=True)

    page.select_option("[data-testid=period]", "last_7_days")
    page.get_by_test_id("apply").click()
    page.wait_for_url(re.compile(r"period=last_7_days"))
    expect(reach.get_by_test_id("kpi-value")).to_have_text("1,200")
    expect(
        page.get_by_test_id("kpi-engagement_rate_reach").get_by_test_id("kpi-value")
    ).to_have_text("6.0%")  # 72 / 1200

    with page.expect_download() as download_info:
        page.get_by_test_id("csv-kpis").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    header = rows[0]
    reach_row = next(row for row in rows[1:] if "reach" in row)
    assert float(reach_row[header.index("value")]) == 1200

    with page.expect_download() as png_info:
        page.get_by_test_id("png-chart-series").click()
    with open(png_info.value.path(), "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    page.context.close()


def test_the_french_dashboard(
    browser: Any, live_site: LiveSite, roastery: tuple[uuid.UUID, Person, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, _person, french = roastery
    page = _sign_in(browser, live_site, french, "fr-FR")
    page.goto(f"{live_site.url}/w/{workspace_id}/analytics")
    expect(page.locator("h1")).to_have_text("Statistiques")
    value = page.get_by_test_id("kpi-reach").get_by_test_id("kpi-value")
    expect(value).to_have_text("1\u202f500")
    expect(page.locator("#chart-series canvas").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "analytics-fr.png"), full_page=True)
    page.context.close()
