"""The channel gateway keeps what it read of a channel's credentials, and never past a change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from orchestre.channels import credentials
from orchestre.channels.apps import NetworkAccess
from orchestre.channels.service import read_credentials
from orchestre.config import Settings
from orchestre.connectors import registry
from orchestre.connectors.base import Credentials
from orchestre.connectors.sandbox import connector as sandbox
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.kit.clock import FrozenClock
from orchestre.kit.keys import secret_box
from orchestre.models import Channel
from orchestre.publishing.gateway import ChannelGateway
from tests.factories import make_channel, make_workspace


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def network(clock: FrozenClock) -> Iterator[SandboxNetwork]:
    network = SandboxNetwork(seed=3, clock=clock, sleep=lambda _s: None)
    previous = sandbox.use_network(network)
    yield network
    sandbox.use_network(previous)


@pytest.fixture
def access(settings: Settings, clock: FrozenClock) -> NetworkAccess:
    return NetworkAccess(
        registry=registry.default(),
        box=secret_box(settings),
        public_url=settings.base_url,
        environ={},
        clock=clock.now,
    )


@contextmanager
def counted(db: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _channel(db: Session, access: NetworkAccess, clock: FrozenClock, token: str) -> Channel:
    channel = make_channel(db, make_workspace(db))
    expires = clock.now() + timedelta(hours=1)
    credentials.seal(access.box, channel, Credentials(token, "refresh", expires), None)
    db.flush()
    return channel


def _token(gateway: ChannelGateway, db: Session, channel: Channel) -> str:
    return gateway.open(db, channel).account.credentials.access_token


def test_a_channel_opened_again_is_not_read_again(
    db: Session, access: NetworkAccess, clock: FrozenClock, network: SandboxNetwork
) -> None:
    channel = _channel(db, access, clock, "token-1")
    gateway = ChannelGateway(access, monotonic=Ticks())
    with counted(db) as first:
        assert _token(gateway, db, channel) == "token-1"
    with counted(db) as second:
        assert _token(gateway, db, channel) == "token-1"
    assert first  # the operator's app was looked up
    assert second == []


def test_channels_of_one_network_share_one_lookup_of_the_app(
    db: Session, access: NetworkAccess, clock: FrozenClock, network: SandboxNetwork
) -> None:
    first = _channel(db, access, clock, "token-1")
    second = _channel(db, access, clock, "token-2")
    ticks = Ticks()
    gateway = ChannelGateway(access, keep_seconds=60, monotonic=ticks)
    with counted(db) as looked_up:
        assert _token(gateway, db, first) == "token-1"
    with counted(db) as shared:
        assert _token(gateway, db, second) == "token-2"
    assert looked_up
    assert shared == []  # its credentials decrypted, the app as read for the first
    ticks.now += 61
    with counted(db) as again:
        assert _token(gateway, db, second) == "token-2"
    with counted(db) as kept:
        assert _token(gateway, db, first) == "token-1"
    assert again  # read once more after the keeping time, for the whole network
    assert kept == []


def test_new_credentials_sealed_on_the_channel_are_used_at_once(
    db: Session, access: NetworkAccess, clock: FrozenClock, network: SandboxNetwork
) -> None:
    channel = _channel(db, access, clock, "token-1")
    gateway = ChannelGateway(access, monotonic=Ticks())
    assert _token(gateway, db, channel) == "token-1"
    later = Credentials("token-2", "refresh", clock.now() + timedelta(hours=1))
    credentials.seal(access.box, channel, later, None)  # reconnected, or refreshed elsewhere
    db.flush()
    assert _token(gateway, db, channel) == "token-2"


def test_what_was_read_is_read_again_after_the_keeping_time(
    db: Session, access: NetworkAccess, clock: FrozenClock, network: SandboxNetwork
) -> None:
    channel = _channel(db, access, clock, "token-1")
    ticks = Ticks()
    gateway = ChannelGateway(access, keep_seconds=60, monotonic=ticks)
    _token(gateway, db, channel)
    ticks.now += 59
    with counted(db) as within:
        _token(gateway, db, channel)
    ticks.now += 2
    with counted(db) as after:
        _token(gateway, db, channel)
    assert within == []
    assert after  # an operator's app changed meanwhile would be seen now


def test_a_token_about_to_expire_is_refreshed_not_reused(
    db: Session, access: NetworkAccess, clock: FrozenClock, network: SandboxNetwork
) -> None:
    channel = _channel(db, access, clock, "token-1")
    network.account(channel.external_id, channel.handle)
    gateway = ChannelGateway(access, monotonic=Ticks())
    assert _token(gateway, db, channel) == "token-1"
    clock.advance(minutes=56)  # 4 minutes left: under the refresh margin
    refreshed = _token(gateway, db, channel)
    assert refreshed.startswith("sandbox-access-")
    stored, _ = credentials.from_stored(read_credentials(db, access.box, channel))
    assert stored.access_token == refreshed
    assert _token(gateway, db, channel) == refreshed
