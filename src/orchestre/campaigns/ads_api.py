"""Routes of the ad platforms: link a campaign to platform campaigns, sync now, boost a post."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from orchestre.apischema import problems
from orchestre.campaigns import ad_credentials, ad_sync, boosts
from orchestre.campaigns import ads_schemas as s
from orchestre.campaigns.ad_credentials import AdOpener
from orchestre.channels.apps import access_for
from orchestre.connectors.base import BudgetKind
from orchestre.deps import DB, AppSettings, CurrentActor
from orchestre.kit.keys import secret_box
from orchestre.models.campaigns_ads import CampaignAdLink

router = APIRouter(tags=["campaigns"])

CAMPAIGN = "/workspaces/{workspace_id}/campaigns/{campaign_id}"
LINKS = CAMPAIGN + "/ad-links"
BOOST = "/workspaces/{workspace_id}/publications/{publication_id}/boost"
SECRETS = "/workspaces/{workspace_id}/channels/{channel_id}/ad-secrets"


def _opener(request: Request, settings: AppSettings) -> AdOpener:
    return AdOpener(access_for(settings, request.app.state))


@router.get(LINKS, response_model=list[s.AdLink], responses=problems(404))
def list_ad_links(
    workspace_id: uuid.UUID, campaign_id: uuid.UUID, actor: CurrentActor, db: DB
) -> list[CampaignAdLink]:
    """The platform campaigns whose results count towards this campaign."""
    return ad_sync.list_links(db, actor, campaign_id)


@router.post(LINKS, status_code=201, response_model=s.AdLink, responses=problems(404, 422))
def create_ad_link(
    workspace_id: uuid.UUID,
    campaign_id: uuid.UUID,
    body: s.AdLinkIn,
    actor: CurrentActor,
    db: DB,
    request: Request,
    settings: AppSettings,
) -> CampaignAdLink:
    """Count a platform campaign towards this campaign; its results are read at the next
    round, then every 6 hours over the last 7 days (campaigns.manage)."""
    data = ad_sync.LinkInput(**body.model_dump())
    return ad_sync.link_campaign(db, actor, campaign_id, data, _opener(request, settings))


@router.delete(
    LINKS + "/{ad_link_id}", status_code=204, response_class=Response, responses=problems(404)
)
def delete_ad_link(
    workspace_id: uuid.UUID,
    campaign_id: uuid.UUID,
    ad_link_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
) -> Response:
    """Stop reading a platform campaign; the results already recorded stay."""
    ad_sync.unlink_campaign(db, actor, campaign_id, ad_link_id)
    return Response(status_code=204)


@router.post(CAMPAIGN + "/ad-sync", response_model=s.SyncOut, responses=problems(404))
def sync_ad_results(
    workspace_id: uuid.UUID,
    campaign_id: uuid.UUID,
    actor: CurrentActor,
    db: DB,
    request: Request,
    settings: AppSettings,
) -> s.SyncOut:
    """Read the linked platform campaigns now (campaigns.manage)."""
    report = ad_sync.sync_campaign_now(db, actor, campaign_id, _opener(request, settings))
    return s.SyncOut.model_validate(report)


@router.post(
    BOOST, status_code=201, response_model=s.BoostOut, responses=problems(404, 409, 422, 429)
)
def boost_publication(
    workspace_id: uuid.UUID,
    publication_id: uuid.UUID,
    body: s.BoostIn,
    actor: CurrentActor,
    db: DB,
    request: Request,
    settings: AppSettings,
) -> s.BoostOut | JSONResponse:
    """Promote a published post on its network with a budget, from now or `start`, for
    `days` or until `end`, where the network allows it; paused unless `activate`
    (campaigns.manage). 409 `boost_uncertain` when the platform may have made it without
    saying so: look in the ad account; a new boost then needs `after_uncertain`. 409
    `channel_needs_reconnection` when the platform refused the channel's access for good."""
    data = boosts.BoostInput(
        ad_account_id=body.ad_account_id,
        budget=body.budget,
        currency=body.currency,
        days=body.days,
        budget_kind=BudgetKind(body.budget_kind),
        countries=tuple(body.countries),
        activate=body.activate,
        campaign_id=body.campaign_id,
        start=body.start,
        end=body.end,
        authorization_code=body.authorization_code,
        after_uncertain=body.after_uncertain,
        options=body.options,
    )
    made = boosts.boost_publication(db, actor, publication_id, data, _opener(request, settings))
    if made.ref is None:
        # Answered, not raised: what was recorded (an uncertain boost, a channel to
        # reconnect) must be committed.
        unmade = made.unmade
        assert unmade is not None
        return JSONResponse(
            {
                "type": f"/api/problems/{unmade.code}",
                "title": "Conflict",
                "status": 409,
                "detail": unmade.detail,
                "instance": request.url.path,
                "code": unmade.code,
            },
            status_code=409,
            media_type="application/problem+json",
        )
    return s.BoostOut(
        network=made.network,
        ad_account_id=made.ref.ad_account_id,
        external_campaign_id=made.ref.external_campaign_id,
        active=made.ref.active,
        ends_at=made.ref.ends_at,
        link_id=made.link.id if made.link else None,
    )


@router.get(SECRETS, response_model=s.AdSecretsOut, responses=problems(404))
def get_ad_secrets(
    workspace_id: uuid.UUID, channel_id: uuid.UUID, actor: CurrentActor, db: DB
) -> s.AdSecretsOut:
    """The names of the ad platform secrets the channel holds, never their values."""
    return s.AdSecretsOut.model_validate(ad_credentials.secret_names(db, actor, channel_id))


@router.put(SECRETS, response_model=s.AdSecretsOut, responses=problems(404, 422))
def put_ad_secrets(
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    body: s.AdSecretsIn,
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
) -> s.AdSecretsOut:
    """Replace the channel's ad platform secrets (`ads_access_token`, X's OAuth 1.0a keys,
    Google Ads' developer token...); an empty object clears them (channels.manage)."""
    names = ad_credentials.set_secrets(db, actor, secret_box(settings), channel_id, body.values)
    return s.AdSecretsOut.model_validate(names)
