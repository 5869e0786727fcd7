"""In a real browser against `orchestre serve`, with a sandbox network served over HTTP: a
competitor is added with its sandbox account (an unknown handle refused in place first),
collected, and compared with the brand: the table, the charts and the top posts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from orchestre.connectors.sandbox.network import SandboxNetwork
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone
from tests.e2e.test_inbox import sandbox_over_http

pytestmark = pytest.mark.e2e

ACCOUNT = "competitors-bakery"


def _arrange(url: str, key: str, sandbox_url: str) -> tuple[uuid.UUID, Person]:
    owner = someone("lea.competitors", "Léa Garnier")
    with arranged_workspace(url, "Boulangerie Garnier", owner, key=key) as arranged:
        arranged.sandbox_channel(ACCOUNT, "@garnier", "Boulangerie Garnier", sandbox_url)
    return arranged.workspace_id, owner


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"competitors-{name}.png"), full_page=True)


def test_a_competitor_is_compared_with_the_brand(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    network = SandboxNetwork(seed=8)
    network.account(ACCOUNT, "@garnier", "Boulangerie Garnier")
    with sandbox_over_http(network) as sandbox_url:
        workspace_id, owner = _arrange(e2e_database, live_site.encryption_key, sandbox_url)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_site.url, owner)
        page.goto(f"{live_site.url}/w/{workspace_id}/competitors")
        page.get_by_text("Nothing to compare yet").wait_for()
        _shot(page, "01-empty")

        page.get_by_test_id("competitor-name").fill("Maison Rivale")
        page.get_by_test_id("add-competitor").click()
        page.get_by_test_id("notice").wait_for()
        page.get_by_test_id("account-handle").fill("not a handle")
        page.get_by_test_id("add-account").click()
        page.get_by_text("No sandbox account is named").wait_for()
        page.get_by_test_id("account-handle").fill("@maison_rivale")
        page.get_by_test_id("add-account").click()
        page.get_by_test_id("competitor-account").wait_for()
        assert "@maison_rivale" in page.get_by_test_id("competitor-account").inner_text()

        page.get_by_test_id("collect-competitors").click()
        page.get_by_test_id("comparison-table").wait_for()
        rows = page.get_by_test_id("comparison-row")
        assert rows.count() == 2
        assert "Your brand" in rows.nth(0).inner_text()
        assert "Maison Rivale" in rows.nth(1).inner_text()
        assert page.get_by_test_id("top-post").count() > 0
        page.wait_for_function("document.body.dataset.competitorsReady === 'true'")
        assert page.locator("[data-followers='0'] canvas").count() == 1
        assert page.locator("[data-formats='0'] canvas").count() == 1
        _shot(page, "02-comparison")

        page.get_by_test_id("period").select_option("last_7_days")
        page.wait_for_url("**period=last_7_days")
        page.get_by_test_id("comparison-table").wait_for()

        # In French, at a phone's width: the same comparison, in words a French reader reads.
        page.get_by_test_id("user-menu").click()
        page.get_by_test_id("language-fr").click()
        page.wait_for_load_state()
        page.get_by_test_id("comparison-table").wait_for()
        assert page.get_by_role("heading", name="Concurrents", exact=True).is_visible()
        assert "Votre marque" in page.get_by_test_id("comparison-row").nth(0).inner_text()
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_function("document.body.dataset.competitorsReady === 'true'")
        _shot(page, "03-phone-fr")
        context.close()
