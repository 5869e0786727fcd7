"""In a real browser against `orchestre serve`, with a sandbox network the test runs itself
over HTTP: a toxic comment arrives and a starter rule hides it (in the inbox and on the
network); a question is assigned, answered with a saved reply in French, and the answer
appears on the network."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from orchestre.connectors.base import DraftPost, Interaction
from orchestre.connectors.sandbox.inbound import push, say
from orchestre.connectors.sandbox.inbound_routes import inbound_router
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.connectors.sandbox.server import create_sandbox_app
from orchestre.inbox import replies
from orchestre.workspaces import service as workspaces
from tests.e2e.conftest import ARTIFACTS, LiveSite, Person, _free_port, arranged_workspace, someone

pytestmark = pytest.mark.e2e

MODELS = Path(__file__).resolve().parents[2] / "src" / "orchestre" / "ml" / "models"
ACCOUNT = "inbox-bakery"
# Hate speech of the HatEval kind, which the classifiers are sure of (the starter rule
# hides hate above 0.85).
HATE = "Send them all back, these migrants are rapists and criminals #BuildTheWall"
# The sandbox's own audience may write "...n'est toujours pas arrivée, pouvez-vous
# vérifier ?" meanwhile: the test finds its question by the words only it has.
QUESTION = "Bonjour, ma commande n'est toujours pas arrivée, vous pouvez vérifier ?"
SAVED = (
    "Bonjour {first_name}, votre commande {order_id} part aujourd'hui. Merci de votre patience !"
)


@dataclass(frozen=True)
class Bakery:
    workspace_id: uuid.UUID
    owner: Person
    colleague: Person


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s")


@contextmanager
def sandbox_over_http(network: SandboxNetwork) -> Iterator[str]:
    """The test's own sandbox network, served on a free port (the server reaches it there)."""
    app = create_sandbox_app(network)
    app.include_router(inbound_router(network))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, "the sandbox server started", 15)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _arrange(url: str, key: str, sandbox_url: str) -> Bakery:
    """A workspace of its own with a sandbox channel on the test's network, a colleague to
    assign to, and a saved reply in French (through the services, as an owner would)."""
    owner = someone("yasmine", "Yasmine Haddad")
    colleague = someone("hugo", "Hugo Petit")
    with arranged_workspace(url, "Boulangerie Lune", owner, key=key, locale="fr") as arranged:
        db, actor = arranged.db, arranged.actor
        workspaces.add_member(
            db,
            actor,
            colleague.email,
            ["community_manager"],
            name=colleague.name,
            password=colleague.password,
        )
        arranged.sandbox_channel(ACCOUNT, "@boulangerie", "Boulangerie Lune", sandbox_url)
        replies.create_saved_reply(
            db, actor, replies.SavedReplyInput("Suivi de commande", "fr", SAVED)
        )
        replies.create_saved_reply(
            db, actor, replies.SavedReplyInput("Order follow-up", "en", "Hi {first_name}!")
        )
    return Bakery(arranged.workspace_id, owner, colleague)


def _tell(site: LiveSite, item: Interaction) -> None:
    """The network pushes what was said to Orchestre's webhook, signed, at once."""
    assert push(f"{site.url}/api/v1/webhooks/sandbox", ACCOUNT, [item]), "webhook refused"


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"inbox-{name}.png"), full_page=False)


def _on_network(network: SandboxNetwork, external_id: str) -> Interaction | None:
    page = network.read(ACCOUNT, "comments", cursor=None, limit=500)
    return next((i for i in page.items if i.external_id == external_id), None)


def _replies_on_network(network: SandboxNetwork, parent_id: str) -> list[Interaction]:
    page = network.read(ACCOUNT, "comments", cursor=None, limit=500)
    return [i for i in page.items if i.own and i.parent_external_id == parent_id]


