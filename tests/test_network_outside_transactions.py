"""Background loops reach the networks outside any database transaction (ADR 0002): on
SQLite a transaction holds the one write lock, so a network call inside one would hold the
publishing engine back for as long as the network takes.

Each loop runs through its real entry point against the sandbox network, its installation
watched: every network call records whether a session of the calling thread held a
database transaction at that moment (session events: a transaction begins when a session
takes a connection, and ends when its outermost transaction commits, rolls back or closes).
"""

from __future__ import annotations

import inspect
import json
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from orchestre.analytics.channel_metrics import FIRST_WITHIN, collect_channels
from orchestre.campaigns.ad_sync import LinkInput, link_campaign, sync_due
from orchestre.connectors.base import DraftPost, Installation, InteractionKind, PermanentError
from orchestre.connectors.sandbox.inbound import say
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.inbox import actions, tasks
from orchestre.inbox.polling import PollPolicy, PollReport, poll_due
from orchestre.kit import migrate
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.kit.db import make_engine, make_session_factory
from orchestre.listening import competitors, feeds_service, service
from orchestre.listening import stream_repository as stream_repo
from orchestre.listening.collect import collect
from orchestre.listening.competitors_collect import collect as collect_competitors
from orchestre.listening.feeds_collect import EVERY as FEEDS_EVERY
from orchestre.listening.feeds_collect import collect_feeds
from orchestre.listening.feeds_service import FeedInput
from orchestre.listening.service import QueryInput
from orchestre.listening.stream import STREAM
from orchestre.listening.stream_runtime import LEASE, StreamReader
from orchestre.models import Campaign, Channel, Conversation, InboxMessage
from orchestre.models.listening import ListeningQuery
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_channel, make_workspace
from tests.insights.conftest import SandboxOpener, World, build_world
from tests.listening.conftest import WordClassifier
from tests.listening.feeds_site import Site
from tests.listening.test_stream import post_event
from tests.listening.test_stream_runtime import Replay

POLICY = PollPolicy(interval=timedelta(seconds=60), lease=timedelta(seconds=120))
FEED = "https://journal.example/rss"


