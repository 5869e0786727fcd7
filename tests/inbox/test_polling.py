"""Polling: each stream read after its cursor, the page and the cursor stored together,
failures waiting their turn, and the loop never stopped by one channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.connectors.base import (
    AccountRef,
    Capability,
    DraftPost,
    Installation,
    InteractionKind,
    InteractionPage,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.sandbox import SandboxConnector
from orchestre.connectors.sandbox.inbound import say
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.inbox import polling
from orchestre.inbox.polling import PollPolicy, claim_due, poll_due
from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel, Post, PostVariant, Workspace
from orchestre.models.inbox import Conversation, InboxCursor, InboxMessage
from orchestre.models.publication import Publication
from tests.factories import make_channel, make_member, make_workspace
from tests.inbox.ingest_fakes import KeywordClassifier

POLICY = PollPolicy(interval=timedelta(seconds=60), lease=timedelta(seconds=120))


@dataclass
class Opener:
    network: SandboxNetwork
    wrap: Callable[[Installation], Installation] | None = None
    capabilities_of: frozenset[Capability] = frozenset(Capability)
    opened: list[str] = field(default_factory=list)

    def capabilities(self, network: str) -> frozenset[Capability]:
        return self.capabilities_of

    def open(self, session: Session, channel: Channel) -> Installation:
        self.opened.append(channel.external_id)
        account = AccountRef(channel.network, channel.external_id, channel.handle)
        installation = SandboxConnector(self.network).open(account)
        return self.wrap(installation) if self.wrap else installation


@dataclass
class World:
    db: Session
    clock: FrozenClock
    workspace: Workspace
    channel: Channel
    sandbox: SandboxNetwork
    opener: Opener

    def poll(self) -> polling.PollReport:
        return poll_due(
            self.db,
            self.opener,
            policy=POLICY,
            clock=self.clock.now,
            classifier=KeywordClassifier(),
        )

    def say(self, text: str, **kwargs: object) -> str:
        return say(self.sandbox, self.channel.external_id, text, **kwargs).external_id  # type: ignore[arg-type]

    def stored(self, external_id: str) -> InboxMessage | None:
        return self.db.scalars(
            select(InboxMessage).where(
                InboxMessage.channel_id == self.channel.id, InboxMessage.external_id == external_id
            )
        ).one_or_none()

    def cursor(self, stream: str) -> InboxCursor:
        self.db.expire_all()
        return self.db.scalars(
            select(InboxCursor).where(
                InboxCursor.channel_id == self.channel.id, InboxCursor.stream == stream
            )
        ).one()


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> World:
    workspace = make_workspace(db)
    channel = make_channel(db, workspace)
    sandbox = SandboxNetwork(seed=3, clock=clock, sleep=lambda _s: None)
    sandbox.account(channel.external_id, channel.handle)
    return World(db, clock, workspace, channel, sandbox, Opener(sandbox))


def test_a_mention_said_on_the_network_is_polled_into_the_inbox_once(world: World) -> None:
    mention = world.say("@brand where is my order?", kind=InteractionKind.MENTION)

    first = world.poll()
    again = world.poll()

    assert first.cursors_created == 3
    stored = world.stored(mention)
    assert stored is not None
    assert stored.source == "poll"
    assert stored.needs_response is True
    assert again.claimed == 0  # nothing due before the interval
    world.clock.advance(seconds=61)
    assert world.poll().ingested == 0


def test_a_message_said_later_arrives_on_the_next_poll(world: World) -> None:
    world.poll()
    dm = world.say("Bonjour, une question", kind=InteractionKind.MESSAGE, author="lea")
    assert world.stored(dm) is None

    world.clock.advance(seconds=61)
    report = world.poll()

    assert report.ingested >= 1
    assert world.stored(dm) is not None
    assert world.cursor("messages").last_polled_at == world.clock.now()


def test_only_the_streams_the_network_reads_get_a_cursor(world: World) -> None:
    world.opener.capabilities_of = frozenset({Capability.READ_MENTIONS})
    assert world.poll().cursors_created == 1


def test_bad_input_on_the_network_never_stops_the_loop(world: World) -> None:
    ids = [
        world.say("", kind=InteractionKind.MENTION),
        world.say("🔥🔥", kind=InteractionKind.MENTION),
        world.say("x" * 10_000, kind=InteractionKind.MENTION),
        world.say("<img src=x onerror=alert(1)>", kind=InteractionKind.MENTION),
    ]
    report = world.poll()
    assert report.failed == 0
    assert all(world.stored(i) is not None for i in ids)


def test_a_rate_limit_waits_as_long_as_the_network_asks(world: World) -> None:
    world.poll()
    world.clock.advance(seconds=61)
    world.sandbox.fail_next(
        *[RetryableError("slow down", retry_after=300.0, network="sandbox")] * 3
    )

    report = world.poll()

    assert report.failed == 3
    cursor = world.cursor("mentions")
    assert cursor.next_poll_at == world.clock.now() + timedelta(seconds=300)
    assert (cursor.consecutive_failures, cursor.last_error) == (1, "slow down")
    assert cursor.leased_until is None


def test_failures_without_a_hint_back_off_growing_and_a_success_resets(world: World) -> None:
    world.poll()
    waits = []
    for _ in range(3):
        world.clock.advance(hours=2)
        world.sandbox.fail_next(*[RetryableError("down", network="sandbox")] * 3)
        world.poll()
        waits.append((world.cursor("comments").next_poll_at - world.clock.now()).total_seconds())
    assert 15 <= waits[0] <= 30
    assert 30 <= waits[1] <= 60
    assert 60 <= waits[2] <= 120
    world.clock.advance(hours=2)
    world.poll()
    assert world.cursor("comments").consecutive_failures == 0


def test_a_revoked_account_marks_the_channel_and_its_streams_wait(world: World) -> None:
    world.poll()
    world.sandbox.revoke(world.channel.external_id)
    world.clock.advance(seconds=61)

    world.poll()

    world.db.refresh(world.channel)
    assert world.channel.status == "needs_reconnection"
    world.clock.advance(hours=1)
    assert world.poll().claimed == 0


def test_a_stream_leased_by_another_poller_is_left_alone(world: World) -> None:
    world.poll()
    world.clock.advance(seconds=61)
    taken = claim_due(world.db, world.clock.now(), POLICY)
    assert len(taken) == 3
    assert claim_due(world.db, world.clock.now(), POLICY) == []
    world.clock.advance(seconds=121)  # the other poller died: its lease ran out
    assert len(claim_due(world.db, world.clock.now(), POLICY)) == 3


def test_a_poller_whose_lease_was_taken_over_stores_nothing(world: World) -> None:
    world.poll()
    world.clock.advance(seconds=61)
    mention = world.say("late", kind=InteractionKind.MENTION)
    claims = [c for c in claim_due(world.db, world.clock.now(), POLICY) if c.stream == "mentions"]
    # Our lease ran out and another poller claimed the stream meanwhile.
    world.clock.advance(seconds=121)
    assert any(c.stream == "mentions" for c in claim_due(world.db, world.clock.now(), POLICY))

    report = polling.PollReport()
    polling.poll_claim(
        world.db,
        world.opener,
        claims[0],
        POLICY,
        report,
        clock=world.clock.now,
        classifier=KeywordClassifier(),
    )

    assert report.lost == 1
    assert world.stored(mention) is None


def test_a_page_that_fails_to_store_leaves_the_cursor_where_it_was(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.poll()
    before = world.cursor("mentions").cursor
    mention = world.say("kept for later", kind=InteractionKind.MENTION)
    world.clock.advance(seconds=61)

    def broken(*_args: object, **_kwargs: object) -> list[InboxMessage]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(polling, "ingest", broken)
    report = world.poll()
    monkeypatch.undo()

    assert report.failed == 3
    assert world.cursor("mentions").cursor == before
    world.clock.advance(hours=1)
    world.poll()
    assert world.stored(mention) is not None


class PostByPost:
    """A network that lists comments one post at a time, like Facebook or Instagram."""

    def __init__(self, inner: Installation) -> None:
        self._inner = inner
        self.asked: list[str | None] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        self.asked.append(post_external_id)
        if post_external_id is None:
            raise PermanentError("Comments are read post by post.", code="post_needed")
        return self._inner.read_comments(post_external_id, cursor=cursor, limit=limit)


def test_comments_listed_post_by_post_are_read_for_our_recent_posts(
    world: World, db: Session
) -> None:
    ref = world.sandbox.publish(world.channel.external_id, DraftPost(text="Launch day"))
    owner = make_member(db, world.workspace, "owner")
    post = Post(workspace_id=world.workspace.id, created_by=owner.id, base_text="Launch day")
    db.add(post)
    db.flush()
    variant = PostVariant(
        workspace_id=world.workspace.id, post_id=post.id, channel_id=world.channel.id, text="x"
    )
    db.add(variant)
    db.flush()
    db.add(
        Publication(
            workspace_id=world.workspace.id,
            channel_id=world.channel.id,
            variant_id=variant.id,
            state="published",
            due_at=world.clock.now(),
            published_at=world.clock.now(),
            client_ref="launch",
            external_id=ref.external_id,
        )
    )
    db.flush()
    wrapped: list[PostByPost] = []

    def wrap(inner: Installation) -> Installation:
        wrapped.append(PostByPost(inner))
        return wrapped[-1]  # type: ignore[return-value]

    world.opener.wrap = wrap
    comment = world.say("Love it, when in France?", post_id=ref.external_id, author="zoe")

    world.poll()

    stored = world.stored(comment)
    assert stored is not None
    conversation = db.get(Conversation, stored.conversation_id)
    assert conversation is not None
    assert conversation.variant_id == variant.id
    assert any(ref.external_id in w.asked for w in wrapped)
    assert all(None not in w.asked[1:] for w in wrapped)
    assert world.cursor("comments").cursor.startswith('{"per_post"')  # type: ignore[union-attr]
    world.clock.advance(seconds=61)
    reply = world.say("+1", parent_id=comment, author="max")
    world.poll()
    assert world.stored(reply) is not None
