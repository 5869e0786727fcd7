"""The feeds card's OPML: the export link, the import form and its report (added, already
followed, refused and why) shown in the card with htmx, a bad file refused in place with
nothing added, French words, and neither form nor import for a role that cannot manage."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.models import User, Workspace
from tests.factories import make_member
from tests.listening.feeds_site import Site, doc
from tests.web.conftest import HTML, csrf_of, open_session

HX = {"HX-Request": "true"}
FILE = b"""<?xml version="1.0"?>
<opml version="2.0"><body>
  <outline text="Velo"><outline title="Journal" xmlUrl="https://journal.example/rss"/></outline>
  <outline title="Journal again" xmlUrl="https://journal.example/rss"/>
  <outline title="Broken" xmlUrl="https://broken.example/rss"/>
</body></opml>"""


def upload(client: TestClient, url: str, token: str, data: bytes, **headers: str) -> httpx.Response:
    files = {"file": ("feeds.opml", data, "text/x-opml")}
    return client.post(url, data={"csrf_token": token}, files=files, headers={**HX, **headers})


def test_import_a_file_and_see_what_became_of_each_outline(
    app: FastAPI, signed_in: TestClient, workspace: Workspace
) -> None:
    client = signed_in
    site = Site()
    site.feed("https://journal.example/rss", doc("rss20.xml"))
    site.serve("https://broken.example/rss", lambda r: httpx.Response(500))
    app.state.feed_fetcher = site.fetcher()
    page = f"/w/{workspace.id}/listening"
    token = csrf_of(client.get(page).text)
    card = client.get(f"{page}/feeds", headers=HX)
    assert 'data-testid="feeds-import-form"' in card.text
    assert 'data-testid="feeds-export"' not in card.text  # nothing to export yet

    bad = upload(client, f"{page}/feeds/import", token, b"name,url\n")
    assert bad.status_code == 422
    assert "The file is not an OPML document." in bad.text
    assert 'data-testid="no-feeds"' in bad.text

    done = upload(client, f"{page}/feeds/import", token, FILE)
    assert done.status_code == 200
    assert "1 feed added, 1 already followed, 1 refused." in done.text
    assert done.text.count('data-testid="feeds-import-outline"') == 3
    assert 'data-outcome="refused" data-rule="http_error"' in done.text
    assert "Refused: The site answered with an error. (HTTP 500)<" in done.text
    assert 'data-url="https://journal.example/rss"' in done.text  # the card lists it
    assert f'href="/api/v1/workspaces/{workspace.id}/listening/feeds.opml"' in done.text

    french = upload(client, f"{page}/feeds/import", token, FILE, **{"Accept-Language": "fr"})
    assert "0 flux ajouté, 2 déjà suivis, 1 refusé." in french.text
    assert "Refusé : Le site a répondu par une erreur. (HTTP 500)" in french.text
    assert "Importer des flux (OPML)" in french.text


def test_no_import_for_an_analyst(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace, owner: User
) -> None:
    analyst = make_member(db, workspace, "analyst")
    client.headers.update(HTML)
    open_session(client, db, settings, analyst)
    card = client.get(f"/w/{workspace.id}/listening/feeds", headers=HX)
    assert 'data-testid="feeds-import-form"' not in card.text
    token = csrf_of(client.get(f"/w/{workspace.id}/listening").text)
    refused = upload(client, f"/w/{workspace.id}/listening/feeds/import", token, FILE)
    assert refused.status_code == 403
