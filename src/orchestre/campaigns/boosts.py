"""Boosting a published post: promote it on its network with a budget and a duration.

Where the network's API allows it (the connector declares `Capability.BOOST_POST`: the
Facebook Page channel through Meta's Marketing API, X through its Ads API, and the
sandbox), the publication's
post is promoted from the ad account the person names, with a daily or lifetime budget
for a number of days from now, in the named countries. Nothing is spent unless the person
asks to start it at once (`activate`): otherwise the platform keeps it paused for a review
in its ads manager. Elsewhere the request is refused with the network named ("Boosting is
not available on Mastodon.").

A boost starts now or at a date-time in the workspace's time zone, and lasts a number
of days (counted on the wall clock, so a boost over a change of summer time still ends at
the hour it started) or until a date-time; instants are kept in UTC.

A boost made is audited, and may be linked to an Orchestre campaign at once, so its
results are synced with the campaign's (see `ad_sync`). A platform that did not answer
after the boost was sent may have made it: that is recorded as an uncertain boost of the
publication (`publication.boost_uncertain`), and the next boost of it is refused until the
person says they looked in the ad account (`after_uncertain`), so nothing is paid twice
without someone deciding it. A token refused for good marks the channel as needing
reconnection; both are answered (`Boosted.unmade`), not raised, so what was learnt is kept.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.campaigns.ad_sync import LinkInput, capabilities_of, link_campaign
from orchestre.channels.credentials import ChannelNeedsReconnection, ChannelUnavailable
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
from orchestre.kit.timezones import local_to_utc, utc_to_local
from orchestre.models import AuditEntry, Channel, Publication, Workspace
from orchestre.models.campaigns_ads import CampaignAdLink
from orchestre.models.publication import PublicationState
from orchestre.posts import service as posts
from orchestre.workspaces.permissions import Actor, Permission

BUDGET_MAX = Decimal(1_000_000)
DAYS_MAX = 90
START_AHEAD_MAX = timedelta(days=365)
# A start a little in the past is "now" (the form was filled in a minute ago).
START_GRACE = timedelta(minutes=5)
CODE_MAX = 512
UNCERTAIN = "publication.boost_uncertain"
COUNTRIES_MAX = 25
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_AD_ACCOUNT = re.compile(r"^[A-Za-z0-9_:.-]{1,64}$")
_OPTION = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
OPTIONS_MAX = 10
OPTION_VALUE_MAX = 200


@dataclass(frozen=True)
class BoostInput:
    """`start` and `end` are wall times in the workspace's zone (naive) or instants
    (aware); no `start` is now. Give `days` or `end`."""

    ad_account_id: str
    budget: Decimal
    currency: str
    days: int | None
    budget_kind: BudgetKind = BudgetKind.LIFETIME
    countries: tuple[str, ...] = ()
    activate: bool = False
    campaign_id: uuid.UUID | None = None
    start: datetime | None = None
    end: datetime | None = None
    # A TikTok Spark Ads code: a secret, never audited nor shown again.
    authorization_code: str = ""
    # The person looked in the ad account after an uncertain boost: make another.
    after_uncertain: bool = False
    # Choices one platform offers (LinkedIn: `campaign_group`, `objective`).
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Unmade:
    """Why a boost was not made, where what was learnt must be kept (so it is answered,
    not raised: a raised error would roll the record back): `boost_uncertain` (the
    platform may have made it; recorded) or `channel_needs_reconnection` (the platform
    refused the channel's access for good; the channel is marked)."""

    code: str
    detail: str


@dataclass(frozen=True)
class Boosted:
    """The boost made (`ref`), or why not (`unmade`, `ref` None)."""

    ref: BoostRef | None
    network: str
    link: CampaignAdLink | None
    unmade: Unmade | None = None


class _Reconnect(Exception):
    """The channel's access was refused for good; the channel is marked."""


@dataclass(frozen=True)
class Schedule:
    start: datetime
    end: datetime
    days: int


def network_name(network: str) -> str:
    return NAMES.get(network, network)


def boost_publication(
    session: Session, actor: Actor, publication_id: uuid.UUID, data: BoostInput, opener: Opener
) -> Boosted:
    """Promote a published post (campaigns.manage: it spends money)."""
    actor.require(Permission.CAMPAIGNS_MANAGE)
    publication, channel = _boostable(session, actor, publication_id, opener)
    request = _request(session, actor, publication, data)
    facts = _facts(channel, request, data)
    name = network_name(channel.network)
    try:
        ref = _boost(session, opener, channel, request)
    except AmbiguousError:
        record(session, actor, UNCERTAIN, "publication", publication.id, after=facts)
        session.flush()
        why = (
            f"{name} did not answer in time: the boost may have been made. Look in the ad "
            "account before trying again."
        )
        return Boosted(None, channel.network, None, Unmade("boost_uncertain", why))
    except _Reconnect as exc:
        why = f"{name} refused the channel's access: {exc}. Reconnect the channel, then boost."
        return Boosted(None, channel.network, None, Unmade("channel_needs_reconnection", why))
    made = {
        "ad_account_id": ref.ad_account_id,
        "external_campaign_id": ref.external_campaign_id,
        "active": ref.active,
    }
    record(session, actor, "publication.boost", "publication", publication.id, after=facts | made)
    link = None
    if data.campaign_id is not None:
        found = LinkInput(channel.id, ref.ad_account_id, ref.external_campaign_id)
        link = link_campaign(session, actor, data.campaign_id, found, opener)
    session.flush()
    return Boosted(ref, channel.network, link)


def _boostable(
    session: Session, actor: Actor, publication_id: uuid.UUID, opener: Opener
) -> tuple[Publication, Channel]:
    """The workspace's publication and its channel, whose network boosts; else refused."""
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
    return publication, channel


def _request(
    session: Session, actor: Actor, publication: Publication, data: BoostInput
) -> BoostRequest:
    """What the platform is asked, once every rule holds (else `Invalid` / `Conflict`)."""
    errors = _input_errors(data)
    workspace = session.get(Workspace, actor.workspace_id)
    schedule = _schedule(data, workspace.timezone if workspace else "UTC", errors)
    if publication.state != PublicationState.PUBLISHED.value or not publication.external_id:
        errors.append(
            FieldError("publication", "published", "Only a published post can be boosted.")
        )
    if errors or schedule is None:
        raise Invalid("This boost cannot be made.", errors=errors)
    assert publication.external_id is not None
    if not data.after_uncertain:
        _refuse_after_uncertain(session, publication)
    return BoostRequest(
        post_external_id=publication.external_id,
        ad_account_id=data.ad_account_id.strip(),
        budget=data.budget,
        currency=data.currency,
        days=schedule.days,
        start=schedule.start,
        ends_at=schedule.end,
        budget_kind=data.budget_kind,
        activate=data.activate,
        name=f"Orchestre boost {publication.id}",
        countries=data.countries,
        authorization_code=data.authorization_code.strip(),
        options=dict(data.options),
    )


def _facts(channel: Channel, request: BoostRequest, data: BoostInput) -> dict[str, Any]:
    """What the audit keeps of a boost asked: never the authorization code."""
    return {
        "network": channel.network,
        "ad_account_id": request.ad_account_id,
        "budget": str(data.budget),
        "currency": data.currency,
        "budget_kind": data.budget_kind.value,
        "days": request.days,
        "starts_at": request.start.isoformat(),
        "ends_at": request.end.isoformat(),
        "countries": list(data.countries),
        "options": dict(data.options),
    }


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
    if len(data.options) > OPTIONS_MAX or not all(
        _OPTION.match(k) and 0 < len(v) <= OPTION_VALUE_MAX and v.isprintable()
        for k, v in data.options.items()
    ):
        errors.append(
            FieldError(
                "options",
                "shape",
                "Options are up to 10 names of a-z, 0-9 and '_', each with a value of 1 to "
                "200 characters.",
            )
        )
    if len(data.authorization_code) > CODE_MAX:
        errors.append(
            FieldError(
                "authorization_code",
                "length",
                "An authorization code is at most 512 characters.",
                limit=CODE_MAX,
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


def _instant(value: datetime, zone_name: str, name: str) -> datetime:
    """A naive wall time in the workspace's zone, or an aware instant, as UTC; `name` is
    the field that carried it."""
    if value.tzinfo is None:
        return local_to_utc(value, zone_name, name)
    return utc_to_local(value, "UTC")


def _schedule(data: BoostInput, zone_name: str, errors: list[FieldError]) -> Schedule | None:
    """When the boost starts and ends, in UTC, and its days begun; None with `errors`."""
    now = utcnow()
    # Far dates are refused before any arithmetic on them (year 1 or 9999 would overflow).
    if data.start is not None and not _near(data.start, now):
        errors.append(FieldError("start", "range", "A boost starts within a year.", limit=365))
        return None
    if data.end is not None and not _near(data.end, now):
        errors.append(
            FieldError("end", "range", "A boost lasts from 1 to 90 days.", limit=DAYS_MAX)
        )
        return None
    try:
        start = now if data.start is None else _instant(data.start, zone_name, "start")
        end = None if data.end is None else _instant(data.end, zone_name, "end")
    except Invalid as exc:
        errors.extend(exc.errors)
        return None
    if data.start is not None and start < now - START_GRACE:
        errors.append(FieldError("start", "future", "A boost starts now or later."))
    elif start > now + START_AHEAD_MAX:
        errors.append(FieldError("start", "range", "A boost starts within a year.", limit=365))
        return None
    start = max(start, now)
    local = utc_to_local(start, zone_name)
    if (data.days is None) == (end is None):
        errors.append(
            FieldError("days", "one_of", "Give the number of days or the end, one of the two.")
        )
        return None
    if end is None:
        assert data.days is not None
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
            return None
        # Wall-clock days: aware arithmetic keeps the local hour across a change of time.
        end = (local + timedelta(days=data.days)).astimezone(start.tzinfo)
    wall = utc_to_local(end, zone_name).replace(tzinfo=None) - local.replace(tzinfo=None)
    if not timedelta(days=1) <= wall <= timedelta(days=DAYS_MAX):
        errors.append(
            FieldError("end", "range", "A boost lasts from 1 to 90 days.", limit=DAYS_MAX)
        )
        return None
    return Schedule(start, end, math.ceil(wall / timedelta(days=1)))


def _near(value: datetime, now: datetime) -> bool:
    """Within two years of now, read as UTC whatever its zone (a day either way at most)."""
    return abs(value.replace(tzinfo=None) - now.replace(tzinfo=None)) <= timedelta(days=730)


def _refuse_after_uncertain(session: Session, publication: Publication) -> None:
    """A publication with an uncertain boost and no sure boost after it is not boosted
    again without a word (a boost at the same instant does not count as after)."""
    mine = (
        AuditEntry.workspace_id == publication.workspace_id,
        AuditEntry.entity_type == "publication",
        AuditEntry.entity_id == str(publication.id),
    )
    unsure = session.scalar(
        select(func.max(AuditEntry.created_at)).where(*mine, AuditEntry.action == UNCERTAIN)
    )
    if unsure is None:
        return
    sure = select(AuditEntry.id).where(
        *mine, AuditEntry.action == "publication.boost", AuditEntry.created_at > unsure
    )
    if session.scalar(sure.limit(1)) is None:
        raise Conflict(
            "A boost of this post may already have been made (the platform did not answer). "
            "Look in the ad account; to make another, confirm that you looked.",
            errors=[
                FieldError(
                    "after_uncertain",
                    "confirm",
                    "Look in the ad account first, then confirm that you looked.",
                )
            ],
        )


def _boost(session: Session, opener: Opener, channel: Channel, request: BoostRequest) -> BoostRef:
    """The network's boost, its failures said in the domain's words."""
    name = network_name(channel.network)
    try:
        return boosting(opener.open(session, channel), network=channel.network).boost_post(request)
    except ChannelNeedsReconnection as exc:  # its refresh was refused: marked already
        raise _Reconnect(exc.reason) from exc
    except ChannelUnavailable as exc:
        raise Conflict(f"The {name} channel is not connected: {exc}") from exc
    except RetryableError as exc:
        raise RateLimited(
            f"{name} asks to try again later: {exc.message}",
            retry_after=math.ceil(exc.retry_after or 60),
        ) from exc
    except AmbiguousError:
        raise  # recorded as uncertain by the caller
    except CredentialError as exc:
        if exc.definitive:
            mark_needs_reconnection(session, channel.id, exc.message)
            raise _Reconnect(exc.message) from exc
        raise Conflict(f"{name} refused the channel's access: {exc.message}") from exc
    except PermanentError as exc:
        where = exc.code if exc.code in {"authorization_code", "options"} else "publication"
        raise Invalid(
            f"{name} refused the boost.",
            errors=[FieldError(where, "network_refused", exc.reason)],
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
