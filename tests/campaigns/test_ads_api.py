"""The ad platforms' API: link a campaign to platform campaigns, sync now, list, unlink,
and boost a publication (refused with the network named where boosts do not exist)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.connectors.base import AmbiguousError, CredentialError
from orchestre.connectors.sandbox.connector import use_network
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry, Campaign, CampaignResult, Channel, Publication
from tests.factories import bearer, make_channel, make_member, make_token, make_workspace
from tests.insights.conftest import World, build_world
from tests.routes_walk import populate


@pytest.fixture
def sandbox(clock: FrozenClock) -> Iterator[SandboxNetwork]:
    network = SandboxNetwork(seed=5, clock=clock, sleep=lambda _s: None)
    previous = use_network(network)
    yield network
    use_network(previous)


def test_link_sync_list_and_unlink(
    client: TestClient, db: Session, sandbox: SandboxNetwork
) -> None:
    ws = make_workspace(db)
    owner = make_member(db, ws, "owner")
    headers = bearer(make_token(db, ws, owner))
    channel = make_channel(db, ws)
    sandbox.account(channel.external_id, channel.handle)
    spring = Campaign(workspace_id=ws.id, name="Soldes")
    db.add(spring)
    db.commit()
    base = f"/api/v1/workspaces/{ws.id}/campaigns/{spring.id}"
    made = client.post(
        f"{base}/ad-links",
        headers=headers,
        json={
            "channel_id": str(channel.id),
            "ad_account_id": "act_9",
            "external_campaign_id": "act_9-1",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["network"] == "sandbox"
    synced = client.post(f"{base}/ad-sync", headers=headers)
    assert synced.status_code == 200, synced.text
    assert synced.json()["synced"] == 1
    assert synced.json()["rows"] > 0
    sources = set(
        db.scalars(select(CampaignResult.source).where(CampaignResult.campaign_id == spring.id))
    )
    assert sources == {"sandbox"}
    again = client.post(f"{base}/ad-sync", headers=headers).json()
    assert again["rows"] == 0
    listed = client.get(f"{base}/ad-links", headers=headers).json()
    assert [link["external_campaign_id"] for link in listed] == ["act_9-1"]
    assert listed[0]["last_synced_at"] is not None
    gone = client.delete(f"{base}/ad-links/{listed[0]['id']}", headers=headers)
    assert gone.status_code == 204
    assert client.get(f"{base}/ad-links", headers=headers).json() == []
    refused = client.post(
        f"{base}/ad-links",
        headers=headers,
        json={"channel_id": str(channel.id), "ad_account_id": "act 9", "external_campaign_id": "x"},
    )
    assert refused.status_code == 422
    assert "ad_account_id" in refused.text


def test_a_boost_on_a_network_without_boosts_names_it(client: TestClient, db: Session) -> None:
    ws = make_workspace(db)
    tenant = populate(db, ws, "boost")
    owner = make_member(db, ws, "owner")
    publication = db.get(Publication, tenant.ids["publication_id"])
    assert publication is not None
    channel = db.get(Channel, publication.channel_id)
    assert channel is not None
    channel.network = "mastodon"
    db.commit()
    answer = client.post(
        f"/api/v1/workspaces/{ws.id}/publications/{publication.id}/boost",
        headers=bearer(make_token(db, ws, owner)),
        json={"ad_account_id": "act_9", "budget": "20.00", "currency": "EUR", "days": 2},
    )
    assert answer.status_code == 422, answer.text
    assert "Boosting is not available on Mastodon." in answer.text


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> Iterator[World]:
    made = build_world(db, clock)
    previous = use_network(made.sandbox)
    yield made
    use_network(previous)


def test_a_boost_from_a_wall_time_and_an_uncertain_one_kept(
    client: TestClient, db: Session, world: World, clock: FrozenClock
) -> None:
    publication = world.publish_now()
    db.commit()
    url = f"/api/v1/workspaces/{world.workspace.id}/publications/{publication.id}/boost"
    auth = bearer(make_token(db, world.workspace, world.owner))
    ask = {"ad_account_id": "act_9", "budget": "20.00", "currency": "EUR"}
    made = client.post(
        url, headers=auth, json={**ask, "start": "2030-03-29T10:00", "end": "2030-04-01T10:00"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["ends_at"].startswith("2030-04-01T08:00:00")
    both = client.post(url, headers=auth, json={**ask, "days": 2, "end": "2030-04-01T10:00"})
    assert both.status_code == 422
    assert ["days", "one_of"] in [[e["field"], e["rule"]] for e in both.json()["errors"]]
    world.sandbox.fail_next(AmbiguousError("no answer", network="sandbox"))  # type: ignore[arg-type]
    unsure = client.post(url, headers=auth, json={**ask, "days": 2})
    assert unsure.status_code == 409, unsure.text
    assert unsure.json()["code"] == "boost_uncertain"
    assert "Look in the ad account" in unsure.json()["detail"]
    kept = select(AuditEntry).where(AuditEntry.action == "publication.boost_uncertain")
    assert db.scalars(kept).one().entity_id == str(publication.id)
    again = client.post(url, headers=auth, json={**ask, "days": 2})
    assert again.status_code == 409
    assert [e["field"] for e in again.json()["errors"]] == ["after_uncertain"]
    clock.advance(seconds=1)  # the audit orders by time
    looked = client.post(url, headers=auth, json={**ask, "days": 2, "after_uncertain": True})
    assert looked.status_code == 201, looked.text


def test_a_boost_refused_access_leaves_the_channel_marked(
    client: TestClient, db: Session, world: World
) -> None:
    publication = world.publish_now()
    db.commit()
    url = f"/api/v1/workspaces/{world.workspace.id}/publications/{publication.id}/boost"
    world.sandbox.fail_next(
        CredentialError("token revoked", definitive=True, network="sandbox")  # type: ignore[arg-type]
    )
    refused = client.post(
        url,
        headers=bearer(make_token(db, world.workspace, world.owner)),
        json={"ad_account_id": "act_9", "budget": "20.00", "currency": "EUR", "days": 2},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "channel_needs_reconnection"
    db.expire_all()
    channel = db.get(Channel, world.channel.id)
    assert channel is not None
    assert channel.status == "needs_reconnection"
