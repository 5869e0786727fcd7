"""The feeds card of the listening page: add a feed (a refused address says why, in place),
read now into mentions, last error in words, pause and remove with htmx, French, and no
form for a role without listening.manage."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.models import User, Workspace
from tests.factories import make_member
from tests.listening.feeds_site import Site, doc
from tests.web.conftest import HTML, csrf_of, open_session

URL = "https://journal.example/rss"
HX = {"HX-Request": "true"}


def test_add_read_fail_pause_and_remove_a_feed(
    app: FastAPI, signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    client = signed_in
    site = Site()
    site.feed(URL, doc("rss20.xml"))
    app.state.feed_fetcher = site.fetcher()
    page = f"/w/{workspace.id}/listening"

    listening = client.get(page)
    assert 'data-testid="feeds-slot"' in listening.text
    token = csrf_of(listening.text)
    card = client.get(f"{page}/feeds", headers=HX)
    assert 'data-testid="no-feeds"' in card.text
    assert 'data-testid="feed-form"' in card.text

    refused = client.post(
        f"{page}/feeds", data={"csrf_token": token, "url": "http://10.0.0.1/rss"}, headers=HX
    )
    assert refused.status_code == 422
    assert "points inside a private network" in refused.text
    assert "(10.0.0.1 is not a public address)" in refused.text  # what was found, after the rule
    assert 'value="http://10.0.0.1/rss"' in refused.text  # the form keeps what was typed

    added = client.post(f"{page}/feeds", data={"csrf_token": token, "url": URL}, headers=HX)
    assert added.status_code == 200
    assert "Feed added" in added.headers["hx-trigger"]
    assert "Le Journal du Vélo" in added.text
    assert "Not read yet" in added.text
    client.post(f"{page}/queries", data={"csrf_token": token, "name": "Pistes", "query": "pistes"})

    read = client.post(f"{page}/feeds/collect", data={"csrf_token": token}, headers=HX)
    assert "Feeds read: 1 new mention." in read.headers["hx-trigger"]
    assert "2 entries seen" in read.text
    mentions = client.get(page, params={"network": "rss"})
    assert mentions.text.count('data-testid="mention"') == 1
    assert "Les pistes cyclables de Lyon" in mentions.text
    assert "RSS / Atom" in mentions.text  # the network's name on the mention

    site.serve(URL, lambda r: httpx.Response(200, content=b"<html>gone</html>"))
    failed = client.post(f"{page}/feeds/collect", data={"csrf_token": token}, headers=HX)
    assert "does not return an RSS or Atom feed" in failed.text

    found = re.search(r"/listening/feeds/([0-9a-f-]{36})/toggle", failed.text)
    assert found is not None
    feed_id = found.group(1)
    paused = client.post(f"{page}/feeds/{feed_id}/toggle", data={"csrf_token": token}, headers=HX)
    assert 'data-testid="feed-paused"' in paused.text
    # without JavaScript: back to the page
    removed = client.post(
        f"{page}/feeds/{feed_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert 'data-testid="no-feeds"' in client.get(f"{page}/feeds", headers=HX).text


def test_french_and_read_only_for_an_analyst(
    app: FastAPI,
    client: TestClient,
    db: Session,
    settings: Settings,
    workspace: Workspace,
    owner: User,
) -> None:
    analyst = make_member(db, workspace, "analyst")
    client.headers.update(HTML)
    open_session(client, db, settings, analyst)
    card = client.get(f"/w/{workspace.id}/listening/feeds", headers=HX)
    assert card.status_code == 200
    assert 'data-testid="feed-form"' not in card.text
    french = client.get(
        f"/w/{workspace.id}/listening/feeds", headers={**HX, "Accept-Language": "fr"}
    )
    assert "Sites d’actualité et blogs" in french.text
    refused = client.post(
        f"/w/{workspace.id}/listening/feeds",
        data={"csrf_token": csrf_of(client.get(f"/w/{workspace.id}/listening").text), "url": URL},
    )
    assert refused.status_code == 403
