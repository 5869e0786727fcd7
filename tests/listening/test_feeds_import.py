"""Importing an OPML file of feeds: each feed checked as one added by hand (rules, SSRF guard,
fetched and read), already followed ones and duplicates reported as such, a bad file adding
nothing, fetches made outside the transaction, and the export read back by the import."""

from __future__ import annotations

import threading

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from orchestre.listening import feeds_service
from orchestre.listening.feeds_fetch import FeedFetcher
from orchestre.listening.feeds_import import import_opml
from orchestre.listening.feeds_service import FeedInput
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_member, make_token
from tests.insights.conftest import World, build_world
from tests.listening.feeds_site import Site, doc

JOURNAL = "https://journal.example/rss"
PAGE = b'<html><head><link rel="alternate" type="application/atom+xml" href="/atom"></head></html>'
FILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Inoreader</title></head><body>
  <outline text="News">
    <outline type="rss" title="Mon journal" xmlUrl="https://journal.example/rss"/>
    <outline type="rss" title="Its site" xmlUrl="https://blog.example/"/>
  </outline>
  <outline title="Followed" xmlUrl="https://followed.example/rss"/>
  <outline title="Twice" xmlUrl="https://journal.example/rss"/>
  <outline title="Intranet" xmlUrl="http://10.1.2.3/rss"/>
  <outline title="Gone" xmlUrl="https://gone.example/rss"/>
  <outline title="Not a feed" xmlUrl="https://plain.example/"/>
  <outline title="Broken" xmlUrl="https://broken.example/rss"/>
  <outline title="A bookmark" htmlUrl="https://example.org/"/>
</body></opml>"""


def owner(world: World) -> Actor:
    return Actor(world.owner.id, world.workspace.id, frozenset({Role.OWNER}))


def web() -> Site:
    site = Site()
    for url in (JOURNAL, "https://followed.example/rss"):
        site.feed(url, doc("rss20.xml"))
    site.serve("https://blog.example/", lambda r: httpx.Response(200, content=PAGE))
    site.feed("https://blog.example/atom", doc("atom10.xml"))
    site.serve("https://plain.example/", lambda r: httpx.Response(200, text="<html></html>"))
    site.serve("https://broken.example/rss", lambda r: httpx.Response(500))
    return site


def test_each_outline_is_added_followed_or_refused_with_its_rule(
    db: Session, clock: FrozenClock
) -> None:
    world = build_world(db, clock)
    site = web()
    feeds_service.add_feed(
        db, owner(world), site.fetcher(), FeedInput("https://followed.example/rss")
    )
    outside: list[bool] = []
    handle = site.handle

    def watched(request: httpx.Request) -> httpx.Response:
        outside.append(not db.in_transaction())
        return handle(request)

    fetcher = FeedFetcher(transport=httpx.MockTransport(watched), resolver=site.resolve)
    report = import_opml(db, owner(world), fetcher, FILE)

    assert [(o.position, o.title, o.outcome, o.rule) for o in report.outlines] == [
        (1, "Mon journal", "added", None),
        (2, "Its site", "added", None),
        (3, "Followed", "already_followed", None),
        (4, "Twice", "already_followed", None),
        (5, "Intranet", "refused", "private_address"),
        (6, "Gone", "refused", "unreachable"),
        (7, "Not a feed", "refused", "not_a_feed"),
        (8, "Broken", "refused", "http_error"),
        (9, "A bookmark", "refused", "no_address"),
    ]
    assert (report.added, report.already_followed, report.refused) == (2, 2, 5)
    assert report.outlines[7].detail == "HTTP 500"
    assert report.outlines[4].message == (
        "The address points inside a private network, which is not allowed."
    )
    assert outside
    assert all(outside)  # no fetch held the database's transaction
    followed = {f.url: f.name for f in feeds_service.list_feeds(db, owner(world))}
    assert followed == {
        JOURNAL: "Mon journal",
        "https://blog.example/atom": "Its site",  # the feed its page announces
        "https://followed.example/rss": "Le Journal du Vélo",
    }
    assert report.outlines[0].feed_id is not None

    again = import_opml(db, owner(world), site.fetcher(), FILE)
    assert again.added == 0
    assert [o.outcome for o in again.outlines[:4]] == ["already_followed"] * 4


def test_feeds_not_read_within_the_budget_are_reported_not_tried(
    db: Session, clock: FrozenClock
) -> None:
    world = build_world(db, clock)
    released = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        released.wait(5)
        return httpx.Response(200, content=doc("rss20.xml"))

    site = Site()
    site.serve(JOURNAL, slow)
    site.serve("https://slow.example/rss", slow)
    two = b'<opml><body><outline xmlUrl="%s"/><outline xmlUrl="https://slow.example/rss"/></body></opml>'
    try:
        report = import_opml(db, owner(world), site.fetcher(), two % JOURNAL.encode(), budget=0.05)
    finally:
        released.set()
    assert [o.rule for o in report.outlines] == ["not_tried", "not_tried"]
    assert report.outlines[0].message == "Not checked in time: import the file again to add it."
    assert feeds_service.list_feeds(db, owner(world)) == []


def test_import_and_export_over_http(
    app: FastAPI, client: TestClient, db: Session, clock: FrozenClock
) -> None:
    world = build_world(db, clock)
    site = web()
    app.state.feed_fetcher = site.fetcher()
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/listening"

    def upload(data: bytes) -> httpx.Response:
        files = {"file": ("feeds.opml", data, "text/x-opml")}
        return client.post(f"{base}/feeds/import", files=files, headers=auth)

    bomb = upload(doc("billion_laughs.xml").replace(b"rss", b"opml"))
    assert bomb.status_code == 422
    assert [(e["field"], e["rule"]) for e in bomb.json()["errors"]] == [("file", "unsafe_xml")]
    assert upload(b"x" * (1024 * 1024 + 1)).json()["errors"][0]["rule"] == "too_large"
    assert client.get(f"{base}/feeds", headers=auth).json() == []  # a bad file adds nothing

    imported = upload(FILE)
    assert imported.status_code == 200
    body = imported.json()
    assert (body["added"], body["already_followed"], body["refused"]) == (3, 1, 5)
    assert body["outlines"][1] == {
        "position": 2,
        "title": "Its site",
        "url": "https://blog.example/",
        "outcome": "added",
        "rule": None,
        "message": None,
        "detail": None,
        "feed_id": body["outlines"][1]["feed_id"],
    }
    assert body["outlines"][7]["rule"] == "http_error"

    exported = client.get(f"{base}/feeds.opml", headers=auth)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/x-opml; charset=utf-8"
    assert exported.headers["content-disposition"].startswith(
        'attachment; filename="orchestre-feeds-'
    )
    assert b'xmlUrl="https://blog.example/atom"' in exported.content

    # the export is a file other readers (and this one) import: everything already followed
    other = build_world(db, clock)
    viewer = make_member(db, other.workspace, "analyst")
    viewer_auth = {"Authorization": f"Bearer {make_token(db, other.workspace, viewer)}"}
    other_base = f"/api/v1/workspaces/{other.workspace.id}/listening"
    assert client.get(f"{other_base}/feeds.opml", headers=viewer_auth).status_code == 200
    files = {"file": ("feeds.opml", exported.content, "text/x-opml")}
    denied = client.post(f"{other_base}/feeds/import", files=files, headers=viewer_auth)
    assert denied.status_code == 403
    again = upload(exported.content).json()
    assert (again["added"], again["already_followed"], again["refused"]) == (0, 3, 0)
    titles = [o["title"] for o in again["outlines"]]
    assert titles == sorted(titles)
