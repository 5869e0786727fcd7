"""The stream's reader on both databases: which queries it feeds, what it stores, its
lease, and its loop against a local WebSocket server replaying recorded events."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Close
from websockets.sync.server import ServerConnection, serve

from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock
from orchestre.listening import stream_repository as repo
from orchestre.listening.stream import STREAM
from orchestre.listening.stream_runtime import (
    LEASE,
    MAX_REPLAY,
    REWIND_US,
    StreamReader,
    _LeaseLost,
    start_stream,
)
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.listening_stream import ListeningStream
from tests.factories import make_token, make_workspace
from tests.insights.conftest import build_world
from tests.listening.conftest import WordClassifier
from tests.listening.test_stream import post_event

BASE = "ws://127.0.0.1:1/subscribe"


def add_query(db: Session, text: str, networks: Sequence[str], **kw: Any) -> ListeningQuery:
    ws = make_workspace(db)
    q = ListeningQuery(workspace_id=ws.id, name=text, query=text, networks=list(networks), **kw)
    db.add(q)
    db.flush()
    return q


def mentions(db: Session) -> list[Mention]:
    return list(db.scalars(select(Mention).order_by(Mention.external_id, Mention.query_id)))


def us(clock: FrozenClock, seconds: float = 0) -> int:
    return int((clock.now() + timedelta(seconds=seconds)).timestamp() * 1_000_000)


class Replay:
    """A connection replaying messages, then closed by the server."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        self.closed = False

    def recv(self, timeout: float | None = None) -> str:
        if not self.messages:
            raise ConnectionClosedOK(Close(1000, "bye"), Close(1000, "bye"), True)
        return self.messages.pop(0)

    def __enter__(self) -> Replay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


def reader(
    factory: sessionmaker[Session], clock: FrozenClock, connect: Any, **kw: Any
) -> StreamReader:
    return StreamReader(
        factory,
        BASE,
        clock=clock.now,
        classifier=WordClassifier(),
        connect=connect,
        holder="test-reader",
        flush_every=0.05,
        **kw,
    )


def hold(db: Session, clock: FrozenClock, holder: str = "test-reader") -> None:
    assert repo.acquire(db, STREAM, holder, clock.now(), clock.now() + LEASE)[0]