class Transactions:
    """Which sessions of each thread hold a database transaction now, and each network
    call with whether its thread held one then."""

    def __init__(self) -> None:
        self._open: dict[int, set[int]] = defaultdict(set)
        self.calls: list[tuple[str, bool]] = []

    def begun(self, session: Session, _transaction: object, _connection: object) -> None:
        self._open[threading.get_ident()].add(id(session))

    def ended(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # the outermost one: the database's transaction
            self._open[threading.get_ident()].discard(id(session))

    def network(self, name: str) -> None:
        self.calls.append((name, bool(self._open[threading.get_ident()])))

    def watch(self, installation: Installation, *, per_post: bool = False) -> Installation:
        """`installation`, each of its network calls recorded first; `per_post`: its
        network lists comments post by post only (as Instagram does)."""
        for name, method in inspect.getmembers(installation, inspect.ismethod):
            if not name.startswith("_"):
                setattr(installation, name, self._recorded(name, method, per_post))
        return installation

    def _recorded(
        self, name: str, method: Callable[..., Any], per_post: bool
    ) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.network(name)
            if per_post and name == "read_comments" and (args or (None,))[0] is None:
                raise PermanentError("Comments are read post by post.", code="post_needed")
            return method(*args, **kwargs)

        return call


@pytest.fixture
def watched() -> Iterator[Transactions]:
    tracker = Transactions()
    event.listen(Session, "after_begin", tracker.begun)
    event.listen(Session, "after_transaction_end", tracker.ended)
    yield tracker
    event.remove(Session, "after_begin", tracker.begun)
    event.remove(Session, "after_transaction_end", tracker.ended)


class RefreshingOpener(SandboxOpener):
    """The sandbox, opened as `channels.credentials.open_channel` opens a channel whose
    token is about to expire: its row read under lock, its refreshed credentials written."""

    def open(self, session: Session, channel: Channel) -> Installation:
        row = session.scalar(select(Channel).where(Channel.id == channel.id).with_for_update())
        assert row is not None
        row.credentials_expire_at = utcnow() + timedelta(hours=1)
        session.flush()
        return super().open(session, channel)


@pytest.fixture
def world(db: Session, clock: FrozenClock, watched: Transactions) -> World:
    built = build_world(db, clock)
    built.opener = RefreshingOpener(built.sandbox, wrap=watched.watch)
    return built


def owner(world: World) -> Actor:
    return Actor(world.owner.id, world.workspace.id, frozenset({Role.OWNER}))


def settled(world: World, watched: Transactions) -> None:
    """The arrangement committed and its calls forgotten: what follows is the loop's."""
    world.db.commit()
    watched.calls.clear()


def ran_outside(watched: Transactions, *names: str) -> None:
    """The loop made each of these network calls, and none inside a transaction."""
    assert set(names) <= {name for name, _ in watched.calls}, watched.calls
    assert [name for name, held in watched.calls if held] == []


def poll(world: World) -> PollReport:
    return poll_due(world.db, world.opener, policy=POLICY, clock=world.clock.now)


# --- inbox --------------------------------------------------------------------------------------


def test_polling_reads_each_stream_outside_a_transaction(
    world: World, watched: Transactions
) -> None:
    say(world.sandbox, world.channel.external_id, "@brand hello", kind=InteractionKind.MENTION)
    say(world.sandbox, world.channel.external_id, "A question", kind=InteractionKind.MESSAGE)
    settled(world, watched)
    assert poll(world).ingested >= 2
    ran_outside(watched, "read_comments", "read_mentions", "read_messages")


def test_polling_comments_post_by_post_reads_them_outside_a_transaction(
    world: World, watched: Transactions
) -> None:
    publication = world.publish_now()
    assert publication.external_id is not None
    say(world.sandbox, world.channel.external_id, "Love it", post_id=publication.external_id)
    world.opener.wrap = lambda inner: watched.watch(inner, per_post=True)
    settled(world, watched)
    assert poll(world).ingested >= 1
    assert watched.calls.count(("read_comments", False)) >= 2  # the stream, then the post
    ran_outside(watched, "read_comments")


def test_replies_and_moderation_reach_the_network_outside_a_transaction(
    world: World, watched: Transactions
) -> None:
    said = say(world.sandbox, world.channel.external_id, "Ship?", kind=InteractionKind.MENTION)
    poll(world)
    heard = world.db.scalars(
        select(InboxMessage).where(InboxMessage.external_id == said.external_id)
    ).one()
    conversation = world.db.get(Conversation, heard.conversation_id)
    assert conversation is not None
    reply = actions.request_reply(world.db, owner(world), conversation, "Yes.")
    actions.request_like(world.db, heard)
    settled(world, watched)
    previous = tasks.configure(world.opener)
    try:
        assert tasks.deliver_reply(world.db, reply.id) == "sent"
        assert tasks.carry_out(world.db, heard.id, "like") == "done"
    finally:
        tasks.configure(previous)
    ran_outside(watched, "reply", "like")


# --- metrics ------------------------------------------------------------------------------------


def test_post_metrics_are_read_outside_a_transaction(world: World, watched: Transactions) -> None:
    world.publish_now()
    world.collect()  # its schedule
    world.later(hours=1)
    settled(world, watched)
    assert world.collect().measured == 1
    ran_outside(watched, "read_metrics", "profile")


def test_channel_metrics_are_read_outside_a_transaction(
    world: World, watched: Transactions
) -> None:
    collect_channels(world.db, world.opener, clock=world.clock.now)  # its schedule
    world.later(seconds=FIRST_WITHIN.total_seconds() + 1)
    settled(world, watched)
    assert collect_channels(world.db, world.opener, clock=world.clock.now).measured == 1
    ran_outside(watched, "read_account_metrics")


def test_ad_results_are_read_outside_a_transaction(world: World, watched: Transactions) -> None:
    spring = Campaign(workspace_id=world.workspace.id, name="Soldes")
    world.db.add(spring)
    world.db.flush()
    linked = LinkInput(world.channel.id, "act_77", "act_77-1")
    link_campaign(world.db, owner(world), spring.id, linked, world.opener)
    settled(world, watched)
    assert sync_due(world.db, world.opener, clock=world.clock.now).synced == 1
    ran_outside(watched, "read_ad_results")


# --- listening ----------------------------------------------------------------------------------


def test_listening_searches_outside_a_transaction(world: World, watched: Transactions) -> None:
    service.create_query(world.db, owner(world), QueryInput("Vélo", "vélo"))
    world.sandbox.publish(world.channel.external_id, DraftPost(text="Le vélo à Paris"))
    settled(world, watched)
    report = collect(world.db, world.opener, clock=world.clock.now, classifier=WordClassifier())
    assert report.stored == 1
    ran_outside(watched, "search")


def test_feeds_are_fetched_outside_a_transaction(world: World, watched: Transactions) -> None:
    site = Site()
    rss = b'<rss version="2.0"><channel><title>J</title><item><guid>1</guid><title>Pistes cyclables</title></item></channel></rss>'  # noqa: E501

    def answer(_request: httpx.Request) -> httpx.Response:
        watched.network("feed")
        return httpx.Response(200, headers={"content-type": "application/rss+xml"}, content=rss)

    site.serve(FEED, answer)
    service.create_query(world.db, owner(world), QueryInput("Pistes", "pistes"))
    feeds_service.add_feed(world.db, owner(world), site.fetcher(), FeedInput(FEED))
    world.later(seconds=FEEDS_EVERY.total_seconds() + 1)
    settled(world, watched)
    fetcher = site.fetcher()
    report = collect_feeds(world.db, fetcher, clock=world.clock.now, classifier=WordClassifier())
    assert report.read == 1
    ran_outside(watched, "feed")


def test_competitor_accounts_are_read_outside_a_transaction(
    world: World, watched: Transactions
) -> None:
    rival = competitors.create_competitor(world.db, owner(world), "Rival Cycles")
    competitors.add_account(
        world.db, owner(world), world.opener, rival.id, "sandbox", "@Rival_Cycles"
    )
    world.later(days=1, seconds=1)
    settled(world, watched)
    assert collect_competitors(world.db, world.opener, clock=world.clock.now).read == 1
    ran_outside(watched, "lookup_account", "read_account_posts")


def test_the_stream_reader_reads_outside_a_transaction(
    db: Session, session_factory: sessionmaker[Session], clock: FrozenClock, watched: Transactions
) -> None:
    workspace = make_workspace(db)
    query = ListeningQuery(workspace_id=workspace.id, name="V", query="vélo", networks=["bluesky"])
    db.add(query)
    assert stream_repo.acquire(db, STREAM, "test-reader", clock.now(), clock.now() + LEASE)[0]
    db.commit()
    start = int(clock.now().timestamp() * 1_000_000) - 60_000_000
    events = [
        post_event("Un vélo", rkey="a1", time_us=start),
        post_event("Rien", time_us=start + 1),
    ]

    class Watched(Replay):
        def recv(self, timeout: float | None = None) -> str:
            watched.network("recv")
            return super().recv(timeout)

    def connect(_url: str) -> Watched:
        watched.network("connect")
        return Watched([json.dumps(e) for e in events])

    reader = StreamReader(
        session_factory,
        "ws://127.0.0.1:1/subscribe",
        clock=clock.now,
        classifier=WordClassifier(),
        connect=connect,
        holder="test-reader",
        flush_every=0.0,  # each event stored in a transaction of its own, between reads
    )
    assert reader.read_connection(None) == 2
    assert reader.stats.stored == 1
    ran_outside(watched, "connect", "recv")


# --- the effect, on a real SQLite file ----------------------------------------------------------


def test_a_writer_is_not_held_back_while_a_loop_waits_on_the_network(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """`orchestre serve`: while the inbox poller waits on a slow network, another thread's
    write transaction (the publishing engine's, say) commits at once."""
    path = tmp_path / "serve.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as setup:
        workspace = make_workspace(setup)
        channel = make_channel(setup, workspace)
        setup.commit()
    sandbox = SandboxNetwork(seed=3, clock=clock, sleep=lambda _s: None)
    sandbox.account(channel.external_id, channel.handle)
    say(sandbox, channel.external_id, "@brand hi", kind=InteractionKind.MENTION)
    inside, release = threading.Event(), threading.Event()

    def slow(installation: Installation) -> Installation:
        read = installation.read_mentions

        def waiting(*args: Any, **kwargs: Any) -> Any:
            inside.set()
            release.wait(10)
            return read(*args, **kwargs)

        installation.read_mentions = waiting  # type: ignore[method-assign]
        return installation

    reports: list[PollReport] = []

    def loop() -> None:
        with factory() as session:
            opener = RefreshingOpener(sandbox, wrap=slow)
            reports.append(poll_due(session, opener, policy=POLICY, clock=clock.now))

    poller = threading.Thread(target=loop)
    poller.start()
    try:
        assert inside.wait(10), "the poller never reached the network"
        started = time.monotonic()
        writer = sqlite3.connect(path, timeout=5, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")  # waits for the write lock up to 5 s
            writer.execute(
                "UPDATE workspaces SET name = 'Renamed' WHERE slug = ?", (workspace.slug,)
            )
            writer.execute("COMMIT")
        finally:
            writer.close()
        waited = time.monotonic() - started
    finally:
        release.set()
        poller.join(10)
        engine.dispose()
    assert waited < 0.5
    assert len(reports) == 1
    assert reports[0].ingested >= 1
