"""TikTok's answers as typed errors: every answer carries `{"error": {"code", ...}}`.

TikTok's Open API wraps every answer, successful or not, in the same envelope
(https://developers.tiktok.com/doc/tiktok-api-v2-error-handling): `error.code` is "ok" on
success and names the problem otherwise, sometimes with HTTP 200. So the envelope is read
before the HTTP status, and a code that is not "ok" is an error whatever the status.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from orchestre.connectors.base import (
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.http import raise_for_answer, retry_after_seconds, transport_error

NETWORK = "tiktok"
API_BASE = "https://open.tiktokapis.com"
# TikTok counts requests per user per minute; without a header, a minute is the window.
RATE_WINDOW_SECONDS = 60.0

CREDENTIAL_CODES = frozenset(
    {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}
)
RETRYABLE_CODES = frozenset({"rate_limit_exceeded", "internal_error"})
# What each refusal means for the person who wrote the post.
REFUSALS = {
    "spam_risk_too_many_posts": (
        "TikTok refused the post: this account reached the number of posts TikTok allows "
        "in a day. Publish it tomorrow."
    ),
    "spam_risk_too_many_pending_share": (
        "TikTok refused the post: too many posts of this account are still waiting to be "
        "processed. Try again once they are published."
    ),
    "spam_risk_user_banned_from_posting": (
        "TikTok refused the post: this account is banned from posting for now."
    ),
    "privacy_level_option_mismatch": (
        "TikTok refused the post: its privacy level is not one this account offers. "
        "Choose one of the account's privacy levels."
    ),
    "unaudited_client_can_only_post_to_private_accounts": (
        "TikTok refused the post: Orchestre's TikTok app is not audited yet, so TikTok lets "
        "it post only as private (SELF_ONLY) to private accounts. Post privately, or have "
        "the app audited by TikTok."
    ),
    "url_ownership_unverified": (
        "TikTok refused the photos: it fetches photos only from a domain or URL prefix "
        "verified for the app. Serve them from a verified address."
    ),
    "duration_exceeded": ("TikTok refused the video: it is longer than this account may post."),
    "file_format_check_failed": "TikTok refused the file: its format is not one TikTok takes.",
    "picture_size_check_failed": "TikTok refused a photo: its size is not one TikTok takes.",
    "video_pull_failed": "TikTok could not download the video from its address.",
    "photo_pull_failed": "TikTok could not download a photo from its address.",
}


def call(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    idempotent: bool,
    client_ref: str | None = None,
    expect_json: bool = True,
    **kwargs: Any,
) -> dict[str, Any]:
    """Send one Open API request and return its `data`, or raise the typed error it means.

    `expect_json=False` for the upload URL, which answers 206 or 201 with no envelope.
    """
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(
            exc, network=NETWORK, idempotent=idempotent, client_ref=client_ref
        ) from exc
    envelope = _json(response)
    error = envelope.get("error") if isinstance(envelope, dict) else None
    if isinstance(error, dict) and str(error.get("code", "ok")) != "ok":
        raise error_for(response, error)
    raise_for_answer(response, network=NETWORK)
    if not isinstance(envelope, dict):
        if not expect_json:
            return {}
        raise RetryableError("TikTok answered something that is not JSON.", network=NETWORK)
    data = envelope.get("data")
    return data if isinstance(data, dict) else {}


def error_for(response: httpx.Response, error: dict[str, Any]) -> Exception:
    """The typed error for TikTok's `error` object (code, message, log_id)."""
    code = str(error.get("code", ""))
    message = str(error.get("message") or code)
    log_id = str(error.get("log_id") or "")
    trace = f" (TikTok log id {log_id})" if log_id else ""
    if code in CREDENTIAL_CODES:
        return CredentialError(
            f"TikTok refused the account's access ({code}): {message}{trace}",
            definitive=True,
            network=NETWORK,
        )
    if code in RETRYABLE_CODES or response.status_code >= 500 or response.status_code == 429:
        retry_after = retry_after_seconds(response)
        if retry_after is None and (code == "rate_limit_exceeded" or response.status_code == 429):
            retry_after = RATE_WINDOW_SECONDS
        return RetryableError(
            f"TikTok asks us to try again later ({code}): {message}{trace}",
            retry_after=retry_after,
            network=NETWORK,
        )
    explained = REFUSALS.get(code)
    reason = f"{explained} ({message}){trace}" if explained else f"TikTok: {message}{trace}"
    return PermanentError(reason, network=NETWORK, code=code)


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None


def local_path(uri: str) -> Path:
    """The file a `MediaRef.uri` names: a `file://` URI or a plain path; nothing remote."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise PermanentError(f"TikTok uploads need a local file, not {uri}.", network=NETWORK)
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:
        raise PermanentError(
            f"TikTok uploads a video from a local file; {parsed.scheme}: addresses are not "
            "read. Give a file path.",
            network=NETWORK,
        )
    return Path(uri)


def https_url(uri: str) -> str:
    """A photo address TikTok can fetch: https only (PULL_FROM_URL)."""
    if urlparse(uri).scheme != "https":
        raise PermanentError(
            "TikTok fetches photos from a public https address on a verified domain; "
            f"{uri} is not one.",
            network=NETWORK,
        )
    return uri
