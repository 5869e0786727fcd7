"""Direct Post on TikTok: the creator's allowed settings, the post's settings, and the wait.

https://developers.tiktok.com/doc/content-posting-api-reference-direct-post and
.../content-posting-api-reference-query-creator-info: before each post we ask which
privacy levels the creator offers, whether comments, duets and stitches are off on their
account, and how long a video they may post; a draft asking for anything else is refused
here, with a reason, before any upload. TikTok forbids pre-selecting a privacy level for
the person, so `privacy_level` has no default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from orchestre.connectors.base import (
    AmbiguousError,
    ConnectorError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.tiktok.wire import NETWORK, call
from orchestre.errors import UnsupportedMedia
from orchestre.kit.clock import Clock
from orchestre.media.probe import measure_video

CREATOR_INFO = "/v2/post/publish/creator_info/query/"
VIDEO_INIT = "/v2/post/publish/video/init/"
CONTENT_INIT = "/v2/post/publish/content/init/"
STATUS_FETCH = "/v2/post/publish/status/fetch/"

DONE = "PUBLISH_COMPLETE"
FAILED = "FAILED"


@dataclass(frozen=True)
class CreatorInfo:
    privacy_level_options: tuple[str, ...]
    comment_disabled: bool
    duet_disabled: bool
    stitch_disabled: bool
    max_video_post_duration_sec: float | None


@dataclass(frozen=True)
class Status:
    status: str
    post_ids: tuple[str, ...]
    fail_reason: str


def creator_info(client: httpx.Client) -> CreatorInfo:
    data = call(client, "POST", CREATOR_INFO, idempotent=True, json={})
    options = data.get("privacy_level_options")
    longest = data.get("max_video_post_duration_sec")
    return CreatorInfo(
        privacy_level_options=tuple(str(o) for o in options) if isinstance(options, list) else (),
        comment_disabled=bool(data.get("comment_disabled")),
        duet_disabled=bool(data.get("duet_disabled")),
        stitch_disabled=bool(data.get("stitch_disabled")),
        max_video_post_duration_sec=float(longest) if isinstance(longest, int | float) else None,
    )


def privacy_level(options: Mapping[str, Any], creator: CreatorInfo) -> str:
    """The draft's privacy level, if the creator offers it (there is no default)."""
    level = options.get("privacy_level")
    offered = ", ".join(creator.privacy_level_options) or "none"
    if not isinstance(level, str) or not level:
        raise PermanentError(
            "A TikTok post needs a privacy level chosen by a person (TikTok forbids choosing "
            f"one for them). This account offers: {offered}.",
            network=NETWORK,
            code="privacy_level_required",
        )
    if level not in creator.privacy_level_options:
        raise PermanentError(
            f"This TikTok account does not offer the privacy level {level}; it offers: {offered}.",
            network=NETWORK,
            code="privacy_level_option_mismatch",
        )
    if level == "SELF_ONLY" and options.get("brand_content_toggle"):
        raise PermanentError(
            "TikTok does not let branded content be private (SELF_ONLY); choose another "
            "privacy level or turn branded content off.",
            network=NETWORK,
            code="brand_content_private",
        )
    return level


def video_seconds(path: Path) -> float | None:
    """The video's length as ffprobe measures it; None when it cannot be measured (TikTok
    then judges the length itself)."""
    try:
        return measure_video(path).duration_seconds
    except (UnsupportedMedia, OSError):
        return None


def check_duration(seconds: float | None, creator: CreatorInfo) -> None:
    longest = creator.max_video_post_duration_sec
    if seconds is not None and longest is not None and seconds > longest:
        raise PermanentError(
            f"The video lasts {seconds:g} s; this TikTok account may post videos of at most "
            f"{longest:g} s.",
            network=NETWORK,
            code="duration_exceeded",
        )


def video_post_info(text: str, options: Mapping[str, Any], creator: CreatorInfo) -> dict[str, Any]:
    """`post_info` of a video: settings the creator turned off stay off whatever we ask."""
    info: dict[str, Any] = {
        "title": text,
        "privacy_level": privacy_level(options, creator),
        "disable_duet": creator.duet_disabled or bool(options.get("disable_duet")),
        "disable_comment": creator.comment_disabled or bool(options.get("disable_comment")),
        "disable_stitch": creator.stitch_disabled or bool(options.get("disable_stitch")),
        "brand_content_toggle": bool(options.get("brand_content_toggle")),
        "brand_organic_toggle": bool(options.get("brand_organic_toggle")),
    }
    cover = options.get("video_cover_timestamp_ms")
    if isinstance(cover, int) and cover >= 0:
        info["video_cover_timestamp_ms"] = cover
    return info


def photo_post_info(text: str, options: Mapping[str, Any], creator: CreatorInfo) -> dict[str, Any]:
    title = options.get("title")
    return {
        "title": title if isinstance(title, str) else "",
        "description": text,
        "privacy_level": privacy_level(options, creator),
        "disable_comment": creator.comment_disabled or bool(options.get("disable_comment")),
        "auto_add_music": bool(options.get("auto_add_music", True)),
        "brand_content_toggle": bool(options.get("brand_content_toggle")),
        "brand_organic_toggle": bool(options.get("brand_organic_toggle")),
    }


def fetch_status(client: httpx.Client, publish_id: str) -> Status:
    data = call(client, "POST", STATUS_FETCH, idempotent=True, json={"publish_id": publish_id})
    # TikTok spells the field so ("publicaly"), and sends a list of ids.
    ids = data.get("publicaly_available_post_id")
    return Status(
        status=str(data.get("status", "")),
        post_ids=tuple(str(i) for i in ids) if isinstance(ids, list) else (),
        fail_reason=str(data.get("fail_reason") or ""),
    )


@dataclass(frozen=True)
class Waiting:
    """How long to wait for TikTok to publish, on an injectable clock."""

    clock: Clock
    sleep: Callable[[float], None]
    interval: float = 5.0
    deadline: float = 600.0


def wait_until_published(client: httpx.Client, publish_id: str, waiting: Waiting) -> Status:
    """Poll the status until TikTok published or refused the post.

    The upload is done, so nothing here may become a `RetryableError` (a retry would post
    twice): passing the deadline, or any other failure to read the status, is an
    `AmbiguousError` carrying the `publish_id`.
    """
    start = waiting.clock.now()
    while True:
        pause = waiting.interval
        try:
            status = fetch_status(client, publish_id)
        except RetryableError as exc:
            status = None
            pause = max(pause, exc.retry_after or 0.0)
        except ConnectorError as exc:
            raise _pending(publish_id, f"its status could not be read ({exc.message})") from exc
        if status is not None and status.status == DONE:
            return status
        if status is not None and status.status == FAILED:
            raise PermanentError(
                f"TikTok did not publish the post: {status.fail_reason or 'no reason given'}.",
                network=NETWORK,
                code=status.fail_reason or "failed",
            )
        waited = (waiting.clock.now() - start).total_seconds()
        if waited + pause > waiting.deadline:
            raise _pending(publish_id, f"it was still processing after {waited:g} s")
        waiting.sleep(pause)


def _pending(publish_id: str, why: str) -> AmbiguousError:
    return AmbiguousError(
        f"TikTok received the post but {why}; it may still be published. Look it up by its "
        f"publish id {publish_id} before trying again.",
        client_ref=publish_id,
        network=NETWORK,
    )
