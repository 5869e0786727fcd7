"""Queueing over HTTP: slots CRUD, "add to queue" taking successive free slots, repeats."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.models import AuditEntry, VariantState
from orchestre.models.publication import Publication
from tests.posts.conftest import Team, create_post, set_states

S = VariantState


def slots_url(team: Team, index: int = 0) -> str:
    return team.url(f"/channels/{team.channels[index].id}/slots")


def add_weekday_slots(client: TestClient, team: Team, *times: str, index: int = 0) -> None:
    for hhmm in times:
        response = client.post(
            slots_url(team, index),
            json={"weekdays": [0, 1, 2, 3, 4], "time": hhmm},
            headers=team.headers["owner"],
        )
        assert response.status_code == 201, response.text


def approved_post(client: TestClient, team: Team, db: Session, text: str = "Hello") -> Any:
    post = create_post(client, team, base_text=text)
    set_states(db, post["id"], S.APPROVED)
    return post


def queue(client: TestClient, team: Team, post_id: str, role: str = "owner", **body: Any) -> Any:
    return client.post(
        team.url(f"/posts/{post_id}/queue"), json=body or None, headers=team.headers[role]
    )


def test_slots_are_created_listed_in_order_and_deleted(
    client: TestClient, team: Team, db: Session
) -> None:
    add_weekday_slots(client, team, "18:00", "09:00")
    again = client.post(
        slots_url(team), json={"weekdays": [0], "time": "09:00"}, headers=team.headers["owner"]
    )
    assert again.status_code == 201  # an existing slot is kept, not doubled
    body = client.get(slots_url(team), headers=team.headers["analyst"]).json()
    assert body["timezone"] == "Europe/Paris"
    assert [(s["weekday"], s["time"]) for s in body["items"][:3]] == [
        (0, "09:00"),
        (0, "18:00"),
        (1, "09:00"),
    ]
    assert len(body["items"]) == 10
    # Now is Friday 2030-03-15 10:00 in Paris: Friday 18:00 is next, then Monday 09:00.
    assert [w["local_time"] for w in body["next_free"][:2]] == [
        "2030-03-15T18:00",
        "2030-03-18T09:00",
    ]
    assert body["next_free"][0]["at"] == "2030-03-15T17:00:00Z"
    slot_id = body["items"][0]["id"]
    gone = client.delete(f"{slots_url(team)}/{slot_id}", headers=team.headers["owner"])
    assert gone.status_code == 204
    assert len(client.get(slots_url(team), headers=team.headers["owner"]).json()["items"]) == 9
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.workspace_id == team.ws.id)
    ).all()
    assert actions.count("slot.create") == 10
    assert "slot.delete" in actions


def test_bad_slot_input_is_refused(client: TestClient, team: Team) -> None:
    headers = team.headers["owner"]
    for body in (
        {"weekdays": [7], "time": "09:00"},
        {"weekdays": [0], "time": "24:00"},
        {"weekdays": [], "time": "09:00"},
    ):
        assert client.post(slots_url(team), json=body, headers=headers).status_code == 422
    reviewer = client.post(
        slots_url(team), json={"weekdays": [0], "time": "09:00"}, headers=team.headers["reviewer"]
    )
    assert reviewer.status_code == 403


def test_queued_posts_take_successive_free_slots(
    client: TestClient, team: Team, db: Session
) -> None:
    add_weekday_slots(client, team, "09:00", "18:00", index=0)
    add_weekday_slots(client, team, "12:30", index=1)
    first = approved_post(client, team, db, "Premier")
    second = approved_post(client, team, db, "Second")
    response = queue(client, team, first["id"])
    assert response.status_code == 200, response.text
    by_channel = {v["channel_id"]: v for v in response.json()["variants"]}
    alpha, beta = (str(c.id) for c in team.channels)
    assert by_channel[alpha]["state"] == "scheduled"
    assert by_channel[alpha]["scheduled_at"] == "2030-03-15T17:00:00Z"  # Fri 18:00 Paris
    assert by_channel[beta]["scheduled_at"] == "2030-03-15T11:30:00Z"  # Fri 12:30 Paris
    body = queue(client, team, second["id"]).json()
    by_channel = {v["channel_id"]: v for v in body["variants"]}
    assert by_channel[alpha]["scheduled_at"] == "2030-03-18T08:00:00Z"  # Mon 09:00
    assert by_channel[beta]["scheduled_at"] == "2030-03-18T11:30:00Z"  # Mon 12:30
    due = db.scalars(
        select(Publication.due_at).where(Publication.channel_id == team.channels[0].id)
    ).all()
    assert len(due) == len(set(due)) == 2


def test_queueing_goes_through_the_scheduling_door(
    client: TestClient, team: Team, db: Session
) -> None:
    add_weekday_slots(client, team, "09:00", index=0)
    add_weekday_slots(client, team, "09:00", index=1)
    draft = create_post(client, team)
    refused = queue(client, team, draft["id"])
    assert refused.status_code == 409
    assert refused.json()["code"] == "nothing_to_queue"
    listed = queue(client, team, draft["id"], variant_ids=[draft["variants"][0]["id"]])
    assert listed.status_code == 409
    assert "only an approved variant" in listed.json()["detail"]
    post = approved_post(client, team, db)
    assert queue(client, team, post["id"], role="content_creator").status_code == 403


def test_a_channel_without_slots_is_a_clear_error(
    client: TestClient, team: Team, db: Session
) -> None:
    post = approved_post(client, team, db)
    response = queue(client, team, post["id"])
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "no_posting_slots"
    assert "@alpha has no posting slots" in problem["detail"]


def repeat_url(team: Team, post: Any, index: int = 0) -> str:
    return team.url(f"/posts/{post['id']}/variants/{post['variants'][index]['id']}/repeat")


def test_a_recurrence_is_set_previewed_in_local_time_and_stopped(
    client: TestClient, team: Team, db: Session
) -> None:
    post = approved_post(client, team, db)
    url = repeat_url(team, post)
    headers = team.headers["owner"]
    assert client.get(url, headers=headers).status_code == 404
    body = {"kind": "rrule", "rule": "FREQ=WEEKLY;BYDAY=MO", "start_local": "2030-03-18T09:00"}
    response = client.put(url, json=body, headers=headers)
    assert response.status_code == 200, response.text
    shown = client.get(url, headers=team.headers["analyst"]).json()
    assert shown["timezone"] == "Europe/Paris"
    assert [w["local_time"] for w in shown["next"]] == [
        "2030-03-18T09:00",
        "2030-03-25T09:00",
        "2030-04-01T09:00",
        "2030-04-08T09:00",
        "2030-04-15T09:00",
    ]
    assert shown["next"][2]["at"] == "2030-04-01T07:00:00Z"
    variant = client.get(team.url(f"/posts/{post['id']}"), headers=headers).json()["variants"][0]
    assert (variant["state"], variant["scheduled_at"]) == ("scheduled", "2030-03-18T08:00:00Z")
    assert client.delete(url, headers=headers).status_code == 204
    variant = client.get(team.url(f"/posts/{post['id']}"), headers=headers).json()["variants"][0]
    assert (variant["state"], variant["scheduled_at"]) == ("approved", None)
    assert client.get(url, headers=headers).status_code == 404


def test_repeat_input_is_checked(client: TestClient, team: Team, db: Session) -> None:
    post = approved_post(client, team, db)
    url = repeat_url(team, post)
    headers = team.headers["owner"]
    missing = client.put(url, json={"kind": "rrule", "rule": "FREQ=DAILY"}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "start_local"
    hourly = client.put(
        url,
        json={"kind": "rrule", "rule": "FREQ=HOURLY", "start_local": "2030-03-18T09:00"},
        headers=headers,
    )
    assert hourly.status_code == 422
    assert hourly.json()["code"] == "bad_rrule"
    no_gap = client.put(url, json={"kind": "evergreen"}, headers=headers)
    assert no_gap.status_code == 422
    evergreen = client.put(
        url, json={"kind": "evergreen", "min_gap_days": 30}, headers=team.headers["reviewer"]
    )
    assert evergreen.status_code == 403


def test_an_evergreen_variant_takes_the_next_free_slot(
    client: TestClient, team: Team, db: Session
) -> None:
    add_weekday_slots(client, team, "09:00")
    post = approved_post(client, team, db)
    url = repeat_url(team, post)
    response = client.put(
        url, json={"kind": "evergreen", "min_gap_days": 30}, headers=team.headers["owner"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kind"], body["min_gap_days"]) == ("evergreen", 30)
    assert [w["local_time"] for w in body["next"]] == ["2030-03-18T09:00"]
