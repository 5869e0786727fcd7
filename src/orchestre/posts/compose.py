"""The composer's use cases: measure a variant being written, and adapt its text on demand.

Permissions: a check is a read (POSTS_VIEW: a reviewer sees the same findings on the
post), an adaptation is writing (POSTS_CREATE: it produces a text to save).

A channel's instance limits come from its settings, as the Mastodon connector keeps them
(`connectors.mastodon.instance.limits_from_instance`): `max_characters` and
`characters_reserved_per_url` flat, and the instance's `configuration` (GET
/api/v2/instance: `statuses`, `media_attachments`) for its media limits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from orchestre.connectors.rules import NETWORKS, check_text
from orchestre.connectors.rules.text import graphemes, utf8_bytes
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.models import Channel, MediaAsset
from orchestre.posts import adapt, repository
from orchestre.posts.campaigns import slugify
from orchestre.posts.compose_schemas import (
    AdaptResult,
    CheckResult,
    ComposeAdapt,
    ComposeCheck,
    Counter,
    Violation,
)
from orchestre.posts.media_probe import facts_of
from orchestre.posts.validation import (
    EditorialRules,
    Finding,
    VariantContent,
    check_variant,
    instance_media_limits,
    instance_options,
)
from orchestre.workspaces.permissions import Actor, Permission

P = Permission
BLUESKY_MAX_BYTES = 3000  # Bluesky's second limit, beside its 300 graphemes
Unit = Literal["weighted_characters", "characters", "bytes"]
UNITS: dict[str, Unit] = {"x": "weighted_characters", "youtube": "bytes"}


@dataclass(frozen=True)
class Target:
    """Where the variant goes: its network, the channel's handle and instance options."""

    network: str
    handle: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)


def _invalid(field: str, rule: str, message: str) -> Invalid:
    return Invalid(message, code="validation_failed", errors=[FieldError(field, rule, message)])


def _bad_option(exc: ValueError) -> Invalid:
    return Invalid(
        "An option of this variant has a wrong value.",
        code="validation_failed",
        errors=[FieldError("options", "invalid", str(exc))],
    )


def resolve_target(
    session: Session, actor: Actor, network: str | None, channel_id: uuid.UUID | None
) -> Target:
    """The network named, or the channel's (with its instance's limits)."""
    if channel_id is not None:
        channel: Channel | None = repository.channels_by_ids(
            session, actor.workspace_id, [channel_id]
        ).get(channel_id)
        if channel is None:
            raise NotFound("This channel does not exist in this workspace.", code="not_found")
        settings = channel.settings or {}
        return Target(channel.network, channel.handle, instance_options(settings), settings)
    if not network:
        raise _invalid("network", "required", "Name a network or a channel to check against.")
    if network not in NETWORKS and network != "sandbox":
        raise _invalid("network", "one_of", f"Unknown network; use one of: {', '.join(NETWORKS)}.")
    return Target(network)


def _options(target: Target, given: Mapping[str, Any]) -> dict[str, Any]:
    # The instance's limits are facts of the server: they win over what the request says.
    return {**given, **target.options}


# --- check ----------------------------------------------------------------------------------


def _violation(network: str, finding: Finding) -> Violation:
    return Violation(
        network=network,
        rule=finding.rule,
        field=finding.field,
        limit=finding.limit,
        actual=finding.actual,
        message=finding.message,
        severity=finding.severity.value,
    )


def _counters(network: str, text: str, options: Mapping[str, Any]) -> list[Counter]:
    if network not in NETWORKS:
        return []
    report = check_text(network, text, options=options)
    unit = UNITS.get(network, "characters")
    counters = [Counter(unit=unit, length=report.length, limit=report.limit, remaining=0)]
    if network == "bluesky":
        size = utf8_bytes(text)
        counters.append(Counter(unit="bytes", length=size, limit=BLUESKY_MAX_BYTES, remaining=0))
    return [c.model_copy(update={"remaining": c.limit - c.length}) for c in counters]


def _media(session: Session, actor: Actor, ids: Sequence[uuid.UUID]) -> list[MediaAsset]:
    found = repository.media_by_ids(session, actor.workspace_id, ids)
    if any(media_id not in found for media_id in ids):
        raise NotFound("This media does not exist in this workspace.", code="media_not_found")
    return [found[media_id] for media_id in ids]


def _thread_violations(
    network: str, parts: Sequence[str], options: Mapping[str, Any]
) -> list[Violation]:
    if network not in NETWORKS:
        return []
    found = []
    for index, part in enumerate(parts):
        for v in check_text(network, part, options=options).violations:
            if v.field == "text":
                found.append(Violation.model_validate(v.as_dict() | {"field": f"thread[{index}]"}))
    return found


