"""In a real browser: the "Explanation" block is added to a report with the guided editor,
and the report's preview shows the assistant's text with its figures and the AI-draft
label; the analytics page explains its period in place."""

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
def florist(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person]:
    """Six videos (9 % engagement rate by reach) and six images (3 %) in the last days."""
    person = Person("margot.lefevre@example.com", "Margot Lefèvre")
    with arranged_workspace(e2e_database, "Florist", person) as arranged:
        db, actor, user, workspace = arranged.db, arranged.actor, arranged.user, arranged.workspace
        channel = channels.connect_channel(
            db, actor, SecretBox([new_key()]), "mastodon", "@florist", "@florist", "Florist"
        )
        shop = Shop(db, workspace, user, channel)
        now = utcnow()
        for n in range(6):
            shop.post(now - timedelta(days=2 + n), format="video", likes=90, reach=1000)
            shop.post(now - timedelta(days=2 + n), format="image", likes=30, reach=1000)
        ids = workspace.id
    return ids, person


def test_an_explanation_block_in_the_report_preview(
    browser: Any, live_site: LiveSite, florist: tuple[uuid.UUID, Person]
) -> None:
    workspace_id, person = florist
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    sign_in(page, live_site.url, person)
    page.goto(f"{live_site.url}/w/{workspace_id}/reports")
    form = page.get_by_test_id("report-form")
    blocks = form.get_by_test_id("report-block")
    blocks.nth(3).wait_for()
    form.locator("#r-name").fill("Month explained")
    form.get_by_test_id("add-block").select_option(label="Explanation (AI draft)")
    added = blocks.nth(4)
    assert added.get_attribute("data-kind") == "explanation"
    assert "labelled as an AI draft" in added.inner_text()
    form.get_by_test_id("save-report").click()
    page.wait_for_url(re.compile(r"/reports\?done=saved"))
    row = page.get_by_test_id("report-row").filter(has_text="Month explained")
    row.get_by_test_id("preview-report").click()
    page.wait_for_url(re.compile(r"/reports/[0-9a-f-]+/preview"))
    section = page.locator("section.block-explanation")
    label = section.get_by_test_id("ai-draft")
    assert label.inner_text().startswith("AI draft, written by the offline assistant")
    assert "explain.results/1" in label.inner_text()
    text = section.inner_text()
    assert "What to try next" in text
    assert "Video posts did best: engagement rate (by reach) of 9.0% over 6 posts." in text
    assert "Video posts had 3.0× the engagement rate (by reach) of Image posts" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assistant-report-preview.png"), full_page=True)
    context.close()


def test_explain_this_period_on_the_analytics_page(
    browser: Any, live_site: LiveSite, florist: tuple[uuid.UUID, Person]
) -> None:
    workspace_id, person = florist
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    sign_in(page, live_site.url, person)
    page.goto(f"{live_site.url}/w/{workspace_id}/analytics")
    page.get_by_test_id("explain-period").click()
    explanation = page.get_by_test_id("explanation")
    explanation.get_by_test_id("ai-draft").wait_for()
    text = explanation.inner_text()
    assert "What worked" in text
    assert "Video posts had 3.0× the engagement rate (by reach) of Image posts" in text
    context.close()
