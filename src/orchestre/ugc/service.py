"""Use cases of the UGC board: collect a creator's post from the inbox or from listening,
the board and an item's detail, tags and media, proposals of brand mentions with media,
and a post made from a granted item, credited to its creator.

Rights requests and the watch for their answers are in `rights.py`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.inbox.service import clean_tags
from orchestre.kit.clock import utcnow
from orchestre.models import Direction, MediaAsset
from orchestre.models.listening import Mention
from orchestre.models.ugc import RightsRequest, UgcItem, UgcPostLink, UgcStatus
from orchestre.posts import service as posts
from orchestre.posts.schemas import PostCreate, VariantCreate
from orchestre.ugc import repository as repo
from orchestre.ugc import rights
from orchestre.ugc.credits import credit_for
from orchestre.ugc.repository import ItemFilters
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
STATUSES = tuple(s.value for s in UgcStatus)
BOARD_LIMIT = 200
PROPOSAL_DAYS = 30
PROPOSAL_SCAN = 500
MAX_MEDIA_URLS = 10
URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
MEDIA_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".mp4", ".mov", ".webm")
# Hosts that serve the networks' photos and videos (a link there is a media file).
MEDIA_HOSTS = (
    "pbs.twimg.com",
    "video.twimg.com",
    "pic.x.com",
    "pic.twitter.com",
    "cdn.bsky.app",
    "video.bsky.app",
    "scontent.cdninstagram.com",
    "i.imgur.com",
)


@dataclass(frozen=True)
class Board:
    """The board's items (newest collected first), each with its latest rights request."""

    items: list[UgcItem]
    requests: dict[uuid.UUID, RightsRequest]
    counts: dict[str, int]


@dataclass(frozen=True)
class ItemDetail:
    item: UgcItem
    requests: list[RightsRequest]  # newest first
    post_ids: list[uuid.UUID]
    media: list[MediaAsset] = field(default_factory=list)


@dataclass(frozen=True)
class Proposal:
    """A brand mention with media, not on the board yet."""

    mention: Mention
    media_urls: list[str]


def media_urls_in(text: str) -> list[str]:
    """The links in a post's text that point at a photo or a video."""
    found = []
    for raw in URL.findall(text):
        url = raw.rstrip(".,;:!?")
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.path.lower().endswith(MEDIA_EXTENSIONS) or host in MEDIA_HOSTS:
            found.append(url)
    return list(dict.fromkeys(found))[:MAX_MEDIA_URLS]


# --- collecting ----------------------------------------------------------------------------------


def collect(
    session: Session,
    actor: Actor,
    message_id: uuid.UUID | None = None,
    mention_id: uuid.UUID | None = None,
) -> UgcItem:
    """Collect exactly one source: an inbox message or a listening mention."""
    actor.require(P.UGC_MANAGE)
    if message_id is not None and mention_id is None:
        return collect_message(session, actor, message_id)
    if mention_id is not None and message_id is None:
        return collect_mention(session, actor, mention_id)
    message = "Give either message_id or mention_id."
    raise Invalid(message, errors=[FieldError("message_id", "one_of", message)])


def collect_message(session: Session, actor: Actor, message_id: uuid.UUID) -> UgcItem:
    """Put an inbox message on the board (the same message twice is the same item)."""
    actor.require(P.UGC_MANAGE)
    actor.require(P.INBOX_VIEW)
    message = repo.message(session, actor.workspace_id, message_id)
    if message is None:
        raise NotFound("Message not found.", code="message_not_found")
    if message.direction != Direction.INBOUND.value:
        raise Conflict("Only posts by other people go on the UGC board.", code="not_inbound")
    existing = repo.item_of_source(session, actor.workspace_id, "inbox_message", message.id)
    if existing is not None:
        return existing
    channel = repo.channel(session, actor.workspace_id, message.channel_id)
    author = (
        repo.author(session, actor.workspace_id, message.author_id) if message.author_id else None
    )
    item = UgcItem(
        workspace_id=actor.workspace_id,
        source_kind="inbox_message",
        source_id=message.id,
        network=channel.network if channel is not None else "",
        channel_id=message.channel_id,
        external_id=message.external_id,
        author_external_id=author.external_id if author is not None else None,
        author_handle=author.handle if author is not None else "",
        author_name=author.name if author is not None else "",
        text=message.text,
        permalink=message.url,
        media_urls=media_urls_in(message.text),
        media_ids=[],
        tags=[],
        status=UgcStatus.COLLECTED.value,
        collected_by=actor.user_id,
        collected_at=utcnow(),
        published_at=message.created_at,
    )
    return _added(session, actor, item)


