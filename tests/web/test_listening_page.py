"""The listening page: a query saved from the form (its parse errors shown in place and by
the live check), collect now from the sandbox, mentions with filters, brand health, and a
read-only view for a role without listening.manage."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.connectors.base import DraftPost
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.kit.clock import FrozenClock
from orchestre.listening.api import opener_for
from orchestre.models import User, Workspace
from orchestre.models.listening import ListeningQuery
from tests.factories import make_channel, make_member
from tests.insights.conftest import SandboxOpener
from tests.web.conftest import HTML, csrf_of, open_session


def test_create_collect_filter_and_see_health(
    app: FastAPI,
    signed_in: TestClient,
    db: Session,
    clock: FrozenClock,
    workspace: Workspace,
) -> None:
    client = signed_in
    channel = make_channel(db, workspace, handle="@acme")
    sandbox = SandboxNetwork(seed=3, clock=clock, sleep=lambda _s: None)
    sandbox.account(channel.external_id, channel.handle)
    app.dependency_overrides[opener_for] = lambda: SandboxOpener(sandbox)
    page = f"/w/{workspace.id}/listening"

    empty = client.get(page)
    assert empty.status_code == 200
    assert 'data-testid="no-mentions"' in empty.text
    token = csrf_of(empty.text)

    check = client.get(f"{page}/check", params={"query": "café (paris"})
    assert "parenthesis" in check.text
    ok = client.get(f"{page}/check", params={"query": "café -thé"})
    assert "<code>café</code>" in ok.text

    bad = client.post(
        f"{page}/queries", data={"csrf_token": token, "name": "Café", "query": "café OR"}
    )
    assert bad.status_code == 422
    assert "need a term on each side" in bad.text
    saved = client.post(
        f"{page}/queries",
        data={"csrf_token": token, "name": "Café", "query": "café -thé", "languages": ""},
        follow_redirects=False,
    )
    assert saved.status_code == 303

    sandbox.publish(channel.external_id, DraftPost(text="Un café super bon"))
    sandbox.publish(channel.external_id, DraftPost(text="Café ou thé ?"))
    collected = client.post(f"{page}/collect", data={"csrf_token": token})
    assert collected.status_code == 200
    assert "1 new mention." in collected.text
    assert collected.text.count('data-testid="mention"') == 1
    assert "Un café super bon" in collected.text
    assert 'data-testid="health-total">1<' in collected.text
    assert "No burst in this period." in collected.text

    none = client.get(
        page, params={"sentiment": "negative" if "Positive" in collected.text else "positive"}
    )
    assert none.status_code == 200
    app.dependency_overrides.clear()


def test_french_and_read_only_for_an_analyst(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace, owner: User
) -> None:
    analyst = make_member(db, workspace, "analyst")
    client.headers.update(HTML)
    open_session(client, db, settings, analyst)
    english = client.get(f"/w/{workspace.id}/listening")
    assert english.status_code == 200
    assert 'data-testid="query-form"' not in english.text
    assert 'data-testid="collect-now"' not in english.text
    refused = client.post(
        f"/w/{workspace.id}/listening/queries",
        data={"csrf_token": csrf_of(english.text), "name": "x", "query": "x"},
    )
    assert refused.status_code == 403
    french = client.get(f"/w/{workspace.id}/listening", headers={"Accept-Language": "fr"})
    assert "Santé de la marque" in french.text


def test_a_query_is_kept_to_the_networks_checked(
    signed_in: TestClient, db: Session, workspace: Workspace
) -> None:
    """The form offers the networks of the workspace's channels; a query checked for
    Bluesky only is saved so, listed with it, and a network nobody offers is refused."""
    make_channel(db, workspace, network="bluesky", handle="@acme.bsky.social")
    make_channel(db, workspace, network="mastodon", handle="@acme@piaille.fr")
    page = f"/w/{workspace.id}/listening"
    form = signed_in.get(page)
    assert 'data-testid="query-networks"' in form.text
    assert 'name="networks" value="bluesky"' in form.text
    assert 'name="networks" value="mastodon"' in form.text
    token = csrf_of(form.text)
    data = {"csrf_token": token, "name": "Vélo", "query": "vélo", "networks": "bluesky"}
    saved = signed_in.post(f"{page}/queries", data=data, follow_redirects=True)
    assert saved.status_code == 200, saved.text
    (query,) = db.query(ListeningQuery).filter_by(workspace_id=workspace.id)
    assert query.networks == ["bluesky"]
    assert "Vélo" in saved.text
    assert "· Bluesky" in saved.text

    refused = signed_in.post(
        f"{page}/queries", data={**data, "name": "Autre", "networks": "myspace"}
    )
    assert refused.status_code == 422
    assert "Unknown network" in refused.text
    assert db.query(ListeningQuery).filter_by(workspace_id=workspace.id).count() == 1
