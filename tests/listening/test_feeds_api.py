"""The feeds API through the client: add (refused with the rule broken), list, pause,
collect now into mentions, remove; another workspace's feed is a 404."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.kit.clock import FrozenClock
from tests.factories import make_token
from tests.insights.conftest import build_world
from tests.listening.feeds_site import Site, doc

URL = "https://journal.example/rss"


def test_feeds_over_http(app: FastAPI, client: TestClient, db: Session, clock: FrozenClock) -> None:
    world = build_world(db, clock)
    site = Site()
    site.feed(URL, doc("rss20.xml"))
    site.serve("https://journal.example/", lambda r: httpx.Response(200, text="<html></html>"))
    app.state.feed_fetcher = site.fetcher()
    auth = {"Authorization": f"Bearer {make_token(db, world.workspace, world.owner)}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/listening"

    for url, rule in [
        ("https://journal.example/", "not_a_feed"),
        ("http://169.254.169.254/latest/meta-data", "private_address"),
        ("ftp://journal.example/rss", "invalid_url"),
        ("https://gone.example/rss", "unreachable"),
    ]:
        bad = client.post(f"{base}/feeds", json={"url": url}, headers=auth)
        assert bad.status_code == 422, url
        assert [(e["field"], e["rule"]) for e in bad.json()["errors"]] == [("url", rule)]

    # a blog's page that announces its feed: the feed is followed
    page = (
        b'<html><head><link rel="alternate" type="application/atom+xml" href="/atom"></head></html>'
    )
    site.serve("https://blog.example/", lambda r: httpx.Response(200, content=page))
    site.feed("https://blog.example/atom", doc("atom10.xml"))
    found = client.post(f"{base}/feeds", json={"url": "https://blog.example/"}, headers=auth)
    assert found.status_code == 201
    assert (found.json()["url"], found.json()["name"]) == (
        "https://blog.example/atom",
        "Example Feed",
    )
    client.delete(f"{base}/feeds/{found.json()['id']}", headers=auth)

    made = client.post(f"{base}/feeds", json={"url": URL, "name": "Journal"}, headers=auth)
    assert made.status_code == 201
    feed = made.json()
    assert (feed["name"], feed["active"], feed["entries_seen"], feed["last_error"]) == (
        "Journal",
        True,
        0,
        None,
    )
    again = client.post(f"{base}/feeds", json={"url": URL}, headers=auth)
    assert [e["rule"] for e in again.json()["errors"]] == ["unique"]

    client.post(f"{base}/queries", json={"name": "Pistes", "query": "pistes"}, headers=auth)
    collected = client.post(f"{base}/feeds/collect", headers=auth)
    assert collected.status_code == 200
    assert {k: collected.json()[k] for k in ("read", "entries", "stored")} == {
        "read": 1,
        "entries": 2,
        "stored": 1,
    }
    page = client.get(f"{base}/mentions", params={"network": "rss"}, headers=auth).json()
    assert [m["url"] for m in page["items"]] == ["https://journal.example/2026/lyon-pistes"]
    listed = client.get(f"{base}/feeds", headers=auth).json()
    assert [(f["id"], f["entries_seen"]) for f in listed] == [(feed["id"], 2)]
    assert listed[0]["last_read_at"] is not None

    paused = client.patch(f"{base}/feeds/{feed['id']}", json={"active": False}, headers=auth)
    assert paused.json()["active"] is False
    refused = client.post(f"{base}/feeds/collect", params={"feed_id": feed["id"]}, headers=auth)
    assert refused.status_code == 409

    site.serve(URL, lambda r: httpx.Response(500))
    client.patch(f"{base}/feeds/{feed['id']}", json={"active": True}, headers=auth)
    client.post(f"{base}/feeds/collect", headers=auth)
    failed = client.get(f"{base}/feeds/{feed['id']}", headers=auth).json()
    assert (failed["last_error"], failed["last_error_detail"]) == ("http_error", "HTTP 500")
    assert failed["last_error_message"] == "The site answered with an error."

    other = build_world(db, clock)
    foreign = f"/api/v1/workspaces/{other.workspace.id}/listening/feeds/{feed['id']}"
    other_auth = {"Authorization": f"Bearer {make_token(db, other.workspace, other.owner)}"}
    assert client.get(foreign, headers=other_auth).status_code == 404

    assert client.delete(f"{base}/feeds/{feed['id']}", headers=auth).status_code == 204
    assert client.get(f"{base}/feeds", headers=auth).json() == []
    # the mentions it brought stay
    assert client.get(f"{base}/mentions", params={"network": "rss"}, headers=auth).json()["items"]
