"""In a real browser: "Plan with the assistant" on the calendar proposes a week of posts,
they show on the calendar as AI drafts, one is accepted (a draft post is created) and one
discarded (it leaves the calendar)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from orchestre.models import Channel, ContentPillar
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace, sign_in, someone

pytestmark = pytest.mark.e2e


def _arrange(url: str) -> tuple[uuid.UUID, Person]:
    owner = someone("lea.plan", "Léa Planner")
    with arranged_workspace(url, "Maison Plan", owner) as arranged:
        workspace_id = arranged.workspace_id
        arranged.db.add_all(
            [
                Channel(
                    workspace_id=workspace_id,
                    network="mastodon",
                    external_id=f"plan-{uuid.uuid4().hex[:6]}",
                    handle="@maison",
                    display_name="Maison Plan",
                ),
                ContentPillar(workspace_id=workspace_id, name="Savoir-faire", target_share=60),
                ContentPillar(workspace_id=workspace_id, name="Recettes", target_share=40),
            ]
        )
    return workspace_id, owner


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"assistant-plan-{name}.png"), full_page=True)


def _next_monday() -> date:
    today = date.today()  # noqa: DTZ011 - the live server plans from its own clock
    return today + timedelta(days=7 - today.weekday())


def test_plan_accept_one_discard_one(browser: Any, live_site: LiveSite, e2e_database: str) -> None:
    workspace_id, owner = _arrange(e2e_database)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_site.url, owner)
    monday = _next_monday()
    page.goto(f"{live_site.url}/w/{workspace_id}/calendar?view=timeGridWeek&date={monday}")
    page.get_by_test_id("plan-open").click()
    dialog = page.get_by_test_id("plan-dialog")
    dialog.wait_for()
    page.select_option("#plan-weeks", "1")
    page.fill("#plan-pace", "3")
    page.fill("#plan-start", monday.isoformat())
    page.get_by_test_id("plan-submit").click()
    dialog.get_by_text("3 AI drafts proposed on the calendar.").wait_for()
    _shot(page, "01-proposed")
    dialog.get_by_role("button", name="Close").click()

    drafts = page.locator("#calendar [data-plan-item]")
    drafts.nth(2).wait_for()
    assert drafts.count() == 3
    assert "AI draft" in drafts.first.inner_text()
    _shot(page, "02-on-calendar")

    panel = page.get_by_test_id("plan-item-dialog")
    drafts.first.click()
    panel.get_by_test_id("plan-text").wait_for()
    panel.get_by_test_id("plan-accept").click()
    panel.locator("[data-outcome='draft']").wait_for()
    assert panel.get_by_role("link", name="Open the post").count() == 1
    _shot(page, "03-accepted")
    panel.get_by_role("button", name="Close").click()

    discarded_id = drafts.nth(1).get_attribute("data-plan-item")
    drafts.nth(1).click()
    panel.locator(f"[data-item='{discarded_id}'] [data-testid='plan-discard']").click()
    panel.locator("[data-outcome='discarded']").wait_for()
    panel.get_by_role("button", name="Close").click()
    page.locator(f"#calendar [data-plan-item='{discarded_id}']").wait_for(state="detached")
    # The accepted draft stays where the plan put it (a draft has no time of its own yet).
    assert drafts.count() == 2
    _shot(page, "04-after")
    context.close()