def collect_mention(session: Session, actor: Actor, mention_id: uuid.UUID) -> UgcItem:
    """Put a listening mention on the board (the same mention twice is the same item)."""
    actor.require(P.UGC_MANAGE)
    actor.require(P.LISTENING_VIEW)
    mention = repo.mention(session, actor.workspace_id, mention_id)
    if mention is None:
        raise NotFound("No such mention in this workspace.", code="mention_not_found")
    existing = repo.item_of_source(session, actor.workspace_id, "mention", mention.id)
    if existing is not None:
        return existing
    connected = repo.connected_channels(session, actor.workspace_id, mention.network)
    item = UgcItem(
        workspace_id=actor.workspace_id,
        source_kind="mention",
        source_id=mention.id,
        network=mention.network,
        channel_id=connected[0].id if connected else None,
        external_id=mention.external_id,
        author_external_id=None,
        author_handle=mention.author_handle,
        author_name=mention.author_name,
        # The post's address names the creator's server on federated networks.
        author_url=mention.url,
        text=mention.text,
        permalink=mention.url,
        media_urls=media_urls_in(mention.text),
        media_ids=[],
        tags=[],
        status=UgcStatus.COLLECTED.value,
        collected_by=actor.user_id,
        collected_at=utcnow(),
        published_at=mention.published_at,
    )
    return _added(session, actor, item)


def _added(session: Session, actor: Actor, item: UgcItem) -> UgcItem:
    repo.add(session, item)
    record(session, actor, "ugc.item.collected", "ugc_item", item.id, after=snapshot(item))
    return item


def proposals(session: Session, actor: Actor, limit: int = 20) -> list[Proposal]:
    """Recent mentions of the brand (queries about the brand) that carry a photo or a video
    link and are not on the board: candidates to collect."""
    actor.require(P.UGC_VIEW)
    actor.require(P.LISTENING_VIEW)
    since = utcnow() - timedelta(days=PROPOSAL_DAYS)
    mentions = repo.brand_mentions(session, actor.workspace_id, since, PROPOSAL_SCAN)
    on_board = repo.sources_on_board(
        session, actor.workspace_id, "mention", {m.id for m in mentions}
    )
    found = []
    for mention in mentions:
        urls = media_urls_in(mention.text) if mention.id not in on_board else []
        if urls:
            found.append(Proposal(mention, urls))
        if len(found) >= limit:
            break
    return found


# --- the board -----------------------------------------------------------------------------------


def board(session: Session, actor: Actor, filters: ItemFilters) -> Board:
    """The items, filtered; requests past their wait are expired first."""
    actor.require(P.UGC_VIEW)
    if filters.status and filters.status not in STATUSES:
        raise Invalid(
            "Unknown status.",
            errors=[FieldError("status", "enum", "A status of the board.", list(STATUSES))],
        )
    rights.expire_overdue(session, actor.workspace_id, utcnow())
    rows = repo.items(session, actor.workspace_id, filters, BOARD_LIMIT)
    latest = repo.latest_requests(session, {i.id for i in rows})
    return Board(rows, latest, repo.status_counts(session, actor.workspace_id))


def load_item(session: Session, actor: Actor, item_id: uuid.UUID) -> UgcItem:
    actor.require(P.UGC_VIEW)
    found = repo.item(session, actor.workspace_id, item_id)
    if found is None:
        raise NotFound("No such item on the UGC board.", code="ugc_item_not_found")
    return found