def test_a_rule_hides_hate_and_a_question_is_answered_in_french(
    browser: Any, live_site: LiveSite, e2e_database: str
) -> None:
    if not (MODELS / "manifest.json").exists():
        pytest.skip("the classifier models are not built (orchestre.ml retrain)")
    network = SandboxNetwork(seed=7)
    network.account(ACCOUNT, "@boulangerie", "Boulangerie Lune")
    post = network.publish(ACCOUNT, DraftPost(text="Nos croissants du dimanche sont là !"))
    # Each post's comments are one conversation: the question comes under another post.
    other = network.publish(ACCOUNT, DraftPost(text="Commandez vos galettes des rois en ligne."))
    with sandbox_over_http(network) as sandbox_url:
        bakery = _arrange(e2e_database, live_site.encryption_key, sandbox_url)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
        page = context.new_page()
        page.goto(f"{live_site.url}/login")
        page.fill("#email", bakery.owner.email)
        page.fill("#password", bakery.owner.password)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/w/[0-9a-f-]+/"))
        page.goto(f"{live_site.url}/w/{bakery.workspace_id}/inbox")
        _shot(page, "01-empty-fr")

        # The audience says something hateful; the starter rule hides it.
        hate = say(network, ACCOUNT, HATE, post_id=post.external_id, author="troll42")
        _tell(live_site, hate)
        row = page.get_by_test_id("conversation").filter(has_text="rapists and criminals")
        row.wait_for(timeout=15_000)  # live update: no reload
        row.locator(".conv-author").click()
        hidden = page.get_by_test_id("message").filter(has_text="rapists and criminals")
        hidden.get_by_test_id("hidden-label").wait_for()
        wait_until(
            lambda: (found := _on_network(network, hate.external_id)) is not None and found.hidden,
            "the comment hidden on the network",
        )
        _shot(page, "02-hate-hidden-fr")

        # A question arrives; it is assigned, then answered with the French saved reply.
        question = say(
            network,
            ACCOUNT,
            QUESTION,
            post_id=other.external_id,
            author="marie",
            author_name="Marie Curie",
            language="fr",
        )
        _tell(live_site, question)
        row = page.get_by_test_id("conversation").filter(has_text="vous pouvez vérifier")
        row.wait_for(timeout=15_000)
        # By keyboard: the newest conversation is above the open one; k moves up to it and
        # Enter opens it.
        thread = page.get_by_test_id("thread")
        # A live update of the list may land between the keys and reset the cursor on a
        # busy machine: the keys are pressed again then, never replaced by a click.
        for attempt in range(3):
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.keyboard.press("k")
            page.keyboard.press("Enter")
            try:
                thread.filter(has_text="vous pouvez vérifier").wait_for(timeout=10_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        page.get_by_test_id("assign").select_option(label=bakery.colleague.name)
        page.get_by_test_id("thread").locator("[data-cstatus=assigned]").wait_for()

        page.keyboard.press("Escape")
        page.get_by_test_id("saved-reply").select_option(label="Suivi de commande")
        page.get_by_test_id("var-order_id").fill("CMD-2041")
        page.get_by_test_id("fill-variables").click()
        text = page.get_by_test_id("reply-text")
        expected = (
            "Bonjour Marie, votre commande CMD-2041 part aujourd'hui. Merci de votre patience !"
        )
        page.wait_for_function(
            "t => document.getElementById('reply-text').value === t", arg=expected
        )
        assert text.input_value() == expected
        _shot(page, "03-saved-reply-fr")
        page.get_by_test_id("send-reply").click()
        page.get_by_test_id("message").filter(has_text="CMD-2041").wait_for()

        wait_until(
            lambda: any(
                r.text == expected for r in _replies_on_network(network, question.external_id)
            ),
            "the answer on the network",
        )
        page.get_by_test_id("reply-sent").wait_for(timeout=15_000)  # live update of the thread
        _shot(page, "04-answered-fr")

        # More shortcuts, never while typing: ? opens the help, e marks the conversation done.
        page.get_by_test_id("reply-text").focus()
        page.keyboard.press("e")
        assert page.get_by_test_id("reply-text").input_value() == "e"
        page.keyboard.press("Backspace")
        page.keyboard.press("Escape")  # leaves the field
        page.keyboard.press("?")
        page.get_by_test_id("shortcut-help").wait_for()
        page.keyboard.press("Escape")
        page.get_by_test_id("shortcut-help").wait_for(state="hidden")
        page.keyboard.press("e")
        page.get_by_test_id("thread").locator("[data-cstatus=done]").wait_for()
        context.close()
