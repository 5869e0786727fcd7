"""Use cases of posts and their per-channel variants: write, edit, list, delete, readiness.

Approval cannot be bypassed: any change to what a variant would publish (text, link,
first comment, media, options) sends every reviewed variant of the post (in review,
approved, scheduled or failed) back to draft, clears its schedule and opens a new
review round, so an approved post never keeps its approval after an edit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import Conflict, FieldError, Forbidden, Invalid, NotFound, TransitionRefused
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.models import Channel, MediaAsset, Post, PostVariant, VariantMedia, VariantState
from orchestre.posts import repository, states
from orchestre.posts.media_probe import facts_of
from orchestre.posts.repository import PostFilters
from orchestre.posts.schemas import (
    PostChannelCreate,
    PostCreate,
    PostUpdate,
    VariantCreate,
    VariantUpdate,
    normalise_tag,
)
from orchestre.posts.validation import (
    EditorialRules,
    Finding,
    UgcUse,
    VariantContent,
    check_variant,
    instance_media_limits,
    instance_options,
)
from orchestre.ugc import credits
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
S = VariantState
CONTENT_FIELDS = ("text", "link_url", "first_comment", "options")


@dataclass(frozen=True)
class VariantView:
    """A variant with what the API shows next to it: its channel, media and findings."""

    variant: PostVariant
    channel: Channel
    media: list[MediaAsset]
    findings: list[Finding]


@dataclass(frozen=True)
class PostView:
    post: Post
    variants: list[VariantView]


# --- loading and presenting -----------------------------------------------------------------


def _get_post(session: Session, actor: Actor, post_id: uuid.UUID) -> Post:
    post = repository.get_post(session, actor.workspace_id, post_id)
    if post is None:
        raise NotFound("This post does not exist in this workspace.", code="post_not_found")
    return post


def load_post(session: Session, actor: Actor, post_id: uuid.UUID) -> Post:
    """The post with its variants and their media links loaded; NotFound outside the workspace."""
    actor.require(P.POSTS_VIEW)
    return _get_post(session, actor, post_id)


def post_views(session: Session, actor: Actor, posts: Sequence[Post]) -> list[PostView]:
    """Posts with channels, media and findings, fetched in a few queries for the whole list."""
    rules = EditorialRules.from_line(repository.editorial_line(session, actor.workspace_id))
    variants = [v for post in posts for v in post.variants]
    channels = repository.channels_by_ids(
        session, actor.workspace_id, {v.channel_id for v in variants}
    )
    media = repository.media_by_ids(
        session, actor.workspace_id, {link.media_id for v in variants for link in v.media}
    )
    ugc = credits.uses_of_posts(session, actor.workspace_id, [p.id for p in posts])
    views = []
    for post in posts:
        items = []
        for variant in post.variants:
            channel = channels[variant.channel_id]
            assets = [media[link.media_id] for link in variant.media]
            uses = credits.uses_on(ugc.get(post.id, ()), channel.network)
            found = findings_of(variant, channel, rules, assets, uses)
            items.append(VariantView(variant, channel, assets, found))
        views.append(PostView(post, items))
    return views


def post_view(session: Session, actor: Actor, post: Post) -> PostView:
    return post_views(session, actor, [post])[0]


def findings_of(
    variant: PostVariant,
    channel: Channel,
    rules: EditorialRules,
    media: Sequence[MediaAsset] | None = None,
    ugc: Sequence[UgcUse] = (),
) -> list[Finding]:
    """The variant's findings; its media are checked when their assets are given, the
    rights and credit of the creators' content it uses when `ugc` is given."""
    content = VariantContent(
        text=variant.text,
        first_comment=variant.first_comment,
        link_url=variant.link_url,
        media_count=len(variant.media),
        network=channel.network,
        channel_handle=channel.handle,
        # A Mastodon instance's own text limits (from the channel) count, as in the composer.
        options={**(variant.options or {}), **instance_options(channel.settings or {})},
        media=tuple(facts_of(asset) for asset in media) if media is not None else (),
        media_limits=instance_media_limits(channel.network, channel.settings or {}),
        media_status=tuple(asset.status for asset in media or ()),
        media_licence_expiry=tuple(asset.licence_expires_at for asset in media or ()),
        ugc=tuple(ugc),
    )
    return check_variant(content, rules)


