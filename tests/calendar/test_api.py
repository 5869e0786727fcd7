"""Calendar routes: events of a range, CSV export and import, moving an event."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.calendar import csv_io
from orchestre.models import ApprovalStep
from tests.calendar.conftest import scheduled_post
from tests.posts.conftest import Team

RANGE = {"from": "2030-03-01T00:00:00+01:00", "to": "2030-04-15T00:00:00+02:00"}


def test_events_of_a_range(client: TestClient, db: Session, team: Team) -> None:
    post_id = scheduled_post(db, team, "2030-03-20T10:30", channels=team.channels[:2])
    response = client.get(team.url("/calendar"), params=RANGE, headers=team.headers["analyst"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] == "Europe/Paris"
    assert body["truncated"] is False
    first = body["events"][0]
    assert first["post_id"] == str(post_id)
    assert first["start"] == "2030-03-20T09:30:00Z"
    assert first["local_start"] == "2030-03-20T10:30"
    assert first["title"] == "@alpha · Spring collection is out"
    assert first["movable"] is False  # an analyst may not schedule
    params = {**RANGE, "channel_id": str(team.channels[1].id), "status": "scheduled"}
    filtered = client.get(team.url("/calendar"), params=params, headers=team.headers["owner"])
    assert [e["handle"] for e in filtered.json()["events"]] == ["@beta"]
    assert filtered.json()["events"][0]["movable"] is True


def test_bad_ranges_and_statuses_are_422(client: TestClient, team: Team) -> None:
    headers = team.headers["owner"]
    reversed_range = {"from": RANGE["to"], "to": RANGE["from"]}
    assert (
        client.get(team.url("/calendar"), params=reversed_range, headers=headers).status_code == 422
    )
    naive = {"from": "2030-03-01T00:00:00"}
    assert client.get(team.url("/calendar"), params=naive, headers=headers).status_code == 422
    draft = {**RANGE, "status": "draft"}
    assert client.get(team.url("/calendar"), params=draft, headers=headers).status_code == 422


def test_moving_an_event_goes_through_scheduling_and_its_rules(
    client: TestClient, db: Session, team: Team
) -> None:
    post_id = scheduled_post(db, team, "2030-03-20T10:30")
    events = client.get(team.url("/calendar"), params=RANGE, headers=team.headers["owner"])
    event = events.json()["events"][0]
    assert event["id"] == event["variant_id"]
    assert event["occurrence"] == 0
    body = {"local_time": "2030-03-22T08:15", "variant_ids": [event["variant_id"]]}
    moved = client.post(
        team.url(f"/posts/{post_id}/schedule"), json=body, headers=team.headers["owner"]
    )
    assert moved.status_code == 200, moved.text
    again = client.get(team.url("/calendar"), params=RANGE, headers=team.headers["owner"])
    assert again.json()["events"][0]["start"] == "2030-03-22T07:15:00Z"
    gap = {"local_time": "2030-03-31T02:30", "variant_ids": [event["variant_id"]]}
    refused = client.post(
        team.url(f"/posts/{post_id}/schedule"), json=gap, headers=team.headers["owner"]
    )
    assert refused.status_code == 422
    assert "does not exist" in refused.json()["detail"]
    creator = client.post(
        team.url(f"/posts/{post_id}/schedule"), json=body, headers=team.headers["content_creator"]
    )
    assert creator.status_code == 403


def test_export_then_import_round_trip(client: TestClient, db: Session, team: Team) -> None:
    scheduled_post(db, team, "2030-03-20T10:30", text="Été; enfin\nla suite", tags=["launch"])
    exported = client.get(
        team.url("/calendar/export"),
        params={**RANGE, "delimiter": "semicolon"},
        headers=team.headers["analyst"],
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    (row,) = csv_io.read_rows(exported.content)
    assert row.cells["date"] == "2030-03-20"
    assert row.cells["time"] == "10:30"
    assert row.cells["text"] == "Été; enfin\nla suite"
    assert row.cells["tags"] == "launch"
    assert row.cells["status"] == "scheduled"
    # The exported file imports as is (a dry run, then for real), with a review step.
    db.add(ApprovalStep(workspace_id=team.ws.id, position=0, name="Legal", role="reviewer"))
    db.flush()
    files = {"file": ("plan.csv", exported.content, "text/csv")}
    dry = client.post(
        team.url("/calendar/import"),
        params={"dry_run": "true"},
        files=files,
        headers=team.headers["owner"],
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["accepted"][0]["post_id"] is None
    real = client.post(team.url("/calendar/import"), files=files, headers=team.headers["owner"])
    report = real.json()
    assert report["rejected"] == []
    assert report["accepted"][0]["outcome"] == "in_review"
    assert report["accepted"][0]["post_id"] is not None


def test_a_broken_file_is_one_422(client: TestClient, team: Team) -> None:
    files = {"file": ("plan.csv", b"\x89PNG\r\n\x1a\n\xff\xfe", "text/csv")}
    response = client.post(team.url("/calendar/import"), files=files, headers=team.headers["owner"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
