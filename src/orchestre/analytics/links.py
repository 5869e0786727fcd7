"""Tracked links: our redirector's short links, made by hand or when a post is sent, and clicks.

A tracked link is `{base_url}/l/{code}`: the code is random (see `links_urls`), the target is
the destination with its UTM tags. When a workspace tracks links, publishing calls
`track_variant_links` at send time: each http(s) address of the variant's text and its link
is replaced by a short link, the same one on every attempt of the same publication (looked
up by variant, publication and address as written), so a retried send carries the same
text and the look-up of an earlier attempt by content still finds it. Following a short
link records one click; only people's clicks are counted (`links_bots`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from orchestre.analytics import links_repository as repository
from orchestre.analytics import periods
from orchestre.analytics.links_bots import Robot
from orchestre.analytics.links_repository import LinkFilters, Resolved
from orchestre.analytics.links_schemas import LinkCreate
from orchestre.analytics.links_urls import (
    MAX_TARGET,
    UTM_MEDIUM,
    destination,
    is_code,
    new_code,
    utm_of,
    with_utm,
)
from orchestre.analytics.periods import Period, midnight
from orchestre.audit.service import record, snapshot
from orchestre.connectors.rules import NETWORKS, check_text
from orchestre.connectors.rules.twitter_text import extract_urls
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models import Campaign, Channel, Post, PostVariant, TrackedLink, Workspace
from orchestre.posts.campaigns import slugify
from orchestre.workspaces.permissions import Actor, Permission

log = logging.getLogger(__name__)
P = Permission
T = TypeVar("T")
CODE_ATTEMPTS = 5
PATH = "/l/"
# The rules of connectors.rules.check_text that measure a text's length.
LENGTH_RULES = frozenset({"text.length", "text.bytes"})


def _(message: str) -> str:
    """Marks a message for the catalog (scripts/i18n.sh extracts `_`); pages translate it."""
    return message


def short_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}{code}"


def _free_code(session: Session) -> str:
    """A code no link has yet; a collision (one chance in 10^14) draws again."""
    for _attempt in range(CODE_ATTEMPTS):
        code = new_code()
        if not repository.code_taken(session, code):
            return code
    raise Conflict("No free short code was found; try again.", code="link_code_exhausted")


def _campaign_tag(session: Session, campaign_id: uuid.UUID | None) -> str:
    """The campaign's utm_campaign, else its name as a slug; "" without a campaign."""
    campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
    if campaign is None:
        return ""
    return campaign.utm_campaign or slugify(campaign.name)


def _new_link(
    session: Session,
    workspace_id: uuid.UUID,
    source: str,
    utm: dict[str, str],
    field: str = "url",
    **owners: uuid.UUID | None,
) -> TrackedLink:
    target = with_utm(source, utm)
    if len(target) > MAX_TARGET:
        message = _(
            "With its UTM tags this address is too long to track (4,096 characters at most)."
        )
        raise Invalid(
            message,
            code="link_refused",
            errors=[FieldError(field, "max_length", message, limit=MAX_TARGET, actual=len(target))],
        )
    link = TrackedLink(
        workspace_id=workspace_id,
        code=_free_code(session),
        source_url=source,
        target_url=target,
        utm=utm_of(target),
        clicks=0,
        **owners,
    )
    repository.add(session, link)
    return link


# --- by hand -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owners:
    post_id: uuid.UUID | None
    variant_id: uuid.UUID | None
    channel: Channel | None
    campaign_id: uuid.UUID | None


_MISSING = {
    "variant": _("This post variant does not exist in this workspace."),
    "channel": _("This channel does not exist in this workspace."),
    "campaign": _("This campaign does not exist in this workspace."),
}


def _in_workspace(
    session: Session, actor: Actor, model: type[T], row_id: uuid.UUID | None, what: str
) -> T | None:
    if row_id is None:
        return None
    row = session.get(model, row_id)
    if row is None or getattr(row, "workspace_id", None) != actor.workspace_id:
        raise NotFound(_MISSING[what], code=f"{what}_not_found")
    return row


def _owners(session: Session, actor: Actor, data: LinkCreate) -> _Owners:
    variant = _in_workspace(session, actor, PostVariant, data.variant_id, "variant")
    channel_id = variant.channel_id if variant is not None else data.channel_id
    if variant is not None and data.channel_id not in (None, variant.channel_id):
        message = _("The channel is not the variant's own; leave it out or give the variant's.")
        raise Invalid(
            message,
            code="link_refused",
            errors=[FieldError("channel_id", "variant_channel", message)],
        )
    channel = _in_workspace(session, actor, Channel, channel_id, "channel")
    campaign_id = data.campaign_id
    if campaign_id is None and variant is not None:
        post = session.get(Post, variant.post_id)
        campaign_id = post.campaign_id if post is not None else None
    _in_workspace(session, actor, Campaign, campaign_id, "campaign")
    return _Owners(
        variant.post_id if variant else None,
        variant.id if variant else None,
        channel,
        campaign_id,
    )


