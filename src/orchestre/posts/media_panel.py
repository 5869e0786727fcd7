"""A variant's media as the editor shows them: each file, what it breaks, and its fix.

The web partial `posts/_media_fix.html` renders this; the decisions (which findings belong
to which file, whether a fix exists or can be asked for, swapping a file for its fix) are
made here, not in the template.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orchestre.connectors.rules import NETWORKS
from orchestre.connectors.rules.media import formats_for
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.models import Channel, MediaAsset, PostVariant
from orchestre.models.media import MediaStatus
from orchestre.posts import repository, service
from orchestre.posts.schemas import VariantUpdate
from orchestre.posts.validation import Finding
from orchestre.workspaces.permissions import Actor


@dataclass(frozen=True)
class MediaItem:
    """One attached file, its findings, and the file fixed from it for this network/format."""

    asset: MediaAsset
    findings: list[Finding]
    fixed: MediaAsset | None  # the latest fix for this network and format, if any

    @property
    def broken(self) -> bool:
        return any(f.blocking for f in self.findings)

    @property
    def processing(self) -> bool:
        return self.fixed is not None and self.fixed.status == MediaStatus.PROCESSING

    @property
    def can_swap(self) -> bool:
        return self.fixed is not None and self.fixed.status == MediaStatus.READY


@dataclass(frozen=True)
class MediaPanel:
    """The media part of one variant for the editor."""

    post_id: uuid.UUID
    post_version: int
    variant: PostVariant
    channel: Channel
    format: str
    items: list[MediaItem]
    general: list[Finding]  # about the media as a whole (how many, which kinds together)

    @property
    def fixable(self) -> bool:
        """Whether 'Fix for <network>' makes sense here (a network with published rules)."""
        return self.channel.network in NETWORKS and self.format in formats_for(self.channel.network)

    @property
    def processing(self) -> bool:
        return any(item.processing for item in self.items)


def media_panel(
    session: Session, actor: Actor, post_id: uuid.UUID, variant_id: uuid.UUID
) -> MediaPanel:
    """The variant's files with their findings and fixes (needs posts.view)."""
    post = service.load_post(session, actor, post_id)
    views = service.post_view(session, actor, post).variants
    view = next((v for v in views if v.variant.id == variant_id), None)
    if view is None:
        raise NotFound("This variant does not exist on this post.", code="variant_not_found")
    format = str((view.variant.options or {}).get("format") or "feed")
    items = []
    for index, asset in enumerate(view.media):
        field = f"media[{index}]"
        items.append(
            MediaItem(
                asset,
                [f for f in view.findings if f.field == field],
                _latest_fix(session, actor, asset, view.channel.network, format),
            )
        )
    general = [f for f in view.findings if f.field in ("media", "options.format")]
    return MediaPanel(post.id, post.version, view.variant, view.channel, format, items, general)


def _latest_fix(
    session: Session, actor: Actor, asset: MediaAsset, network: str, format: str
) -> MediaAsset | None:
    if asset.source_media_id is not None:
        return None  # already a fixed file
    fixes = [
        row
        for row in repository.derived_media(session, actor.workspace_id, asset.id)
        if row.network == network and row.format == format
    ]
    return fixes[-1] if fixes else None


def use_fixed(
    session: Session,
    actor: Actor,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    media_id: uuid.UUID,
    version: int,
) -> service.PostView:
    """Put the ready fixed file in place of `media_id` on the variant (an ordinary edit)."""
    panel = media_panel(session, actor, post_id, variant_id)
    item = next((i for i in panel.items if i.asset.id == media_id), None)
    if item is None or item.fixed is None or not item.can_swap:
        raise Invalid(
            "There is no ready fixed file for this media; fix it first.",
            code="no_fixed_media",
            errors=[
                FieldError(
                    "media_id",
                    "fixed",
                    "There is no ready fixed file for this media; fix it first.",
                )
            ],
        )
    ids = [i.fixed.id if i is item and i.fixed else i.asset.id for i in panel.items]
    return _set_media(session, actor, post_id, variant_id, ids, version)


def _set_media(
    session: Session,
    actor: Actor,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    ids: list[uuid.UUID],
    version: int,
) -> service.PostView:
    return service.update_variant(
        session, actor, post_id, variant_id, VariantUpdate(version=version, media_ids=ids)
    )


def attach(
    session: Session,
    actor: Actor,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    media_id: uuid.UUID,
    version: int,
) -> service.PostView:
    """Add a file of the library after the variant's others (an ordinary edit, so a
    reviewed post goes back to draft and the network's rules are checked again)."""
    panel = media_panel(session, actor, post_id, variant_id)
    ids = [item.asset.id for item in panel.items]
    if media_id in ids:
        raise Invalid(
            "This file is already attached.",
            code="media_attached",
            errors=[FieldError("media_id", "attached", "This file is already attached.")],
        )
    return _set_media(session, actor, post_id, variant_id, [*ids, media_id], version)


def detach(
    session: Session,
    actor: Actor,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    media_id: uuid.UUID,
    version: int,
) -> service.PostView:
    """Take a file off the variant; it stays in the library."""
    panel = media_panel(session, actor, post_id, variant_id)
    ids = [item.asset.id for item in panel.items if item.asset.id != media_id]
    return _set_media(session, actor, post_id, variant_id, ids, version)
