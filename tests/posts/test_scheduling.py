"""Scheduling approved variants at a UTC instant, from an offset or the workspace's wall time."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.errors import TransitionRefused
from orchestre.models import VariantState
from orchestre.posts import scheduling, service
from orchestre.posts.schemas import PostCreate, ScheduleCreate
from tests.posts.conftest import Team, create_post, set_states

S = VariantState


def _schedule(client: TestClient, team: Team, post_id: str, role: str = "owner", **body: object):
    return client.post(
        team.url(f"/posts/{post_id}/schedule"), json=body, headers=team.headers[role]
    )


def test_approved_variants_are_scheduled_in_utc(
    client: TestClient, team: Team, db: Session
) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    response = _schedule(client, team, post["id"], at="2030-03-20T10:30:00+01:00")
    assert response.status_code == 200, response.text
    body = response.json()
    assert {v["state"] for v in body["variants"]} == {"scheduled"}
    assert {v["scheduled_at"] for v in body["variants"]} == {"2030-03-20T09:30:00Z"}
    assert body["scheduled_at"] == "2030-03-20T09:30:00Z"


def test_local_time_is_read_in_the_workspace_zone_across_dst(
    client: TestClient, team: Team, db: Session
) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    # Paris is on summer time (UTC+2) after the last Sunday of March 2030.
    body = _schedule(client, team, post["id"], local_time="2030-04-02T09:00").json()
    assert body["variants"][0]["scheduled_at"] == "2030-04-02T07:00:00Z"
    body = _schedule(client, team, post["id"], local_time="2030-03-30T09:00").json()
    assert body["variants"][0]["scheduled_at"] == "2030-03-30T08:00:00Z"


def test_a_wall_time_skipped_by_the_clocks_is_refused(
    client: TestClient, team: Team, db: Session
) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    response = _schedule(client, team, post["id"], local_time="2030-03-31T02:30")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "does not exist" in detail
    assert "jump forward 1 hour at 02:00" in detail
    assert response.json()["errors"][0]["field"] == "local_time"


def test_an_ambiguous_wall_time_takes_its_first_occurrence(
    client: TestClient, team: Team, db: Session
) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    body = _schedule(client, team, post["id"], local_time="2030-10-27T02:30").json()
    # 02:30 happens twice in Paris that night; the first is still summer time (UTC+2).
    assert body["variants"][0]["scheduled_at"] == "2030-10-27T00:30:00Z"


def test_a_draft_cannot_be_scheduled_because_review_is_required(
    client: TestClient, team: Team
) -> None:
    post = create_post(client, team)
    response = _schedule(client, team, post["id"], at="2030-04-01T10:00:00Z")
    assert response.status_code == 409
    assert "review" in response.json()["detail"]
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"variants[@alpha]", "variants[@beta]"}
    body = client.get(team.url(f"/posts/{post['id']}"), headers=team.headers["owner"]).json()
    assert {v["state"] for v in body["variants"]} == {"draft"}


def test_one_unapproved_variant_blocks_the_whole_request(db: Session, team: Team) -> None:
    actor = team.actor()
    view = service.create_post(
        db, actor, PostCreate(base_text="x", channel_ids=[c.id for c in team.channels])
    )
    view.variants[0].variant.state = S.APPROVED.value
    db.flush()
    with pytest.raises(TransitionRefused) as refused:
        scheduling.schedule(
            db, actor, view.post.id, ScheduleCreate.model_validate({"at": "2030-04-01T10:00:00Z"})
        )
    assert "review" in refused.value.detail
    assert view.variants[0].variant.state == S.APPROVED.value


def test_time_must_be_future_and_given_one_way(client: TestClient, team: Team, db: Session) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    past = _schedule(client, team, post["id"], at="2030-03-15T08:59:00Z")
    assert past.status_code == 422
    assert past.json()["errors"][0]["rule"] == "in_future"
    both = _schedule(
        client, team, post["id"], at="2030-04-01T10:00:00Z", local_time="2030-04-01T10:00"
    )
    assert both.status_code == 422
    naive = _schedule(client, team, post["id"], at="2030-04-01T10:00:00")
    assert naive.status_code == 422
    assert "time zone" in naive.json()["errors"][0]["message"]
    nonsense = _schedule(client, team, post["id"], local_time="2030-02-30T10:00")
    assert nonsense.status_code == 422


def test_scheduling_needs_the_schedule_permission(
    client: TestClient, team: Team, db: Session
) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    for role in ("content_creator", "community_manager", "reviewer"):
        response = _schedule(client, team, post["id"], role=role, at="2030-04-01T10:00:00Z")
        assert response.status_code == 403, role
    assert (
        _schedule(
            client, team, post["id"], role="social_media_manager", at="2030-04-01T10:00:00Z"
        ).status_code
        == 200
    )


def test_some_variants_and_unscheduling(client: TestClient, team: Team, db: Session) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    first, second = (v["id"] for v in post["variants"])
    _schedule(client, team, post["id"], at="2030-04-02T10:00:00Z", variant_ids=[second])
    body = _schedule(
        client, team, post["id"], at="2030-04-01T10:00:00Z", variant_ids=[first]
    ).json()
    assert body["scheduled_at"] == "2030-04-01T10:00:00Z"  # the earliest of the two

    url = team.url(f"/posts/{post['id']}/unschedule")
    body = client.post(url, json={"variant_ids": [first]}, headers=team.headers["owner"]).json()
    assert [v["state"] for v in body["variants"]] == ["approved", "scheduled"]
    assert body["scheduled_at"] == "2030-04-02T10:00:00Z"
    body = client.post(url, headers=team.headers["owner"]).json()
    assert [v["state"] for v in body["variants"]] == ["approved", "approved"]
    assert body["scheduled_at"] is None
    again = client.post(url, headers=team.headers["owner"])
    assert again.status_code == 409

    unknown = _schedule(
        client, team, post["id"], at="2030-04-02T10:00:00Z", variant_ids=[str(uuid.uuid4())]
    )
    assert unknown.status_code == 404


def test_scheduling_plans_one_publication_per_variant_and_unscheduling_cancels_it(
    client: TestClient, team: Team, db: Session
) -> None:
    from sqlalchemy import select

    from orchestre.models import Publication

    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    _schedule(client, team, post["id"], at="2030-03-20T10:30:00+01:00")
    _schedule(client, team, post["id"], at="2030-03-21T10:30:00+01:00")  # moved
    variant_ids = [uuid.UUID(v["id"]) for v in post["variants"]]
    db.expire_all()
    rows = db.scalars(select(Publication).where(Publication.variant_id.in_(variant_ids))).all()
    assert len(rows) == len(variant_ids)
    assert {r.state for r in rows} == {"scheduled"}
    assert {r.due_at.isoformat() for r in rows} == {"2030-03-21T09:30:00+00:00"}
    response = client.post(
        team.url(f"/posts/{post['id']}/unschedule"), json={}, headers=team.headers["owner"]
    )
    assert response.status_code == 200, response.text
    db.expire_all()
    assert {r.state for r in db.scalars(select(Publication))} >= {"cancelled"}
    assert all(
        r.state == "cancelled"
        for r in db.scalars(select(Publication).where(Publication.variant_id.in_(variant_ids)))
    )
