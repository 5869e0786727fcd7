"""In a real browser against `orchestre serve`: link a sandbox platform campaign to a
campaign, sync it now and see the platform's spend in the pacing and the paid cards; boost
a published sandbox post into the campaign and see the boost listed among its links; give
the channel an ad secret and see only its name again."""

from __future__ import annotations

import re
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
from orchestre.models import Campaign, PostVariant, Publication
from orchestre.posts import scheduling
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, ScheduleCreate
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in

pytestmark = pytest.mark.e2e
ZONE = "Europe/Paris"


def _arrange(url: str, key: str, person: Person) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A workspace with a sandbox channel, a campaign over this month, and a post due now."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    with arranged_workspace(url, "Ads Roastery", person, key=key, timezone=ZONE) as arranged:
        db, actor, workspace = arranged.db, arranged.actor, arranged.workspace
        channel = channels.connect_channel(
            db, actor, SecretBox([key]), "sandbox", "roastery-ads", "@roastery", "Roastery"
        )
        campaign = Campaign(
            workspace_id=workspace.id,
            name="Autumn blend",
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=19),
            budget=3000.0,
        )
        db.add(campaign)
        data = PostCreate.model_validate(
            {"base_text": "Our autumn blend is here", "channel_ids": [channel.id]}
        )
        post_id = posts.create_post(db, actor, data).post.id
        approvals.submit(db, actor, post_id)  # no review step: approved at once
        scheduling.schedule(db, actor, post_id, ScheduleCreate(at=utcnow() + timedelta(seconds=2)))
        db.flush()
    return workspace.id, campaign.id, post_id


def _published(url: str, post_id: uuid.UUID) -> bool:
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            state = db.scalars(
                select(Publication.state)
                .join(PostVariant, PostVariant.id == Publication.variant_id)
                .where(PostVariant.post_id == post_id)
            ).one()
            return str(state) == "published"
    finally:
        engine.dispose()


def test_link_sync_and_boost(browser: Any, live_site: LiveSite, e2e_database: str) -> None:
    person = Person("odile.ads@example.com", "Odile Laurent")
    workspace_id, campaign_id, post_id = _arrange(e2e_database, live_site.encryption_key, person)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    sign_in(page, live_site.url, person)
    base = f"{live_site.url}/w/{workspace_id}"

    page.goto(f"{base}/campaigns/{campaign_id}")
    assert page.get_by_test_id("pacing-actual").inner_text() == "0.00"
    page.get_by_test_id("ad-link-form").wait_for()
    assert page.get_by_test_id("ad-links-empty").is_visible()
    page.fill("#al-account", "act_roast")
    page.fill("#al-external", "act_roast-1")
    page.get_by_test_id("ad-link-submit").click()
    page.locator('[data-testid="ad-link"][data-external="act_roast-1"]').wait_for()
    assert "Not yet" in page.get_by_test_id("ad-link-synced").inner_text()

    page.get_by_test_id("ad-sync").click()
    page.wait_for_url(re.compile(r"ad_sync=1-\d+-0-0"))
    outcome = page.get_by_test_id("ad-sync-outcome")
    outcome.wait_for()
    assert "1 platform campaign read" in outcome.inner_text()
    assert "(Europe/Paris)" in page.get_by_test_id("ad-link-synced").inner_text()
    assert page.get_by_test_id("pacing-actual").inner_text() != "0.00"
    paid = page.get_by_test_id("paid-results")
    assert paid.is_visible()
    assert paid.locator('[data-kpi="spend"]').count() == 1
    assert "7d_click,1d_view" in page.get_by_test_id("sources").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "campaign-ads-01-synced.png"), full_page=True)

    deadline = time.monotonic() + 20
    while not _published(e2e_database, post_id) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert _published(e2e_database, post_id)
    page.goto(f"{base}/posts/{post_id}")
    form = page.get_by_test_id("boost-form")
    form.wait_for()
    form.get_by_test_id("boost-account").fill("act_roast")
    form.get_by_test_id("boost-budget").fill("40,00")
    form.get_by_test_id("boost-days").fill("5")
    form.get_by_test_id("boost-campaign").select_option(label="Autumn blend")
    form.get_by_test_id("boost-submit").click()
    made = page.get_by_test_id("boost-made")
    made.wait_for()
    found = re.search(r"platform campaign (act_roast-boost-\d+)", made.inner_text())
    assert found
    assert "paused" in made.inner_text()
    page.screenshot(path=str(ARTIFACTS / "campaign-ads-02-boosted.png"), full_page=True)

    page.goto(f"{base}/campaigns/{campaign_id}")
    page.locator(f'[data-testid="ad-link"][data-external="{found.group(1)}"]').wait_for()
    assert page.get_by_test_id("ad-link").count() == 2

    page.goto(f"{base}/channels")
    secrets = page.get_by_test_id("ad-secrets")
    secrets.get_by_test_id("ad-secret-ads_access_token").fill("EAAB-e2e-secret")
    secrets.get_by_test_id("ad-secrets-save").click()
    page.get_by_test_id("ad-secrets-clear").wait_for()
    assert "ads_access_token" in page.get_by_test_id("ad-secret-names").inner_text()
    assert "EAAB-e2e-secret" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "campaign-ads-03-secrets.png"), full_page=True)
    context.close()
