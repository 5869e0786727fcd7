"""The approval queue shows each person only the posts waiting for their decision."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.approvals import service
from orchestre.kit.clock import FrozenClock
from orchestre.models import ApprovalStep
from tests.approvals.conftest import Person, Team, decide, make_post, person


def _queue(client: TestClient, team: Team, who: Person, **params: Any) -> dict[str, Any]:
    response = client.get(team.url("/approvals/queue"), headers=who.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_queue_holds_what_the_actor_may_decide_now(
    client: TestClient,
    db: Session,
    team: Team,
    two_steps: list[ApprovalStep],
    clock: FrozenClock,
) -> None:
    first = make_post(db, team.ws, team.author.user, team.channels, text="First post")
    second = make_post(db, team.ws, team.author.user, team.channels, text="Second post")
    draft = make_post(db, team.ws, team.author.user, team.channels, text="Still a draft")
    db.commit()
    client.post(team.url(f"/posts/{first.id}/submit"), headers=team.author.headers)
    clock.advance(minutes=5)
    client.post(team.url(f"/posts/{second.id}/submit"), headers=team.author.headers)
    decide(client, team, first, team.brand)

    brand = _queue(client, team, team.brand)
    assert [i["post_id"] for i in brand["items"]] == [str(second.id)]
    smm = _queue(client, team, team.smm)
    [item] = smm["items"]
    assert item["post_id"] == str(first.id)
    assert item["step_name"] == "Social media manager"
    assert item["author_name"] == team.author.user.name
    assert item["submitted_at"].startswith("2030-03-15T09:00:00")
    owner = _queue(client, team, team.owner)
    assert [i["post_id"] for i in owner["items"]] == [str(first.id), str(second.id)]
    assert str(draft.id) not in str(owner)
    assert _queue(client, team, team.author)["items"] == []
    assert _queue(client, team, team.analyst)["items"] == []


def test_the_queue_leaves_out_ones_own_posts(
    client: TestClient, db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    writer = person(db, team.ws, "content_creator", "reviewer")
    post = make_post(db, team.ws, writer.user, team.channels)
    db.commit()
    client.post(team.url(f"/posts/{post.id}/submit"), headers=writer.headers)
    assert _queue(client, team, writer)["items"] == []
    assert len(_queue(client, team, team.brand)["items"]) == 1


def test_the_queue_pages_with_a_cursor(
    client: TestClient,
    db: Session,
    team: Team,
    two_steps: list[ApprovalStep],
    clock: FrozenClock,
) -> None:
    posts = []
    for n in range(3):
        post = make_post(db, team.ws, team.author.user, team.channels, text=f"Post {n}")
        db.commit()
        client.post(team.url(f"/posts/{post.id}/submit"), headers=team.author.headers)
        clock.advance(minutes=1)
        posts.append(str(post.id))
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = _queue(client, team, team.brand, **params)
        seen += [i["post_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == posts
    bad = client.get(
        team.url("/approvals/queue"), headers=team.brand.headers, params={"cursor": "nonsense"}
    )
    assert bad.status_code == 422


def test_queue_for_serves_the_web_pages(
    db: Session, team: Team, two_steps: list[ApprovalStep]
) -> None:
    post = make_post(db, team.ws, team.author.user, team.channels)
    service.submit(db, team.actor(db, team.author), post.id)
    [item] = service.queue_for(db, team.actor(db, team.brand))
    assert (item.post_id, item.step_name) == (post.id, "Brand manager")
    assert service.queue_for(db, team.actor(db, team.smm)) == []