def create_link(session: Session, actor: Actor, data: LinkCreate) -> TrackedLink:
    """A short link made by hand (for a bio, a story sticker, a newsletter...)."""
    actor.require(P.ANALYTICS_MANAGE)
    source = destination(data.url)
    owners = _owners(session, actor, data)
    tag = _campaign_tag(session, owners.campaign_id)
    utm = {
        "utm_source": data.utm_source or (owners.channel.network if owners.channel else ""),
        "utm_medium": data.utm_medium or UTM_MEDIUM,
        "utm_campaign": data.utm_campaign or tag,
        "utm_term": data.utm_term or "",
        "utm_content": data.utm_content or (str(owners.variant_id) if owners.variant_id else ""),
    }
    link = _new_link(
        session,
        actor.workspace_id,
        source,
        utm,
        post_id=owners.post_id,
        variant_id=owners.variant_id,
        channel_id=owners.channel.id if owners.channel else None,
        campaign_id=owners.campaign_id,
    )
    record(session, actor, "tracked_link.create", "tracked_link", link.id, after=snapshot(link))
    return link


# --- at send time --------------------------------------------------------------------------


@dataclass
class _Rewriter:
    """Short links of one variant for one publication, made once and found again."""

    session: Session
    variant: PostVariant
    channel: Channel
    publication_id: uuid.UUID | None
    base_url: str
    utm: dict[str, str]
    campaign_id: uuid.UUID | None
    made: dict[str, str]

    def ours(self, url: str) -> bool:
        return url.lower().startswith(self.base_url.lower() + PATH.lower())

    def short(self, url: str) -> str:
        """The short link standing for `url`, or `url` itself when it cannot be tracked."""
        if not url.lower().startswith(("http://", "https://")) or self.ours(url):
            return url
        if url in self.made:
            return self.made[url]
        try:
            source = destination(url)
            link = repository.for_rewrite(
                self.session,
                self.variant.workspace_id,
                self.variant.id,
                self.publication_id,
                source,
            ) or _new_link(
                self.session,
                self.variant.workspace_id,
                source,
                self.utm,
                post_id=self.variant.post_id,
                variant_id=self.variant.id,
                channel_id=self.channel.id,
                campaign_id=self.campaign_id,
                publication_id=self.publication_id,
            )
        except Invalid as exc:
            # The post goes out with the address as written: a link we cannot track is no
            # reason to hold a publication back.
            log.info("variant %s: %s left untracked: %s", self.variant.id, url[:200], exc)
            self.made[url] = url
            return url
        self.made[url] = short_url(self.base_url, link.code)
        return self.made[url]

    def text(self, text: str) -> str:
        out = text
        for found in sorted(extract_urls(text), key=lambda e: e.start, reverse=True):
            out = out[: found.start] + self.short(found.text) + out[found.end :]
        return out


def _rewriter(
    session: Session,
    variant: PostVariant,
    channel: Channel,
    publication_id: uuid.UUID | None,
    base_url: str,
) -> _Rewriter:
    post = session.get(Post, variant.post_id)
    campaign_id = post.campaign_id if post is not None else None
    utm = {
        "utm_source": channel.network,
        "utm_medium": UTM_MEDIUM,
        "utm_campaign": _campaign_tag(session, campaign_id),
        "utm_content": str(variant.id),
    }
    return _Rewriter(
        session, variant, channel, publication_id, base_url.rstrip("/"), utm, campaign_id, {}
    )


def _fitting(rewriter: _Rewriter, text: str) -> str:
    """`text` with its addresses tracked, unless that breaks the network's length limit."""
    network, options = rewriter.channel.network, rewriter.variant.options
    tracked = rewriter.text(text)
    too_long = tracked != text and _too_long(network, tracked, options)
    if too_long and not _too_long(network, text, options):
        # A short link can be longer than the address it stands for (Bluesky counts every
        # character): the text goes out as written rather than over the network's limit.
        log.info("variant %s: tracked links would make a text too long", rewriter.variant.id)
        return text
    return tracked


