"""The iCalendar feed: RFC 5545 output parsed back, and the secret address's life cycle."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from orchestre.calendar import feeds, ical, service
from orchestre.errors import NotFound
from orchestre.models import CalendarFeed, Membership, VariantState
from tests.calendar.conftest import mark, scheduled_post
from tests.posts.conftest import Team

S = VariantState
LONG = (
    "Our spring collection, at last; with commas, semicolons and a backslash \\ "
    "and a second line\nthat must be escaped and folded because it is long enough to "
    "pass seventy-five octets twice over. Voilà, ça marche ✓"
)


def _parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def test_each_variant_is_one_vevent_with_stable_uid(db: Session, team: Team) -> None:
    post_id = scheduled_post(db, team, "2030-03-20T10:30", text=LONG)
    published = scheduled_post(db, team, "2030-03-21T10:30", channels=[team.channels[2]])
    mark(db, published, S.PUBLISHED, published_at=datetime(2030, 3, 21, 9, 31, tzinfo=UTC))
    found = service.entries(
        db, team.actor(), datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC)
    )
    stamp = datetime(2030, 3, 15, 9, 0, tzinfo=UTC)
    body = ical.build(
        found,
        name="Orchestre · Brand",
        zone="Europe/Paris",
        post_url="https://o.test/p/{post_id}",
        stamp=stamp,
    )
    # CRLF everywhere, and no content line longer than 75 octets (folding).
    assert b"\r\n" in body
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in body.split(b"\r\n")) <= 75
    calendar = _parse(body)
    assert str(calendar["version"]) == "2.0"
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2
    first, second = events
    assert str(first["uid"]) == f"{found[0].variant_id}@orchestre"
    assert first.decoded("dtstart") == datetime(2030, 3, 20, 9, 30, tzinfo=UTC)
    assert first.decoded("dtstamp") == stamp
    assert first.decoded("duration") == timedelta(minutes=15)
    assert str(first["description"]) == LONG  # escaping round-trips
    assert str(first["summary"]).startswith("Sandbox @alpha: Our spring collection")
    assert str(first["url"]) == f"https://o.test/p/{post_id}"
    assert str(first["status"]) == "TENTATIVE"
    assert str(second["status"]) == "CONFIRMED"
    assert str(second["summary"]).startswith("X @xbrand: ")
    # The same variant keeps its UID when it moves.
    again = ical.build(
        found, name="n", zone="Europe/Paris", post_url="{post_id}", stamp=stamp + timedelta(1)
    )
    assert [str(e["uid"]) for e in _parse(again).walk("VEVENT")] == [str(e["uid"]) for e in events]


def test_feed_address_life_cycle(client: TestClient, db: Session, team: Team) -> None:
    scheduled_post(db, team, "2030-03-20T10:30")
    headers = team.headers["content_creator"]
    made = client.post(team.url("/calendar/feed"), headers=headers)
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert url.startswith("http://127.0.0.1:8000/calendar/feed/ocal_")
    assert url.endswith(".ics")
    path = url.removeprefix("http://127.0.0.1:8000")
    # Only the hash is stored.
    row = db.query(CalendarFeed).one()
    assert path.split("/")[-1].removesuffix(".ics") not in (row.token_hash, row.prefix)
    read = client.get(path)  # no login
    assert read.status_code == 200
    assert read.headers["content-type"].startswith("text/calendar")
    assert len(list(_parse(read.content).walk("VEVENT"))) == 1
    status = client.get(team.url("/calendar/feed"), headers=headers).json()
    assert status["exists"] is True
    assert status["url"] is None  # never shown again
    assert status["last_used_at"] is not None
    # Rotating: the old address stops working, the new one works.
    rotated = client.post(team.url("/calendar/feed"), headers=headers).json()["url"]
    assert client.get(path).status_code == 404
    new_path = rotated.removeprefix("http://127.0.0.1:8000")
    assert client.get(new_path).status_code == 200
    # Revoking: nothing answers any more.
    assert client.delete(team.url("/calendar/feed"), headers=headers).status_code == 204
    assert client.get(new_path).status_code == 404
    assert client.delete(team.url("/calendar/feed"), headers=headers).status_code == 404


def test_a_token_reads_only_its_own_workspace(
    client: TestClient, db: Session, team: Team, other: Team
) -> None:
    scheduled_post(db, other, "2030-03-20T10:30", text="Other brand's secret plan")
    scheduled_post(db, team, "2030-03-20T10:30", text="Our plan")
    issued = feeds.issue_feed(db, team.actor())
    body = client.get(issued.path).content
    texts = [str(e["description"]) for e in _parse(body).walk("VEVENT")]
    assert texts == ["Our plan"]
    # The token does not open the other workspace, even through its id.
    assert client.get(f"/calendar/feed/{issued.token}x.ics").status_code == 404


def test_a_person_who_left_the_workspace_reads_nothing(db: Session, team: Team) -> None:
    actor = team.actor("analyst")
    issued = feeds.issue_feed(db, actor)
    assert feeds.resolve(db, issued.token).user_id == actor.user_id
    db.query(Membership).filter_by(workspace_id=team.ws.id, user_id=actor.user_id).delete()
    db.flush()
    with pytest.raises(NotFound):
        feeds.resolve(db, issued.token)


def test_access_logs_never_show_a_feed_token(caplog: pytest.LogCaptureFixture) -> None:
    import orchestre.calendar.api  # noqa: F401 - installs the filter

    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/calendar/feed/ocal_s3cr3tT0ken-value.ics",
            "1.1",
            200,
        )
    assert "s3cr3tT0ken" not in caplog.text
    assert "/calendar/feed/[redacted].ics" in caplog.text