def item_detail(session: Session, actor: Actor, item_id: uuid.UUID) -> ItemDetail:
    item = load_item(session, actor, item_id)
    rights.expire_overdue(session, actor.workspace_id, utcnow())
    media = repo.media_assets(session, actor.workspace_id, _uuids(item.media_ids))
    return ItemDetail(
        item,
        repo.requests_of(session, item.id),
        repo.posts_of_item(session, actor.workspace_id, item.id),
        media,
    )


def _uuids(values: Sequence[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def update_item(
    session: Session,
    actor: Actor,
    item_id: uuid.UUID,
    *,
    tags: Sequence[str] | None = None,
    media_ids: Sequence[uuid.UUID] | None = None,
) -> UgcItem:
    """The team's tags, and the media library's files copied from the creator's post."""
    actor.require(P.UGC_MANAGE)
    item = load_item(session, actor, item_id)
    before = snapshot(item)
    if tags is not None:
        item.tags = clean_tags(tags)
    if media_ids is not None:
        wanted = list(dict.fromkeys(media_ids))
        known = {a.id for a in repo.media_assets(session, actor.workspace_id, wanted)}
        missing = [m for m in wanted if m not in known]
        if missing:
            raise NotFound(
                "A media file is not in this workspace's library.", code="media_not_found"
            )
        item.media_ids = [str(m) for m in wanted]
    session.flush()
    record(
        session, actor, "ugc.item.updated", "ugc_item", item.id, before=before, after=snapshot(item)
    )
    return item


def delete_item(session: Session, actor: Actor, item_id: uuid.UUID) -> None:
    actor.require(P.UGC_MANAGE)
    item = load_item(session, actor, item_id)
    if repo.posts_of_item(session, actor.workspace_id, item.id):
        raise Conflict(
            "Posts were made from this item; delete them first, so the creator stays credited.",
            code="item_in_use",
        )
    before = snapshot(item)
    repo.delete(session, item)
    record(session, actor, "ugc.item.deleted", "ugc_item", item_id, before=before)


# --- posting -------------------------------------------------------------------------------------


def create_post(
    session: Session,
    actor: Actor,
    item_id: uuid.UUID,
    channel_ids: Sequence[uuid.UUID],
    text: str,
    language: str | None = None,
) -> posts.PostView:
    """A draft post from a granted item: each variant ends with the creator's credit in its
    network's syntax, carries the item's media, and stays linked to the item (its findings
    then watch the rights and the credit)."""
    actor.require(P.UGC_MANAGE)
    item = load_item(session, actor, item_id)
    if item.status != UgcStatus.GRANTED.value:
        raise Conflict(
            "The creator has not granted the rights to share this content.",
            code="rights_not_granted",
        )
    if not channel_ids:
        message = "Choose at least one channel."
        raise Invalid(message, errors=[FieldError("channel_ids", "required", message)])
    requests = repo.requests_of(session, item.id)
    lang = language or (requests[0].language if requests else "en")
    variants = []
    for channel_id in dict.fromkeys(channel_ids):
        channel = repo.channel(session, actor.workspace_id, channel_id)
        if channel is None:
            raise NotFound("Channel not found.", code="channel_not_found")
        credit = credit_for(item, channel.network, lang)
        body = f"{text.strip()}\n\n{credit.line}" if text.strip() else credit.line
        media = _uuids(item.media_ids) or None
        variants.append(VariantCreate(channel_id=channel_id, text=body, media_ids=media))
    data = PostCreate(
        title=f"UGC: {item.author_handle or item.author_name}"[:200],
        base_text=text.strip(),
        channel_ids=list(dict.fromkeys(channel_ids)),
        variants=variants,
    )
    view = posts.create_post(session, actor, data)
    repo.add(
        session, UgcPostLink(workspace_id=actor.workspace_id, post_id=view.post.id, item_id=item.id)
    )
    record(session, actor, "ugc.item.posted", "ugc_item", item.id, after={"post_id": view.post.id})
    return posts.post_view(session, actor, view.post)
