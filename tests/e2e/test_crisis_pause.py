"""In a real browser against `orchestre serve`: pause the workspace in a crisis, see the band
on every page and nothing published when a post falls due; resume, and it goes out."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from orchestre.approvals import service as approvals
from orchestre.channels import service as channels
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import PostVariant, Publication
from orchestre.posts import scheduling
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, ScheduleCreate
from orchestre.workspaces import auth
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace

pytestmark = pytest.mark.e2e


def _state(url: str, post_id: uuid.UUID) -> str:
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            found = db.scalars(
                select(Publication.state)
                .join(PostVariant, PostVariant.id == Publication.variant_id)
                .where(PostVariant.post_id == post_id)
            ).one()
            return str(found)
    finally:
        engine.dispose()


def test_a_paused_workspace_publishes_nothing_until_resumed(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    person = Person("ines@example.com", "Inès Roux")
    with arranged_workspace(e2e_database, "Crisis Bakery", person) as arranged:
        db, actor, user, workspace = arranged.db, arranged.actor, arranged.user, arranged.workspace
        channel = channels.connect_channel(
            db, actor, SecretBox([new_key()]), "sandbox", "bakery", "@bakery", "Bakery"
        )
        workspace_id, channel_id = workspace.id, channel.id

    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
    base = f"{live_site.url}/w/{workspace_id}"

    page.goto(f"{base}/publishing")
    page.fill("#pause-reason", "Product recall: hold everything")
    page.get_by_test_id("pause").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("crisis-band").is_visible()

    # A post falls due while the pause holds (scheduled through the services, as a
    # colleague would from the editor).
    engine = make_engine(e2e_database)
    with transaction(make_session_factory(engine)) as db:
        actor = auth.actor_for(db, user.id, workspace_id)
        data = PostCreate.model_validate(
            {"base_text": "Fresh croissants at 7", "channel_ids": [channel_id]}
        )
        post_id = posts.create_post(db, actor, data).post.id
        approvals.submit(db, actor, post_id)  # no review step: approved at once
        at = utcnow() + timedelta(seconds=2)
        scheduling.schedule(db, actor, post_id, ScheduleCreate(at=at))
    engine.dispose()

    time.sleep(5)  # the ticker looks every second at most
    assert _state(e2e_database, post_id) == "scheduled"
    page.goto(f"{base}/posts")
    assert page.get_by_test_id("crisis-band").is_visible()
    assert "Product recall" in page.get_by_test_id("crisis-band").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "crisis-01-paused.png"), full_page=True)

    page.goto(f"{base}/publishing")
    assert page.get_by_test_id("upcoming").inner_text().count("Fresh croissants") == 1
    page.get_by_test_id("resume").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("crisis-band").count() == 0
    deadline = time.monotonic() + 20
    while _state(e2e_database, post_id) != "published" and time.monotonic() < deadline:
        time.sleep(0.25)
    assert _state(e2e_database, post_id) == "published"
    page.screenshot(path=str(ARTIFACTS / "crisis-02-resumed.png"), full_page=True)
    context.close()
