"""In a real browser: one post for five networks, each preview and broken rule, a thread for X."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from orchestre.channels import service as channels
from orchestre.kit.crypto import SecretBox, new_key
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, arranged_workspace

pytestmark = pytest.mark.e2e

NETWORKS = (
    ("x", "@acmebistro", "Acme Bistro"),
    ("bluesky", "@acmebistro.bsky.social", "Acme Bistro"),
    ("instagram", "@acme.bistro", "Acme Bistro"),
    ("linkedin", "acme-bistro", "Acme Bistro"),
    ("mastodon", "@bistro@piaille.fr", "Acme Bistro"),
)
TEXT = (
    "Notre menu de printemps arrive demain\u00a0! Asperges de Provence, agneau de lait et "
    "fraises de Carpentras. Réservez votre table dès maintenant sur https://acme.fr/printemps "
    "ou appelez-nous. «\u00a0Une cuisine de saison, simple et généreuse\u00a0», dit notre chef "
    "Marie. À très vite au bistro\u00a0! #AcmeBistro #Printemps"
)
TAGS = " ".join(f"#saison{i}" for i in range(34))


@pytest.fixture(scope="module")
def bistro(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person]:
    """A workspace of its own with five channels, so the other browser tests keep theirs."""
    person = Person("lea@example.com", "Léa Moreau")
    with arranged_workspace(e2e_database, "Acme Bistro", person) as arranged:
        db, actor, workspace = arranged.db, arranged.actor, arranged.workspace
        box = SecretBox([new_key()])
        for network, handle, name in NETWORKS:
            channels.connect_channel(db, actor, box, network, handle, handle, name)
        workspace_id = workspace.id
    return workspace_id, person


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the fixed navigation is drawn where the page is
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _tab(page: Any, network: str) -> Any:
    return page.get_by_test_id(f"tab-{network}")


def test_compose_one_post_for_five_networks(
    browser: Any, live_site: LiveSite, bistro: tuple[uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, person = bistro
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/posts"))
    page.goto(f"{live_site.url}/w/{workspace_id}/posts/new")

    page.fill("#title", "Menu de printemps")
    boxes = page.locator("input[name=channel_ids]")
    for index in range(boxes.count()):
        boxes.nth(index).check()
    page.fill("#base_text", TEXT)

    # Each network measures the same text its own way, live.
    expect(page.get_by_test_id("live-x")).to_contain_text("too many", timeout=5000)
    expect(page.get_by_test_id("live-x")).to_contain_text("Too long for X")
    expect(page.get_by_test_id("badge-x")).to_have_text("1")
    expect(page.get_by_test_id("badge-bluesky")).to_have_text("1")
    expect(page.get_by_test_id("badge-linkedin")).to_have_text("✓")
    expect(page.get_by_test_id("badge-mastodon")).to_have_text("✓")
    for network in ("x", "bluesky", "instagram", "linkedin", "mastodon"):
        expect(page.get_by_test_id(f"preview-{network}")).to_be_visible()
    expect(page.get_by_test_id("preview-linkedin")).to_contain_text("…see more")
    expect(page.get_by_test_id("preview-instagram")).to_contain_text("… more")
    expect(page.get_by_test_id("preview-x").locator(".pv-link")).to_have_text("acme.fr/printemps")

    # Instagram: a caption with too many hashtags.
    _tab(page, "instagram").click()
    page.locator("[data-testid=panel-instagram] textarea").first.fill(f"{TEXT}\n\n{TAGS}")
    instagram = page.get_by_test_id("live-instagram")
    expect(instagram.locator("[data-rule='text.hashtags']")).to_contain_text(
        "36 hashtags; Instagram allows 30. Remove 6."
    )
    _shot(page, "composer-01-five-networks")

    # X: split into a numbered thread; every part fits, so the rule goes away.
    _tab(page, "x").click()
    page.get_by_test_id("panel-x").get_by_test_id("adapt-split_thread").click()
    expect(page.get_by_test_id("panel-x").get_by_test_id("thread-part")).to_have_count(1)
    expect(page.get_by_test_id("badge-x")).to_have_text("✓")
    expect(page.get_by_test_id("preview-x").get_by_test_id("x-post")).to_have_count(2)
    expect(page.get_by_test_id("panel-x").locator("textarea").first).to_have_value(
        re.compile(r"Marie\. 1/2$")
    )
    _shot(page, "composer-02-x-thread")

    # Undo brings the single text back; split again and save.
    page.get_by_test_id("panel-x").get_by_test_id("undo").click()
    expect(page.get_by_test_id("panel-x").get_by_test_id("thread-part")).to_have_count(0)
    expect(page.get_by_test_id("badge-x")).to_have_text("1")
    page.get_by_test_id("panel-x").get_by_test_id("adapt-split_thread").click()
    expect(page.get_by_test_id("badge-x")).to_have_text("✓")
    page.get_by_test_id("save-draft").click()
    page.wait_for_url(re.compile(r"/posts/[0-9a-f-]+/edit"))

    # The saved post opens with its thread and the same findings.
    expect(page.get_by_test_id("preview-x").get_by_test_id("x-post")).to_have_count(2)
    expect(
        page.get_by_test_id("live-instagram").locator("[data-rule='text.hashtags']")
    ).to_have_count(1)
    expect(page.get_by_test_id("badge-x")).to_have_text("✓")
    _shot(page, "composer-03-saved")

    # The same composer in French, then on a phone.
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-fr").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("preview-linkedin")).to_contain_text("…voir plus")
    expect(page.get_by_test_id("live-x")).to_contain_text("caractères pondérés")
    expect(page.get_by_test_id("panel-x").get_by_test_id("adapt-split_thread")).to_have_text(
        "Découper en fil"
    )
    _shot(page, "composer-04-saved-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("preview-x")).to_be_visible()
    _shot(page, "composer-05-phone-fr")
    context.close()
