"""The media library: every image and video of a workspace, filed, tagged, searched.

What people write (title, description, folder, tags, licence) is edited here; what is read
from the content is computed here when a file is stored: its orientation, the networks one
of whose formats takes it as it is (from `connectors.rules`, the same checks a variant
gets), and the folded words a search matches (title, file name, alt text, description,
tags: case and accents ignored). A file whose licence is over cannot be scheduled
(`posts.validation.check_media_licence`); the library warns `EXPIRY_WARNING_DAYS` before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.connectors.rules import NETWORKS, check_media
from orchestre.connectors.rules.media import formats_for
from orchestre.errors import FieldError, Forbidden, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.kit.text import fold
from orchestre.models import Channel, MediaAsset, Post, PostVariant
from orchestre.models.media import Orientation
from orchestre.posts import media_repository as repo
from orchestre.posts import repository
from orchestre.posts.media_probe import facts_of
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
EXPIRY_WARNING_DAYS = 14
MAX_TAGS = 30
MAX_TAG_LENGTH = 40
BACKFILL_BATCH = 500
Expiry = Literal["expired", "expiring", "valid"]


# --- what is computed from the content ---------------------------------------------------


def orientation_of(width: int | None, height: int | None) -> str | None:
    if not width or not height:
        return None
    if width == height:
        return Orientation.SQUARE.value
    return Orientation.LANDSCAPE.value if width > height else Orientation.PORTRAIT.value


def fitting_networks(asset: MediaAsset) -> list[str]:
    """The networks one of whose formats takes this file as it is (no blocking rule)."""
    facts = facts_of(asset)
    fits = []
    for network in NETWORKS:
        for format in formats_for(network):
            broken = [
                v
                for v in check_media(network, [facts], format)
                if v.severity == "error" and v.rule != "media.count"
            ]
            if not broken:
                fits.append(network)
                break
    return fits


def _joined(values: list[str]) -> str:
    return f",{','.join(values)}," if values else ""


def tags_of(asset: MediaAsset) -> list[str]:
    return [tag for tag in (asset.tags or "").split(",") if tag]


def networks_of(asset: MediaAsset) -> list[str]:
    return [network for network in (asset.fits or "").split(",") if network]


def compute(asset: MediaAsset) -> None:
    """Fill the computed columns (after a measure or an edit of the searchable text)."""
    asset.orientation = orientation_of(asset.width, asset.height)
    ready = asset.status in (None, "ready")  # None: a new upload, ready once stored
    asset.fits = _joined(fitting_networks(asset)) if ready else None
    refresh_search_text(asset)


def refresh_search_text(asset: MediaAsset) -> None:
    words = [asset.title, asset.filename, asset.alt_text, asset.description, *tags_of(asset)]
    asset.search_text = fold("\n".join(w for w in words if w))


# --- input cleaning ----------------------------------------------------------------------


def _refuse(field: str, message: str, code: str = "invalid") -> Invalid:
    return Invalid(message, code=code, errors=[FieldError(field, code, message)])


def normalise_tag(raw: str) -> str:
    """Lower case, single spaces, no leading '#': 'Été  2026' -> 'été 2026'."""
    return " ".join(raw.strip().lstrip("#").split()).casefold()


def normalise_tags(raw: list[str]) -> list[str]:
    tags: list[str] = []
    for value in raw:
        tag = normalise_tag(value)
        if not tag:
            continue
        if "," in tag or len(tag) > MAX_TAG_LENGTH:
            raise _refuse(
                "tags",
                f"A tag has at most {MAX_TAG_LENGTH} characters and no comma: {value!r}.",
                "tag",
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise _refuse("tags", f"A file has at most {MAX_TAGS} tags.", "tags")
    return tags


def normalise_folder(raw: str) -> str:
    """A slash-separated path without empty parts: ' /Spring//shoots/ ' -> 'Spring/shoots'."""
    parts = [" ".join(part.split()) for part in raw.replace("\\", "/").split("/")]
    folder = "/".join(part for part in parts if part)
    if len(folder) > 255:
        raise _refuse("folder", "A folder path has at most 255 characters.", "folder")
    if any(part in (".", "..") for part in folder.split("/")):
        raise _refuse("folder", "A folder is not named '.' or '..'.", "folder")
    return folder


# --- use cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryQuery:
    """What a person filters the library by (raw: cleaned by `search`)."""

    q: str = ""
    tag: str | None = None
    kind: str | None = None
    orientation: str | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    network: str | None = None
    folder: str | None = None
    expiry: Expiry | None = None
    include_fixed: bool = True  # the files fixed for a network from another one


def _to_search(query: LibraryQuery, now: datetime) -> repo.MediaSearch:
    if query.network is not None and query.network not in NETWORKS:
        message = f"Unknown network {query.network!r}; choose one of: {', '.join(NETWORKS)}."
        raise _refuse("network", message, "unknown_network")
    if (
        query.min_seconds is not None
        and query.max_seconds is not None
        and query.min_seconds > query.max_seconds
    ):
        raise _refuse("min_seconds", "The shortest duration is longer than the longest.", "range")
    search = repo.MediaSearch(
        text=fold(query.q).strip(),
        tag=normalise_tag(query.tag) if query.tag else None,
        kind=query.kind,
        orientation=query.orientation,
        min_seconds=query.min_seconds,
        max_seconds=query.max_seconds,
        network=query.network,
        folder=normalise_folder(query.folder) if query.folder else None,
        include_fixed=query.include_fixed,
    )
    soon = now + timedelta(days=EXPIRY_WARNING_DAYS)
    if query.expiry == "expired":
        search = replace(search, expires_before=now)
    elif query.expiry == "expiring":
        search = replace(search, expires_after=now, expires_before=soon)
    elif query.expiry == "valid":  # no end, or an end beyond the warning days
        search = replace(search, valid_after=soon)
    return search


def _backfill_fits(session: Session, workspace_id: uuid.UUID) -> None:
    """Compute `fits` for files stored before the library knew it (a few hundred a call)."""
    for asset in repo.without_fits(session, workspace_id, BACKFILL_BATCH):
        if asset.status == "ready":
            asset.fits = _joined(fitting_networks(asset))
    session.flush()


def search(
    session: Session,
    actor: Actor,
    query: LibraryQuery,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[MediaAsset]:
    """The library's files matching every filter, newest first."""
    actor.require(P.POSTS_VIEW)
    limit = clamp_limit(limit)
    after = decode_cursor_or_invalid(cursor)
    found = _to_search(query, utcnow())
    if found.network is not None:
        _backfill_fits(session, actor.workspace_id)
    rows = repo.search_media(session, actor.workspace_id, found, after, limit)
    return Page.from_rows(rows, limit, key=lambda m: (m.created_at, m.id))


