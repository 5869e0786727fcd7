"""In a real browser: the composer's assistant writes a caption from a brief, with no model
(the offline assistant) and with a local OpenAI-compatible server; the draft lands in the
text labelled "AI draft" with its source and prompt, and the saved post remembers it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from orchestre.assistant import configuration
from orchestre.kit.crypto import SecretBox
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import PostAssistantCall
from tests.assistant.llm_server import LLMServer
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone

pytestmark = pytest.mark.e2e


def _arrange(url: str, key: str, provider_url: str | None) -> tuple[uuid.UUID, Person]:
    owner = someone("lea.assistant", "Léa Martin")
    with arranged_workspace(url, "Boulangerie Martin", owner, key=key, timezone="UTC") as arranged:
        account = f"assistant-{uuid.uuid4().hex[:6]}"
        arranged.sandbox_channel(
            account, "@boulangerie", "Boulangerie Martin", "http://127.0.0.1:9"
        )
        if provider_url:
            change = configuration.ProviderChange(True, provider_url, "tiny-local", 10.0)
            configuration.set_provider(arranged.db, arranged.actor, SecretBox([key]), change)
    return arranged.workspace_id, owner


def _linked_calls(url: str) -> int:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        count = db.query(PostAssistantCall).count()
    engine.dispose()
    return count


def _write_from_brief(page: Any, topic: str) -> None:
    page.get_by_test_id("assistant-brief").locator("summary").click()
    page.fill("#ai-topic", topic)
    page.fill("#ai-cta", "Book yours in the shop")
    page.get_by_test_id("ai-write-caption").click()
    page.get_by_test_id("ai-draft-label").wait_for()


def test_offline_caption_from_a_brief(browser: Any, live_site: LiveSite, e2e_database: str) -> None:
    workspace_id, owner = _arrange(e2e_database, live_site.encryption_key, None)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_site.url, owner)
    page.goto(f"{live_site.url}/w/{workspace_id}/posts/new")
    page.get_by_test_id("assistant-status").filter(has_text="Offline assistant").wait_for()
    before = _linked_calls(e2e_database)
    _write_from_brief(page, "Our sourdough loaf is back on Saturday, baked with local flour.")
    label = page.get_by_test_id("ai-draft-label").inner_text()
    assert "AI draft" in label
    assert "offline assistant" in label
    assert "writing.caption/1" in label
    text = page.input_value("#base_text")
    assert "sourdough loaf is back on Saturday" in text
    assert "Book yours in the shop." in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assistant-composer-offline.png"), full_page=True)

    # A short video's title and description, from the same text.
    page.get_by_test_id("ai-video").click()
    video = page.get_by_test_id("ai-video-text")
    video.filter(has_text="sourdough").wait_for()
    assert "Description" in video.inner_text()

    page.fill("#base_text", text + "\nSee you there!")
    page.get_by_test_id("save-draft").click()
    page.wait_for_url(re.compile(r"/posts/[0-9a-f-]+/edit"))
    assert _linked_calls(e2e_database) == before + 2  # the caption's call and the video's
    context.close()


def test_caption_from_a_local_model(browser: Any, live_site: LiveSite, e2e_database: str) -> None:
    server = LLMServer()
    server.reply("Sourdough Saturday is back: wood-fired, local flour, warm from the oven.")
    try:
        workspace_id, owner = _arrange(e2e_database, live_site.encryption_key, server.base_url)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_site.url, owner)
        page.goto(f"{live_site.url}/w/{workspace_id}/posts/new")
        page.get_by_test_id("assistant-status").filter(has_text="tiny-local").wait_for()
        _write_from_brief(page, "Our sourdough loaf is back on Saturday.")
        assert "tiny-local" in page.get_by_test_id("ai-draft-label").inner_text()
        assert page.input_value("#base_text").startswith("Sourdough Saturday is back")
        assert server.requests[0].json["model"] == "tiny-local"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "assistant-composer-model.png"), full_page=True)
        context.close()
    finally:
        server.close()