def audit_and_view(
    session: Session, actor: Actor, post: Post, action: str, before: dict[str, Any] | None
) -> PostView:
    """Record a change of the post with its picture before (None: new) and after; its new view."""
    record(session, actor, action, "post", post.id, before=before, after=audit_picture(post))
    return post_view(session, actor, post)


def get_post(session: Session, actor: Actor, post_id: uuid.UUID) -> PostView:
    return post_view(session, actor, load_post(session, actor, post_id))


def list_posts(
    session: Session, actor: Actor, filters: PostFilters, cursor: str | None = None, limit: int = 50
) -> Page[PostView]:
    """Newest first. Date range, status and channel must hold together on one variant."""
    actor.require(P.POSTS_VIEW)
    _check_filters(filters)
    filters = replace(
        filters,
        tag=normalise_tag(filters.tag) if filters.tag else None,
        q=filters.q.strip() if filters.q else None,
    )
    limit = clamp_limit(limit)
    after = decode_cursor_or_invalid(cursor)
    rows = repository.list_posts(session, actor.workspace_id, filters, after, limit)
    page = Page.from_rows(rows, limit, key=lambda p: (p.created_at, p.id))
    return Page(post_views(session, actor, page.items), page.next_cursor)


def _check_filters(filters: PostFilters) -> None:
    problems = []
    for name, value in (("from", filters.starts), ("to", filters.ends)):
        if value is not None and value.tzinfo is None:
            problems.append(
                FieldError(
                    name,
                    "aware_datetime",
                    f"'{name}' has no time zone: add an offset such as +01:00 or Z.",
                )
            )
    if filters.status is not None and filters.status not in {s.value for s in S}:
        problems.append(
            FieldError(
                "status",
                "enum",
                "Unknown status.",
                limit=[s.value for s in S],
                actual=filters.status,
            )
        )
    if problems:
        raise Invalid("Some filters are invalid; see 'errors'.", code="bad_filter", errors=problems)


# --- permissions and guards ------------------------------------------------------------------


def _require_writer(actor: Actor) -> None:
    """Anyone who edits posts needs one of the two permissions; which one is checked per post."""
    if not actor.can(P.POSTS_EDIT_ANY):
        actor.require(P.POSTS_CREATE)


def _require_may_edit(actor: Actor, post: Post) -> None:
    if actor.can(P.POSTS_EDIT_ANY) or post.created_by == actor.user_id:
        return
    raise Forbidden(
        "You can edit only the posts you wrote; ask a social media manager to change this one.",
        code="not_post_author",
    )


def _refuse_locked(variant: PostVariant, doing: str = "edited") -> None:
    if variant.state == S.PUBLISHED:
        raise TransitionRefused(
            f"This variant is already published, so it cannot be {doing}; "
            "change it on the network itself if needed.",
            code="variant_published",
        )
    if variant.state == S.PUBLISHING:
        raise TransitionRefused(
            f"This variant is being published right now, so it cannot be {doing}; "
            "wait for the outcome.",
            code="variant_publishing",
        )


def _claim(session: Session, post: Post, version: int) -> None:
    current = post.version
    if not repository.claim_version(session, post, version):
        raise Conflict(
            f"Someone else changed this post; reload it and apply your change again "
            f"(your edit was based on version {version}, the post is at version {current} "
            "or later).",
            code="stale_version",
        )


def _variant(post: Post, variant_id: uuid.UUID) -> PostVariant:
    for variant in post.variants:
        if variant.id == variant_id:
            return variant
    raise NotFound("This variant does not exist on this post.", code="variant_not_found")


# --- references: channels, media, campaign, pillar --------------------------------------------


