"""The crisis routes: list and read alerts with their evidence, acknowledge, resolve, crisis
mode, as an API client sees them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models.moderation import CrisisAlert
from orchestre.moderation import crisis_api
from tests.factories import bearer, make_member, make_token
from tests.moderation.crisis_support import Inbox, make_inbox

PREFIX = "/api/v1/workspaces/{workspace_id}/crisis"


@pytest.fixture
def inbox(db: Session, clock: FrozenClock) -> Inbox:
    return make_inbox(db, clock)


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    # Until routes.py lists the crisis router, mount it here the same way.
    if not any(getattr(r, "path", "").startswith(PREFIX) for r in app.routes):
        app.include_router(crisis_api.router, prefix="/api/v1")
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def _url(inbox: Inbox, tail: str = "") -> str:
    return PREFIX.format(workspace_id=inbox.workspace.id) + "/alerts" + tail


def _alert(inbox: Inbox, status: str = "open") -> CrisisAlert:
    now = inbox.clock.now()
    row = CrisisAlert(
        workspace_id=inbox.workspace.id,
        kind="negative_share",
        key=f"channel:{inbox.channel.id}",
        severity="medium",
        status=status,
        started_at=now - timedelta(minutes=30),
        last_seen_at=now,
        evidence={
            "observed": 0.8,
            "expected": 0.1,
            "score": 7.5,
            "top_terms": [{"term": "refund", "z": 6.1}],
            "samples": [{"id": "x", "text": "<script>alert(1)</script>"}],
        },
    )
    inbox.db.add(row)
    inbox.db.flush()
    return row


def test_list_and_read_an_alert_with_its_evidence(api: TestClient, inbox: Inbox) -> None:
    token = make_token(inbox.db, inbox.workspace, inbox.owner)
    alert = _alert(inbox)
    resolved = _alert(inbox, status="resolved")
    listed = api.get(_url(inbox), params={"status": "active"}, headers=bearer(token))
    assert listed.status_code == 200, listed.text
    assert [a["id"] for a in listed.json()["items"]] == [str(alert.id)]
    assert "evidence" not in listed.json()["items"][0]
    everything = api.get(_url(inbox), headers=bearer(token)).json()["items"]
    assert {a["id"] for a in everything} == {str(alert.id), str(resolved.id)}
    one = api.get(_url(inbox, f"/{alert.id}"), headers=bearer(token))
    assert one.status_code == 200
    assert one.json()["evidence"]["top_terms"][0]["term"] == "refund"
    assert (
        api.get(_url(inbox), params={"status": "closed"}, headers=bearer(token)).status_code == 422
    )


def test_acknowledge_resolve_and_refusals(api: TestClient, inbox: Inbox) -> None:
    token = make_token(inbox.db, inbox.workspace, inbox.owner)
    alert = _alert(inbox)
    done = api.post(_url(inbox, f"/{alert.id}/acknowledge"), headers=bearer(token))
    assert done.status_code == 200
    assert done.json()["status"] == "acknowledged"
    again = api.post(_url(inbox, f"/{alert.id}/acknowledge"), headers=bearer(token))
    assert again.status_code == 409
    assert again.json()["code"] == "alert_not_open"
    resolved = api.post(_url(inbox, f"/{alert.id}/resolve"), headers=bearer(token))
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_by"] == str(inbox.owner.id)


def test_crisis_mode_pauses_publishing_and_pins_holding_statements(
    api: TestClient, inbox: Inbox
) -> None:
    manager = make_member(inbox.db, inbox.workspace, "community_manager")
    token = make_token(inbox.db, inbox.workspace, manager)
    holding = inbox.saved_reply()
    alert = _alert(inbox)
    engaged = api.post(
        _url(inbox, f"/{alert.id}/crisis-mode"),
        json={"reason": "Product recall", "holding_statement_ids": [str(holding.id)]},
        headers=bearer(token),
    )
    assert engaged.status_code == 200, engaged.text
    assert engaged.json()["crisis_mode_at"] is not None
    status = api.get(
        f"/api/v1/workspaces/{inbox.workspace.id}/publishing", headers=bearer(token)
    ).json()
    assert status["paused"]["reason"] == "Product recall"
    inbox.db.refresh(holding)
    assert holding.holding_statement
    # Resume is the publishing pause's own.
    resumed = api.post(
        f"/api/v1/workspaces/{inbox.workspace.id}/publishing/resume",
        json={},
        headers=bearer(token),
    )
    assert resumed.status_code == 204


def test_a_foreign_saved_reply_is_not_found_and_nothing_is_paused(
    api: TestClient, inbox: Inbox
) -> None:
    token = make_token(inbox.db, inbox.workspace, inbox.owner)
    alert = _alert(inbox)
    refused = api.post(
        _url(inbox, f"/{alert.id}/crisis-mode"),
        json={"holding_statement_ids": ["0b6f4f5e-8f0c-4a55-9d3e-3b9e1c1f0a11"]},
        headers=bearer(token),
    )
    assert refused.status_code == 404
    status = api.get(
        f"/api/v1/workspaces/{inbox.workspace.id}/publishing", headers=bearer(token)
    ).json()
    assert status["paused"] is None


@pytest.mark.parametrize(
    ("role", "read", "moderate", "engage"),
    [
        ("analyst", 403, 403, 403),
        ("content_creator", 403, 403, 403),
        ("community_manager", 200, 200, 200),
    ],
)
def test_roles(
    api: TestClient, inbox: Inbox, role: str, read: int, moderate: int, engage: int
) -> None:
    user = make_member(inbox.db, inbox.workspace, role)
    token = make_token(inbox.db, inbox.workspace, user)
    alert = _alert(inbox)
    assert api.get(_url(inbox, f"/{alert.id}"), headers=bearer(token)).status_code == read
    ack = api.post(_url(inbox, f"/{alert.id}/acknowledge"), headers=bearer(token))
    assert ack.status_code == moderate
    mode = api.post(_url(inbox, f"/{alert.id}/crisis-mode"), json={}, headers=bearer(token))
    assert mode.status_code == engage
