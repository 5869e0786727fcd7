"""In a real browser: a new workspace's starter rules, a dry run in the rule editor, and a
rule's action undone from the log in one click (screenshots in test-artifacts/)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from orchestre.models import Channel
from orchestre.moderation.rules import apply_rules
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace
from tests.moderation.rules_support import make_author, make_message

pytestmark = pytest.mark.e2e


def _sign_in(browser: Any, live_site: LiveSite, person: Person, height: int = 900) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": height}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
    return page


@pytest.fixture(scope="module")
def moderated(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person]:
    """An English reader owning a workspace (with its starter rules) where one insult
    arrived and was flagged by the starter rule, and a kind comment did not."""
    person = Person("mona@example.com", "Mona Vidal")
    with arranged_workspace(
        e2e_database, "Vidal Bikes", person, workspace_timezone="UTC"
    ) as arranged:
        db, ws = arranged.db, arranged.workspace
        channel = Channel(
            workspace_id=ws.id,
            network="sandbox",
            external_id="vidal",
            handle="@vidal",
            display_name="Vidal Bikes",
            # Not polled by the server's inbox loop: the two comments below are all there is.
            status="disconnected",
        )
        db.add(channel)
        db.flush()
        author = make_author(db, ws, message_count=2)
        insult = "your bikes are junk, morons"
        rude = make_message(
            db, ws, channel, insult, author=author, toxicity="offensive", toxicity_score=0.88
        )
        kind = make_message(db, ws, channel, "lovely ride today", author=author)
        apply_rules(db, [rude, kind])
        workspace_id = ws.id

    return workspace_id, person


def test_starter_rules_dry_run_and_one_click_undo(
    browser: Any, live_site: LiveSite, moderated: tuple[uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, person = moderated
    page = _sign_in(browser, live_site, person)

    page.goto(f"{live_site.url}/w/{workspace_id}/moderation")
    expect(page.get_by_test_id("rule-row")).to_have_count(4)
    rows = page.get_by_test_id("action-row")
    expect(rows).to_have_count(2)  # the insult: tagged "review" and made high priority
    expect(rows.first).to_contain_text("your bikes are junk")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moderation-en.png"), full_page=True)

    page.get_by_role("link", name="Flag insults for review").click()
    page.get_by_test_id("dry-run").click()
    result = page.get_by_test_id("dry-run-result")
    expect(result).to_contain_text("1 of 2 messages would have matched")
    expect(page.get_by_test_id("dry-run-sample")).to_contain_text("your bikes are junk")

    page.goto(f"{live_site.url}/w/{workspace_id}/moderation?action=tag")
    expect(page.get_by_test_id("action-row")).to_have_count(1)
    page.get_by_test_id("undo").click()
    expect(page.locator("#toasts")).to_contain_text("Undone.")
    page.goto(f"{live_site.url}/w/{workspace_id}/moderation?status=undone")
    expect(page.get_by_test_id("action-row")).to_have_count(1)
    expect(page.get_by_test_id("undo")).to_have_count(0)
    page.context.close()


def test_a_rule_written_with_the_guided_editor(
    browser: Any, live_site: LiveSite, moderated: tuple[uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, person = moderated
    page = _sign_in(browser, live_site, person, height=1000)

    page.goto(f"{live_site.url}/w/{workspace_id}/moderation/rules/new")
    builder = page.get_by_test_id("rule-builder")
    expect(builder).to_be_visible()
    rows = builder.get_by_test_id("builder-row")
    expect(rows).to_have_count(4)  # the example: two conditions, two actions
    rows.nth(1).get_by_role("button", name="Remove").click()  # the keywords test
    page.get_by_test_id("add-condition").select_option("keywords")
    builder.get_by_placeholder("Separate with commas").last.fill("junk, morons")
    page.get_by_test_id("add-action").select_option("hide")
    page.fill("#rule-name", "Hide junk talk")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moderation-editor-en.png"), full_page=True)
    conditions = page.locator("#rule-conditions").input_value()
    assert '"words": [\n' in conditions
    assert '"junk"' in conditions
    page.get_by_test_id("dry-run").click()
    expect(page.get_by_test_id("dry-run-result")).to_contain_text(
        "1 of 2 messages would have matched"
    )
    page.get_by_test_id("save-rule").click()
    expect(page.get_by_test_id("rule-row").last).to_contain_text("Hide junk talk")
    expect(page.get_by_test_id("rule-row").last).to_contain_text("contains junk, morons")
    page.context.close()