def _unique(ids: Sequence[uuid.UUID], field: str, what: str) -> None:
    if len(set(ids)) != len(ids):
        message = f"The same {what} is listed twice; list each one once."
        raise Invalid(message, code="duplicate", errors=[FieldError(field, "unique", message)])


def _channels(session: Session, actor: Actor, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Channel]:
    wanted = set(ids)
    found = repository.channels_by_ids(session, actor.workspace_id, wanted)
    if len(found) != len(wanted):
        raise NotFound(
            "A channel of this post does not exist in this workspace.", code="channel_not_found"
        )
    return found


def _check_media(session: Session, actor: Actor, ids: Iterable[uuid.UUID]) -> None:
    wanted = set(ids)
    if len(repository.media_by_ids(session, actor.workspace_id, wanted)) != len(wanted):
        raise NotFound(
            "A media file of this post does not exist in this workspace.", code="media_not_found"
        )


def _check_refs(
    session: Session, actor: Actor, campaign_id: uuid.UUID | None, pillar_id: uuid.UUID | None
) -> None:
    if (
        campaign_id is not None
        and repository.get_campaign(session, actor.workspace_id, campaign_id) is None
    ):
        raise NotFound("This campaign does not exist in this workspace.", code="campaign_not_found")
    if (
        pillar_id is not None
        and repository.get_pillar(session, actor.workspace_id, pillar_id) is None
    ):
        raise NotFound(
            "This content pillar does not exist in this workspace.", code="pillar_not_found"
        )


# --- audit pictures --------------------------------------------------------------------------


def audit_picture(post: Post) -> dict[str, Any]:
    """The post and its variants as audit before/after data."""
    picture = snapshot(post)
    picture["variants"] = [
        {**snapshot(v), "media_ids": [str(link.media_id) for link in v.media]}
        for v in post.variants
    ]
    return picture


# --- schedule bookkeeping (shared with scheduling) ---------------------------------------------


def sync_post_schedule(post: Post) -> None:
    """post.scheduled_at is the earliest schedule among its variants (for lists and calendars)."""
    times: list[datetime] = [v.scheduled_at for v in post.variants if v.scheduled_at is not None]
    post.scheduled_at = min(times) if times else None


def restart_review(post: Post) -> bool:
    """Send every reviewed variant back to draft, unscheduled; True when anything moved."""
    moved = False
    for variant in post.variants:
        if variant.state in states.REVIEWED_STATES:
            states.move(variant, S.DRAFT)
            variant.scheduled_at = None
            moved = True
    if moved:
        # Decisions of the voided round must not count toward the next one.
        post.review_round += 1
    sync_post_schedule(post)
    return moved


# --- content edits ---------------------------------------------------------------------------


def _set_media(session: Session, actor: Actor, variant: PostVariant, ids: list[uuid.UUID]) -> bool:
    _unique(ids, "media_ids", "media file")
    if [link.media_id for link in variant.media] == ids:
        return False
    _check_media(session, actor, ids)
    kept = {link.media_id: link for link in variant.media}
    links = []
    for position, media_id in enumerate(ids):
        link = kept.get(media_id) or VariantMedia(media_id=media_id)
        link.position = position
        links.append(link)
    variant.media = links
    return True


def _apply_content(
    session: Session,
    actor: Actor,
    variant: PostVariant,
    data: VariantUpdate | VariantCreate,
    fields: set[str],
) -> bool:
    """Apply the sent content fields; True when what would be published changed."""
    changed = False
    for name in CONTENT_FIELDS:
        if name not in fields:
            continue
        value = getattr(data, name)
        if name == "text":
            value = value or ""
        elif name == "options":
            value = value or {}
        if getattr(variant, name) != value:
            setattr(variant, name, value)
            changed = True
    if "media_ids" in fields:
        changed = _set_media(session, actor, variant, list(data.media_ids or [])) or changed
    return changed


