"""My notifications: newest first, paginated, unread count, marking read."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models import Notification, User, Workspace
from tests.factories import add_member, bearer, make_token, make_user, make_workspace
from tests.workspaces.conftest import SignedIn

URL = "/api/v1/me/notifications"


def _notify(db: Session, user: User, workspace: Workspace | None, n: int) -> Notification:
    row = Notification(
        user_id=user.id,
        workspace_id=workspace.id if workspace else None,
        kind="mention",
        payload={"n": n},
    )
    db.add(row)
    db.flush()
    return row


def test_newest_first_with_pagination_and_unread_count(
    client: TestClient, owner: SignedIn, db: Session, clock: FrozenClock
) -> None:
    for n in range(3):
        _notify(db, owner.user, owner.workspace, n)
        clock.advance(minutes=1)
    _notify(db, make_user(db), owner.workspace, 99)  # someone else's
    first = client.get(f"{URL}?limit=2").json()
    assert [item["payload"]["n"] for item in first["items"]] == [2, 1]
    assert first["unread"] == 3
    second = client.get(f"{URL}?limit=2&cursor={first['next_cursor']}").json()
    assert [item["payload"]["n"] for item in second["items"]] == [0]
    assert second["next_cursor"] is None


def test_mark_some_then_all_read(client: TestClient, owner: SignedIn, db: Session) -> None:
    rows = [_notify(db, owner.user, owner.workspace, n) for n in range(3)]
    response = client.post(f"{URL}/read", json={"ids": [str(rows[0].id)]}, headers=owner.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"unread": 2}
    unread = client.get(f"{URL}?unread_only=true").json()
    assert {item["payload"]["n"] for item in unread["items"]} == {1, 2}
    done = client.post(f"{URL}/read", json={"all": True}, headers=owner.headers)
    assert done.json() == {"unread": 0}
    assert all(item["read_at"] for item in client.get(URL).json()["items"])


def test_marking_someone_elses_notification_is_404(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    theirs = _notify(db, make_user(db), owner.workspace, 1)
    response = client.post(f"{URL}/read", json={"ids": [str(theirs.id)]}, headers=owner.headers)
    assert response.status_code == 404
    unknown = client.post(f"{URL}/read", json={"ids": [str(uuid.uuid4())]}, headers=owner.headers)
    assert unknown.status_code == 404


def test_read_body_needs_ids_or_all(client: TestClient, owner: SignedIn) -> None:
    assert client.post(f"{URL}/read", json={}, headers=owner.headers).status_code == 422
    both = client.post(f"{URL}/read", json={"ids": [], "all": True}, headers=owner.headers)
    assert both.status_code == 422
    assert client.post(f"{URL}/read", json={"all": True}).status_code == 403  # no CSRF


def test_a_token_sees_only_its_workspace_notifications(client: TestClient, db: Session) -> None:
    user = make_user(db)
    mine, other = make_workspace(db), make_workspace(db)
    add_member(db, mine, user)
    add_member(db, other, user)
    _notify(db, user, mine, 1)
    _notify(db, user, other, 2)
    token = make_token(db, mine, user)
    body = client.get(URL, headers=bearer(token)).json()
    assert [item["payload"]["n"] for item in body["items"]] == [1]
    assert body["unread"] == 1
