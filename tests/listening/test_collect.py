"""Collection against the in-process sandbox: matching, deduplication, cursors, failures."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.connectors.base import CredentialError, RetryableError
from orchestre.errors import Forbidden
from orchestre.listening import service
from orchestre.listening.collect import EVERY, CollectReport, collect
from orchestre.listening.repository import MentionFilters
from orchestre.listening.runtime import ListeningLoop
from orchestre.listening.service import QueryInput
from orchestre.models import Channel, ChannelStatus
from orchestre.models.listening import ListeningCursor, Mention
from orchestre.workspaces.permissions import Actor, Role
from tests.listening.conftest import Listening


def mentions(lx: Listening, query_id: uuid.UUID | None = None) -> list[Mention]:
    stmt = select(Mention).where(Mention.workspace_id == lx.world.workspace.id)
    if query_id is not None:
        stmt = stmt.where(Mention.query_id == query_id)
    return list(lx.db.scalars(stmt.order_by(Mention.published_at, Mention.external_id)))


def add_query(lx: Listening, name: str, text: str, **kw: Any) -> uuid.UUID:
    return service.create_query(lx.db, lx.actor, QueryInput(name, text, **kw)).id


def run(lx: Listening) -> CollectReport:
    return collect(
        lx.db, lx.world.opener, clock=lx.world.clock.now, classifier=lx.classifier, commit=False
    )


def test_collect_keeps_what_the_query_matches_classified(listening: Listening) -> None:
    lx = listening
    qid = add_query(lx, "Vélo", "vélo -trottinette")
    lx.post("Le VELO à Paris, super !")
    lx.post("Vélo ou trottinette ?")
    lx.post("Les vélos partagés")  # word boundary: "vélos" is not "vélo"
    lx.post("Rien à voir")
    report = run(lx)
    found = mentions(lx, qid)
    assert [m.text for m in found] == ["Le VELO à Paris, super !"]
    assert (found[0].sentiment, found[0].language, found[0].network) == (
        "positive",
        "fr",
        "sandbox",
    )
    assert found[0].author_handle
    assert found[0].url
    assert report.stored == 1


def test_a_second_run_reads_only_new_posts_and_stores_nothing_twice(listening: Listening) -> None:
    lx = listening
    qid = add_query(lx, "Cargo", "cargo")
    lx.post("cargo un")
    run(lx)
    cursor = lx.db.scalars(select(ListeningCursor)).one()
    assert cursor.newest_external_id is not None
    assert cursor.next_collect_at == lx.world.clock.now() + EVERY
    lx.world.later(minutes=20)
    lx.post("cargo deux")
    report = run(lx)
    assert report.found == 1
    assert [m.text for m in mentions(lx, qid)] == ["cargo un", "cargo deux"]
    # Collect now reads again from the cursor: nothing new, nothing stored twice.
    again = service.collect_now(lx.db, lx.actor, lx.world.opener, classifier=lx.classifier)
    assert again.stored == 0
    assert len(mentions(lx, qid)) == 2


def test_the_same_post_found_by_two_queries_is_one_mention_per_query(listening: Listening) -> None:
    lx = listening
    first = add_query(lx, "A", "vélo")
    second = add_query(lx, "B", "#paris OR vélo")
    lx.post("vélo à #Paris")
    run(lx)
    assert len(mentions(lx, first)) == 1
    assert len(mentions(lx, second)) == 1
    assert mentions(lx, second)[0].hashtags == ["Paris"]
    # Three search strings of query B (#paris, vélo, velo) found the post: still one mention.
    cursors = lx.db.scalars(select(ListeningCursor).where(ListeningCursor.query_id == second))
    assert sorted(c.search for c in cursors) == ["#paris", "velo", "vélo"]


def test_languages_filter_and_paused_queries(listening: Listening) -> None:
    lx = listening
    english = add_query(lx, "EN", "vélo", languages=("en",))
    paused = add_query(lx, "Paused", "vélo", active=False)
    lx.post("vélo")
    run(lx)
    assert mentions(lx, english) == []  # the classifier says fr
    assert mentions(lx, paused) == []


def test_rate_limit_waits_for_retry_after_and_keeps_the_channel(listening: Listening) -> None:
    lx = listening
    add_query(lx, "Cargo", "cargo")
    lx.world.sandbox.fail_next(RetryableError("slow down", retry_after=3600, network="sandbox"))
    report = run(lx)
    cursor = lx.db.scalars(select(ListeningCursor)).one()
    assert report.postponed == 1
    assert cursor.consecutive_failures == 1
    assert cursor.next_collect_at >= lx.world.clock.now() + EVERY * 4  # an hour, not 15 min
    assert lx.db.get(Channel, lx.world.channel.id).status == ChannelStatus.CONNECTED.value  # type: ignore[union-attr]


def test_a_passing_credential_error_is_retried_without_disconnecting(listening: Listening) -> None:
    lx = listening
    add_query(lx, "Cargo", "cargo")
    lx.world.sandbox.fail_next(CredentialError("try later", definitive=False, network="sandbox"))
    run(lx)
    channel = lx.db.get(Channel, lx.world.channel.id)
    assert channel is not None
    assert channel.status == ChannelStatus.CONNECTED.value
    assert lx.db.scalars(select(ListeningCursor)).one().last_error == "try later"


def test_collect_now_needs_manage_and_mentions_need_view(listening: Listening) -> None:
    lx = listening
    add_query(lx, "Vélo", "vélo")
    lx.post("vélo nul")
    analyst = Actor(lx.world.owner.id, lx.world.workspace.id, frozenset({Role.ANALYST}))
    with pytest.raises(Forbidden):
        service.collect_now(lx.db, analyst, lx.world.opener)
    report = service.collect_now(lx.db, lx.actor, lx.world.opener, classifier=lx.classifier)
    assert report.stored == 1
    page = service.list_mentions(lx.db, analyst, MentionFilters(sentiment="negative"))
    assert [m.text for m in page.items] == ["vélo nul"]
    assert service.list_mentions(lx.db, analyst, MentionFilters(sentiment="positive")).items == []


def test_the_loop_collects_in_a_session_of_its_own(
    listening: Listening, session_factory: sessionmaker[Session]
) -> None:
    lx = listening
    qid = add_query(lx, "Cargo", "cargo")
    lx.post("cargo loop")
    lx.db.commit()
    loop = ListeningLoop(session_factory, lx.world.opener, clock=lx.world.clock.now)
    report = loop.run_once()
    assert report.stored == 1
    assert [m.text for m in mentions(lx, qid)] == ["cargo loop"]
