"""Two collectors running at once on a database of their own, each committing for real:
a due feed is claimed by one of them only, so the site is asked once and nothing doubles."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit import migrate
from orchestre.kit.clock import utcnow
from orchestre.kit.db import make_engine, make_session_factory
from orchestre.listening.feeds_collect import FeedReport, collect_feeds
from orchestre.models import ListeningFeed, ListeningQuery, Mention
from tests.conftest import PG_URL
from tests.factories import make_workspace
from tests.listening.conftest import WordClassifier
from tests.listening.feeds_site import Site

URL = "https://journal.example/rss"
BODY = (
    b'<rss version="2.0"><channel><title>T</title>'
    b"<item><guid>https://b.example/1</guid><title>V\xc3\xa9lo</title></item></channel></rss>"
)


@pytest.fixture(scope="module")
def own_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    if PG_URL:
        name = f"orchestre_feeds_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(f"{PG_URL.rpartition('/')[0]}/{name}")
    else:
        path: Path = tmp_path_factory.mktemp("feeds") / "feeds.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()
    if PG_URL:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_collectors_at_once_read_a_feed_once(own_factory: sessionmaker[Session]) -> None:
    with own_factory() as db:
        ws = make_workspace(db)
        db.add(ListeningQuery(workspace_id=ws.id, name="Vélo", query="vélo"))
        feed = ListeningFeed(workspace_id=ws.id, url=URL, name="Journal", next_read_at=utcnow())
        db.add(feed)
        db.commit()
        feed_id, workspace_id = feed.id, ws.id

    site = Site()
    asked = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        asked.set()
        time.sleep(0.3)  # the other collector looks while this one reads
        return httpx.Response(200, content=BODY)

    site.serve(URL, slow)
    reports: list[FeedReport] = []

    def run() -> None:
        with own_factory() as session:
            reports.append(collect_feeds(session, site.fetcher(), classifier=WordClassifier()))

    first = threading.Thread(target=run)
    first.start()
    assert asked.wait(5)
    second = threading.Thread(target=run)
    second.start()
    first.join(10)
    second.join(10)

    assert sorted(r.read for r in reports) == [0, 1]
    assert len(site.requests) == 1
    with own_factory() as db:
        count = select(func.count(Mention.id)).where(Mention.workspace_id == workspace_id)
        assert db.scalar(count) == 1
        row = db.get(ListeningFeed, feed_id)
        assert row is not None
        assert row.entries_seen == 1
