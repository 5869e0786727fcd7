"""One request, one transaction: the client never sees success for work that was not saved."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import bearer, make_member, make_token, make_workspace


def test_a_failed_commit_is_an_error_not_a_success(
    app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    ws = make_workspace(db)
    token = make_token(db, ws, make_member(db, ws, "owner"))
    db.commit()

    def refuse(self: Session) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Session, "commit", refuse)
    response = client.patch(
        f"/api/v1/workspaces/{ws.id}", json={"name": "Renamed"}, headers=bearer(token)
    )
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"


def test_a_refused_request_leaves_nothing_half_written(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    token = make_token(db, ws, make_member(db, ws, "owner"))
    db.commit()
    before = client.get(f"/api/v1/workspaces/{ws.id}/pillars", headers=bearer(token)).json()
    response = client.post(
        f"/api/v1/workspaces/{ws.id}/pillars",
        json={"name": "Too greedy", "target_share": 101},
        headers=bearer(token),
    )
    assert response.status_code == 422
    after = client.get(f"/api/v1/workspaces/{ws.id}/pillars", headers=bearer(token)).json()
    assert after == before
