"""Listing posts: filters a planner uses and cursor pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models import PostVariant
from tests.posts.conftest import Team, create_post


def _schedule_raw(db: Session, variant_id: str, when: datetime, state: str = "scheduled") -> None:
    db.execute(
        update(PostVariant)
        .where(PostVariant.id == uuid.UUID(variant_id))
        .values(scheduled_at=when, state=state)
    )
    db.flush()


def _ids(client: TestClient, team: Team, query: str) -> set[str]:
    response = client.get(team.url(f"/posts?{query}"), headers=team.headers["analyst"])
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_filters_by_status_channel_dates_campaign_pillar_tag_and_text(
    client: TestClient, team: Team, db: Session
) -> None:
    alpha, beta = team.channels
    campaign = client.post(
        team.url("/campaigns"), json={"name": "Summer"}, headers=team.headers["owner"]
    ).json()
    pillar = client.post(
        team.url("/pillars"),
        json={"name": "Tips", "target_share": 30},
        headers=team.headers["owner"],
    ).json()
    p1 = create_post(
        client,
        team,
        title="Beach day",
        tags=["Summer"],
        campaign_id=campaign["id"],
        pillar_id=pillar["id"],
    )
    p2 = create_post(client, team, base_text="Winter sale is coming", channel_ids=[str(beta.id)])
    p3 = create_post(client, team, base_text="Nothing special", channel_ids=[str(alpha.id)])
    alpha_variant_p1 = next(v for v in p1["variants"] if v["channel_id"] == str(alpha.id))
    _schedule_raw(db, alpha_variant_p1["id"], datetime(2030, 4, 2, 8, 0, tzinfo=UTC))
    _schedule_raw(db, p2["variants"][0]["id"], datetime(2030, 5, 1, 8, 0, tzinfo=UTC))

    assert _ids(client, team, "") == {p1["id"], p2["id"], p3["id"]}
    assert _ids(client, team, "status=scheduled") == {p1["id"], p2["id"]}
    assert _ids(client, team, "status=draft") == {p1["id"], p3["id"]}
    assert _ids(client, team, f"channel_id={beta.id}") == {p1["id"], p2["id"]}
    # Status and channel must hold on one same variant: p1's beta variant is a draft.
    assert _ids(client, team, f"channel_id={beta.id}&status=scheduled") == {p2["id"]}
    assert _ids(client, team, "from=2030-04-01T00:00:00%2B02:00&to=2030-04-30T00:00:00Z") == {
        p1["id"]
    }
    assert _ids(client, team, f"campaign_id={campaign['id']}") == {p1["id"]}
    assert _ids(client, team, f"pillar_id={pillar['id']}") == {p1["id"]}
    assert _ids(client, team, "tag=%23summer") == {p1["id"]}
    assert _ids(client, team, "q=WINTER") == {p2["id"]}
    assert _ids(client, team, "q=beach") == {p1["id"]}
    assert _ids(client, team, "q=100%25") == set()


def test_bad_filters_say_what_is_wrong(client: TestClient, team: Team) -> None:
    response = client.get(
        team.url("/posts?from=2030-04-01T00:00:00&status=lost"), headers=team.headers["owner"]
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"from", "status"}
    response = client.get(team.url("/posts?cursor=not-a-cursor"), headers=team.headers["owner"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"
    too_many = client.get(team.url("/posts?limit=500"), headers=team.headers["owner"])
    assert too_many.status_code == 422


@pytest.mark.parametrize("minutes_apart", [1, 0])
def test_pages_walk_every_post_once_newest_first(
    client: TestClient, team: Team, clock: FrozenClock, minutes_apart: int
) -> None:
    created = []
    for n in range(5):
        created.append(create_post(client, team, title=f"P{n}")["id"])
        clock.advance(minutes=minutes_apart)
    if minutes_apart == 0:
        # Same instant: the id breaks ties, in the same descending order.
        created.sort()
    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(team.url(f"/posts?{query}"), headers=team.headers["owner"]).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))
