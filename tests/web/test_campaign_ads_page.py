"""The ad platforms in the pages: link a campaign to a sandbox platform campaign, sync it
now and see its spend in the paid cards; a channel's write-only ad secrets; boosting a
published post, refused with the network named where boosts do not exist."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.connectors.base import AmbiguousError, CredentialError, RetryableError
from orchestre.connectors.sandbox.connector import use_network
from orchestre.connectors.sandbox.network import SandboxNetwork
from orchestre.kit.clock import FrozenClock
from orchestre.models import AuditEntry, Campaign, Channel, User, Workspace
from orchestre.models.campaigns_ads import CampaignAdLink, ChannelAdCredentials
from tests.factories import add_member, make_channel, make_member, make_user
from tests.insights.conftest import World, build_world
from tests.web.conftest import HTML, csrf_of, open_session


@pytest.fixture
def sandbox(clock: FrozenClock) -> Iterator[SandboxNetwork]:
    network = SandboxNetwork(seed=5, clock=clock, sleep=lambda _s: None)
    previous = use_network(network)
    yield network
    use_network(previous)


def _campaign(db: Session, workspace: Workspace, today: date) -> Campaign:
    campaign = Campaign(
        workspace_id=workspace.id,
        name="Soldes",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=19),
        budget=3000.0,
    )
    db.add(campaign)
    db.flush()
    return campaign


def _channel(db: Session, workspace: Workspace, sandbox: SandboxNetwork) -> Channel:
    channel = make_channel(db, workspace, handle="@acme")
    sandbox.account(channel.external_id, channel.handle)
    return channel


def test_link_sync_now_and_see_the_spend(
    signed_in: TestClient,
    db: Session,
    workspace: Workspace,
    sandbox: SandboxNetwork,
    clock: FrozenClock,
) -> None:
    channel = _channel(db, workspace, sandbox)
    campaign = _campaign(db, workspace, clock.now().date())
    location = f"/w/{workspace.id}/campaigns/{campaign.id}"
    page = signed_in.get(location)
    assert f'hx-get="{location}/ads"' in page.text
    assert 'data-testid="pacing-actual">0.00<' in page.text
    card = signed_in.get(location + "/ads")
    assert 'data-testid="ad-links-empty"' in card.text
    assert f'<option value="{channel.id}"' in card.text
    token = csrf_of(page.text)
    form = {"csrf_token": token, "channel_id": str(channel.id), "ad_account_id": "act 9"}
    refused = signed_in.post(location + "/ads/links", data={**form, "external_campaign_id": "c1"})
    assert refused.status_code == 422
    assert "An ad account id is 1 to 64 letters" in refused.text
    made = signed_in.post(
        location + "/ads/links",
        data={**form, "ad_account_id": "act_9", "external_campaign_id": "act_9-1"},
    )
    assert made.status_code == 200, made.text
    assert 'data-external="act_9-1"' in made.text
    assert "Not yet: at the next sync" in made.text
    assert "Linked" in json.loads(made.headers["HX-Trigger"])["toast"]["message"]
    synced = signed_in.post(
        location + "/ads/sync", data={"csrf_token": token}, follow_redirects=False
    )
    assert synced.status_code == 303
    after = synced.headers["location"]
    found = re.search(r"ad_sync=(\d+)-(\d+)-0-0", after)
    assert found
    assert found.group(1) == "1"
    assert int(found.group(2)) > 0
    page = signed_in.get(after)
    spent = re.search(r'data-testid="pacing-actual">([\d,.]+)<', page.text)
    assert spent
    assert spent.group(1) != "0.00"
    assert 'data-kpi="spend"' in page.text
    assert "ad_sync=" in page.text  # the card is asked for with the sync's outcome
    card = signed_in.get(f"{location}/ads?ad_sync={found.group(0).partition('=')[2]}")
    rows = int(found.group(2))
    assert f"{rows} days of results written or changed" in card.text
    assert "1 platform campaign read" in json.loads(card.headers["HX-Trigger"])["toast"]["message"]
    assert "(Europe/Paris)" in card.text or f"({workspace.timezone})" in card.text
    sources = signed_in.get(location)
    assert "7d_click,1d_view" in sources.text  # the platform's attribution window
    link = db.scalars(select(CampaignAdLink).where(CampaignAdLink.campaign_id == campaign.id)).one()
    gone = signed_in.post(f"{location}/ads/links/{link.id}/delete", data={"csrf_token": token})
    assert gone.status_code == 200
    assert 'data-testid="ad-links-empty"' in gone.text


def test_readers_see_the_links_without_forms(
    client: TestClient,
    db: Session,
    settings: Settings,
    workspace: Workspace,
    sandbox: SandboxNetwork,
    clock: FrozenClock,
) -> None:
    channel = _channel(db, workspace, sandbox)
    campaign = _campaign(db, workspace, clock.now().date())
    db.add(
        CampaignAdLink(
            workspace_id=workspace.id,
            campaign_id=campaign.id,
            channel_id=channel.id,
            network="sandbox",
            ad_account_id="act_9",
            external_campaign_id="act_9-2",
            next_sync_at=clock.now(),
            last_error="The sandbox is down.",
        )
    )
    db.flush()
    reader = make_member(db, workspace, "reviewer")
    client.headers.update(HTML)
    open_session(client, db, settings, reader)
    card = client.get(f"/w/{workspace.id}/campaigns/{campaign.id}/ads")
    assert card.status_code == 200
    assert 'data-external="act_9-2"' in card.text
    assert "The sandbox is down." in card.text
    assert 'data-testid="ad-link-form"' not in card.text
    assert 'data-testid="ad-sync"' not in card.text
    assert 'data-testid="ad-unlink"' not in card.text
    secrets = client.get(f"/w/{workspace.id}/channels/ad-secrets")
    assert 'data-testid="ad-secrets-save"' not in secrets.text


def test_ad_secrets_are_write_only(
    signed_in: TestClient,
    db: Session,
    workspace: Workspace,
    sandbox: SandboxNetwork,
) -> None:
    channel = _channel(db, workspace, sandbox)
    mastodon = make_channel(db, workspace, network="mastodon")
    page = signed_in.get(f"/w/{workspace.id}/channels")
    assert f'hx-get="/w/{workspace.id}/channels/ad-secrets"' in page.text
    card = signed_in.get(f"/w/{workspace.id}/channels/ad-secrets")
    assert f'data-testid="ad-secrets-{channel.id}"' in card.text
    assert f'data-testid="ad-secrets-{mastodon.id}"' not in card.text  # no ad reporting there
    token = csrf_of(page.text)
    url = f"/w/{workspace.id}/channels/{channel.id}/ad-secrets"
    bad = signed_in.post(url, data={"csrf_token": token, "name": "token", "value": "x"})
    assert bad.status_code == 422
    assert "A name is ads_ followed by" in bad.text
    saved = signed_in.post(
        url,
        data={"csrf_token": token, "name": ["ads_access_token", ""], "value": ["EAAB-s3cr3t", ""]},
    )
    assert saved.status_code == 200, saved.text
    assert "<code>ads_access_token</code>" in saved.text
    assert "EAAB-s3cr3t" not in saved.text
    row = db.scalars(select(ChannelAdCredentials)).one()
    assert row.names == "ads_access_token"
    assert b"EAAB-s3cr3t" not in row.secrets_encrypted
    cleared = signed_in.post(url, data={"csrf_token": token, "clear": "1"})
    assert "No ad secret" in cleared.text
    assert db.scalars(select(ChannelAdCredentials)).first() is None


@pytest.fixture
def world(db: Session, clock: FrozenClock) -> Iterator[World]:
    made = build_world(db, clock)
    previous = use_network(made.sandbox)
    yield made
    use_network(previous)


def _as(client: TestClient, db: Session, settings: Settings, user: User) -> TestClient:
    client.headers.update(HTML)
    open_session(client, db, settings, user)
    return client


def test_boost_a_published_post(
    client: TestClient, db: Session, settings: Settings, world: World
) -> None:
    published = world.publish_now()
    refused_channel = world.add_channel()
    other = world.publish_now(channel=refused_channel)
    refused_channel.network = "mastodon"
    db.flush()
    spring = Campaign(workspace_id=world.workspace.id, name="Printemps")
    db.add(spring)
    db.flush()
    signed = _as(client, db, settings, world.owner)
    post_id = _post_of(db, published.variant_id)
    base = f"/w/{world.workspace.id}/posts/{post_id}"
    page = signed.get(base)
    assert f'hx-get="{base}/boosts"' in page.text
    panel = signed.get(base + "/boosts")
    assert 'data-testid="boost-form"' in panel.text
    assert f'<option value="{spring.id}">Printemps</option>' in panel.text
    token = csrf_of(page.text)
    ask = {
        "csrf_token": token,
        "ad_account_id": "act_77",
        "budget": "25,50",
        "currency": "eur",
        "budget_kind": "daily",
        "days": "120",
        "countries": "FR, BE",
        "campaign_id": str(spring.id),
    }
    refused = signed.post(f"{base}/boosts/{published.id}", data=ask)
    assert refused.status_code == 422
    assert "A boost lasts from 1 to 90 days." in refused.text
    made = signed.post(f"{base}/boosts/{published.id}", data={**ask, "days": "3"})
    assert made.status_code == 200, made.text
    assert "platform campaign act_77-boost-1" in made.text
    assert "paused" in made.text
    link = db.scalars(select(CampaignAdLink).where(CampaignAdLink.campaign_id == spring.id)).one()
    assert link.external_campaign_id == "act_77-boost-1"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "publication.boost")).one()
    assert entry.after is not None
    assert entry.after["budget"] == "25.50"
    assert entry.after["countries"] == ["FR", "BE"]
    mastodon = signed.get(f"/w/{world.workspace.id}/posts/{_post_of(db, other.variant_id)}/boosts")
    assert "Boosting is not available on Mastodon." in mastodon.text
    assert 'data-testid="boost-form"' not in mastodon.text


def _post_of(db: Session, variant_id: object) -> object:
    from orchestre.models import PostVariant

    variant = db.get(PostVariant, variant_id)
    assert variant is not None
    return variant.post_id


def test_readers_cannot_boost(
    client: TestClient, db: Session, settings: Settings, world: World
) -> None:
    published = world.publish_now()
    reader = make_member(db, world.workspace, "reviewer")
    signed = _as(client, db, settings, reader)
    post_id = _post_of(db, published.variant_id)
    panel = signed.get(f"/w/{world.workspace.id}/posts/{post_id}/boosts")
    assert panel.status_code == 200
    assert 'data-testid="boost-panel"' in panel.text
    assert 'data-testid="boost-form"' not in panel.text


def test_the_card_speaks_french(
    client: TestClient,
    db: Session,
    settings: Settings,
    workspace: Workspace,
    sandbox: SandboxNetwork,
    clock: FrozenClock,
) -> None:
    _channel(db, workspace, sandbox)
    campaign = _campaign(db, workspace, clock.now().date())
    reader = make_user(db, locale="fr")
    add_member(db, workspace, reader, "owner")
    signed = _as(client, db, settings, reader)
    card = signed.get(f"/w/{workspace.id}/campaigns/{campaign.id}/ads?ad_sync=2-9-1-0")
    assert "Depuis les régies publicitaires" in card.text
    assert "Lier une campagne de plateforme" in card.text
    assert "2 campagnes de la plateforme lues" in card.text
    assert "9 jours de résultats écrits ou modifiés" in card.text
    assert "1 attend après un échec" in card.text


def test_a_platform_that_asks_to_wait_is_said_under_the_form(
    client: TestClient, db: Session, settings: Settings, world: World
) -> None:
    published = world.publish_now()
    signed = _as(client, db, settings, world.owner)
    base = f"/w/{world.workspace.id}/posts/{_post_of(db, published.variant_id)}"
    token = csrf_of(signed.get(base).text)
    ask = {"csrf_token": token, "ad_account_id": "act_77", "budget": "10", "currency": "EUR"}
    world.sandbox.fail_next(RetryableError("slow down", retry_after=90, network="sandbox"))
    answer = signed.post(f"{base}/boosts/{published.id}", data={**ask, "days": "2"})
    assert answer.status_code == 422
    assert "asks to try again later: slow down" in answer.text
    assert 'data-testid="boost-form"' in answer.text
    assert (
        db.scalars(select(AuditEntry).where(AuditEntry.action == "publication.boost")).first()
        is None
    )


def test_a_boost_from_the_page_starts_at_a_chosen_time_and_an_uncertain_one_asks_first(
    client: TestClient, db: Session, settings: Settings, world: World
) -> None:
    published = world.publish_now()
    signed = _as(client, db, settings, world.owner)
    post_id = _post_of(db, published.variant_id)
    base = f"/w/{world.workspace.id}/posts/{post_id}"
    page = signed.get(base)
    panel = signed.get(base + "/boosts")
    assert 'data-testid="boost-start"' in panel.text
    assert "Europe/Paris" in panel.text
    assert 'data-testid="boost-code"' not in panel.text  # a sandbox boost asks for no code
    ask = {
        "csrf_token": csrf_of(page.text),
        "ad_account_id": "act_77",
        "budget": "30",
        "currency": "EUR",
        "start": "2030-03-29T10:00",
        "days": "",
        "end": "2030-04-01T10:00",
    }
    made = signed.post(f"{base}/boosts/{published.id}", data=ask)
    assert made.status_code == 200, made.text
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "publication.boost")).one()
    assert entry.after is not None
    assert (entry.after["starts_at"], entry.after["ends_at"]) == (
        "2030-03-29T09:00:00+00:00",
        "2030-04-01T08:00:00+00:00",
    )
    world.later(seconds=1)
    world.sandbox.fail_next(AmbiguousError("no answer", network="sandbox"))  # type: ignore[arg-type]
    unsure = signed.post(f"{base}/boosts/{published.id}", data={**ask, "start": ""})
    assert unsure.status_code == 422
    assert "the boost may have been made" in unsure.text
    assert 'data-testid="boost-after-uncertain"' in unsure.text
    world.later(seconds=1)
    again = signed.post(f"{base}/boosts/{published.id}", data={**ask, "start": ""})
    assert "confirm that you looked" in again.text
    world.later(seconds=1)
    looked = signed.post(
        f"{base}/boosts/{published.id}", data={**ask, "start": "", "after_uncertain": "on"}
    )
    assert looked.status_code == 200, looked.text
    assert 'data-testid="boost-made"' in looked.text
    assert db.scalars(
        select(AuditEntry).where(AuditEntry.action == "publication.boost_uncertain")
    ).one()


def test_a_tiktok_boost_asks_for_the_creators_code(
    client: TestClient, db: Session, settings: Settings, world: World
) -> None:
    published = world.publish_now()
    world.channel.network = "tiktok"
    db.flush()
    signed = _as(client, db, settings, world.owner)
    panel = signed.get(f"/w/{world.workspace.id}/posts/{_post_of(db, published.variant_id)}/boosts")
    assert 'data-testid="boost-code"' in panel.text
    assert 'type="password"' in panel.text
    assert "Spark Ad" in panel.text


def test_a_refused_access_on_the_page_says_to_reconnect_and_marks_the_channel(
    client: TestClient, db: Session, settings: Settings, world: World
) -> None:
    published = world.publish_now()
    signed = _as(client, db, settings, world.owner)
    base = f"/w/{world.workspace.id}/posts/{_post_of(db, published.variant_id)}"
    page = signed.get(base)
    world.sandbox.fail_next(
        CredentialError("token revoked", definitive=True, network="sandbox")  # type: ignore[arg-type]
    )
    ask = {
        "csrf_token": csrf_of(page.text),
        "ad_account_id": "act_77",
        "budget": "30",
        "currency": "EUR",
    }
    refused = signed.post(f"{base}/boosts/{published.id}", data={**ask, "days": "2"})
    assert refused.status_code == 422
    assert "reconnect the channel" in refused.text
    db.refresh(world.channel)
    assert world.channel.status == "needs_reconnection"


def test_a_linkedin_boost_offers_its_objective_and_group_and_options_reach_the_platform(
    client: TestClient, db: Session, settings: Settings, world: World
) -> None:
    """LinkedIn's form asks for an objective and an existing campaign group; what the form
    sends reaches the platform as the boost's options (the sandbox refuses any by name,
    under the form, and makes nothing)."""
    published = world.publish_now()
    signed = _as(client, db, settings, world.owner)
    base = f"/w/{world.workspace.id}/posts/{_post_of(db, published.variant_id)}"
    sandbox_panel = signed.get(base + "/boosts")
    assert 'data-testid="boost-options"' not in sandbox_panel.text
    ask = {
        "csrf_token": csrf_of(signed.get(base).text),
        "ad_account_id": "act_77",
        "budget": "40",
        "currency": "EUR",
        "days": "5",
        "option_objective": "VIDEO_VIEWS",
    }
    refused = signed.post(f"{base}/boosts/{published.id}", data=ask)
    assert refused.status_code == 422
    assert "objective" in refused.text
    assert "Boost made" not in refused.text

    world.channel.network = "linkedin"
    db.flush()
    panel = signed.get(base + "/boosts")
    assert 'data-testid="boost-options"' in panel.text
    assert '<option value="ENGAGEMENT" selected>Engagement</option>' in panel.text
    assert 'name="option_campaign_group"' in panel.text
