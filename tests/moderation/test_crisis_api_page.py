"""The crisis page as a person sees it: the alert with its evidence and chart, in French
and English, and the buttons that acknowledge, resolve and engage crisis mode."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.models.moderation import CrisisAlert
from orchestre.web.views import crisis as crisis_page
from tests.factories import make_member
from tests.moderation.crisis_support import Inbox, make_inbox
from tests.web.conftest import HTML, compile_catalogs, csrf_of, open_session


@pytest.fixture
def inbox(db: Session, clock: FrozenClock) -> Inbox:
    compile_catalogs()
    return make_inbox(db, clock)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    # Until web/views/__init__.py lists the crisis page, mount it here the same way.
    if not any(getattr(r, "path", "") == "/w/{workspace_id}/crisis" for r in app.routes):
        app.include_router(crisis_page.router, include_in_schema=False)
    with TestClient(app, base_url="http://testserver", headers=HTML) as client:
        yield client


def _alert(inbox: Inbox) -> CrisisAlert:
    now = inbox.clock.now()
    row = CrisisAlert(
        workspace_id=inbox.workspace.id,
        kind="volume",
        key=f"channel:{inbox.channel.id}",
        severity="high",
        started_at=now - timedelta(minutes=30),
        last_seen_at=now - timedelta(minutes=10),
        evidence={
            "observed": 42.0,
            "expected": 2.3,
            "score": 11.2,
            "top_terms": [{"term": "refund", "z": 6.1}],
            "top_hashtags": [{"term": "boycottbrand", "z": 4.0}],
            "samples": [
                {"id": "m1", "channel_id": str(inbox.channel.id), "text": "<b>refund</b> now"}
            ],
            "channels": [
                {"id": str(inbox.channel.id), "network": "sandbox", "handle": "@brand_fr"}
            ],
            "series": {
                "values": [2.0, 3.0, None, 40.0, 42.0],
                "expected": 2.3,
                "bucket_minutes": 10,
            },
        },
    )
    inbox.db.add(row)
    inbox.db.flush()
    return row


def _page(browser: TestClient, inbox: Inbox) -> str:
    response = browser.get(f"/w/{inbox.workspace.id}/crisis")
    assert response.status_code == 200, response.text
    return response.text


def test_the_alert_shows_its_evidence_escaped_with_a_chart(
    browser: TestClient, inbox: Inbox, settings: Settings
) -> None:
    open_session(browser, inbox.db, settings, inbox.owner)
    _alert(inbox)
    html = _page(browser, inbox)
    assert 'data-testid="crisis-alert"' in html
    assert "refund" in html
    assert "#boycottbrand" in html
    assert "@brand_fr" in html
    assert "&lt;b&gt;refund&lt;/b&gt;" in html  # a message's HTML is shown, never run
    assert "<b>refund</b>" not in html
    assert html.count("<polyline") == 2  # the empty bucket breaks the line
    assert 'data-testid="peak"' not in html  # never updated: no peak apart from the figure
    assert "Message volume" in html


def test_the_page_in_french(browser: TestClient, inbox: Inbox, settings: Settings) -> None:
    inbox.owner.locale = "fr"
    inbox.db.flush()
    open_session(browser, inbox.db, settings, inbox.owner)
    _alert(inbox)
    html = _page(browser, inbox)
    assert "Alertes de crise" in html
    assert "Volume de messages" in html


def test_acknowledge_resolve_and_crisis_mode_from_the_page(
    browser: TestClient, inbox: Inbox, settings: Settings
) -> None:
    open_session(browser, inbox.db, settings, inbox.owner)
    alert = _alert(inbox)
    holding = inbox.saved_reply("Holding statement")
    csrf = csrf_of(_page(browser, inbox))
    base = f"/w/{inbox.workspace.id}/crisis/{alert.id}"
    done = browser.post(base + "/acknowledge", data={"csrf_token": csrf})
    assert "Alert acknowledged." in done.text
    inbox.db.refresh(alert)
    assert alert.status == "acknowledged"
    engaged = browser.post(
        base + "/crisis-mode",
        data={"csrf_token": csrf, "reason": "Recall", "holding": [str(holding.id)]},
    )
    assert engaged.status_code == 200
    assert 'data-testid="crisis-paused"' in engaged.text
    assert 'data-testid="crisis-band"' in engaged.text
    inbox.db.refresh(holding)
    assert holding.holding_statement
    browser.post(base + "/resolve", data={"csrf_token": csrf})
    inbox.db.refresh(alert)
    assert alert.status == "resolved"
    assert 'data-testid="resolved-alert"' in _page(browser, inbox)


def test_a_content_creator_sees_no_buttons_and_cannot_act(
    browser: TestClient, inbox: Inbox, settings: Settings
) -> None:
    creator = make_member(inbox.db, inbox.workspace, "content_creator")
    open_session(browser, inbox.db, settings, creator)
    alert = _alert(inbox)
    page = browser.get(f"/w/{inbox.workspace.id}/crisis")
    assert page.status_code == 403
    home = browser.get(f"/w/{inbox.workspace.id}/posts")
    refused = browser.post(
        f"/w/{inbox.workspace.id}/crisis/{alert.id}/crisis-mode",
        data={"csrf_token": csrf_of(home.text)},
    )
    assert refused.status_code == 403
    inbox.db.refresh(alert)
    assert alert.crisis_mode_at is None


def test_no_alert_shows_the_empty_state_and_crisis_mode_can_return_after_a_resume(
    browser: TestClient, inbox: Inbox, settings: Settings
) -> None:
    open_session(browser, inbox.db, settings, inbox.owner)
    assert "No crisis in sight" in _page(browser, inbox)
    alert = _alert(inbox)
    alert.crisis_mode_at = inbox.clock.now()  # engaged once, publishing resumed since
    peak_at = inbox.clock.now() - timedelta(minutes=20)
    alert.evidence = {
        **alert.evidence,
        "updates": 2,
        "peak": {"observed": 97.0, "bucket_start": peak_at.isoformat()},
    }
    inbox.db.flush()
    html = _page(browser, inbox)
    assert 'data-testid="crisis-mode"' in html
    assert "Peak so far: 97" in html