def _new_variant(
    session: Session,
    actor: Actor,
    post: Post,
    channel_id: uuid.UUID,
    position: int,
    spec: VariantCreate | None,
) -> PostVariant:
    variant = PostVariant(
        workspace_id=actor.workspace_id,
        channel_id=channel_id,
        position=position,
        text=post.base_text,
        link_url=None,
        first_comment=None,
        options={},
        state=S.DRAFT.value,
        media=[],
    )
    if spec is not None:
        sent = set(spec.model_fields_set) - {"channel_id"}
        if spec.text is None:
            sent.discard("text")  # text left out or null: the post's base text
        _apply_content(session, actor, variant, spec, sent)
    return variant


# --- use cases -------------------------------------------------------------------------------


def _variant_specs(data: PostCreate) -> dict[uuid.UUID, VariantCreate]:
    _unique(list(data.channel_ids), "channel_ids", "channel")
    _unique([v.channel_id for v in data.variants], "variants", "channel")
    specs = {}
    for index, spec in enumerate(data.variants):
        if spec.channel_id not in data.channel_ids:
            message = "This variant's channel is not among the post's channel_ids; add it there."
            raise Invalid(
                message,
                code="variant_channel_missing",
                errors=[FieldError(f"variants[{index}].channel_id", "in_channel_ids", message)],
            )
        specs[spec.channel_id] = spec
    return specs


def create_post(session: Session, actor: Actor, data: PostCreate) -> PostView:
    """A new draft post with one variant per channel; a variant's text defaults to base_text."""
    actor.require(P.POSTS_CREATE)
    specs = _variant_specs(data)
    _channels(session, actor, data.channel_ids)
    _check_refs(session, actor, data.campaign_id, data.pillar_id)
    post = Post(
        workspace_id=actor.workspace_id,
        created_by=actor.user_id,
        title=data.title,
        base_text=data.base_text,
        campaign_id=data.campaign_id,
        pillar_id=data.pillar_id,
        tags=data.tags or [],
        internal_notes=data.internal_notes,
        review_round=0,
        version=1,
        variants=[],
    )
    for position, channel_id in enumerate(data.channel_ids):
        post.variants.append(
            _new_variant(session, actor, post, channel_id, position, specs.get(channel_id))
        )
    repository.add(session, post)
    return audit_and_view(session, actor, post, "post.create", before=None)


def update_post(session: Session, actor: Actor, post_id: uuid.UUID, data: PostUpdate) -> PostView:
    """Change the post's own fields; a new base text flows into variants that still use it."""
    _require_writer(actor)
    post = _get_post(session, actor, post_id)
    _require_may_edit(actor, post)
    fields = set(data.model_fields_set)
    _check_refs(
        session,
        actor,
        data.campaign_id if "campaign_id" in fields else None,
        data.pillar_id if "pillar_id" in fields else None,
    )
    before = audit_picture(post)
    _claim(session, post, data.version)
    for name in ("campaign_id", "pillar_id"):
        if name in fields:
            setattr(post, name, getattr(data, name))
    for name in ("title", "internal_notes"):
        if name in fields:
            setattr(post, name, getattr(data, name) or "")
    if "tags" in fields:
        post.tags = data.tags or []
    content_changed = False
    if "base_text" in fields and (data.base_text or "") != post.base_text:
        old, post.base_text = post.base_text, data.base_text or ""
        for variant in post.variants:
            # Variants never customised follow the base text; published ones stay as they went out.
            if variant.text == old and variant.state not in states.LOCKED_STATES:
                variant.text = post.base_text
                content_changed = True
    if content_changed:
        restart_review(post)
    return audit_and_view(session, actor, post, "post.update", before)


def update_variant(
    session: Session,
    actor: Actor,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    data: VariantUpdate,
) -> PostView:
    """Edit one variant's content; a real change voids the post's review (see module doc)."""
    _require_writer(actor)
    post = _get_post(session, actor, post_id)
    _require_may_edit(actor, post)
    variant = _variant(post, variant_id)
    _refuse_locked(variant)
    before = audit_picture(post)
    _claim(session, post, data.version)
    if _apply_content(session, actor, variant, data, set(data.model_fields_set) - {"version"}):
        restart_review(post)
    return audit_and_view(session, actor, post, "post.variant_update", before)


