"""In a real browser: choose a channel on the calendar, see its best times listed and shaded;
the composer shows them under the channel's tab."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from orchestre.channels import service as channels
from orchestre.kit.crypto import SecretBox, new_key
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bakery(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, uuid.UUID, Person]:
    """A workspace of its own with a LinkedIn channel and no history: the network's pattern."""
    person = Person("lou@example.com", "Lou Perrin")
    with arranged_workspace(e2e_database, "Best Bakery", person) as arranged:
        db, actor, workspace = arranged.db, arranged.actor, arranged.workspace
        channel = channels.connect_channel(
            db, actor, SecretBox([new_key()]), "linkedin", "best-bakery", "best-bakery", "Bakery"
        )
        ids = (workspace.id, channel.id)
    return ids[0], ids[1], person


def test_choosing_a_channel_shows_and_shades_its_best_times(
    browser: Any, live_site: LiveSite, bakery: tuple[uuid.UUID, uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, channel_id, person = bakery
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
    page.goto(f"{live_site.url}/w/{workspace_id}/calendar?view=timeGridWeek")
    box = page.get_by_test_id("calendar-best-times")
    expect(box).to_contain_text("Choose a channel to see its best times to post.")

    page.select_option("#cal-channel", str(channel_id))
    expect(box.get_by_text("Best times to post")).to_be_visible()
    slots = box.locator("li[data-starts-at]")
    expect(slots).to_have_count(5)
    assert all(
        s == "network_prior" for s in slots.evaluate_all("l => l.map(e => e.dataset.source)")
    )
    # Shaded on the calendar as background events: all five are in the coming seven days,
    # so this week and the next one show them all.
    shaded = page.locator("#calendar .best-time-slot")
    this_week = shaded.count()
    page.locator("#calendar").get_by_role("button", name=re.compile(r"^next", re.I)).click()
    expect(shaded.first).to_be_attached()
    assert this_week + shaded.count() == 5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "best-times-calendar-en.png"), full_page=True)

    page.locator("#calendar").get_by_role("button", name=re.compile(r"^prev", re.I)).click()
    page.select_option("#cal-channel", "")
    expect(box).to_contain_text("Choose a channel to see its best times to post.")
    expect(page.locator("#calendar .best-time-slot")).to_have_count(0)

    # The composer shows the three best slots under the channel's tab.
    page.goto(f"{live_site.url}/w/{workspace_id}/posts/new")
    page.locator(f"input[name=channel_ids][value='{channel_id}']").check()
    composer = page.get_by_test_id("best-times-linkedin")
    composer.scroll_into_view_if_needed()  # loaded when it comes into view
    expect(composer.get_by_text("Best times to post")).to_be_visible()
    expect(composer.locator("li[data-starts-at]")).to_have_count(3)
    page.screenshot(path=str(ARTIFACTS / "best-times-composer-en.png"), full_page=True)
    context.close()
