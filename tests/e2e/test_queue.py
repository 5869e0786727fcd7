"""In a real browser: give a channel posting slots, then add an approved post to the queue."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from orchestre.approvals import service as approvals
from orchestre.channels import service as channels
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace

pytestmark = pytest.mark.e2e
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def roastery(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, uuid.UUID, Person]:
    """A workspace of its own, without review steps, with one approved post and no slots."""
    person = Person("maelle@example.com", "Maëlle Perrin")
    with arranged_workspace(e2e_database, "Queue Roastery", person) as arranged:
        db, actor, workspace = arranged.db, arranged.actor, arranged.workspace
        channel = channels.connect_channel(
            db, actor, SecretBox([new_key()]), "mastodon", "@roast@piaille.fr", "roast", "Roast"
        )
        data = PostCreate.model_validate(
            {"base_text": "Fresh beans every Monday", "channel_ids": [channel.id]}
        )
        post_id = posts.create_post(db, actor, data).post.id
        approvals.submit(db, actor, post_id)  # no review step: approved at once
        workspace_id = workspace.id
    return workspace_id, post_id, person


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_add_a_post_to_the_queue(
    browser: Any, live_site: LiveSite, roastery: tuple[uuid.UUID, uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, post_id, person = roastery
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
    base = f"{live_site.url}/w/{workspace_id}"

    # Without slots, the queue says what to do.
    page.goto(f"{base}/posts/{post_id}")
    page.get_by_test_id("add-to-queue").click()
    expect(page.get_by_text("has no posting slots yet").first).to_be_visible()

    # Every day at 09:00 and 18:00: the next free one is always within a day.
    page.goto(f"{base}/settings/slots")
    card = page.get_by_test_id("slots-card").first
    for hhmm in ("09:00", "18:00"):
        for box in card.locator("input[name=weekdays]").all():
            box.check()
        card.locator("input[name=time]").fill(hhmm)
        card.get_by_role("button", name="Add").click()
        card = page.get_by_test_id("slots-card").first
    expect(card.get_by_test_id("slot")).to_have_count(14)
    _shot(page, "queue-01-slots-en")

    page.goto(f"{base}/posts/{post_id}")
    page.get_by_test_id("add-to-queue").click()
    page.wait_for_url(re.compile(r"done=scheduled"))
    expect(page.locator(".page-head [data-status]").first).to_have_text("Scheduled")
    expect(page.get_by_test_id("repeat-panel")).to_be_visible()
    _shot(page, "queue-02-queued-en")

    api = page.request.get(f"{live_site.url}/api/v1/workspaces/{workspace_id}/posts/{post_id}")
    when = datetime.fromisoformat(api.json()["variants"][0]["scheduled_at"]).astimezone(PARIS)
    assert (when.hour, when.minute) in {(9, 0), (18, 0)}
    assert when - datetime.now(PARIS) < timedelta(days=1)
    context.close()
