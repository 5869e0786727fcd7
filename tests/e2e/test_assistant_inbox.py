"""In a real browser: a question arrives in the inbox (stored as the poller stores it, so a
busy machine cannot time the webhook out); the community manager opens it, asks
the assistant for a reply, sees the suggestion labelled as an AI draft (with the provider
and the prompt) in the reply box, edits it and sends it through the normal reply, and the
answer reaches the (sandbox) network."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from orchestre.connectors.base import DraftPost, Interaction
from orchestre.connectors.sandbox.inbound import say
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.inbox import replies
from orchestre.inbox.ingest import ingest
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import Channel
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone
from tests.e2e.test_inbox import MODELS, sandbox_over_http, wait_until

pytestmark = pytest.mark.e2e

ACCOUNT = "assistant-atelier"
QUESTION = "Hello, where is my parcel? Order 77120 has not arrived yet."
SAVED = "Hi {first_name}, your order {order_id} left our workshop and arrives within 3 days."


def _arrange(url: str, key: str, sandbox_url: str) -> tuple[uuid.UUID, Person]:
    manager = someone("nina", "Nina Rossi")
    with arranged_workspace(url, "Atelier Nord", manager, key=key, timezone="UTC") as arranged:
        arranged.sandbox_channel(ACCOUNT, "@atelier", "Atelier Nord", sandbox_url)
        replies.create_saved_reply(
            arranged.db,
            arranged.actor,
            replies.SavedReplyInput("Where is my order", "en", SAVED, tags=["question"]),
        )
    return arranged.workspace_id, manager


def _arrive(url: str, workspace_id: uuid.UUID, item: Interaction) -> None:
    """The question lands in the inbox as a poll brings it (classified)."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        channel = db.query(Channel).filter_by(workspace_id=workspace_id).one()
        ingest(db, channel, [item], source="poll")
    engine.dispose()


def _answers(network: SandboxNetwork, parent_id: str) -> list[str]:
    page = network.read(ACCOUNT, "comments", cursor=None, limit=500)
    return [i.text for i in page.items if i.own and i.parent_external_id == parent_id]


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"assistant-inbox-{name}.png"), full_page=False)


def test_a_suggested_reply_is_labelled_edited_and_sent(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    if not (MODELS / "manifest.json").exists():
        pytest.skip("the classifier models are not built (orchestre.ml retrain)")
    network = SandboxNetwork(seed=11)
    network.account(ACCOUNT, "@atelier", "Atelier Nord")
    post = network.publish(ACCOUNT, DraftPost(text="Our autumn collection is out."))
    with sandbox_over_http(network) as sandbox_url:
        workspace_id, manager = _arrange(e2e_database, live_site.encryption_key, sandbox_url)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(60_000)  # the first suggestion loads the models on a busy box
        sign_in(page, live_site.url, manager)
        question = say(
            network,
            ACCOUNT,
            QUESTION,
            post_id=post.external_id,
            author="sam",
            author_name="Sam Taylor",
            language="en",
        )
        _arrive(e2e_database, workspace_id, question)
        page.goto(f"{live_site.url}/w/{workspace_id}/inbox")
        row = page.get_by_test_id("conversation").filter(has_text="Order 77120")
        row.wait_for(timeout=30_000)
        row.locator(".conv-author").click()
        page.get_by_test_id("thread").filter(has_text="Order 77120").wait_for(timeout=30_000)

        page.get_by_test_id("suggest-reply").click()
        suggestion = page.get_by_test_id("suggestion").first
        suggestion.wait_for(timeout=120_000)
        expected = "Hi Sam, your order 77120 left our workshop and arrives within 3 days."
        assert expected in suggestion.inner_text()
        assert "Where is my order" in suggestion.inner_text()
        _shot(page, "01-suggestions")

        suggestion.get_by_test_id("use-suggestion").click()
        text = page.get_by_test_id("reply-text")
        assert text.input_value() == expected
        label = page.get_by_test_id("ai-draft-label")
        label.wait_for()
        assert "AI draft" in label.inner_text()
        assert "offline assistant · community.reply/1" in label.inner_text()

        text.press("End")
        text.type(" Thank you for waiting!")
        label.filter(has_text="edited").wait_for()
        _shot(page, "02-ai-draft-edited")
        sent = expected + " Thank you for waiting!"
        page.get_by_test_id("send-reply").click()
        page.get_by_test_id("message").filter(has_text="Thank you for waiting!").wait_for()
        wait_until(
            lambda: sent in _answers(network, question.external_id),
            "the edited answer on the network",
        )
        _shot(page, "03-sent")
        context.close()