def _asset(session: Session, actor: Actor, media_id: uuid.UUID) -> MediaAsset:
    asset = repository.get_media(session, actor.workspace_id, media_id)
    if asset is None:
        raise NotFound("This media does not exist in this workspace.", code="media_not_found")
    return asset


@dataclass(frozen=True)
class LibraryChanges:
    """The library fields to change (None: left as they are)."""

    title: str | None = None
    description: str | None = None
    alt_text: str | None = None
    folder: str | None = None
    tags: list[str] | None = None
    licence_source: str | None = None
    licensor: str | None = None
    licence_expires_at: datetime | None = None
    clear_licence_expiry: bool = False


def update(
    session: Session, actor: Actor, media_id: uuid.UUID, changes: LibraryChanges
) -> MediaAsset:
    """File, describe, tag, or record the licence of a file (its uploader or an editor)."""
    actor.require(P.MEDIA_UPLOAD)
    asset = _asset(session, actor, media_id)
    if asset.created_by != actor.user_id and not actor.can(P.POSTS_EDIT_ANY):
        raise Forbidden("You can change only the media you uploaded.", code="not_media_owner")
    before = snapshot(asset)
    for name in ("title", "description", "alt_text", "licence_source", "licensor"):
        value = getattr(changes, name)
        if value is not None:
            setattr(asset, name, value.strip())
    if changes.folder is not None:
        asset.folder = normalise_folder(changes.folder)
    if changes.tags is not None:
        asset.tags = _joined(normalise_tags(changes.tags))
    if changes.licence_expires_at is not None:
        asset.licence_expires_at = changes.licence_expires_at
    elif changes.clear_licence_expiry:
        asset.licence_expires_at = None
    refresh_search_text(asset)
    session.flush()
    record(session, actor, "media.update", "media", asset.id, before=before, after=snapshot(asset))
    return asset


def expiry_of(asset: MediaAsset, now: datetime | None = None) -> Expiry | None:
    """Whether the file's licence is over, ends within the warning days, or holds."""
    if asset.licence_expires_at is None:
        return None
    now = now or utcnow()
    if asset.licence_expires_at <= now:
        return "expired"
    if asset.licence_expires_at <= now + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


def expiring_soon(session: Session, actor: Actor, limit: int = 50) -> list[MediaAsset]:
    """Files whose licence is over or ends within the warning days, soonest first."""
    actor.require(P.POSTS_VIEW)
    before = utcnow() + timedelta(days=EXPIRY_WARNING_DAYS)
    return repo.expiring(session, actor.workspace_id, before, clamp_limit(limit))


def folders(session: Session, actor: Actor) -> list[tuple[str, int]]:
    actor.require(P.POSTS_VIEW)
    return repo.folders(session, actor.workspace_id)


def tags(session: Session, actor: Actor) -> list[tuple[str, int]]:
    """Every tag in use with how many files carry it, by name."""
    actor.require(P.POSTS_VIEW)
    counts: dict[str, int] = {}
    for stored in repo.tag_strings(session, actor.workspace_id):
        for tag in stored.split(","):
            if tag:
                counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items())


@dataclass(frozen=True)
class Usage:
    """One variant that attached the file (or a file fixed from it)."""

    post: Post
    variant: PostVariant
    channel: Channel
    media_id: uuid.UUID

    @property
    def when(self) -> datetime | None:
        return self.variant.published_at or self.variant.scheduled_at


def usage(session: Session, actor: Actor, media_id: uuid.UUID) -> list[Usage]:
    """The posts and variants that used the file or one fixed from it, newest post first."""
    actor.require(P.POSTS_VIEW)
    asset = _asset(session, actor, media_id)
    derived = repository.derived_media(session, actor.workspace_id, asset.id)
    ids = [asset.id, *(m.id for m in derived)]
    rows = repo.usage(session, actor.workspace_id, ids)
    return [Usage(post, variant, channel, used) for variant, post, channel, used in rows]


def refuse_expired_licences(
    session: Session, variants: Sequence[PostVariant], when: datetime
) -> None:
    """Invalid when a file these variants attach has a licence that ends by `when` (the
    time they would go out): scheduling checks it, so no post is planned past a licence."""
    ending = repo.licences_ending(session, [v.id for v in variants], when)
    if not ending:
        return
    _variant_id, filename, expires = ending[0]
    message = (
        f"The licence of {filename} ends on {expires:%Y-%m-%d %H:%M} UTC, before this "
        "publication time; renew it in the media library, choose an earlier time, or "
        "remove the file."
    )
    raise Invalid(
        message,
        code="media_licence_expired",
        errors=[
            FieldError("media", "media.licence", message, expires.isoformat(), when.isoformat())
        ],
    )
