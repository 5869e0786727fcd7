"""In a real browser: an A/B test of two published posts is created from the form (the
planner answers as the figures are typed), started, and its verdict is read on its page."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from orchestre.channels import service as channels
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox, new_key
from tests.analytics.kpi_support import Shop
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def studio(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person]:
    """A workspace with a photo (1,200 clicks of 60,000 impressions) and a reel (1,560)."""
    person = Person("yara.experiments@example.com", "Yara Belkacem")
    with arranged_workspace(e2e_database, "Studio", person) as arranged:
        db, actor, user, workspace = arranged.db, arranged.actor, arranged.user, arranged.workspace
        channel = channels.connect_channel(
            db, actor, SecretBox([new_key()]), "mastodon", "@studio", "@studio", "Studio"
        )
        shop = Shop(db, workspace, user, channel)
        now = utcnow()
        shop.post(now - timedelta(days=2), text="Spring photo", impressions=60_000, clicks=1_200)
        shop.post(now - timedelta(days=2), text="Spring reel", impressions=60_000, clicks=1_560)
        ids = workspace.id
    return ids, person


def test_create_an_ab_test_and_read_its_verdict(
    browser: Any, live_site: LiveSite, studio: tuple[uuid.UUID, Person]
) -> None:
    workspace_id, person = studio
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    sign_in(page, live_site.url, person)
    page.get_by_role("link", name="Experiments").first.click()
    page.wait_for_url(f"{live_site.url}/w/{workspace_id}/experiments")
    assert "No experiment yet" in page.content()

    page.fill("#x-name", "Photo or reel")
    page.fill("#x-arm-name-0", "Photo")
    page.select_option("#x-arm-variant-0", label="Mastodon · Spring photo")
    page.fill("#x-arm-name-1", "Reel")
    page.select_option("#x-arm-variant-1", label="Mastodon · Spring reel")
    page.fill("#x-baseline", "2")
    page.fill("#x-mde", "20")
    page.fill("#x-daily", "5000")
    # The planner answers in place as the figures change.
    plan = page.get_by_test_id("plan")
    plan.get_by_test_id("plan-days").wait_for()
    assert "per arm" in plan.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "experiments-form-en.png"), full_page=True)
    page.get_by_test_id("save-experiment").click()
    page.wait_for_url(re.compile(r"/experiments/[0-9a-f-]+"))
    assert "Not started" in page.get_by_test_id("verdict").inner_text()

    page.get_by_test_id("start-experiment").click()
    page.wait_for_url(re.compile(r"/experiments/[0-9a-f-]+\?done=started"))
    verdict = page.get_by_test_id("verdict").first.inner_text()
    assert verdict.startswith("Reel wins on Click-through rate: +30.0%")
    assert re.search(r"\[\+\d+\.\d%, \+\d+\.\d%\]", verdict)
    shares = page.get_by_test_id("budget-share").all_inner_texts()
    assert len(shares) == 2
    assert float(shares[1].rstrip("%")) > float(shares[0].rstrip("%"))
    page.screenshot(path=str(ARTIFACTS / "experiment-en.png"), full_page=True)
    context.close()