def add_channel(
    session: Session, actor: Actor, post_id: uuid.UUID, data: PostChannelCreate
) -> PostView:
    """A new draft variant for one more channel; the other variants keep their state."""
    _require_writer(actor)
    post = _get_post(session, actor, post_id)
    _require_may_edit(actor, post)
    channel = _channels(session, actor, [data.channel_id])[data.channel_id]
    if any(v.channel_id == data.channel_id for v in post.variants):
        raise Conflict(f"This post already goes to {channel.handle}.", code="duplicate_channel")
    before = audit_picture(post)
    _claim(session, post, data.version)
    position = max((v.position for v in post.variants), default=-1) + 1
    post.variants.append(_new_variant(session, actor, post, data.channel_id, position, data))
    session.flush()
    return audit_and_view(session, actor, post, "post.channel_add", before)


def remove_channel(
    session: Session,
    actor: Actor,
    post_id: uuid.UUID,
    variant_id: uuid.UUID,
    version: int | None = None,
) -> PostView:
    """Drop one channel's variant; a post keeps at least one, and published ones stay."""
    _require_writer(actor)
    post = _get_post(session, actor, post_id)
    _require_may_edit(actor, post)
    variant = _variant(post, variant_id)
    _refuse_locked(variant, doing="removed")
    if len(post.variants) == 1:
        message = "A post needs at least one channel; delete the post instead."
        raise Invalid(
            message,
            code="last_channel",
            errors=[FieldError("variant_id", "min_channels", message, limit=1)],
        )
    before = audit_picture(post)
    if version is not None:
        _claim(session, post, version)
    else:
        post.version += 1
    post.variants.remove(variant)
    sync_post_schedule(post)
    session.flush()
    return audit_and_view(session, actor, post, "post.channel_remove", before)


def delete_post(session: Session, actor: Actor, post_id: uuid.UUID) -> None:
    """POSTS_DELETE deletes any post; an author with POSTS_CREATE deletes their own drafts."""
    if not actor.can(P.POSTS_DELETE):
        actor.require(P.POSTS_CREATE)
    post = _get_post(session, actor, post_id)
    went_out = [v for v in post.variants if v.state in states.LOCKED_STATES]
    if went_out:
        raise TransitionRefused(
            f"{len(went_out)} variant(s) of this post are published or being published, so the "
            "post cannot be deleted; remove the other channels instead.",
            code="post_published",
        )
    own_draft = post.created_by == actor.user_id and all(v.state == S.DRAFT for v in post.variants)
    if not actor.can(P.POSTS_DELETE) and not own_draft:
        raise Forbidden(
            "You can delete only your own drafts; ask a social media manager to delete this post.",
            code="not_own_draft",
        )
    before = audit_picture(post)
    repository.delete(session, post)
    record(session, actor, "post.delete", "post", post_id, before=before)


def assert_ready_for_review(session: Session, actor: Actor, post_id: uuid.UUID) -> Post:
    """The post (variants loaded) if nothing blocks its review; else Invalid with every error.

    Each error's field names the variant by its channel handle, e.g. `variants[@brand].text`.
    Variants already published or being published are not checked again.
    """
    post = load_post(session, actor, post_id)
    blocking = [
        FieldError(
            f"variants[{item.channel.handle}].{finding.field}",
            finding.rule,
            finding.message,
            finding.limit,
            finding.actual,
        )
        for item in post_view(session, actor, post).variants
        if item.variant.state not in states.LOCKED_STATES
        for finding in item.findings
        if finding.blocking
    ]
    if blocking:
        raise Invalid(
            f"This post is not ready for review: fix the {len(blocking)} problem(s) listed.",
            code="not_ready_for_review",
            errors=blocking,
        )
    return post
