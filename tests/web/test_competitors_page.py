"""The competitors page: add a competitor and a sandbox account from the forms (an unknown
handle refused in place), collect now, see the comparison table, the top posts and the
charts' data; read-only for a role without listening.manage; French."""

from __future__ import annotations

import json
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.kit.clock import FrozenClock
from orchestre.listening.api import opener_for
from orchestre.models import User, Workspace
from orchestre.models.competitors import Competitor
from tests.factories import make_channel, make_member
from tests.insights.conftest import SandboxOpener
from tests.web.conftest import HTML, csrf_of, open_session


def test_add_collect_and_compare(
    app: FastAPI, signed_in: TestClient, db: Session, clock: FrozenClock, workspace: Workspace
) -> None:
    client = signed_in
    channel = make_channel(db, workspace, handle="@acme")
    sandbox = SandboxNetwork(seed=3, clock=clock, sleep=lambda _s: None)
    sandbox.account(channel.external_id, channel.handle)
    app.dependency_overrides[opener_for] = lambda: SandboxOpener(sandbox)
    page = f"/w/{workspace.id}/competitors"

    empty = client.get(page)
    assert empty.status_code == 200
    assert "Nothing to compare yet" in empty.text
    token = csrf_of(empty.text)
    added = client.post(page, data={"csrf_token": token, "name": "Rival Bikes"})
    assert added.status_code == 200
    assert "Competitor added" in added.text
    rival = db.query(Competitor).filter_by(workspace_id=workspace.id).one()

    refused = client.post(
        f"{page}/{rival.id}/accounts",
        data={
            "csrf_token": token,
            "competitor_id": str(rival.id),
            "network": "sandbox",
            "handle": "not a handle",
        },
    )
    assert refused.status_code == 422
    assert "No sandbox account is named" in refused.text
    ok = client.post(
        f"{page}/{rival.id}/accounts",
        data={
            "csrf_token": token,
            "competitor_id": str(rival.id),
            "network": "sandbox",
            "handle": "@rival_bikes",
        },
    )
    assert ok.status_code == 200
    assert 'data-testid="competitor-account"' in ok.text
    collected = client.post(f"{page}/collect", data={"csrf_token": token})
    assert "Collection done." in collected.text
    assert collected.text.count('data-testid="comparison-row"') == 2  # the brand and Rival
    assert "Rival Bikes" in collected.text
    assert "@rival_bikes" in collected.text
    assert 'data-testid="top-post"' in collected.text
    data = re.search(r'id="competitors-data">(.*?)</script>', collected.text, re.S)
    assert data is not None
    chart = json.loads(data.group(1))
    sides = chart["networks"][0]["sides"]
    assert [s["brand"] for s in sides] == [True, False]
    assert len(sides[1]["weekly"]) == len(chart["weeks"])
    assert len(sides[1]["trend"]) == 30
    assert sides[1]["trend"][-1] is not None
    week = client.get(page, params={"period": "last_7_days"})
    assert (
        len(
            json.loads(
                re.search(r'id="competitors-data">(.*?)</script>', week.text, re.S).group(1)
            )["days"]
        )
        == 7
    )  # type: ignore[union-attr]
    app.dependency_overrides.clear()


def test_french_and_read_only_for_an_analyst(
    client: TestClient, db: Session, settings: Settings, workspace: Workspace, owner: User
) -> None:
    analyst = make_member(db, workspace, "analyst")
    client.headers.update(HTML)
    open_session(client, db, settings, analyst)
    english = client.get(f"/w/{workspace.id}/competitors")
    assert english.status_code == 200
    assert 'data-testid="competitor-form"' not in english.text
    refused = client.post(
        f"/w/{workspace.id}/competitors", data={"csrf_token": csrf_of(english.text), "name": "x"}
    )
    assert refused.status_code == 403
    french = client.get(f"/w/{workspace.id}/competitors", headers={"Accept-Language": "fr"})
    assert "Concurrents" in french.text