def test_posts_feed_the_queries_that_follow_bluesky_and_are_stored_once(
    db: Session, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    follows = add_query(db, "vélo", ["bluesky"])
    other_workspace = add_query(db, "#vélotaf", ["bluesky", "mastodon"])
    every_network = add_query(db, "vélo", [])  # not opted in: search only
    paused = add_query(db, "vélo", ["bluesky"], active=False)
    french_only = add_query(db, "vélo", ["bluesky"], languages=["de"])
    hold(db, clock)
    t = us(clock, -60)
    tags = [{"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "velotaf"}]}]
    events = [
        post_event("Un super vélo ce matin #velotaf", rkey="a1", time_us=t, facets=tags),
        post_event("Rien à voir", rkey="a2", time_us=t + 1),
        '{"broken',
        json.dumps({"did": "did:plc:x", "time_us": t + 3, "kind": "account", "account": {}}),
    ]
    raw = [e if isinstance(e, str) else json.dumps(e) for e in events]
    r = reader(session_factory, clock, lambda url: Replay(raw))
    assert r.read_connection(None) == 4
    rows = mentions(db)
    assert {(m.query_id, m.external_id) for m in rows} == {
        (follows.id, "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/a1"),
        (other_workspace.id, "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/a1"),
    }
    assert {m.network for m in rows} == {"bluesky"}
    assert {m.sentiment for m in rows} == {"positive"}  # the classifier's path
    assert {m.workspace_id for m in rows} == {follows.workspace_id, other_workspace.workspace_id}
    assert every_network.id not in {m.query_id for m in rows}
    assert paused.id not in {m.query_id for m in rows}
    assert french_only.id not in {m.query_id for m in rows}  # classified "fr", wants "de"
    assert (r.stats.skipped, r.stats.posts, r.stats.stored) == (1, 2, 2)
    assert db.get(ListeningStream, STREAM).cursor_us == t + 3  # type: ignore[union-attr]

    again = reader(session_factory, clock, lambda url: Replay(raw))
    again.read_connection(t + 3)
    assert len(mentions(db)) == 2  # the overlap after a reconnection stores nothing twice
    assert (again.stats.matched, again.stats.stored) == (3, 0)  # "de" is kept out on storing


def test_one_process_reads_the_stream_and_another_takes_over_a_lapsed_lease(
    db: Session, clock: FrozenClock
) -> None:
    now = clock.now()
    assert repo.acquire(db, STREAM, "a", now, now + LEASE) == (True, None)
    assert repo.acquire(db, STREAM, "b", now, now + LEASE) == (False, None)
    assert repo.advance(db, STREAM, "a", 42, now, now + LEASE)
    assert not repo.advance(db, STREAM, "b", 43, now, now + LEASE)
    later = now + LEASE + timedelta(seconds=1)  # "a" died
    assert repo.acquire(db, STREAM, "b", later, later + LEASE) == (True, 42)
    assert not repo.advance(db, STREAM, "a", 44, later, later + LEASE)
    repo.release(db, STREAM, "b")
    assert repo.acquire(db, STREAM, "a", later, later + LEASE) == (True, 42)


def test_a_reader_that_lost_its_lease_keeps_nothing(
    db: Session, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    add_query(db, "vélo", ["bluesky"])
    hold(db, clock, "someone-else")
    raw = [json.dumps(post_event("vélo", rkey="b1", time_us=us(clock)))]
    r = reader(session_factory, clock, lambda url: Replay(raw))
    with pytest.raises(_LeaseLost):
        r.read_connection(None)
    assert mentions(db) == []
    assert db.get(ListeningStream, STREAM).holder == "someone-else"  # type: ignore[union-attr]


def test_a_cursor_older_than_the_replay_window_starts_live(
    db: Session, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    hold(db, clock)
    stale = us(clock) - int(MAX_REPLAY.total_seconds() * 1_000_000) - 1
    assert repo.advance(db, STREAM, "test-reader", stale, clock.now(), clock.now() + LEASE)
    r = reader(session_factory, clock, lambda url: Replay([]))
    assert r._acquire() == (True, None)
    assert repo.advance(db, STREAM, "test-reader", stale + 2, clock.now(), clock.now() + LEASE)
    assert r._acquire() == (True, stale + 2)


@dataclass
class Server:
    """A local Jetstream: each connection gets the next batch of recorded messages, then
    is closed; the paths asked for are kept."""

    batches: list[list[str]]
    paths: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def handle(self, conn: ServerConnection) -> None:
        assert conn.request is not None
        self.paths.append(conn.request.path)
        if len(self.paths) > len(self.batches):
            self.done.set()
            return
        for message in self.batches[len(self.paths) - 1]:
            conn.send(message)


@pytest.fixture
def server() -> Iterator[tuple[Server, str]]:
    state = Server([])
    with serve(state.handle, "127.0.0.1", 0) as ws_server:
        port = ws_server.socket.getsockname()[1]
        thread = threading.Thread(target=ws_server.serve_forever, daemon=True)
        thread.start()
        yield state, f"ws://127.0.0.1:{port}/subscribe"
        ws_server.shutdown()
        thread.join(5)


def test_the_reader_reconnects_after_a_close_and_resumes_a_few_seconds_back(
    db: Session,
    session_factory: sessionmaker[Session],
    clock: FrozenClock,
    server: tuple[Server, str],
) -> None:
    state, url = server
    q = add_query(db, "vélo", ["bluesky"])
    db.commit()
    t = us(clock, -30)
    state.batches = [
        [json.dumps(post_event("vélo un", rkey="c1", time_us=t)), json.dumps({"time_us": t + 9})],
        [
            json.dumps(post_event("vélo un", rkey="c1", time_us=t)),
            json.dumps(post_event("vélo deux", rkey="c2", time_us=t + 20)),
        ],
    ]
    r = StreamReader(
        session_factory,
        url,
        clock=clock.now,
        classifier=WordClassifier(),
        holder="loop-reader",
        flush_every=0.05,
        backoff_base=0.01,
    )
    r.start()
    try:
        assert state.done.wait(10), state.paths
    finally:
        r.stop()
    assert state.paths[0] == "/subscribe?wantedCollections=app.bsky.feed.post"
    assert (
        state.paths[1]
        == f"/subscribe?wantedCollections=app.bsky.feed.post&cursor={t + 9 - REWIND_US}"
    )
    assert (
        state.paths[2]
        == f"/subscribe?wantedCollections=app.bsky.feed.post&cursor={t + 20 - REWIND_US}"
    )
    assert [m.external_id.rsplit("/", 1)[1] for m in mentions(db)] == ["c1", "c2"]
    assert {m.query_id for m in mentions(db)} == {q.id}
    row = db.get(ListeningStream, STREAM)
    assert row is not None
    db.refresh(row)
    assert row.cursor_us == t + 20
    assert row.holder is None  # released on stop: another process may take over at once


def test_a_server_that_cannot_be_reached_is_retried_without_killing_the_thread(
    db: Session, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    calls: list[str] = []

    def refuse(url: str) -> Any:
        calls.append(url)
        raise ConnectionRefusedError("refused")

    add_query(db, "vélo", ["bluesky"])
    db.commit()
    r = reader(session_factory, clock, refuse, backoff_base=0.001, backoff_max=0.01)
    r.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    r.stop()
    assert len(calls) >= 3
    assert r.stats.errors[:3] == ["ConnectionRefusedError"] * 3


def test_nothing_is_read_while_no_query_follows_the_stream(
    db: Session, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    calls: list[str] = []
    add_query(db, "vélo", [])  # every network: search only
    db.commit()
    r = reader(session_factory, clock, lambda url: calls.append(url) or Replay([]))
    r.start()
    time.sleep(0.2)
    r.stop()
    assert calls == []
    assert r.stats.connections == 0


def test_the_reader_starts_only_when_switched_on_with_a_websocket_address(
    settings: Settings, session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    off = settings.model_copy(update={"listening_stream_enabled": False})
    assert not isinstance(start_stream(off, session_factory), StreamReader)
    wrong = settings.model_copy(
        update={"listening_stream_enabled": True, "listening_stream_url": "https://x/subscribe"}
    )
    assert not isinstance(start_stream(wrong, session_factory), StreamReader)
    assert "ORCHESTRE_LISTENING_STREAM_URL must be a ws:// or wss:// address" in caplog.text


def test_a_query_made_and_edited_through_the_api_is_fed_by_the_stream(
    client: TestClient, db: Session, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    world = build_world(db, clock)
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/listening"
    made = client.post(
        f"{base}/queries",
        json={"name": "Vélo", "query": "vélo", "networks": ["bluesky"]},
        headers=auth,
    )
    assert made.status_code == 201
    hold(db, clock)
    t = us(clock, -10)
    first = [json.dumps(post_event("Un vélo", rkey="d1", time_us=t))]
    later = "2024-09-09T20:00:00Z"  # the newest is listed first
    second = [json.dumps(post_event("Une trottinette", rkey="d2", time_us=t + 1, created=later))]
    r = reader(session_factory, clock, lambda url: Replay(first), reload_every=0)
    r.read_connection(None)
    client.patch(f"{base}/queries/{made.json()['id']}", json={"query": "trottinette"}, headers=auth)
    r._connect = lambda url: Replay(second)
    r.read_connection(t)  # the edited query is parsed again before the next post

    page = client.get(f"{base}/mentions", headers=auth).json()["items"]
    assert [(m["network"], m["text"]) for m in page] == [
        ("bluesky", "Une trottinette"),
        ("bluesky", "Un vélo"),
    ]
    assert page[1]["url"] == "https://bsky.app/profile/did:plc:eygmaihciaxprqvxpfvl6flk/post/d1"


def test_a_second_process_does_not_open_the_stream_while_the_first_holds_it(
    db: Session, session_factory: sessionmaker[Session], clock: FrozenClock
) -> None:
    calls: list[str] = []
    add_query(db, "vélo", ["bluesky"])
    hold(db, clock, "first-process")
    db.commit()
    r = reader(session_factory, clock, lambda url: calls.append(url) or Replay([]))
    r.start()
    time.sleep(0.2)
    r.stop()
    assert calls == []
    row = db.get(ListeningStream, STREAM)
    assert row is not None
    db.refresh(row)
    assert row.holder == "first-process"  # stopping the second left the first's lease alone