def check(session: Session, actor: Actor, data: ComposeCheck) -> CheckResult:
    """Measure a variant as its network counts it and list every rule it breaks."""
    actor.require(P.POSTS_VIEW)
    target = resolve_target(session, actor, data.network, data.channel_id)
    options = _options(target, data.options)
    media = _media(session, actor, data.media_ids)
    # The same checks as a saved variant's (service.findings_of), media included.
    content = VariantContent(
        text=data.text,
        first_comment=data.first_comment,
        link_url=data.link_url,
        media_count=len(media),
        network=target.network,
        channel_handle=target.handle,
        options=options,
        media=tuple(facts_of(asset) for asset in media),
        media_limits=instance_media_limits(target.network, target.settings),
        media_status=tuple(asset.status for asset in media),
        media_licence_expiry=tuple(asset.licence_expires_at for asset in media),
    )
    rules = EditorialRules.from_line(repository.editorial_line(session, actor.workspace_id))
    try:
        violations = [_violation(target.network, f) for f in check_variant(content, rules)]
        violations += _thread_violations(target.network, data.thread, options)
        counters = _counters(target.network, data.text, options)
    except ValueError as exc:  # e.g. an option of the wrong type (max_characters: "a lot")
        raise _bad_option(exc) from exc
    return CheckResult(
        network=target.network,
        ok=not any(v.severity == "error" for v in violations),
        length=counters[0].length if counters else graphemes(data.text),
        limit=counters[0].limit if counters else None,
        violations=violations,
        counters=counters,
    )


# --- adapt ----------------------------------------------------------------------------------


def _utm_campaign(session: Session, actor: Actor, data: ComposeAdapt) -> str:
    if data.campaign and data.campaign.strip():
        return slugify(data.campaign)
    if data.campaign_id is not None:
        campaign = repository.get_campaign(session, actor.workspace_id, data.campaign_id)
        if campaign is None:
            raise NotFound("This campaign does not exist in this workspace.", code="not_found")
        return campaign.utm_campaign or slugify(campaign.name)
    raise _invalid(
        "campaign", "required", "Choose a campaign (or type its name) to tag the links with."
    )


def _hashtag_maximum(network: str, given: int | None) -> int:
    if given is not None:
        return given
    if network in adapt.HASHTAG_LIMITS:
        return adapt.HASHTAG_LIMITS[network]
    raise _invalid(
        "max_hashtags", "required", "This network sets no hashtag limit; say how many to keep."
    )


def _apply(session: Session, actor: Actor, target: Target, data: ComposeAdapt) -> AdaptResult:
    options = _options(target, data.options)
    network = target.network
    text, comment, link = data.text, data.first_comment, data.link_url
    thread: list[str] = []
    if data.action == "split_thread":
        parts = adapt.split_thread(
            text, network, options, numbering=data.numbering, limit=data.limit
        )
        text, thread = parts[0], parts[1:]
    elif data.action == "shorten":
        text = adapt.shorten(text, network, options, limit=data.limit)
    elif data.action in ("hashtags_to_end", "hashtags_to_first_comment"):
        where: Literal["end", "first_comment"] = (
            "end" if data.action == "hashtags_to_end" else "first_comment"
        )
        moved = adapt.move_hashtags(text, comment or "", to=where)
        text, comment = moved.text, (moved.first_comment or comment)
    elif data.action == "trim_hashtags":
        text = adapt.trim_hashtags(text, _hashtag_maximum(network, data.max_hashtags))
    else:  # add_utm
        slug = _utm_campaign(session, actor, data)
        text = adapt.add_utm(text, network, slug)
        comment = adapt.add_utm(comment, network, slug) if comment else comment
        link = adapt.with_utm(link, network, slug) if link else link
    changed = (text, comment, link) != (data.text, data.first_comment, data.link_url) or bool(
        thread
    )
    return AdaptResult(
        action=data.action,
        changed=changed,
        text=text,
        first_comment=comment,
        link_url=link,
        thread=thread,
    )


def adapt_text(session: Session, actor: Actor, data: ComposeAdapt) -> AdaptResult:
    """Apply one adaptation (thread, shorten, hashtags, UTM) to a variant's text."""
    actor.require(P.POSTS_CREATE)
    target = resolve_target(session, actor, data.network, data.channel_id)
    try:
        return _apply(session, actor, target, data)
    except adapt.AdaptError as exc:
        raise Invalid(
            "This text cannot be adapted that way.",
            code="cannot_adapt",
            errors=[FieldError("text", "cannot_adapt", str(exc))],
        ) from exc
    except ValueError as exc:  # an option of the wrong type, as in `check`
        raise _bad_option(exc) from exc
