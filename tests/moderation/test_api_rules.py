"""The moderation API: rules saved with clear errors, ordered, dry-run, the log and its undo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import Workspace
from orchestre.models.inbox import Conversation
from orchestre.moderation.rules import apply_rules
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace
from tests.moderation.rules_support import make_message

HATE = {"all": [{"type": "label", "classifier": "toxicity", "labels": ["hate"], "min_score": 0.8}]}


def _base(ws: Workspace) -> str:
    return f"/api/v1/workspaces/{ws.id}/moderation"


def _as(db: Session, ws: Workspace, role: str) -> dict[str, str]:
    return bearer(make_token(db, ws, make_member(db, ws, role)))


def _rule(name: str = "Hate", **extra: Any) -> dict[str, Any]:
    return {"name": name, "conditions": HATE, "actions": [{"type": "hide"}], **extra}


def test_rules_are_created_listed_changed_ordered_and_deleted(
    client: TestClient, db: Session
) -> None:
    ws = make_workspace(db)
    headers = _as(db, ws, "community_manager")
    first = client.post(f"{_base(ws)}/rules", json=_rule("First"), headers=headers)
    second = client.post(f"{_base(ws)}/rules", json=_rule("Second", stop=True), headers=headers)
    assert first.status_code == second.status_code == 201, first.text
    a, b = first.json()["id"], second.json()["id"]

    order = client.put(f"{_base(ws)}/rules/order", json={"rule_ids": [b, a]}, headers=headers)
    assert [r["name"] for r in order.json()["items"]] == ["Second", "First"]
    changed = client.patch(f"{_base(ws)}/rules/{a}", json={"enabled": False}, headers=headers)
    assert changed.json()["enabled"] is False
    listed = client.get(f"{_base(ws)}/rules", headers=headers).json()["items"]
    assert [(r["name"], r["position"], r["enabled"]) for r in listed] == [
        ("Second", 0, True),
        ("First", 1, False),
    ]
    assert client.delete(f"{_base(ws)}/rules/{a}", headers=headers).status_code == 204
    assert client.get(f"{_base(ws)}/rules/{a}", headers=headers).status_code == 404


def test_a_bad_rule_is_refused_naming_each_bad_field(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    headers = _as(db, ws, "owner")
    body = {
        "name": "Broken",
        "conditions": {
            "all": [
                {"type": "label", "classifier": "toxicity", "labels": ["hate"], "min_score": 1.5},
                {"type": "regex", "pattern": "(oops"},
            ]
        },
        "actions": [{"type": "set_priority", "priority": "panic"}],
    }

    response = client.post(f"{_base(ws)}/rules", json=body, headers=headers)

    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert "conditions.all.0.label.min_score" in fields
    assert "conditions.all.1.regex.pattern" in fields
    assert "actions.0.set_priority.priority" in fields


def test_a_rule_naming_someone_outside_the_workspace_is_refused(
    client: TestClient, db: Session
) -> None:
    ws, other = make_workspace(db), make_workspace(db)
    stranger = make_member(db, other, "community_manager")
    body = _rule(actions=[{"type": "assign", "user_id": str(stranger.id)}])

    response = client.post(f"{_base(ws)}/rules", json=body, headers=_as(db, ws, "owner"))

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["actions.0.user_id"]


def test_readers_may_look_but_only_moderators_may_change(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    creator = _as(db, ws, "content_creator")
    assert client.get(f"{_base(ws)}/rules", headers=creator).status_code == 403
    assert client.post(f"{_base(ws)}/rules", json=_rule(), headers=creator).status_code == 403
    manager = _as(db, ws, "community_manager")
    assert client.get(f"{_base(ws)}/rules", headers=manager).status_code == 200


def test_dry_run_counts_what_a_draft_would_do_and_changes_nothing(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    hateful = [
        make_message(db, ws, channel, f"hate {i}", toxicity="hate", toxicity_score=0.9)
        for i in range(3)
    ]
    make_message(db, ws, channel, "hello", toxicity="clean", toxicity_score=0.99)
    make_message(
        db,
        ws,
        channel,
        "old hate",
        toxicity="hate",
        toxicity_score=0.9,
        at=utcnow() - timedelta(days=10),
    )
    body = {"conditions": HATE, "actions": [{"type": "hide"}, {"type": "tag", "tags": ["x"]}]}

    response = client.post(
        f"{_base(ws)}/dry-run", json=body | {"days": 7}, headers=_as(db, ws, "community_manager")
    )

    result = response.json()
    assert response.status_code == 200, response.text
    assert (result["examined"], result["matched"]) == (4, 3)
    assert result["actions"] == {"hide": 3, "tag": 3}
    assert {s["message_id"] for s in result["samples"]} == {str(m.id) for m in hateful}
    assert result["samples"][0]["scores"]["toxicity"] == 0.9
    for message in hateful:
        db.refresh(message)
        assert not message.hidden
    longer = client.post(
        f"{_base(ws)}/dry-run", json=body | {"days": 30}, headers=_as(db, ws, "owner")
    )
    assert longer.json()["matched"] == 4


def test_the_log_shows_evidence_and_one_click_undo(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    headers = _as(db, ws, "community_manager")
    created = client.post(
        f"{_base(ws)}/rules",
        json=_rule(actions=[{"type": "hide"}, {"type": "delete"}, {"type": "tag", "tags": ["t"]}]),
        headers=headers,
    )
    assert created.status_code == 201
    message = make_message(db, ws, channel, "...", toxicity="hate", toxicity_score=0.97)
    apply_rules(db, [message])

    page = client.get(f"{_base(ws)}/actions", headers=headers).json()
    by_action = {item["action"]: item for item in page["items"]}
    assert set(by_action) == {"hide", "delete", "tag"}
    assert by_action["tag"]["evidence"]["scores"]["toxicity"] == 0.97
    assert by_action["tag"]["message_excerpt"] == "..."
    assert by_action["delete"]["undoable"] is False
    assert "cannot be brought back" in by_action["delete"]["undo_blocked_because"]

    undone = client.post(f"{_base(ws)}/actions/{by_action['tag']['id']}/undo", headers=headers)
    assert undone.status_code == 200, undone.text
    assert (undone.json()["status"], undone.json()["undoable"]) == ("undone", False)
    assert db.get(Conversation, message.conversation_id).tags == []  # type: ignore[union-attr]
    refused = client.post(f"{_base(ws)}/actions/{by_action['delete']['id']}/undo", headers=headers)
    assert refused.status_code == 409
    only_tags = client.get(
        f"{_base(ws)}/actions", params={"action": "tag", "status": "undone"}, headers=headers
    ).json()["items"]
    assert [i["id"] for i in only_tags] == [by_action["tag"]["id"]]


def test_the_starter_set_installs_once(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    headers = _as(db, ws, "owner")

    first = client.post(f"{_base(ws)}/rules/starter", headers=headers).json()["installed"]
    again = client.post(f"{_base(ws)}/rules/starter", headers=headers).json()["installed"]

    assert [r["starter_key"] for r in first] == [
        "hide_hate",
        "hide_spam",
        "flag_insults",
        "assign_complaints",
    ]
    assert again == []
    deleted = first[1]["id"]
    client.delete(f"{_base(ws)}/rules/{deleted}", headers=headers)
    restored = client.post(f"{_base(ws)}/rules/starter", headers=headers).json()["installed"]
    assert [r["starter_key"] for r in restored] == ["hide_spam"]


def test_a_draft_without_actions_is_tried_for_its_matches_alone(
    client: TestClient, db: Session
) -> None:
    ws = make_workspace(db)
    channel = make_channel(db, ws)
    make_message(db, ws, channel, "Arnaqué !", toxicity="clean")
    make_message(db, ws, channel, "merci", toxicity="clean")
    body = {"conditions": {"any": [{"type": "keywords", "words": ["arnaque"]}]}, "days": 1}

    result = client.post(f"{_base(ws)}/dry-run", json=body, headers=_as(db, ws, "analyst"))

    assert result.status_code == 403  # an analyst does not read the inbox
    result = client.post(f"{_base(ws)}/dry-run", json=body, headers=_as(db, ws, "owner"))
    assert (result.json()["matched"], result.json()["actions"]) == (1, {})


def test_a_dry_run_reads_stored_times_on_the_workspace_clock(
    client: TestClient, db: Session, clock: FrozenClock
) -> None:
    ws = make_workspace(db, timezone="Europe/Paris")
    channel = make_channel(db, ws)
    # 09:00 UTC is 10:00 in Paris in March: inside 09:30-11:00 there, outside in UTC.
    make_message(db, ws, channel, "morning", at=utcnow())
    db.expire_all()  # read back from the database, as a dry run does
    window = {"all": [{"type": "time_of_day", "start": "09:30", "end": "11:00"}]}

    result = client.post(
        f"{_base(ws)}/dry-run", json={"conditions": window, "days": 1}, headers=_as(db, ws, "owner")
    )

    assert result.json()["matched"] == 1
