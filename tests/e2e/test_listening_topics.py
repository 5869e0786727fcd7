"""In a real browser against `orchestre serve`: the Topics card shows the week's topic
clusters, computed with the real multilingual sentence encoder by the same background
round the server runs, and the weekly digest's page shows the week's recommendations."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.clock import utcnow
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.listening import digest, digest_runtime, topics_service
from orchestre.listening import service as listening
from orchestre.models import Mention
from orchestre.models.listening_topics import Digest, TopicSnapshot
from orchestre.workspaces import auth
from orchestre.workspaces import service as workspaces
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, sign_in

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[1] / "listening" / "data" / "topics_crisislex.json"


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"listening-topics-{name}.png"), full_page=True)


def _arrange(url: str) -> tuple[uuid.UUID, Person]:
    owner = Person(f"lea.topics.{uuid.uuid4().hex[:6]}@example.com", "Léa Garnier")
    now = utcnow()
    # The digest due now covers the 7 days before the last Monday 08:00 in Paris.
    paris = ZoneInfo("Europe/Paris")
    local = now.astimezone(paris)
    monday = local.date() - timedelta(days=local.weekday())
    end = digest.scheduled_instant(monday, 0, 8, paris)
    if end > now:
        end = digest.scheduled_instant(monday - timedelta(days=7), 0, 8, paris)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        user = workspaces.create_user(
            db, owner.email, owner.name, owner.password, locale="en", timezone="Europe/Paris"
        )
        workspace = workspaces.create_workspace(db, user, "Vélo Nord", timezone="Europe/Paris")
        actor = auth.actor_for(db, user.id, workspace.id)
        brand = listening.create_query(db, actor, listening.QueryInput("News", "news"))
        rival = listening.create_query(
            db, actor, listening.QueryInput("Rival", "rival", about="competitor")
        )
        for i, row in enumerate(json.loads(FIXTURE.read_text())):
            db.add(_mention(workspace.id, brand.id, f"b{i}", row["text"], now, i))
        for i in range(15):
            at = end - timedelta(days=1 if i < 12 else 8, hours=i)
            db.add(_mention(workspace.id, rival.id, f"r{i}", f"rival {i}", at, 0))
        workspace_id = workspace.id
    engine.dispose()
    return workspace_id, owner


def _mention(
    workspace_id: uuid.UUID, query_id: uuid.UUID, ref: str, text: str, at: Any, i: int
) -> Mention:
    return Mention(
        workspace_id=workspace_id,
        query_id=query_id,
        network="sandbox",
        external_id=ref,
        text=text,
        hashtags=["velotaf"] if ref.startswith("r") else [],
        sentiment="negative" if i % 3 == 0 else "neutral",
        published_at=at - timedelta(hours=1 + i),
    )


def _ready(factory: sessionmaker[Session], workspace_id: uuid.UUID) -> bool:
    with transaction(factory) as db:
        snapshot = db.scalar(
            select(TopicSnapshot).where(TopicSnapshot.workspace_id == workspace_id)
        )
        made = db.scalar(select(Digest.id).where(Digest.workspace_id == workspace_id))
        return snapshot is not None and snapshot.computed_at is not None and made is not None


def test_topics_and_the_weekly_digest_in_the_browser(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    workspace_id, owner = _arrange(e2e_database)
    engine = make_engine(e2e_database)
    try:
        factory = make_session_factory(engine)
        # The server's loops do exactly this every few minutes; the test does not wait for
        # them (and when one of them got there first, its result is the same).
        deadline = time.monotonic() + 120
        while not _ready(factory, workspace_id):
            assert time.monotonic() < deadline, "the topics and the digest were never made"
            topics_service.refresh_round(factory, limit=100)
            digest_runtime.make_due(factory, utcnow())
            time.sleep(0.5)
    finally:
        engine.dispose()

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_site.url, owner)
    page.goto(f"{live_site.url}/w/{workspace_id}/listening")
    page.get_by_test_id("topics").wait_for()
    labels = page.get_by_test_id("topic-label").all_inner_texts()
    assert any("guatemala" in label for label in labels), labels
    assert any("boston" in label for label in labels), labels
    # The competitor's mentions are a topic too: 12 this week, 3 the week before.
    assert "rival" in labels
    assert page.locator("[data-testid=topic][data-status=rising]").count() == 1
    assert page.locator("[data-testid=topic][data-status=new]").count() == len(labels) - 1
    page.get_by_test_id("topics").scroll_into_view_if_needed()
    _shot(page, "01-card")

    page.get_by_test_id("digest-link").click()
    page.get_by_test_id("digest-lines").wait_for()
    lines = page.get_by_test_id("digest-lines").inner_text()
    assert "#velotaf rose 4x in your competitors' posts this week (12 vs 3)" in lines
    assert "New topic:" in lines
    _shot(page, "02-digest")
    context.close()
