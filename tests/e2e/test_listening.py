"""In a real browser against `orchestre serve`, with a sandbox network the test runs itself
over HTTP: a listening query is written (the live check names a broken rule first), saved,
collected at once, and the matching public posts arrive as mentions with brand health."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from orchestre.connectors.base import DraftPost
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.kit.clock import FrozenClock, utcnow
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone
from tests.e2e.test_inbox import sandbox_over_http

pytestmark = pytest.mark.e2e

ACCOUNT = "listening-roastery"


def _arrange(url: str, key: str, sandbox_url: str) -> tuple[uuid.UUID, Person]:
    owner = someone("ines.listening", "Inès Moreau")
    with arranged_workspace(url, "Torréfaction Nord", owner, key=key) as arranged:
        arranged.sandbox_channel(ACCOUNT, "@torrefaction", "Torréfaction Nord", sandbox_url)
    return arranged.workspace_id, owner


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"listening-{name}.png"), full_page=True)


def test_a_query_collects_mentions_from_the_sandbox(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    network = SandboxNetwork(seed=5)
    network.account(ACCOUNT, "@torrefaction", "Torréfaction Nord")
    network.publish(ACCOUNT, DraftPost(text="Un CROISSANT au beurre, super matin #Lille"))
    network.publish(ACCOUNT, DraftPost(text="Croissant ou galette ? La galette gagne"))
    network.publish(ACCOUNT, DraftPost(text="Des croissants partout"))  # not the word
    with sandbox_over_http(network) as sandbox_url:
        workspace_id, owner = _arrange(e2e_database, live_site.encryption_key, sandbox_url)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_site.url, owner)
        page.goto(f"{live_site.url}/w/{workspace_id}/listening")
        page.get_by_test_id("no-mentions").wait_for()
        _shot(page, "01-empty")

        page.fill("#q-name", "Croissants")
        page.fill("#q-query", "croissant (galette")
        page.get_by_test_id("query-check").filter(has_text="never closed").wait_for()
        page.fill("#q-query", "croissant -galette")
        page.get_by_test_id("query-ok").wait_for()
        page.get_by_test_id("save-query").click()
        page.get_by_test_id("notice").wait_for()
        assert page.get_by_test_id("query").count() == 1

        page.get_by_test_id("collect-now").click()
        page.get_by_test_id("mention").first.wait_for()
        mentions = page.get_by_test_id("mention")
        assert mentions.count() == 1
        assert "CROISSANT au beurre" in mentions.first.inner_text()
        assert page.get_by_test_id("health-total").inner_text() == "1"
        assert "#lille" in page.get_by_test_id("top-hashtags").inner_text()
        page.wait_for_function("document.body.dataset.listeningReady === 'true'")
        _shot(page, "02-collected")
        context.close()


def test_a_burst_of_mentions_shows_as_a_trend(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    # The network's clock starts half a day ago, on the hour (the trends count by the
    # hour): ten ordinary hours, then a burst inside one hour.
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    clock = FrozenClock(hour - timedelta(hours=12))
    network = SandboxNetwork(seed=6, clock=clock, sleep=lambda _s: None)
    network.account(ACCOUNT, "@torrefaction", "Torréfaction Nord")
    for h in range(10):
        for k in range(4):
            network.publish(ACCOUNT, DraftPost(text=f"Un café filtre ce matin {h} {k}"))
            clock.advance(minutes=15)
    for n in range(12):
        network.publish(ACCOUNT, DraftPost(text=f"Café fermé, grève des livreurs {n}"))
        clock.advance(minutes=4)
    clock.advance(hours=1)
    with sandbox_over_http(network) as sandbox_url:
        workspace_id, owner = _arrange(e2e_database, live_site.encryption_key, sandbox_url)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_site.url, owner)
        page.goto(f"{live_site.url}/w/{workspace_id}/listening")
        page.fill("#q-name", "Café")
        page.fill("#q-query", "café")
        page.get_by_test_id("query-ok").wait_for()
        page.get_by_test_id("save-query").click()
        page.get_by_test_id("collect-now").click()
        page.get_by_test_id("mention").first.wait_for()
        assert page.get_by_test_id("health-total").inner_text() == "52"
        bursts = page.get_by_test_id("burst")
        shown = " ".join(bursts.all_inner_texts())
        assert "greve" in shown
        assert "filtre" not in shown
        assert "12 mentions in the hour of" in shown
        page.wait_for_function("document.body.dataset.listeningReady === 'true'")
        _shot(page, "03-burst")
        context.close()
