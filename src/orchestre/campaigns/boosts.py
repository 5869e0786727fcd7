"""Boosting a published post: promote it on its network with a budget and a duration.

Where the network's API allows it (the connector declares `Capability.BOOST_POST`: the
Facebook Page channel through Meta's Marketing API, X through its Ads API, and the
sandbox), the publication's
post is promoted from the ad account the person names, with a daily or lifetime budget
for a number of days from now, in the named countries. Nothing is spent unless the person
asks to start it at once (`activate`): otherwise the platform keeps it paused for a review
in its ads manager. Elsewhere the request is refused with the network named ("Boosting is
not available on Mastodon.").

A boost made is audited, and may be linked to an Orchestre campaign at once, so its
results are synced with the campaign's (see `ad_sync`).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.campaigns.ad_sync import LinkInput, capabilities_of, link_campaign
from orchestre.channels.credentials import ChannelUnavailable
from orchestre.channels.service import mark_needs_reconnection
from orchestre.connectors.base import (
    AmbiguousError,
    BoostRef,
    BoostRequest,
    BudgetKind,
    Capability,
    ConnectorError,
    CredentialError,
    PermanentError,
    RetryableError,
    boosting,
)
from orchestre.connectors.rules.media_limits import NAMES
from orchestre.errors import Conflict, FieldError, Invalid, NotFound, RateLimited
from orchestre.insights.collection import Opener
from orchestre.kit.clock import utcnow
from orchestre.models import Channel, Publication
from orchestre.models.campaigns_ads import CampaignAdLink
from orchestre.models.publication import PublicationState
from orchestre.posts import service as posts
from orchestre.workspaces.permissions import Actor, Permission

BUDGET_MAX = Decimal(1_000_000)
DAYS_MAX = 90
COUNTRIES_MAX = 25
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_AD_ACCOUNT = re.compile(r"^[A-Za-z0-9_:.-]{1,64}$")


@dataclass(frozen=True)
class BoostInput:
    ad_account_id: str
    budget: Decimal
    currency: str
    days: int
    budget_kind: BudgetKind = BudgetKind.LIFETIME
    countries: tuple[str, ...] = ()
    activate: bool = False
    campaign_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Boosted:
    ref: BoostRef
    network: str
    link: CampaignAdLink | None


def network_name(network: str) -> str:
    return NAMES.get(network, network)


def boost_publication(
    session: Session, actor: Actor, publication_id: uuid.UUID, data: BoostInput, opener: Opener
) -> Boosted:
    """Promote a published post (campaigns.manage: it spends money)."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    publication = session.get(Publication, publication_id)
    if publication is None or publication.workspace_id != actor.workspace_id:
        raise NotFound("No such publication.")
    channel = session.get(Channel, publication.channel_id)
    assert channel is not None
    if Capability.BOOST_POST not in capabilities_of(opener, channel.network):
        name = network_name(channel.network)
        raise Invalid(
            f"Boosting is not available on {name}.",
            errors=[
                FieldError(
                    "publication",
                    "boost_supported",
                    f"Boosting is not available on {name}.",
                    actual=channel.network,
                )
            ],
        )
    errors = _input_errors(data)
    if publication.state != PublicationState.PUBLISHED.value or not publication.external_id:
        errors.append(
            FieldError("publication", "published", "Only a published post can be boosted.")
        )
    if errors:
        raise Invalid("This boost cannot be made.", errors=errors)
    assert publication.external_id is not None
    request = BoostRequest(
        post_external_id=publication.external_id,
        ad_account_id=data.ad_account_id.strip(),
        budget=data.budget,
        currency=data.currency,
        days=data.days,
        start=utcnow(),
        budget_kind=data.budget_kind,
        activate=data.activate,
        name=f"Orchestre boost {publication.id}",
        countries=data.countries,
    )
    ref = _boost(session, opener, channel, request)
    record(
        session,
        actor,
        "publication.boost",
        "publication",
        publication.id,
        after={
            "network": channel.network,
            "ad_account_id": ref.ad_account_id,
            "external_campaign_id": ref.external_campaign_id,
            "budget": str(data.budget),
            "currency": data.currency,
            "budget_kind": data.budget_kind.value,
            "days": data.days,
            "countries": list(data.countries),
            "active": ref.active,
        },
    )
    link = None
    if data.campaign_id is not None:
        link = link_campaign(
            session,
            actor,
            data.campaign_id,
            LinkInput(channel.id, ref.ad_account_id, ref.external_campaign_id),
            opener,
        )
    session.flush()
    return Boosted(ref, channel.network, link)


