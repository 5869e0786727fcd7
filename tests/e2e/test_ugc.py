"""In a real browser against `orchestre serve`, with a sandbox network served over HTTP: a
creator's comment with a photo is put on the UGC board from the inbox, the rights are asked
from the item's page (the reply goes out on the network), the creator answers #yes on the
network, and the item shows as granted with the proof, on the board too; a credited draft
is made from it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from orchestre.connectors.base import DraftPost, Interaction, InteractionKind
from orchestre.connectors.sandbox.inbound import push, say
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import InboxMessage
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone
from tests.e2e.test_inbox import sandbox_over_http, wait_until

pytestmark = pytest.mark.e2e

ACCOUNT = "ugc-florist"


def _arrange(url: str, key: str, sandbox_url: str) -> tuple[uuid.UUID, Person]:
    owner = someone("lucie.ugc", "Lucie Marchand")
    with arranged_workspace(url, "Fleurs Lucie", owner, key=key) as arranged:
        arranged.sandbox_channel(ACCOUNT, "@fleurslucie", "Fleurs Lucie", sandbox_url)
    return arranged.workspace_id, owner


def _tell(site: LiveSite, item: Interaction) -> None:
    assert push(f"{site.url}/api/v1/webhooks/sandbox", ACCOUNT, [item]), "webhook refused"


def _stored(url: str, external_id: str) -> InboxMessage | None:
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            return db.scalar(select(InboxMessage).where(InboxMessage.external_id == external_id))
    finally:
        engine.dispose()


def _ours(network: SandboxNetwork, parent_id: str) -> list[Interaction]:
    page = network.read(ACCOUNT, "comments", cursor=None, limit=500)
    return [i for i in page.items if i.own and i.parent_external_id == parent_id]


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ugc-{name}.png"), full_page=True)


def test_rights_are_asked_granted_on_the_network_and_proven(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    network = SandboxNetwork(seed=9)
    network.account(ACCOUNT, "@fleurslucie", "Fleurs Lucie")
    post = network.publish(ACCOUNT, DraftPost(text="Our spring bouquets are in!"))
    with sandbox_over_http(network) as sandbox_url:
        workspace_id, owner = _arrange(e2e_database, live_site.encryption_key, sandbox_url)
        base = f"{live_site.url}/w/{workspace_id}"
        comment = say(
            network,
            ACCOUNT,
            "My bouquet on the balcony! https://img.example/balcony.jpg",
            post_id=post.external_id,
            author="lea_b",
            author_name="Léa B.",
        )
        _tell(live_site, comment)
        wait_until(lambda: _stored(e2e_database, comment.external_id) is not None, "ingested")
        stored = _stored(e2e_database, comment.external_id)
        assert stored is not None

        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_site.url, owner)
        page.goto(f"{base}/ugc")
        page.get_by_test_id("ugc-empty").wait_for()
        _shot(page, "01-empty")

        page.goto(f"{base}/inbox/c/{stored.conversation_id}")
        page.get_by_test_id("add-to-ugc").first.click()
        page.get_by_test_id("request-form").wait_for()
        assert "https://img.example/balcony.jpg" in page.content()
        assert page.get_by_test_id("request-text").input_value().startswith("Hi @lea_b")
        _shot(page, "02-item")

        page.get_by_test_id("send-request").click()
        page.get_by_test_id("notice").wait_for()
        assert page.get_by_test_id("item-status").inner_text() == "Rights requested"
        wait_until(lambda: bool(_ours(network, comment.external_id)), "the request on the network")
        [request] = _ours(network, comment.external_id)

        # Someone else says yes first: nothing changes. Then the creator says yes.
        other = say(
            network,
            ACCOUNT,
            "#yes",
            kind=InteractionKind.REPLY,
            parent_id=request.external_id,
            author="mallory",
        )
        _tell(live_site, other)
        answer = say(
            network,
            ACCOUNT,
            "Of course, go ahead #yes",
            kind=InteractionKind.REPLY,
            parent_id=request.external_id,
            author="lea_b",
        )
        _tell(live_site, answer)
        wait_until(lambda: _stored(e2e_database, answer.external_id) is not None, "answer in")
        page.reload()
        page.get_by_test_id("proof").wait_for()
        assert page.get_by_test_id("item-status").inner_text() == "Rights granted"
        assert page.get_by_test_id("proof-text").inner_text() == "Of course, go ahead #yes"
        assert page.get_by_test_id("proof-link").get_attribute("href") == answer.url
        _shot(page, "03-granted-with-proof")

        page.goto(f"{base}/ugc")
        granted = page.get_by_test_id("column-granted")
        granted.get_by_test_id("ugc-card").wait_for()
        assert "@lea_b" in granted.inner_text()
        _shot(page, "04-board")

        granted.get_by_test_id("ugc-card").click()
        page.fill("#p-text", "Your bouquets, seen by you")
        page.get_by_test_id("create-post").click()
        page.wait_for_url(f"{base}/posts/**")
        assert "Credit: @lea_b" in page.content()
        _shot(page, "05-credited-draft")
        context.close()
