"""Google's answers as typed errors, and when YouTube's daily quota comes back.

Every refusal of the Data API has the shape `{"error": {"code", "message", "errors":
[{"reason", "domain", "message"}]}}` (https://developers.google.com/youtube/v3/docs/errors).
The `reason` says more than the status: a 403 is a spent quota (wait for midnight Pacific
time, when quotas reset), a rate limit (slow down), an upload limit (the channel posted
too much today) or a plain refusal.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

import httpx

from orchestre.connectors.base import (
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.http import retry_after_seconds, transport_error

NETWORK = "youtube"
API_BASE = "https://www.googleapis.com"
# Quotas reset at midnight Pacific Time (https://developers.google.com/youtube/v3/getting-started#quota).
QUOTA_ZONE = ZoneInfo("America/Los_Angeles")

QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
CREDENTIAL_REASONS = frozenset({"authError", "invalidCredentials", "expired"})
REFUSALS = {
    "uploadLimitExceeded": (
        "YouTube refused the upload: this channel reached the number of videos it may "
        "upload in a day. Publish it tomorrow."
    ),
    "forbidden": "YouTube refused: the account may not do this on this video or channel.",
    "videoNotFound": "YouTube has no such video (it was deleted or is not this channel's).",
    "commentNotFound": "YouTube has no such comment (it was deleted).",
    "commentsDisabled": "Comments are turned off on this video.",
    "invalidTitle": "YouTube refused the title: it is empty, too long or holds < or >.",
    "invalidDescription": "YouTube refused the description: too long or holds < or >.",
    "invalidTags": "YouTube refused the tags (500 characters at most in all).",
    "invalidCategoryId": "YouTube refused the category.",
    "invalidPublishAt": "YouTube refused the scheduled time: it must be in the future.",
    "invalidPageToken": "YouTube no longer knows this page of results; start again.",
}


def reasons(response: httpx.Response) -> tuple[str, str]:
    """(first reason, message) of a Google error answer; empty strings if there is none."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return "", response.text.strip()[:300]
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    details = error.get("errors")
    first = details[0] if isinstance(details, list) and details else {}
    reason = str(first.get("reason", "")) if isinstance(first, dict) else ""
    return reason, str(error.get("message") or "")


def error_for(response: httpx.Response, now: datetime) -> Exception | None:
    """The typed error a Google answer means, or None for a success."""
    status = response.status_code
    if status < 400:
        return None
    reason, message = reasons(response)
    said = message or reason or f"HTTP {status}"
    if reason in QUOTA_REASONS:
        return RetryableError(
            f"YouTube's daily API quota is spent; it comes back at midnight Pacific time ({said}).",
            retry_after=seconds_until_quota_reset(now),
            network=NETWORK,
        )
    if reason in RATE_REASONS or status == 429:
        return RetryableError(
            f"YouTube asks us to slow down ({said}).",
            retry_after=retry_after_seconds(response, now),
            network=NETWORK,
        )
    if status >= 500 or status == 408:
        return RetryableError(
            f"YouTube had a problem ({status}): {said}",
            retry_after=retry_after_seconds(response, now),
            network=NETWORK,
        )
    if status == 401 or reason in CREDENTIAL_REASONS:
        return CredentialError(
            f"YouTube refused the account's access ({reason or status}): {said}",
            definitive=True,
            network=NETWORK,
        )
    explained = REFUSALS.get(reason)
    text = f"{explained} ({said})" if explained else f"YouTube: {said}"
    return PermanentError(text, network=NETWORK, code=reason or str(status))


def seconds_until_quota_reset(now: datetime) -> float:
    """Seconds from `now` to the next midnight in Los Angeles (DST included)."""
    local = now.astimezone(QUOTA_ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=QUOTA_ZONE)
    return (midnight - now).total_seconds()


def call(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    now: datetime,
    idempotent: bool | None = None,
    client_ref: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; return a successful answer or raise the typed error it means."""
    if idempotent is None:
        idempotent = method.upper() in {"GET", "PUT", "DELETE"}
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(
            exc, network=NETWORK, idempotent=idempotent, client_ref=client_ref
        ) from exc
    error = error_for(response, now)
    if error is not None:
        raise error
    return response


def body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a successful answer (empty for 204 No Content)."""
    if not response.content:
        return {}
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise RetryableError("YouTube answered something that is not JSON.") from exc
    return data if isinstance(data, dict) else {}


def local_path(uri: str) -> Path:
    """The file a `MediaRef.uri` names: a `file://` URI or a plain path; nothing remote."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise PermanentError(f"YouTube uploads need a local file, not {uri}.", network=NETWORK)
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:
        raise PermanentError(
            f"YouTube uploads a video from a local file; {parsed.scheme}: addresses are not "
            "read. Give a file path.",
            network=NETWORK,
        )
    return Path(uri)
