"""An instance's own limits (text length, link length, media), read once and kept with the channel.

`instance_limits` returns a plain dict fit for a channel's settings. Its flat keys are
the options the text rules read (`check_text("mastodon", text, options=settings)`:
`max_characters`, `characters_reserved_per_url`), and `configuration` is the
instance's `statuses` and `media_attachments` sections, which
`rules.media_limits.mastodon_instance_limits(settings["configuration"])` turns into the
`InstanceMediaLimits` that `check_media` applies. A key the instance does not announce
is left out, so the rules keep Mastodon's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from orchestre.connectors.base import PermanentError
from orchestre.connectors.http import make_client
from orchestre.connectors.mastodon.wire import NETWORK, call, json_object

_STATUS_KEYS = ("max_characters", "max_media_attachments", "characters_reserved_per_url")
_MEDIA_KEYS = (
    "image_size_limit",
    "image_matrix_limit",
    "video_size_limit",
    "video_matrix_limit",
    "video_frame_rate_limit",
    "description_limit",
)


def instance_limits(base_url: str, transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """The instance's limits (`GET /api/v2/instance`, or `/api/v1/instance` on a server
    that has no v2). Raises `RetryableError` when the instance cannot be reached."""
    with make_client(base_url=base_url.rstrip("/"), transport=transport) as client:
        try:
            body = json_object(call(client, "GET", "/api/v2/instance"))
        except PermanentError as exc:
            if exc.code != "404":
                raise
            body = json_object(call(client, "GET", "/api/v1/instance"))
    return limits_from_instance(body)


def limits_from_instance(body: Mapping[str, Any]) -> dict[str, Any]:
    """The limits in an Instance entity (v2, or v1 with or without `configuration`)."""
    configuration = _section(body, "configuration")
    statuses = {
        key: value
        for key in _STATUS_KEYS
        if (value := _positive(_section(configuration, "statuses").get(key))) is not None
    }
    # Before Mastodon 3.4 (and on some other servers) the length is a top-level field.
    legacy = _positive(body.get("max_toot_chars"))
    if "max_characters" not in statuses and legacy is not None:
        statuses["max_characters"] = legacy
    media_section = _section(configuration, "media_attachments")
    media: dict[str, Any] = {
        key: value for key in _MEDIA_KEYS if (value := _positive(media_section.get(key)))
    }
    types = media_section.get("supported_mime_types")
    if isinstance(types, list) and types:
        media["supported_mime_types"] = sorted({str(t) for t in types})
    limits: dict[str, Any] = {
        key: statuses[key]
        for key in ("max_characters", "characters_reserved_per_url")
        if key in statuses
    }
    limits["configuration"] = {"statuses": statuses, "media_attachments": media}
    return limits


def _section(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    return value if isinstance(value, Mapping) else {}


def _positive(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value)


__all__ = ["NETWORK", "instance_limits", "limits_from_instance"]
