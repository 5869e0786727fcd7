"""How X's API v2 answers become data or typed errors, on top of the shared HTTP client.

X speaks RFC 7807 problem documents (`{"title", "detail", "type"}`), sometimes with a 200
and an `errors` list instead of `data`. The daily cap on posts answers 429 too, with its
own reset header (`x-user-limit-24hour-reset`) that is later than the 15-minute window's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from orchestre.connectors.base import PermanentError, RetryableError
from orchestre.connectors.http import (
    IDEMPOTENT_METHODS,
    error_reason,
    raise_for_answer,
    retry_after_seconds,
    transport_error,
)
from orchestre.kit.clock import utcnow

NETWORK = "x"
API_BASE = "https://api.x.com"
WEB_BASE = "https://x.com"
DUPLICATE = "duplicate content"
# Asked on every read of posts so an answer can become an `Interaction` or a `PublicPost`.
TWEET_FIELDS = "created_at,author_id,conversation_id,lang,referenced_tweets,public_metrics"
USER_FIELDS = "username,name"


def call(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    client_ref: str | None = None,
    idempotent: bool | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Send one request to X and return its JSON body, or raise the typed error it means."""
    if idempotent is None:
        idempotent = method.upper() in IDEMPOTENT_METHODS
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(
            exc, network=NETWORK, idempotent=idempotent, client_ref=client_ref
        ) from exc
    _raise_for_x(response)
    raise_for_answer(response, network=NETWORK)
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError as exc:
        raise RetryableError("X answered something that is not JSON.", network=NETWORK) from exc
    return body if isinstance(body, dict) else {}


def _raise_for_x(response: httpx.Response) -> None:
    status = response.status_code
    if status == 429 and response.headers.get("x-user-limit-24hour-remaining") == "0":
        # The account's daily post cap: the 15-minute reset would only fail again.
        daily = httpx.Response(
            429,
            headers={"x-rate-limit-reset": response.headers.get("x-user-limit-24hour-reset", "")},
        )
        raise RetryableError(
            "X's daily limit of posts for this account is reached.",
            retry_after=retry_after_seconds(daily) or retry_after_seconds(response),
            network=NETWORK,
        )
    if status == 403:
        reason = error_reason(response)
        code = "duplicate" if DUPLICATE in reason.lower() else "403"
        raise PermanentError(reason, network=NETWORK, code=code)


def data_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """The `data` object of an answer; an answer with only `errors` is X's refusal."""
    data = body.get("data")
    if isinstance(data, dict):
        return data
    raise PermanentError(problem(body) or "X answered without data.", network=NETWORK)


def problem(body: Mapping[str, Any]) -> str | None:
    """The first problem's explanation in an answer's `errors`, if any."""
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    first = errors[0]
    for key in ("detail", "message", "title"):
        value = first.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def post_url(handle: str, tweet_id: str) -> str:
    # x.com/i/web/status/<id> reaches any post when the author's handle is unknown.
    return f"{WEB_BASE}/{handle or 'i/web'}/status/{tweet_id}"


def parse_time(value: object) -> datetime:
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return utcnow()


def users_by_id(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    includes = body.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    if not isinstance(users, list):
        return {}
    return {str(u["id"]): u for u in users if isinstance(u, dict) and "id" in u}


def replied_to(tweet: Mapping[str, Any]) -> str | None:
    for ref in tweet.get("referenced_tweets") or ():
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return None


def tweets_of(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    data = body.get("data")
    return [t for t in data if isinstance(t, dict)] if isinstance(data, list) else []


def next_token(body: Mapping[str, Any]) -> str | None:
    meta = body.get("meta")
    token = meta.get("next_token") if isinstance(meta, dict) else None
    return token if isinstance(token, str) and token else None