def _input_errors(data: BoostInput) -> list[FieldError]:
    errors = []
    if not _AD_ACCOUNT.match(data.ad_account_id.strip()):
        errors.append(
            FieldError(
                "ad_account_id",
                "pattern",
                "An ad account id is 1 to 64 letters, digits, '_', ':', '.' or '-'.",
            )
        )
    if not (data.budget.is_finite() and 0 < data.budget <= BUDGET_MAX):
        errors.append(
            FieldError(
                "budget",
                "range",
                "A budget is more than 0 and at most 1,000,000.",
                limit=float(BUDGET_MAX),
                actual=float(data.budget) if data.budget.is_finite() else math.nan,
            )
        )
    if not _CURRENCY.match(data.currency):
        errors.append(
            FieldError(
                "currency",
                "iso4217",
                "A currency is three capital letters (ISO 4217), e.g. EUR.",
                actual=data.currency,
            )
        )
    if not 1 <= data.days <= DAYS_MAX:
        errors.append(
            FieldError(
                "days",
                "range",
                "A boost lasts from 1 to 90 days.",
                limit=DAYS_MAX,
                actual=data.days,
            )
        )
    if len(data.countries) > COUNTRIES_MAX or not all(_COUNTRY.match(c) for c in data.countries):
        errors.append(
            FieldError(
                "countries",
                "iso3166",
                "Countries are up to 25 two-letter codes (ISO 3166), e.g. FR.",
            )
        )
    return errors


def _boost(session: Session, opener: Opener, channel: Channel, request: BoostRequest) -> BoostRef:
    """The network's boost, its failures said in the domain's words."""
    name = network_name(channel.network)
    try:
        return boosting(opener.open(session, channel), network=channel.network).boost_post(request)
    except ChannelUnavailable as exc:
        raise Conflict(f"The {name} channel is not connected: {exc}") from exc
    except RetryableError as exc:
        raise RateLimited(
            f"{name} asks to try again later: {exc.message}",
            retry_after=math.ceil(exc.retry_after or 60),
        ) from exc
    except AmbiguousError as exc:
        raise Conflict(
            f"{name} did not answer in time: the boost may have been made. Look in the ad "
            "account before trying again."
        ) from exc
    except CredentialError as exc:
        if exc.definitive:
            mark_needs_reconnection(session, channel.id, exc.message)
        raise Conflict(f"{name} refused the channel's access: {exc.message}") from exc
    except PermanentError as exc:
        raise Invalid(
            f"{name} refused the boost.",
            errors=[FieldError("publication", "network_refused", exc.reason)],
        ) from exc
    except ConnectorError as exc:
        raise Conflict(f"{name} could not boost the post: {exc.message}") from exc


def boostable_of(
    session: Session, actor: Actor, post_id: uuid.UUID
) -> list[tuple[Publication, Channel]]:
    """A post's published publications with their channels, first published first: what a
    boost can start from. Reading the post checks `posts.view` and the workspace."""
    current = posts.get_post(session, actor, post_id)
    channels = {item.variant.id: item.channel for item in current.variants}
    if not channels:
        return []
    query = (
        select(Publication)
        .where(
            Publication.workspace_id == actor.workspace_id,
            Publication.variant_id.in_(list(channels)),
            Publication.state == PublicationState.PUBLISHED.value,
        )
        .order_by(Publication.published_at, Publication.id)
    )
    return [(p, channels[p.variant_id]) for p in session.scalars(query)]
