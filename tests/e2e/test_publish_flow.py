"""In a real browser: write a post in French, send it for review, approve it as the reviewer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS, LiveSite, Person

pytestmark = pytest.mark.e2e


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, site: LiveSite, person: Person) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/posts"))


def test_write_submit_and_approve_in_french(browser: Any, live_site: LiveSite) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    page = context.new_page()
    base = f"{live_site.url}/w/{live_site.workspace_id}"

    _sign_in(page, live_site, live_site.author)
    _shot(page, "01-posts-empty-en")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-fr").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Publications").is_visible()

    page.get_by_test_id("new-post").click()
    page.fill("#title", "Lancement du printemps")
    page.fill("#base_text", "Notre café de printemps arrive demain. #AcmeCoffee")
    page.locator("input[name=channel_ids]").nth(1).check()
    _shot(page, "02-editor-fr")
    page.get_by_test_id("submit-review").click()
    page.wait_for_url(re.compile(r"/posts/[0-9a-f-]+$|/posts/[0-9a-f-]+\?"))
    assert page.locator(".page-head [data-status]").first.inner_text() == "En relecture"
    _shot(page, "03-post-in-review-fr")
    post_url = page.url.split("?")[0]

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(re.compile(r"/login"))
    assert page.get_by_role("heading", name="Connexion à Orchestre").is_visible()
    _shot(page, "04-login-fr")

    _sign_in(page, live_site, live_site.reviewer)
    page.goto(f"{base}/approvals")
    item = page.get_by_test_id("queue-item").first
    assert "Lancement du printemps" in item.inner_text()
    _shot(page, "05-approvals-fr")
    item.get_by_test_id("approve").click()
    decided = page.get_by_test_id("decided")
    decided.wait_for()
    assert "Approuvé" in decided.inner_text()

    page.goto(post_url)
    assert page.locator(".page-head [data-status]").first.inner_text() == "Approuvé"
    assert "a approuvé" in page.get_by_test_id("review-history").inner_text()
    _shot(page, "06-post-approved-fr")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/posts")
    _shot(page, "07-posts-phone-fr")
    context.close()
