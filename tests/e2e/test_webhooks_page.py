"""In a real browser: add a webhook endpoint in Settings, see its secret once, in English
and in French (screenshots in test-artifacts/)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, new_workspace

pytestmark = pytest.mark.e2e


def _sign_in(browser: Any, live_site: LiveSite, locale: str, person: Person | None = None) -> Any:
    person = person or live_site.author
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(f"{live_site.url}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
    return page


@pytest.fixture(scope="module")
def english_owner(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person]:
    """A person who reads English, owner of a workspace of their own (the shared author's
    language is changed by another browser test)."""
    person = Person("oscar@example.com", "Oscar Hale")
    return new_workspace(e2e_database, "Hale Tea", person, workspace_timezone="UTC"), person


def test_add_a_webhook_and_copy_its_secret(
    browser: Any, live_site: LiveSite, english_owner: tuple[uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, person = english_owner
    page = _sign_in(browser, live_site, "en-US", person)
    page.goto(f"{live_site.url}/w/{workspace_id}/settings")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Add an endpoint")).to_be_visible()
    page.fill("#webhook-url", "https://hooks.example.com/acme-ops")
    page.fill("#webhook-description", "Ops chat")
    page.get_by_label("A publication went out").check()
    page.get_by_test_id("create-webhook").click()
    secret = page.get_by_test_id("new-secret")
    expect(secret).to_contain_text("whsec_")
    expect(page.get_by_test_id("webhook-row")).to_contain_text("hooks.example.com/acme-ops")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "settings-webhooks-en.png"), full_page=True)
    page.goto(page.url)  # shown once: loading the page again no longer carries it
    expect(page.get_by_test_id("new-secret")).to_have_count(0)
    page.context.close()


@pytest.fixture(scope="module")
def french_owner(live_site: LiveSite, e2e_database: str) -> tuple[uuid.UUID, Person]:
    """A person who reads French, owner of a workspace of their own."""
    person = Person("elise@example.com", "Élise Roux")
    return new_workspace(
        e2e_database, "Café Roux", person, locale="fr", workspace_timezone="UTC"
    ), person


def test_the_webhooks_page_in_french(
    browser: Any, live_site: LiveSite, french_owner: tuple[uuid.UUID, Person]
) -> None:
    from playwright.sync_api import expect

    workspace_id, person = french_owner
    page = _sign_in(browser, live_site, "fr-FR", person)
    page.goto(f"{live_site.url}/w/{workspace_id}/settings/webhooks")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Ajouter un point de réception")).to_be_visible()
    page.fill("#webhook-url", "http://intranet.example.com/hook")
    page.get_by_test_id("create-webhook").click()
    expect(page.get_by_text("L’adresse doit utiliser https")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "settings-webhooks-fr.png"), full_page=True)
    page.context.close()
