"""In a real browser against `orchestre serve`: boost a published sandbox post from a start
chosen in the workspace's time zone until an end, see the end said in that zone; then a
refusal under the field it concerns."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from orchestre.approvals import service as approvals
from orchestre.channels import service as channels
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import AuditEntry, PostVariant, Publication
from orchestre.posts import scheduling
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, ScheduleCreate
from orchestre.workspaces import auth
from orchestre.workspaces import service as workspaces
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, sign_in

pytestmark = pytest.mark.e2e
ZONE = "Europe/Paris"


def _arrange(url: str, key: str, person: Person) -> tuple[uuid.UUID, uuid.UUID]:
    """A workspace in Paris with a sandbox channel and a post due now."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        user = workspaces.create_user(
            db, person.email, person.name, person.password, locale="en", timezone=ZONE
        )
        workspace = workspaces.create_workspace(db, user, "Boost Bakery", timezone=ZONE)
        actor = auth.actor_for(db, user.id, workspace.id)
        channel = channels.connect_channel(
            db, actor, SecretBox([key]), "sandbox", "bakery-ads", "@bakery", "Bakery"
        )
        data = PostCreate.model_validate(
            {"base_text": "Fresh croissants", "channel_ids": [channel.id]}
        )
        post_id = posts.create_post(db, actor, data).post.id
        approvals.submit(db, actor, post_id)  # no review step: approved at once
        scheduling.schedule(db, actor, post_id, ScheduleCreate(at=utcnow() + timedelta(seconds=2)))
        db.flush()
        ids = workspace.id, post_id
    engine.dispose()
    return ids


def _read(url: str, post_id: uuid.UUID) -> tuple[str, dict[str, Any] | None]:
    """The publication's state and the last boost's audit facts."""
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            publication = db.scalars(
                select(Publication)
                .join(PostVariant, PostVariant.id == Publication.variant_id)
                .where(PostVariant.post_id == post_id)
            ).one()
            entry = db.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "publication.boost",
                    AuditEntry.entity_id == str(publication.id),
                )
            ).first()
            return str(publication.state), entry.after if entry else None
    finally:
        engine.dispose()


def test_a_boost_from_a_chosen_start_until_an_end(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    person = Person("blaise.boost@example.com", "Blaise Martin")
    workspace_id, post_id = _arrange(e2e_database, live_site.encryption_key, person)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    sign_in(page, live_site.url, person)
    deadline = time.monotonic() + 20
    while _read(e2e_database, post_id)[0] != "published" and time.monotonic() < deadline:
        time.sleep(0.25)
    assert _read(e2e_database, post_id)[0] == "published"

    paris = ZoneInfo(ZONE)
    start = datetime.now(paris).replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=1)
    end = start + timedelta(days=3)  # the same wall time, whatever the clocks do meanwhile
    page.goto(f"{live_site.url}/w/{workspace_id}/posts/{post_id}")
    form = page.get_by_test_id("boost-form")
    form.wait_for()
    assert "Europe/Paris" in form.inner_text()
    form.get_by_test_id("boost-account").fill("act_bakery")
    form.get_by_test_id("boost-budget").fill("30")
    form.get_by_test_id("boost-start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_test_id("boost-days").fill("")
    form.get_by_test_id("boost-end").fill(end.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_test_id("boost-submit").click()
    made = page.get_by_test_id("boost-made")
    made.wait_for()
    said = made.inner_text()
    assert "9:00:00" in said
    assert "(Europe/Paris)" in said
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "boost-start-01-made.png"), full_page=True)
    facts = _read(e2e_database, post_id)[1]
    assert facts is not None
    assert datetime.fromisoformat(facts["starts_at"]) == start
    assert datetime.fromisoformat(facts["ends_at"]) == end
    assert facts["days"] == 3

    form = page.get_by_test_id("boost-form")
    form.get_by_test_id("boost-account").fill("act_bakery")
    form.get_by_test_id("boost-budget").fill("30")
    form.get_by_test_id("boost-start").fill((start - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_test_id("boost-submit").click()
    refusal = page.get_by_text("A boost starts now or later.")
    refusal.wait_for()
    page.screenshot(path=str(ARTIFACTS / "boost-start-02-refused.png"), full_page=True)