def track_variant_links(
    session: Session,
    *,
    variant: PostVariant,
    channel: Channel,
    publication_id: uuid.UUID | None,
    base_url: str,
    enabled: bool = True,
) -> tuple[str, str | None]:
    """The variant's text and link with each http(s) address replaced by a tracked short
    link (the variant itself is not changed). The same variant, publication and address
    give the same short link on every call; our own short links and addresses without
    http(s):// are left as written. `enabled` is the workspace's choice to track links."""
    if not enabled:
        return variant.text, variant.link_url
    rewriter = _rewriter(session, variant, channel, publication_id, base_url)
    link_url = rewriter.short(variant.link_url) if variant.link_url else variant.link_url
    return _fitting(rewriter, variant.text), link_url


def track_text(
    session: Session,
    *,
    variant: PostVariant,
    channel: Channel,
    publication_id: uuid.UUID | None,
    base_url: str,
    text: str,
) -> str:
    """Another text sent with the variant (its first comment, the next parts of a thread)
    with its addresses tracked the same way: an address already in the variant's text
    gets the same short link."""
    return _fitting(_rewriter(session, variant, channel, publication_id, base_url), text)


def _too_long(network: str, text: str, options: Mapping[str, object]) -> bool:
    if network not in NETWORKS:
        return False
    report = check_text(network, text, options=options)
    return any(violation.rule in LENGTH_RULES for violation in report.violations)


# --- following a link ----------------------------------------------------------------------


def resolve(session: Session, code: str) -> Resolved:
    found = repository.by_code(session, code) if is_code(code) else None
    if found is None:
        raise NotFound(
            "This short link does not exist. Check that it was copied whole.",
            code="link_not_found",
        )
    return found


def record_click(
    session: Session,
    link: Resolved,
    *,
    robot: Robot | None,
    referrer_host: str | None,
    at: datetime,
) -> None:
    """One click on `link`; a person's (robot None) counts for the link and its publication."""
    repository.add_click(session, link, bot=robot is not None, referrer_host=referrer_host, at=at)


def link_clicks_of(session: Session, publication_id: uuid.UUID) -> int:
    """People's clicks on a publication's links so far: what a new PublicationStats row of
    that publication starts its `link_clicks` from."""
    return repository.human_clicks_of_publication(session, publication_id)


# --- reading -------------------------------------------------------------------------------


def get_link(session: Session, actor: Actor, link_id: uuid.UUID) -> TrackedLink:
    actor.require(P.ANALYTICS_VIEW)
    link = repository.get(session, actor.workspace_id, link_id)
    if link is None:
        raise NotFound("This tracked link does not exist in this workspace.", code="link_not_found")
    return link


def list_links(
    session: Session,
    actor: Actor,
    filters: LinkFilters,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[TrackedLink]:
    """Newest first, each with its people's clicks so far."""
    actor.require(P.ANALYTICS_VIEW)
    limit = clamp_limit(limit)
    rows = repository.list_links(
        session, actor.workspace_id, filters, decode_cursor_or_invalid(cursor), limit
    )
    return Page.from_rows(rows, limit, key=lambda link: (link.created_at, link.id))


@dataclass(frozen=True)
class ClickRow:
    key: str | None
    clicks: int
    bot_clicks: int


@dataclass(frozen=True)
class ClickReport:
    period: Period
    rows: list[ClickRow]


def click_report(
    session: Session,
    actor: Actor,
    *,
    period: str,
    start: date | None,
    end: date | None,
    group_by: str,
    filters: LinkFilters,
) -> ClickReport:
    """Clicks in the period (whole days in the workspace's time zone) per link, post,
    variant, channel, campaign or local day (every day listed, with zeros); the largest
    first, except days, in order."""
    actor.require(P.ANALYTICS_VIEW)
    workspace = session.get(Workspace, actor.workspace_id)
    timezone = workspace.timezone if workspace is not None else "UTC"
    chosen = periods.resolve(period, timezone, utcnow(), start, end)
    days = [chosen.first + timedelta(days=i) for i in range(chosen.days)]
    boundaries = [midnight(day, timezone) for day in days] + [chosen.end]
    rows: dict[str | None, list[int]] = {}
    if group_by == "day":
        rows = {day.isoformat(): [0, 0] for day in days}
    for key, bot, count in repository.click_counts(
        session, actor.workspace_id, group_by, boundaries, filters
    ):
        name = days[int(str(key))].isoformat() if group_by == "day" else _text(key)
        rows.setdefault(name, [0, 0])[1 if bot else 0] += count
    found = [ClickRow(key, human, bots) for key, (human, bots) in rows.items()]
    if group_by != "day":
        found.sort(key=lambda row: (-row.clicks, -row.bot_clicks, row.key or ""))
    return ClickReport(chosen, found)


def _text(key: object) -> str | None:
    return None if key is None else str(key)
