"""The UGC API over HTTP: collect from the inbox, the board with its counts, a rights request
(preview, send), the creator's answer read from the sandbox, the proof in the item, a post
made from the granted item, and templates."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.models.ugc import RightsRequest
from tests.factories import make_token
from tests.ugc.test_rights_stage import Stage, staged


@pytest.fixture
def stage(db: Session, clock: FrozenClock) -> Iterator[Stage]:
    yield from staged(db, clock)


def test_collect_ask_prove_and_post_over_http(
    client: TestClient, db: Session, stage: Stage
) -> None:
    world = stage.world
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/ugc"
    message = stage.comment("Our picnic with your basket https://img.example/basket.jpg")

    refused = client.post(f"{base}/items", json={}, headers=auth)
    assert refused.status_code == 422
    made = client.post(f"{base}/items", json={"message_id": str(message.id)}, headers=auth)
    assert made.status_code == 201
    item = made.json()
    assert (item["status"], item["author_handle"]) == ("collected", "jane")
    assert item["media_urls"] == ["https://img.example/basket.jpg"]

    preview = client.post(
        f"{base}/items/{item['id']}/rights/preview", json={"language": "fr"}, headers=auth
    )
    assert preview.json()["text"].startswith("Bonjour @jane, nous adorons")
    asked = client.post(
        f"{base}/items/{item['id']}/rights", json={"language": "fr", "wait_days": 3}, headers=auth
    )
    assert asked.status_code == 201
    assert asked.json()["state"] == "waiting"
    request = db.get(RightsRequest, uuid.UUID(asked.json()["id"]))
    assert request is not None
    ours = stage.send(request)
    answer = stage.answer(ours.external_id, "Oui bien sûr #oui")

    detail = client.get(f"{base}/items/{item['id']}", headers=auth).json()
    assert detail["status"] == "granted"
    [proof] = detail["requests"]
    assert proof["answer_text"] == "Oui bien sûr #oui"
    assert proof["answer_url"] == answer.url
    assert proof["answer_external_id"] == answer.external_id
    assert proof["sent_external_id"] == ours.external_id

    board = client.get(f"{base}/items", params={"status": "granted"}, headers=auth).json()
    assert [i["id"] for i in board["items"]] == [item["id"]]
    assert board["counts"] == {"granted": 1}
    assert board["items"][0]["latest_request"]["state"] == "granted"
    assert client.get(f"{base}/items", params={"status": "nope"}, headers=auth).status_code == 422

    post = client.post(
        f"{base}/items/{item['id']}/posts",
        json={"channel_ids": [str(world.channel.id)], "text": "Merci !"},
        headers=auth,
    )
    assert post.status_code == 201
    [variant] = post.json()["variants"]
    assert variant["text"] == "Merci !\n\nCrédit : @jane"
    assert [f for f in variant["findings"] if f["severity"] == "error"] == []
    gone = client.delete(f"{base}/items/{item['id']}", headers=auth)
    assert gone.status_code == 409  # a post uses it


def test_templates_over_http(client: TestClient, db: Session, stage: Stage) -> None:
    world = stage.world
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/ugc/templates"
    shipped = client.get(base, headers=auth).json()
    assert [(t["language"], t["shipped"]) for t in shipped] == [("en", True), ("fr", True)]
    body = {
        "name": "Ours",
        "language": "en",
        "body": "Hi {handle}! #ok?",
        "grant_keywords": ["#ok"],
    }
    made = client.post(base, json=body, headers=auth)
    assert made.status_code == 201
    assert made.json()["refuse_keywords"] == ["#no", "#non"]
    bad = client.post(base, json={**body, "name": "Other", "body": "Hi {Handle"}, headers=auth)
    assert bad.status_code == 422
    changed = client.put(
        f"{base}/{made.json()['id']}", json={**body, "body": "Hello {name} #ok"}, headers=auth
    )
    assert changed.json()["body"] == "Hello {name} #ok"
    assert client.delete(f"{base}/{made.json()['id']}", headers=auth).status_code == 204
