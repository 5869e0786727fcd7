"""The stream's mentions named by handle: DIDs looked up 25 at a time through the
workspace's Bluesky channel (documented getProfiles answers on a replayed transport),
outside any transaction, cached, and a DID kept when it cannot be named (unknown,
handle.invalid, no channel, the network refusing)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.connectors.base import AccountRef, Capability, Credentials, Installation
from orchestre.connectors.bluesky import BlueskyConnector
from orchestre.kit.clock import FrozenClock
from orchestre.listening.stream_handles import HandleCache, HandlesLoop, name_authors
from orchestre.models import Channel, Workspace
from orchestre.models.listening import ListeningQuery, Mention
from tests.connectors.bluesky.conftest import DID, HANDLE, PDS, FakeXrpc, answer
from tests.factories import make_channel, make_workspace

PROFILES = "app.bsky.actor.getProfiles"
RIVAL = "did:plc:rivalroast"  # named rival.coffee by get_profiles.json
LOST = "did:plc:lostdomain"  # handle.invalid there
GONE = "did:plc:gone"  # left out of the answer


class BlueskyOpener:
    """The workspace's channel opened on the replayed Bluesky."""

    def __init__(self, xrpc: FakeXrpc) -> None:
        self.xrpc = xrpc
        self.opened: list[str] = []

    def capabilities(self, network: str) -> frozenset[Capability]:
        return BlueskyConnector.capabilities

    def open(self, session: Session, channel: Channel) -> Installation:
        self.opened.append(channel.external_id)
        account = AccountRef(
            network="bluesky",
            external_id=DID,
            handle=HANDLE,
            credentials=Credentials(
                access_token="access", extra={"did": DID, "handle": HANDLE, "pds": PDS}
            ),
        )
        return BlueskyConnector().open(account, transport=self.xrpc.transport)


def following(db: Session, ws: Workspace, *authors: str, clock: FrozenClock) -> ListeningQuery:
    name = f"Coffee {uuid.uuid4().hex[:8]}"
    query = ListeningQuery(workspace_id=ws.id, name=name, query="coffee", networks=["bluesky"])
    db.add(query)
    db.flush()
    for n, author in enumerate(authors):
        db.add(
            Mention(
                workspace_id=ws.id,
                query_id=query.id,
                network="bluesky",
                external_id=f"at://{author}/app.bsky.feed.post/{n}",
                author_handle=author,
                text="coffee",
                published_at=clock.now() - timedelta(minutes=n),
            )
        )
    db.flush()
    return query


def authors(db: Session, ws: Workspace) -> list[str]:
    stmt = select(Mention.author_handle).where(Mention.workspace_id == ws.id)
    return sorted(db.scalars(stmt.order_by(Mention.author_handle)))


def test_dids_named_by_handle_outside_a_transaction_and_cached(
    db: Session, clock: FrozenClock
) -> None:
    ws = make_workspace(db)
    make_channel(db, ws, network="bluesky")
    following(db, ws, RIVAL, RIVAL, LOST, GONE, clock=clock)
    xrpc = FakeXrpc()
    outside: list[bool] = []

    def profiles(request: httpx.Request) -> httpx.Response:
        outside.append(not db.in_transaction())
        return answer("get_profiles")

    xrpc.on(PROFILES, profiles)
    cache = HandleCache()
    report = name_authors(db, BlueskyOpener(xrpc), cache, clock=clock.now)

    assert sorted(xrpc.only(PROFILES).url.params.get_list("actors")) == sorted([RIVAL, LOST, GONE])
    assert outside == [True]  # the network was asked with no transaction open
    assert (report.asked, report.named, report.unnamed) == (3, 2, 2)
    assert authors(db, ws) == [GONE, LOST, "rival.coffee", "rival.coffee"]

    # a new mention by a known author is named from the cache; the others are not asked again
    following(db, ws, RIVAL, GONE, clock=clock)
    again = name_authors(db, BlueskyOpener(xrpc), cache, clock=clock.now)
    assert len(xrpc.sent(PROFILES)) == 1
    assert (again.asked, again.named) == (0, 1)

    clock.advance(hours=7)  # unnamed DIDs are asked again after 6 hours
    later = name_authors(db, BlueskyOpener(xrpc), cache, clock=clock.now)
    assert sorted(xrpc.sent(PROFILES)[-1].url.params.get_list("actors")) == sorted([LOST, GONE])
    assert later.asked == 2


def test_25_dids_a_call(db: Session, clock: FrozenClock) -> None:
    ws = make_workspace(db)
    make_channel(db, ws, network="bluesky")
    following(db, ws, *[f"did:plc:author{i:02d}" for i in range(27)], RIVAL, clock=clock)
    xrpc = FakeXrpc().on(PROFILES, answer("get_profiles"))
    report = name_authors(db, BlueskyOpener(xrpc), HandleCache(), clock=clock.now)
    calls = [r.url.params.get_list("actors") for r in xrpc.sent(PROFILES)]
    assert [len(c) for c in calls] == [25, 3]
    assert report.named == 1
    assert "rival.coffee" in authors(db, ws)


def test_dids_stay_without_a_channel_or_when_the_network_refuses(
    db: Session, clock: FrozenClock
) -> None:
    lonely = make_workspace(db)
    following(db, lonely, RIVAL, clock=clock)
    xrpc = FakeXrpc().on(PROFILES, answer("error_rate_limit", 429, {"ratelimit-reset": "1"}))
    opener = BlueskyOpener(xrpc)
    assert name_authors(db, opener, HandleCache(), clock=clock.now).unnamed == 1
    assert (opener.opened, xrpc.requests) == ([], [])  # nothing to ask with

    ws = make_workspace(db)
    make_channel(db, ws, network="bluesky")
    following(db, ws, RIVAL, clock=clock)
    cache = HandleCache()
    report = name_authors(db, opener, cache, clock=clock.now)
    assert (report.asked, report.named, len(report.errors)) == (1, 0, 1)
    assert authors(db, ws) == [RIVAL]

    xrpc.on(PROFILES, answer("get_profiles"))
    assert name_authors(db, opener, cache, clock=clock.now).asked == 0  # the workspace waits
    clock.advance(minutes=16)
    assert name_authors(db, opener, cache, clock=clock.now).named == 2
    assert authors(db, ws) == ["rival.coffee"]
    # a handle is public: once known, it names the author's mentions in every workspace
    assert authors(db, lonely) == ["rival.coffee"]

    # mentions older than two days are left alone
    clock.advance(days=3)
    assert name_authors(db, opener, HandleCache(), clock=clock.now).unnamed == 0


def test_the_loop_names_only_while_its_process_holds_the_stream(
    db: Session, clock: FrozenClock
) -> None:
    ws = make_workspace(db)
    make_channel(db, ws, network="bluesky")
    following(db, ws, RIVAL, clock=clock)
    db.commit()
    xrpc = FakeXrpc().on(PROFILES, answer("get_profiles"))
    holding = False
    # measured in the test's session (rolled back at its end), not one of the factory's
    loop = HandlesLoop(sessionmaker(), BlueskyOpener(xrpc), active=lambda: holding, clock=clock.now)
    assert loop.measure(db).asked == 0
    holding = True
    assert loop.measure(db).named == 1
    assert authors(db, ws) == ["rival.coffee"]
