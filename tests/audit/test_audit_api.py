"""The audit log API: who changed what and when, filtered, newest first, per workspace."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.kit.clock import FrozenClock
from orchestre.models import User, Workspace
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.permissions import Actor
from tests.factories import bearer, make_member, make_token, make_workspace


class Office:
    """A workspace with an owner (who reads the log), an analyst and a content creator."""

    def __init__(self, db: Session) -> None:
        self.ws: Workspace = make_workspace(db)
        self.owner: User = make_member(db, self.ws, "owner")
        self.analyst: User = make_member(db, self.ws, "analyst")
        self.creator: User = make_member(db, self.ws, "content_creator")
        self.headers = bearer(make_token(db, self.ws, self.owner))

    def actor(self, db: Session, user: User, token_id: uuid.UUID | None = None) -> Actor:
        return actor_for(db, user.id, self.ws.id, token_id)

    def url(self) -> str:
        return f"/api/v1/workspaces/{self.ws.id}/audit"


@pytest.fixture
def office(db: Session) -> Office:
    return Office(db)


def _get(client: TestClient, office: Office, **params: Any) -> dict[str, Any]:
    response = client.get(office.url(), headers=office.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_entries_show_who_what_when_before_and_after_newest_first(
    client: TestClient, db: Session, office: Office, clock: FrozenClock
) -> None:
    post_id = uuid.uuid4()
    record(
        db,
        office.actor(db, office.creator),
        "post.created",
        "post",
        post_id,
        after={"title": "Hello"},
    )
    clock.advance(minutes=1)
    record(
        db,
        office.actor(db, office.owner),
        "post.updated",
        "post",
        post_id,
        before={"title": "Hello"},
        after={"title": "Hello, world"},
    )
    db.commit()

    items = _get(client, office)["items"]
    assert [i["action"] for i in items] == ["post.updated", "post.created"]
    newest = items[0]
    assert newest["actor_user_id"] == str(office.owner.id)
    assert newest["actor_name"] == office.owner.name
    assert newest["actor_token_id"] is None
    assert (newest["entity_type"], newest["entity_id"]) == ("post", str(post_id))
    assert newest["before"] == {"title": "Hello"}
    assert newest["after"] == {"title": "Hello, world"}
    assert newest["created_at"].startswith("2030-03-15T09:01:00")


def test_changes_made_through_a_token_name_the_token(
    client: TestClient, db: Session, office: Office
) -> None:
    from orchestre.models import ApiToken

    token = db.query(ApiToken).filter_by(workspace_id=office.ws.id).one()
    record(
        db,
        office.actor(db, office.owner, token.id),
        "channel.connected",
        "channel",
        uuid.uuid4(),
        after={"handle": "@brand"},
    )
    db.commit()
    [item] = _get(client, office)["items"]
    assert item["actor_token_id"] == str(token.id)


def test_filters_narrow_the_log(
    client: TestClient, db: Session, office: Office, clock: FrozenClock
) -> None:
    post_id, channel_id = uuid.uuid4(), uuid.uuid4()
    creator, owner = office.actor(db, office.creator), office.actor(db, office.owner)
    record(db, creator, "post.created", "post", post_id, after={})
    clock.advance(hours=1)
    record(db, owner, "channel.connected", "channel", channel_id, after={})
    clock.advance(hours=1)
    record(db, owner, "post.submitted", "post", post_id, after={})
    db.commit()

    def actions(**params: Any) -> list[str]:
        return [i["action"] for i in _get(client, office, **params)["items"]]

    assert actions(entity_type="post") == ["post.submitted", "post.created"]
    assert actions(entity_id=str(channel_id)) == ["channel.connected"]
    assert actions(actor_user_id=str(office.creator.id)) == ["post.created"]
    assert actions(action="post.submitted") == ["post.submitted"]
    # 'from' is inclusive, 'to' exclusive; any zone will do.
    assert actions(**{"from": "2030-03-15T10:00:00Z", "to": "2030-03-15T12:00:00+01:00"}) == [
        "channel.connected"
    ]


def test_times_without_a_zone_and_reversed_ranges_are_refused(
    client: TestClient, office: Office
) -> None:
    naive = client.get(office.url(), headers=office.headers, params={"from": "2030-03-15T10:00:00"})
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "from"
    assert "time zone" in naive.json()["errors"][0]["message"]
    reversed_range = client.get(
        office.url(),
        headers=office.headers,
        params={"from": "2030-03-16T00:00:00Z", "to": "2030-03-15T00:00:00Z"},
    )
    assert reversed_range.status_code == 422
    assert (
        client.get(office.url(), headers=office.headers, params={"cursor": "!!"}).status_code == 422
    )


def test_the_log_pages_with_a_cursor(
    client: TestClient, db: Session, office: Office, clock: FrozenClock
) -> None:
    owner = office.actor(db, office.owner)
    for n in range(5):
        record(db, owner, f"thing.{n}", "thing", uuid.uuid4(), after={})
        if n % 2:
            clock.advance(seconds=1)  # some entries share an instant; the cursor copes
    db.commit()
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = _get(client, office, **params)
        seen += [i["action"] for i in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(seen) == [f"thing.{n}" for n in range(5)]
    assert len(set(seen)) == 5
    assert seen[:1] == ["thing.4"]


def test_another_workspaces_entries_never_show(
    client: TestClient, db: Session, office: Office
) -> None:
    other = Office(db)
    record(db, other.actor(db, other.owner), "secret.changed", "thing", uuid.uuid4(), after={})
    db.commit()
    assert _get(client, office)["items"] == []
    # My token does not open their log either.
    foreign = client.get(other.url(), headers=office.headers)
    assert foreign.status_code == 404


def test_analysts_read_the_log_and_creators_do_not(
    client: TestClient, db: Session, office: Office
) -> None:
    analyst = client.get(office.url(), headers=bearer(make_token(db, office.ws, office.analyst)))
    assert analyst.status_code == 200
    creator = client.get(office.url(), headers=bearer(make_token(db, office.ws, office.creator)))
    assert creator.status_code == 403
