"""The inbox's JSON routes as a team uses them: list and filter, assign, answer (with saved
replies and approval), notes, moderation, bulk, targets, figures and the author card."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.kit.clock import utcnow
from orchestre.models import (
    Channel,
    Conversation,
    InboxAuthor,
    InboxMessage,
    Notification,
    User,
    Workspace,
)
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace
from tests.inbox.team_support import add_inbound, make_author, make_conversation


@dataclass
class Member:
    user: User
    headers: dict[str, str]


@dataclass
class Desk:
    ws: Workspace
    owner: Member
    cm: Member
    analyst: Member
    channel: Channel
    author: InboxAuthor
    question: Conversation

    def url(self, path: str) -> str:
        return f"/api/v1/workspaces/{self.ws.id}/inbox{path}"


def _member(db: Session, ws: Workspace, role: str) -> Member:
    user = make_member(db, ws, role)
    return Member(user, bearer(make_token(db, ws, user)))


@pytest.fixture
def desk(db: Session) -> Desk:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    author = make_author(db, ws, handle="@marie", name="Marie Curie", followers=1200)
    question = make_conversation(
        db, channel, author, text="Où est ma commande ?", language="fr", sentiment="negative"
    )
    desk = Desk(
        ws=ws,
        owner=_member(db, ws, "owner"),
        cm=_member(db, ws, "community_manager"),
        analyst=_member(db, ws, "analyst"),
        channel=channel,
        author=author,
        question=question,
    )
    db.commit()
    return desk


def test_list_filters_and_counts(client: TestClient, db: Session, desk: Desk) -> None:
    other = make_conversation(
        db, desk.channel, text="Love it", language="en", sentiment="positive", waiting=False
    )
    other.status = "done"
    db.commit()
    listed = client.get(desk.url("/conversations"), headers=desk.cm.headers)
    assert listed.status_code == 200, listed.text
    ids = [item["conversation"]["id"] for item in listed.json()["items"]]
    assert set(ids) == {str(desk.question.id), str(other.id)}

    def only(**params: str) -> list[str]:
        r = client.get(desk.url("/conversations"), headers=desk.cm.headers, params=params)
        assert r.status_code == 200, r.text
        return [item["conversation"]["id"] for item in r.json()["items"]]

    assert only(sentiment="negative") == [str(desk.question.id)]
    assert only(language="en") == [str(other.id)]
    assert only(status="done") == [str(other.id)]
    assert only(assignee="unassigned", q="commande") == [str(desk.question.id)]
    assert only(assignee="me") == []
    since = (utcnow() - timedelta(minutes=10)).isoformat()
    assert only(unanswered_since=since) == [str(desk.question.id)]
    assert only(network="elsewhere") == []
    assert only(updated_since=(utcnow() + timedelta(minutes=1)).isoformat()) == []
    assert len(only(updated_since=(utcnow() - timedelta(minutes=1)).isoformat())) == 2
    first = client.get(desk.url("/conversations"), headers=desk.cm.headers, params={"limit": 1})
    page = first.json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    rest = only(cursor=page["next_cursor"])
    assert len(rest) == 1
    assert rest[0] != page["items"][0]["conversation"]["id"]

    counts = client.get(desk.url("/conversations/counts"), headers=desk.cm.headers).json()
    assert counts["counts"] == {"new": 1, "assigned": 0, "waiting": 0, "done": 1}
    item = client.get(desk.url("/conversations"), headers=desk.cm.headers).json()["items"]
    question = next(i for i in item if i["conversation"]["id"] == str(desk.question.id))
    assert question["author"]["handle"] == "@marie"
    assert question["last_message"]["text"] == "Où est ma commande ?"


def test_assign_then_a_stale_change_is_refused(client: TestClient, db: Session, desk: Desk) -> None:
    url = desk.url(f"/conversations/{desk.question.id}")
    seen = client.get(url, headers=desk.cm.headers).json()["conversation"]["version"]
    assigned = client.patch(
        url,
        headers=desk.cm.headers,
        json={"assignee_id": str(desk.cm.user.id), "priority": "high", "version": seen},
    )
    assert assigned.status_code == 200, assigned.text
    body = assigned.json()
    assert body["status"] == "assigned"
    assert body["priority"] == "high"
    stale = client.patch(url, headers=desk.cm.headers, json={"status": "done", "version": seen})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    analyst = client.patch(url, headers=desk.analyst.headers, json={"status": "done"})
    assert analyst.status_code == 403
    outsider = client.patch(url, headers=desk.cm.headers, json={"assignee_id": str(uuid.uuid4())})
    assert outsider.status_code == 422


def test_reply_with_a_french_saved_reply(client: TestClient, db: Session, desk: Desk) -> None:
    created = client.post(
        desk.url("/saved-replies"),
        headers=desk.cm.headers,
        json={
            "name": "Suivi de commande",
            "language": "fr",
            "body": "Bonjour {first_name}, votre commande {order_id} part aujourd'hui. "
            "{agent_name}",
        },
    )
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["variables"] == ["first_name", "order_id", "agent_name"]
    render = desk.url(f"/saved-replies/{saved['id']}/render")
    missing = client.post(
        render, headers=desk.cm.headers, json={"conversation_id": str(desk.question.id)}
    )
    assert missing.status_code == 422
    assert missing.json()["code"] == "missing_variables"
    assert "{order_id}" in missing.json()["detail"]
    assert [e["actual"] for e in missing.json()["errors"]] == ["order_id"]
    answered = client.post(
        desk.url(f"/conversations/{desk.question.id}/replies"),
        headers=desk.cm.headers,
        json={"saved_reply_id": saved["id"], "values": {"order_id": "A-42"}},
    )
    assert answered.status_code == 202, answered.text
    reply = answered.json()
    expected = f"Bonjour Marie, votre commande A-42 part aujourd'hui. {desk.cm.user.name}"
    assert reply["text"] == expected
    assert reply["outbound_state"] == "queued"
    detail = client.get(
        desk.url(f"/conversations/{desk.question.id}"), headers=desk.cm.headers
    ).json()
    assert detail["conversation"]["status"] == "waiting"
    assert set(detail["capabilities"]) == {"reply", "hide_comment", "delete_comment", "like"}
    assert [m["direction"] for m in detail["messages"]] == ["inbound", "outbound"]


def test_a_sensitive_reply_waits_for_someone_else(
    client: TestClient, db: Session, desk: Desk
) -> None:
    desk.ws.reply_approval_roles = ["community_manager"]
    db.commit()
    held = client.post(
        desk.url(f"/conversations/{desk.question.id}/replies"),
        headers=desk.cm.headers,
        json={"text": "We will refund you."},
    )
    assert held.status_code == 202, held.text
    assert held.json()["outbound_state"] == "pending_approval"
    message = held.json()["id"]
    told = db.scalars(
        select(Notification.kind).where(Notification.user_id == desk.owner.user.id)
    ).all()
    assert "inbox_reply_pending_approval" in told
    own = client.post(desk.url(f"/messages/{message}/approve"), headers=desk.cm.headers)
    assert own.status_code == 403
    approved = client.post(desk.url(f"/messages/{message}/approve"), headers=desk.owner.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["outbound_state"] == "queued"
    again = client.post(
        desk.url(f"/messages/{message}/reject"), headers=desk.owner.headers, json={}
    )
    assert again.status_code == 409


def test_notes_mention_members(client: TestClient, db: Session, desk: Desk) -> None:
    noted = client.post(
        desk.url(f"/conversations/{desk.question.id}/notes"),
        headers=desk.cm.headers,
        json={"body": f"Can you check the refund, @{desk.owner.user.email}?"},
    )
    assert noted.status_code == 201, noted.text
    assert noted.json()["mentions"] == [str(desk.owner.user.id)]
    [note] = db.scalars(
        select(Notification).where(
            Notification.user_id == desk.owner.user.id, Notification.kind == "inbox_mention"
        )
    ).all()
    assert note.payload["conversation_id"] == str(desk.question.id)
    stranger = client.post(
        desk.url(f"/conversations/{desk.question.id}/notes"),
        headers=desk.cm.headers,
        json={"body": "Ask @nobody@example.com"},
    )
    assert stranger.status_code == 422


def test_hide_and_show_a_comment(client: TestClient, db: Session, desk: Desk) -> None:
    message = db.scalars(
        select(InboxMessage).where(InboxMessage.conversation_id == desk.question.id)
    ).one()
    url = desk.url(f"/messages/{message.id}/hide")
    hidden = client.post(url, headers=desk.cm.headers, json={})
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"] is True
    shown = client.post(url, headers=desk.cm.headers, json={"hidden": False})
    assert shown.json()["hidden"] is False
    assert client.post(url, headers=desk.analyst.headers, json={}).status_code == 403


def test_bulk_checks_each_conversation(client: TestClient, db: Session, desk: Desk) -> None:
    second = make_conversation(db, desk.channel)
    foreign_ws = make_workspace(db)
    foreign = make_conversation(db, make_channel(db, foreign_ws))
    db.commit()
    result = client.post(
        desk.url("/bulk"),
        headers=desk.cm.headers,
        json={
            "conversation_ids": [str(desk.question.id), str(second.id), str(foreign.id)],
            "action": "add_tags",
            "tags": ["Refund", "refund", "urgent"],
        },
    )
    assert result.status_code == 200, result.text
    outcomes = {r["conversation_id"]: r for r in result.json()["results"]}
    assert outcomes[str(desk.question.id)]["ok"] is True
    assert outcomes[str(second.id)]["ok"] is True
    assert outcomes[str(foreign.id)]["code"] == "conversation_not_found"
    db.expire_all()
    assert db.get(Conversation, desk.question.id).tags == ["refund", "urgent"]  # type: ignore[union-attr]
    assert db.get(Conversation, foreign.id).tags == []  # type: ignore[union-attr]


def test_targets_set_the_timers_and_figures_count_answers(
    client: TestClient, db: Session, desk: Desk
) -> None:
    put = client.post(
        desk.url("/response-targets"),
        headers=desk.cm.headers,
        json={"priority": "normal", "minutes": 60},
    )
    assert put.status_code == 200, put.text
    db.expire_all()
    question = db.get(Conversation, desk.question.id)
    assert question is not None
    assert question.awaiting_since is not None
    assert question.response_due_at == question.awaiting_since + timedelta(minutes=60)
    listed = client.get(desk.url("/response-targets"), headers=desk.cm.headers).json()
    assert [t["minutes"] for t in listed["items"]] == [60]
    changed = client.patch(
        desk.url(f"/response-targets/{put.json()['id']}"),
        headers=desk.cm.headers,
        json={"minutes": 30},
    )
    assert changed.json()["minutes"] == 30

    client.post(
        desk.url(f"/conversations/{desk.question.id}/replies"),
        headers=desk.cm.headers,
        json={"text": "On it"},
    )
    make_conversation(db, desk.channel, text="Hello?")  # not answered
    db.commit()
    now = utcnow()
    params = {
        "start": (now - timedelta(days=1)).isoformat(),
        "end": (now + timedelta(minutes=1)).isoformat(),
    }
    stats = client.get(desk.url("/stats"), headers=desk.analyst.headers, params=params)
    assert stats.status_code == 200, stats.text
    total = stats.json()["total"]
    assert total["requests"] == 2
    assert total["answered"] == 1
    assert total["response_rate"] == 0.5
    assert total["median_first_response_seconds"] == 30 * 60  # asked 30 min before now
    assert stats.json()["periods"] == []
    daily = client.get(
        desk.url("/stats"), headers=desk.analyst.headers, params={**params, "interval": "day"}
    ).json()
    assert sum(p["total"]["requests"] for p in daily["periods"]) == 2
    assert daily["periods"][0]["start"] == stats.json()["start"]
    naive = client.get(
        desk.url("/stats"),
        headers=desk.analyst.headers,
        params={"start": "2030-01-01T00:00:00", "end": "2030-01-02T00:00:00"},
    )
    assert naive.status_code == 422


def test_author_card_gathers_other_networks(client: TestClient, db: Session, desk: Desk) -> None:
    elsewhere = make_channel(db, desk.ws, network="mastodon")
    twin = make_author(db, desk.ws, network="mastodon", handle="marie", name="Marie C.")
    conversation = make_conversation(db, elsewhere, twin, text="Bonjour")
    add_inbound(db, conversation, "Encore moi")
    db.commit()
    card = client.get(desk.url(f"/authors/{desk.author.id}"), headers=desk.cm.headers)
    assert card.status_code == 200, card.text
    body = card.json()
    assert body["author"]["followers"] == 1200
    assert [a["id"] for a in body["other_accounts"]] == [str(twin.id)]
    assert {c["conversation"]["id"] for c in body["conversations"]} == {
        str(desk.question.id),
        str(conversation.id),
    }
    tagged = client.put(
        desk.url(f"/authors/{desk.author.id}/tags"),
        headers=desk.cm.headers,
        json={"tags": ["VIP", "customer"]},
    )
    assert tagged.json()["tags"] == ["vip", "customer"]
    by_tag = client.get(desk.url("/conversations"), headers=desk.cm.headers, params={"tag": "vip"})
    assert [i["conversation"]["id"] for i in by_tag.json()["items"]] == [str(desk.question.id)]


def test_another_workspace_ids_are_not_found(client: TestClient, db: Session, desk: Desk) -> None:
    foreign_ws = make_workspace(db)
    foreign = make_conversation(db, make_channel(db, foreign_ws))
    db.commit()
    assert (
        client.get(desk.url(f"/conversations/{foreign.id}"), headers=desk.cm.headers).status_code
        == 404
    )


def test_messages_page_back_through_a_long_thread(
    client: TestClient, db: Session, desk: Desk
) -> None:
    for n in range(3):
        add_inbound(db, desk.question, f"again {n}", at=utcnow() + timedelta(seconds=n))
    db.commit()
    url = desk.url(f"/conversations/{desk.question.id}/messages")
    first = client.get(url, headers=desk.cm.headers, params={"limit": 2}).json()
    assert [m["text"] for m in first["items"]] == ["again 2", "again 1"]
    rest = client.get(
        url, headers=desk.cm.headers, params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [m["text"] for m in rest["items"]] == ["again 0", "Où est ma commande ?"]
    assert rest["next_cursor"] is None
    detail = client.get(desk.url(f"/conversations/{desk.question.id}"), headers=desk.cm.headers)
    assert detail.json()["messages"][-1]["text"] == "again 2"
    assert detail.json()["earlier_cursor"] is None
