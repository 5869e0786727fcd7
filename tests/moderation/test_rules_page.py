"""The moderation page: rules in order, the editor's dry run, the log with one-click undo."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.models import Workspace
from orchestre.models.inbox import Conversation
from orchestre.models.moderation import ModerationRule
from orchestre.moderation.rules import apply_rules
from tests.factories import add_member, make_channel, make_user, make_workspace
from tests.moderation.rules_support import make_message, make_rule
from tests.web.conftest import HTML, compile_catalogs, csrf_of, open_session

INSULT = {"all": [{"type": "label", "classifier": "toxicity", "labels": ["offensive"]}]}
INSULT_JSON = '{"all": [{"type": "label", "classifier": "toxicity", "labels": ["offensive"]}]}'


@pytest.fixture(scope="module", autouse=True)
def _catalogs() -> None:
    compile_catalogs()


def _browser(
    client: TestClient,
    db: Session,
    settings: Settings,
    ws: Workspace,
    locale: str = "en",
    role: str = "community_manager",
) -> TestClient:
    user = make_user(db, locale=locale)
    add_member(db, ws, user, role)
    client.headers.update(HTML)
    open_session(client, db, settings, user)
    return client


def test_a_rule_is_written_tried_and_saved_from_the_page(
    client: TestClient, db: Session, settings: Settings
) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    make_message(db, ws, channel, "t'es nul", toxicity="offensive", toxicity_score=0.9)
    browser = _browser(client, db, settings, ws)
    editor = browser.get(f"/w/{ws.id}/moderation/rules/new")
    assert editor.status_code == 200
    form = {
        "csrf_token": csrf_of(editor.text),
        "name": "Insults",
        "enabled": "1",
        "conditions": INSULT_JSON,
        "actions": '[{"type": "tag", "tags": ["review"]}]',
        "days": "7",
    }

    tried = browser.post(f"/w/{ws.id}/moderation/dry-run", data=form)
    assert tried.status_code == 200
    assert 'data-testid="dry-run-result"' in tried.text
    assert "1 of 1 messages would have matched" in tried.text
    assert db.query(ModerationRule).filter_by(workspace_id=ws.id).count() == 0

    broken = browser.post(f"/w/{ws.id}/moderation/rules", data=form | {"actions": "[{"})
    assert broken.status_code == 422
    assert "not valid JSON" in broken.text
    bad_label = form | {
        "conditions": '{"all": [{"type": "label", "classifier": "toxicity", "labels": ["rude"]}]}'
    }
    refused = browser.post(f"/w/{ws.id}/moderation/rules", data=bad_label)
    assert refused.status_code == 422
    assert "conditions.all.0.label.labels" in refused.text

    saved = browser.post(f"/w/{ws.id}/moderation/rules", data=form, follow_redirects=False)
    assert saved.status_code == 303
    listing = browser.get(saved.headers["location"])
    assert "Insults" in listing.text
    assert "Rule saved" in listing.text


def test_the_log_undoes_in_one_click_and_disables_what_cannot_be(
    client: TestClient, db: Session, settings: Settings
) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    make_rule(
        db, ws, INSULT, [{"type": "tag", "tags": ["review"]}, {"type": "delete"}], name="Rude"
    )
    text = "nul <script>alert(1)</script>"
    message = make_message(db, ws, channel, text, toxicity="offensive", toxicity_score=0.9)
    tag, _delete = apply_rules(db, [message])
    browser = _browser(client, db, settings, ws)

    page = browser.get(f"/w/{ws.id}/moderation")
    assert page.status_code == 200
    assert page.text.count('data-testid="action-row"') == 2
    assert "Acted on 1 message in 7 days" in page.text
    assert 'data-testid="undo-disabled"' in page.text
    assert "cannot be brought back" in page.text
    assert "nul &lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # shown, escaped
    assert "<script>alert(1)" not in page.text
    assert f"/inbox?c={message.conversation_id}" in page.text

    undone = browser.post(
        f"/w/{ws.id}/moderation/actions/{tag.id}/undo",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert undone.status_code == 303
    assert db.get(Conversation, message.conversation_id).tags == []  # type: ignore[union-attr]


def test_the_page_speaks_french_and_installs_the_starter_set(
    client: TestClient, db: Session, settings: Settings
) -> None:
    ws = make_workspace(db)
    browser = _browser(client, db, settings, ws, locale="fr", role="owner")
    page = browser.get(f"/w/{ws.id}/moderation")
    assert "Installer les règles de départ" in page.text

    installed = browser.post(
        f"/w/{ws.id}/moderation/starter", data={"csrf_token": csrf_of(page.text)}
    )

    assert installed.status_code == 200
    assert installed.text.count('data-testid="rule-row"') == 4
    assert "Règles de départ installées." in installed.text
    editor = browser.get(f"/w/{ws.id}/moderation/rules/new")
    assert "Ajouter une condition…" in editor.text
    assert "tour de r\\u00f4le parmi : %(role)s" in editor.text  # the guided editor's words


def test_a_reader_without_moderation_sees_no_buttons(
    client: TestClient, db: Session, settings: Settings
) -> None:
    ws = make_workspace(db)
    make_rule(db, ws, INSULT, [{"type": "tag", "tags": ["review"]}], name="Rude")
    browser = _browser(client, db, settings, ws, role="analyst")
    assert browser.get(f"/w/{ws.id}/moderation").status_code == 403
