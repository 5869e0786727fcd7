"""Two workers refreshing one channel: the rotating refresh token is used once.

These tests need real concurrent connections, so they run on a database of their own
(SQLite file or PostgreSQL database) where each worker commits for real.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels import apps, credentials
from orchestre.channels.apps import NetworkAccess
from orchestre.channels.service import read_credentials
from orchestre.connectors.base import Credentials
from orchestre.kit import migrate
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox, new_key
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.models import Channel
from tests.channels.fakes import FakeOAuth, Replay, form_of, oauth_error, registry, token
from tests.conftest import PG_URL
from tests.factories import make_channel, make_member, make_workspace

TOKEN_URL = FakeOAuth.oauth2.token_url


@pytest.fixture(scope="module")
def own_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    if PG_URL:
        name = f"orchestre_refresh_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(f"{PG_URL.rpartition('/')[0]}/{name}")
    else:
        path: Path = tmp_path_factory.mktemp("refresh") / "refresh.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()
    if PG_URL:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class RotatingEndpoint:
    """A token endpoint that accepts each refresh token once, as rotating networks do."""

    def __init__(self) -> None:
        self.current = "rt-0"
        self.generation = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            if form_of(request)["refresh_token"] != self.current:
                return oauth_error(400, "invalid_grant", "refresh token already used")
            self.generation += 1
            self.current = f"rt-{self.generation}"
            return token(f"at-{self.generation}", self.current, expires_in=7200)


def _access(box: SecretBox, replay: Replay) -> NetworkAccess:
    return NetworkAccess(
        registry=registry(FakeOAuth()),
        box=box,
        public_url="https://orchestre.example",
        transport=replay.transport(),
    )


def _channel(factory: sessionmaker[Session], box: SecretBox) -> uuid.UUID:
    with transaction(factory) as session:
        ws = make_workspace(session)
        make_member(session, ws, "owner")
        channel = make_channel(session, ws, network="x")
        expiring = Credentials("at-0", "rt-0", utcnow() + timedelta(minutes=2))
        credentials.seal(box, channel, expiring, None)
        apps.set_app(session, box, "x", "client-x", "secret-x")  # under this test's key
        return channel.id


def test_a_worker_holding_stale_credentials_does_not_reuse_the_spent_refresh_token(
    own_factory: sessionmaker[Session],
) -> None:
    box, replay, endpoint = SecretBox([new_key()]), Replay(), RotatingEndpoint()
    replay.on("POST", TOKEN_URL, endpoint)
    access = _access(box, replay)
    channel_id = _channel(own_factory, box)

    late = own_factory()  # worker B read the channel first: its copy says "expiring"
    stale = late.get(Channel, channel_id)
    assert stale is not None
    assert credentials.from_stored(read_credentials(late, box, stale))[0].refresh_token == "rt-0"
    late.commit()

    with transaction(own_factory) as first:  # worker A refreshes and commits
        credentials.refresh_channel(first, access, channel_id)

    fresh = credentials.refresh_channel(late, access, channel_id)  # worker B, after A
    late.commit()
    late.close()

    assert len(replay.sent("POST", TOKEN_URL)) == 1
    assert (fresh.access_token, fresh.refresh_token) == ("at-1", "rt-1")
    with transaction(own_factory) as check:
        channel = check.get(Channel, channel_id)
        assert channel is not None
        assert channel.status == "connected"


def test_two_workers_at_once_refresh_once(own_factory: sessionmaker[Session]) -> None:
    box, replay, endpoint = SecretBox([new_key()]), Replay(), RotatingEndpoint()
    replay.on("POST", TOKEN_URL, endpoint)
    access = _access(box, replay)
    channel_id = _channel(own_factory, box)
    start = threading.Barrier(2)
    results: list[Credentials] = []
    failures: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            with transaction(own_factory) as session:
                results.append(credentials.refresh_channel(session, access, channel_id))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(replay.sent("POST", TOKEN_URL)) == 1
    assert [c.refresh_token for c in results] == ["rt-1", "rt-1"]
    with transaction(own_factory) as check:
        channel = check.get(Channel, channel_id)
        assert channel is not None
        assert channel.status == "connected"
