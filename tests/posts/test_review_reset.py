"""Approval cannot be bypassed: editing reviewed content sends the post back to draft."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from orchestre.errors import TransitionRefused
from orchestre.models import PostVariant, VariantState
from orchestre.posts import service
from orchestre.posts.schemas import VariantUpdate
from tests.posts.conftest import Team, create_post, image_bytes, set_states, upload

S = VariantState


def _variant_url(team: Team, post: dict[str, object], index: int = 0) -> str:
    variants = post["variants"]
    assert isinstance(variants, list)
    return team.url(f"/posts/{post['id']}/variants/{variants[index]['id']}")


def _states(client: TestClient, team: Team, post_id: str) -> list[tuple[str, str | None]]:
    body = client.get(team.url(f"/posts/{post_id}"), headers=team.headers["owner"]).json()
    return [(v["state"], v["scheduled_at"]) for v in body["variants"]]


@pytest.mark.parametrize("state", [S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.FAILED])
@pytest.mark.parametrize(
    "change",
    [
        {"text": "Sneaky new words"},
        {"link_url": "https://example.com/elsewhere"},
        {"first_comment": "and a comment"},
        {"options": {"reply_settings": "following"}},
    ],
)
def test_changing_content_of_a_reviewed_post_returns_every_variant_to_draft(
    client: TestClient, team: Team, db: Session, state: VariantState, change: dict[str, object]
) -> None:
    post = create_post(client, team, role="content_creator")
    set_states(db, post["id"], state)
    db.execute(
        update(PostVariant)
        .where(PostVariant.post_id == uuid.UUID(post["id"]))
        .values(scheduled_at=datetime(2030, 4, 1, 8, tzinfo=UTC))
    )
    db.flush()

    response = client.patch(
        _variant_url(team, post),
        json={"version": 1, **change},
        headers=team.headers["content_creator"],
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [v["state"] for v in body["variants"]] == ["draft", "draft"]
    assert [v["scheduled_at"] for v in body["variants"]] == [None, None]
    assert body["scheduled_at"] is None
    assert body["review_round"] == 1


def test_attaching_media_also_voids_the_approval(
    client: TestClient, team: Team, db: Session
) -> None:
    media = upload(client, team, image_bytes()).json()
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    response = client.patch(
        _variant_url(team, post, 1),
        json={"version": 1, "media_ids": [media["id"]]},
        headers=team.headers["owner"],
    )
    assert response.status_code == 200
    assert [v["state"] for v in response.json()["variants"]] == ["draft", "draft"]
    assert response.json()["variants"][1]["media"][0]["id"] == media["id"]


def test_sending_the_same_content_keeps_the_approval(
    client: TestClient, team: Team, db: Session
) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    same = post["variants"][0]["text"]
    response = client.patch(
        _variant_url(team, post), json={"version": 1, "text": same}, headers=team.headers["owner"]
    )
    assert response.status_code == 200
    assert {v["state"] for v in response.json()["variants"]} == {"approved"}


def test_post_metadata_edits_do_not_void_the_approval(
    client: TestClient, team: Team, db: Session
) -> None:
    post = create_post(client, team)
    set_states(db, post["id"], S.APPROVED)
    response = client.patch(
        team.url(f"/posts/{post['id']}"),
        json={"version": 1, "title": "Renamed", "internal_notes": "n"},
        headers=team.headers["owner"],
    )
    assert {v["state"] for v in response.json()["variants"]} == {"approved"}
    # A new base text changes what variants that still use it would publish.
    response = client.patch(
        team.url(f"/posts/{post['id']}"),
        json={"version": 2, "base_text": "Other words"},
        headers=team.headers["owner"],
    )
    assert {v["state"] for v in response.json()["variants"]} == {"draft"}


def test_published_and_publishing_variants_cannot_be_edited(
    client: TestClient, team: Team, db: Session
) -> None:
    post = create_post(client, team)
    for state, word in ((S.PUBLISHED, "already published"), (S.PUBLISHING, "being published")):
        set_states(db, post["id"], state)
        response = client.patch(
            _variant_url(team, post),
            json={"version": 1, "text": "late"},
            headers=team.headers["owner"],
        )
        assert response.status_code == 409
        assert word in response.json()["detail"]
    assert (
        client.get(team.url(f"/posts/{post['id']}"), headers=team.headers["owner"]).json()[
            "variants"
        ][0]["text"]
        != "late"
    )


def test_a_published_sibling_stays_published_when_another_variant_is_edited(
    db: Session, team: Team, client: TestClient
) -> None:
    post = create_post(client, team)
    first, second = (uuid.UUID(v["id"]) for v in post["variants"])
    db.execute(update(PostVariant).where(PostVariant.id == first).values(state=S.PUBLISHED.value))
    db.execute(update(PostVariant).where(PostVariant.id == second).values(state=S.APPROVED.value))
    db.flush()
    db.expire_all()
    view = service.update_variant(
        db, team.actor(), uuid.UUID(post["id"]), second, VariantUpdate(version=1, text="Changed")
    )
    assert [item.variant.state for item in view.variants] == ["published", "draft"]
    with pytest.raises(TransitionRefused):
        service.update_variant(
            db, team.actor(), uuid.UUID(post["id"]), first, VariantUpdate(version=2, text="Changed")
        )
