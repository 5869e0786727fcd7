"""The feeds' collector on the test database: entries matched against queries, stored once,
conditional reads, entries seen, backoff and Retry-After, a failing feed never stops a run."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.listening import feeds_repository, feeds_service, service
from orchestre.listening.feeds_collect import EVERY, FeedReport, collect_feeds
from orchestre.listening.feeds_fetch import FeedFetcher
from orchestre.listening.feeds_runtime import FeedsLoop
from orchestre.listening.feeds_service import FeedInput
from orchestre.listening.service import QueryInput
from orchestre.models.listening import Mention
from orchestre.models.listening_feeds import ListeningFeed
from tests.listening.conftest import Listening
from tests.listening.feeds_site import Site, doc

URL = "https://journal.example/rss"


def add_query(lx: Listening, name: str, text: str, **kw: Any) -> uuid.UUID:
    return service.create_query(lx.db, lx.actor, QueryInput(name, text, **kw)).id


def add_feed(lx: Listening, site: Site, url: str = URL) -> ListeningFeed:
    return feeds_service.add_feed(lx.db, lx.actor, site.fetcher(), FeedInput(url))


def run(lx: Listening, fetcher: FeedFetcher, *, commit: bool = False) -> FeedReport:
    return collect_feeds(
        lx.db, fetcher, clock=lx.world.clock.now, classifier=lx.classifier, commit=commit
    )


def mentions(lx: Listening, query_id: uuid.UUID) -> list[Mention]:
    stmt = select(Mention).where(Mention.query_id == query_id)
    return list(lx.db.scalars(stmt.order_by(Mention.published_at)))


def item(guid: str, title: str) -> str:
    return f"<item><guid>{guid}</guid><title>{title}</title></item>"


def rss(*items: str) -> bytes:
    return f'<rss version="2.0"><channel><title>T</title>{"".join(items)}</channel></rss>'.encode()


def test_entries_become_mentions_of_the_queries_they_match(listening: Listening) -> None:
    lx = listening
    now = lx.world.clock.now()
    pistes = add_query(lx, "Pistes", '"pistes cyclables" -voiture')
    trott = add_query(lx, "Trottinettes", "trottinettes")
    elsewhere = add_query(lx, "Ailleurs", "trottinettes", networks=["mastodon"])
    site = Site()
    site.feed(URL, doc("rss20.xml"))
    feed = add_feed(lx, site)
    assert feed.name == "Le Journal du Vélo"  # the feed's own title

    report = run(lx, site.fetcher())
    assert (report.read, report.entries, report.stored, report.postponed) == (1, 2, 2, 0)
    (lyon,) = mentions(lx, pistes)
    assert lyon.network == "rss"
    assert lyon.external_id == f"{feed.id.hex}:journal-4821"  # a bare guid, scoped to its feed
    assert lyon.url == "https://journal.example/2026/lyon-pistes"
    assert lyon.author_handle == "Camille Martin"
    assert lyon.published_at == datetime(2026, 11, 10, 7, 30, tzinfo=UTC)
    assert lyon.text.startswith("Les pistes cyclables de Lyon")
    assert "<p>" not in lyon.text
    assert "&amp;" not in lyon.text
    assert (lyon.language, lyon.sentiment) == ("fr", "neutral")  # through the classifier
    (bilan,) = mentions(lx, trott)
    assert bilan.external_id == "https://journal.example/2026/trottinettes"  # the link
    assert bilan.published_at == now  # no date: the time it was read
    assert mentions(lx, elsewhere) == []  # that query follows Mastodon only
    assert (feed.entries_seen, feed.last_read_at, feed.last_error) == (2, now, None)
    assert feed.next_read_at == now + EVERY


def test_a_feed_read_again_never_doubles_and_304_costs_nothing(listening: Listening) -> None:
    lx = listening
    qid = add_query(lx, "Vélo", "vélo")
    versions = {"etag": '"1"', "body": rss(item("https://b.example/1", "Vélo un"))}

    def conditional(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == versions["etag"]:
            return httpx.Response(304)
        return httpx.Response(200, content=versions["body"], headers={"etag": versions["etag"]})

    site = Site()
    site.serve(URL, conditional)
    feed = add_feed(lx, site)
    fetcher = site.fetcher()
    assert run(lx, fetcher).stored == 1
    assert feed.etag == '"1"'

    lx.world.clock.advance(minutes=31)
    again = run(lx, fetcher)
    assert (again.read, again.unchanged, again.stored) == (1, 1, 0)
    assert site.requests[-1].headers["if-none-match"] == '"1"'

    # the feed changes: the old entry stays one mention, the new one is added
    versions["etag"] = '"2"'
    versions["body"] = rss(
        item("https://b.example/2", "Vélo deux"), item("https://b.example/1", "Vélo un")
    )
    lx.world.clock.advance(minutes=31)
    changed = run(lx, fetcher)
    assert (changed.entries, changed.stored) == (1, 1)
    assert [m.text for m in mentions(lx, qid)] == ["Vélo un", "Vélo deux"]
    assert feed.entries_seen == 2

    # "collect now" reads it even though it is not due, and still stores nothing twice
    versions["etag"] = '"3"'
    now = feeds_service.collect_now(lx.db, lx.actor, fetcher, classifier=lx.classifier)
    assert (now.read, now.stored, now.entries) == (1, 0, 0)
    assert len(mentions(lx, qid)) == 2


def test_a_new_query_sees_what_an_unchanged_feed_lists(listening: Listening) -> None:
    lx = listening
    site = Site()

    def conditional(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"1"':
            return httpx.Response(304)
        body = rss(item("https://b.example/1", "Vélo"), item("https://b.example/2", "Métro"))
        return httpx.Response(200, content=body, headers={"etag": '"1"'})

    site.serve(URL, conditional)
    add_feed(lx, site)
    velo = add_query(lx, "Vélo", "vélo")
    assert run(lx, site.fetcher()).stored == 1
    lx.world.clock.advance(minutes=31)
    assert run(lx, site.fetcher()).unchanged == 1  # nothing new to match: a 304

    metro = add_query(lx, "Métro", "métro")
    lx.world.clock.advance(minutes=31)
    report = run(lx, site.fetcher())
    assert "if-none-match" not in site.requests[-1].headers  # the queries changed
    assert (report.unchanged, report.entries, report.stored) == (0, 0, 1)
    assert [m.text for m in mentions(lx, metro)] == ["Métro"]
    assert len(mentions(lx, velo)) == 1
    lx.world.clock.advance(minutes=31)
    assert run(lx, site.fetcher()).unchanged == 1  # and conditional again after


def test_entry_ids_from_two_feeds(listening: Listening) -> None:
    """A bare guid is scoped to its feed; a URL names the article wherever it is listed."""
    lx = listening
    qid = add_query(lx, "Vélo", "vélo")
    site = Site()
    site.feed(URL, rss(item("1", "Vélo A"), item("https://same.example/x", "Vélo X")))
    site.feed(
        "https://other.example/rss",
        rss(item("1", "Vélo B"), item("https://same.example/x", "Vélo X")),
    )
    add_feed(lx, site)
    add_feed(lx, site, "https://other.example/rss")
    run(lx, site.fetcher())
    assert sorted(m.text for m in mentions(lx, qid)) == ["Vélo A", "Vélo B", "Vélo X"]


def test_failures_back_off_honour_retry_after_and_recover(listening: Listening) -> None:
    lx = listening
    clock = lx.world.clock
    site = Site()
    site.feed(URL, rss(item("https://b.example/1", "Vélo")))
    feed = add_feed(lx, site)
    site.serve(URL, lambda r: httpx.Response(500))
    start = clock.now()
    report = run(lx, site.fetcher())
    assert (report.read, report.postponed) == (0, 1)
    assert (feed.last_error, feed.last_error_detail, feed.consecutive_failures) == (
        "http_error",
        "HTTP 500",
        1,
    )
    assert feed.next_read_at == start + timedelta(minutes=15)
    assert run(lx, site.fetcher()).postponed == 0  # not due yet: not asked again
    assert len(site.requests) == 2  # the check when added, the failed read

    clock.advance(minutes=16)
    site.serve(URL, lambda r: httpx.Response(429, headers={"retry-after": "7200"}))
    run(lx, site.fetcher())
    assert feed.consecutive_failures == 2
    assert feed.next_read_at == clock.now() + timedelta(hours=2)  # over the 30 min backoff

    clock.advance(hours=2)
    site.serve(URL, lambda r: httpx.Response(200, content=b"<html>moved</html>"))
    run(lx, site.fetcher())
    assert (feed.last_error, feed.consecutive_failures) == ("not_a_feed", 3)

    clock.advance(hours=1)
    site.feed(URL, rss(item("https://b.example/1", "Vélo")))
    run(lx, site.fetcher())
    assert (feed.last_error, feed.last_error_detail, feed.consecutive_failures) == (None, None, 0)
    assert feed.entries_seen == 1


def test_a_feed_that_breaks_unexpectedly_never_stops_the_others(
    listening: Listening, session_factory: sessionmaker[Session]
) -> None:
    lx = listening
    qid = add_query(lx, "Vélo", "vélo")
    site = Site()
    site.feed(URL, rss(item("https://b.example/1", "Vélo")))
    site.feed("https://broken.example/rss", rss(item("https://c.example/1", "Vélo cassé")))
    broken = add_feed(lx, site, "https://broken.example/rss")
    add_feed(lx, site)
    lx.db.commit()

    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug")

    site.serve("https://broken.example/rss", explode)
    loop = FeedsLoop(
        session_factory, site.fetcher(), clock=lx.world.clock.now, classifier=lx.classifier
    )
    report = loop.run_once()
    assert (loop.runs, report.read) == (1, 1)
    lx.db.expire_all()
    assert [m.text for m in mentions(lx, qid)] == ["Vélo"]
    # the broken one waits out its lease, then is tried again
    assert lx.db.get(ListeningFeed, broken.id).next_read_at > lx.world.clock.now()  # type: ignore[union-attr]


def test_paused_feeds_are_not_read(listening: Listening) -> None:
    lx = listening
    site = Site()
    site.feed(URL, rss(item("https://b.example/1", "Vélo")))
    feed = add_feed(lx, site)
    feeds_service.update_feed(lx.db, lx.actor, feed.id, feeds_service.FeedChanges(active=False))
    assert run(lx, site.fetcher()).read == 0
    assert len(site.requests) == 1  # only the check when it was added


def test_two_readers_of_one_feed_at_once_count_its_entries_once(
    listening: Listening, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Collect now" may read a feed while the loop does: the second to record an entry
    meets the unique key and moves on, without an error and without doubling anything."""
    lx = listening
    qid = add_query(lx, "Vélo", "vélo")
    site = Site()
    site.feed(URL, rss(item("https://b.example/1", "Vélo")))
    feed = add_feed(lx, site)
    assert run(lx, site.fetcher()).entries == 1
    # the other reader looked before this one wrote
    monkeypatch.setattr(feeds_repository, "seen_keys", lambda *args: set())
    again = feeds_service.collect_now(lx.db, lx.actor, site.fetcher(), classifier=lx.classifier)
    assert (again.read, again.entries, again.stored) == (1, 0, 0)
    assert feed.entries_seen == 1
    assert len(mentions(lx, qid)) == 1
