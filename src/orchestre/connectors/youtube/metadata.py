"""A draft as YouTube's video resource: snippet (title, description, tags) and status.

https://developers.google.com/youtube/v3/docs/videos#resource: the title is at most 100
characters, the description 5,000 bytes, neither with `<` or `>`; a scheduled video
(`publishAt`) must be private until then. The text rules (`connectors/rules/text.py`)
judge the person's title and description; only a title we derive from the text's first
line is trimmed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestre.connectors.base import DraftPost, PermanentError
from orchestre.connectors.youtube.wire import NETWORK
from orchestre.errors import UnsupportedMedia
from orchestre.media.probe import measure_video

TITLE_LIMIT = 100
SHORT_MAX_SECONDS = 180
PRIVACY = ("public", "unlisted", "private")
DEFAULT_CATEGORY = "22"  # People & Blogs
SHORTS_TAG = "#Shorts"
_FORBIDDEN = re.compile(r"[<>]")


def is_short(options: Mapping[str, Any]) -> bool:
    return options.get("format") == "short"


def title_of(draft: DraftPost) -> str:
    """The `title` option, else the text's first line made fit (<, > dropped, 100 chars)."""
    title = draft.options.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    first = next((line.strip() for line in draft.text.splitlines() if line.strip()), "")
    first = _FORBIDDEN.sub("", first).strip()
    if len(first) > TITLE_LIMIT:
        first = first[: TITLE_LIMIT - 1].rstrip() + "…"
    if not first:
        raise PermanentError(
            "A YouTube video needs a title: give one, or start the text with it.",
            network=NETWORK,
            code="title_required",
        )
    return first


def video_resource(draft: DraftPost, seconds: float | None = None) -> dict[str, Any]:
    """The JSON body that opens the upload session; `seconds` is the video's length."""
    options = draft.options
    title, description = title_of(draft), draft.text
    if is_short(options):
        _check_short(seconds)
        if (
            options.get("shorts_hashtag")
            and SHORTS_TAG.lower() not in (title + description).lower()
        ):
            if len(title) + 1 + len(SHORTS_TAG) <= TITLE_LIMIT:
                title = f"{title} {SHORTS_TAG}"
            else:
                description = f"{description}\n\n{SHORTS_TAG}".strip()
    snippet: dict[str, Any] = {
        "title": title,
        "description": description,
        "categoryId": str(options.get("category_id") or DEFAULT_CATEGORY),
    }
    tags = options.get("tags")
    if isinstance(tags, list | tuple) and tags:
        snippet["tags"] = [str(t) for t in tags]
    language = options.get("language")
    if isinstance(language, str) and language:
        snippet["defaultLanguage"] = language
    return {"snippet": snippet, "status": _status(options)}


def _status(options: Mapping[str, Any]) -> dict[str, Any]:
    privacy = options.get("privacy", "public")
    if privacy not in PRIVACY:
        raise PermanentError(
            f"YouTube privacy must be one of {', '.join(PRIVACY)}, not {privacy!r}.",
            network=NETWORK,
            code="invalid_privacy",
        )
    status: dict[str, Any] = {
        "privacyStatus": privacy,
        "selfDeclaredMadeForKids": bool(options.get("made_for_kids", False)),
    }
    publish_at = options.get("publish_at")
    if publish_at is not None:
        # YouTube publishes a scheduled video by turning it public at that time.
        status["privacyStatus"] = "private"
        status["publishAt"] = _instant(publish_at)
    return status


def _instant(value: object) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise PermanentError(
            "The YouTube publish time must be a date and time with a time zone.",
            network=NETWORK,
            code="invalid_publish_at",
        )
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_short(seconds: float | None) -> None:
    if seconds is not None and seconds > SHORT_MAX_SECONDS:
        raise PermanentError(
            f"A YouTube Short lasts at most 3 minutes; this video lasts {seconds:g} s.",
            network=NETWORK,
            code="short_too_long",
        )


def upload_params(options: Mapping[str, Any]) -> dict[str, str]:
    notify = options.get("notify_subscribers", True)
    return {"part": "snippet,status", "notifySubscribers": "true" if notify else "false"}


def video_url(video_id: str, *, short: bool) -> str:
    if short:
        return f"https://www.youtube.com/shorts/{video_id}"
    return f"https://www.youtube.com/watch?v={video_id}"


def video_seconds(path: Path) -> float | None:
    """The video's length as ffprobe measures it; None when it cannot be measured (YouTube
    then judges the length itself)."""
    try:
        return measure_video(path).duration_seconds
    except (UnsupportedMedia, OSError):
        return None
