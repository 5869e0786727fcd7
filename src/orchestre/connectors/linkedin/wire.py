"""How LinkedIn's versioned REST API is called, and how its answers become typed errors.

Every call carries `LinkedIn-Version` (the API version we were written and tested
against) and `X-Restli-Protocol-Version: 2.0.0`. Entities are URNs, percent-encoded
whole in paths and queries. Errors are `{"status", "serviceErrorCode", "code", "message"}`.
LinkedIn's daily limits reset at midnight UTC: a 429 without `Retry-After` waits until then.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote

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

NETWORK = "linkedin"
API_BASE = "https://api.linkedin.com"
# Versions live for at least a year after their month; move it forward with the tests.
API_VERSION = "202605"
HEADERS = {"LinkedIn-Version": API_VERSION, "X-Restli-Protocol-Version": "2.0.0"}
POST_URL = "https://www.linkedin.com/feed/update/{urn}/"


def encode(urn: str) -> str:
    """A URN as one path segment or query value (`urn%3Ali%3Ashare%3A1`)."""
    return quote(urn, safe="")


def call(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    client_ref: str | None = None,
    idempotent: bool | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request to LinkedIn; return the answer, or raise the typed error it means."""
    if idempotent is None:
        idempotent = method.upper() in IDEMPOTENT_METHODS
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(
            exc, network=NETWORK, idempotent=idempotent, client_ref=client_ref
        ) from exc
    _raise_for_linkedin(response)
    raise_for_answer(response, network=NETWORK)
    return response


def _raise_for_linkedin(response: httpx.Response) -> None:
    status = response.status_code
    if status == 429:
        delay = retry_after_seconds(response)
        if delay is None:
            now = utcnow()
            midnight = datetime.combine(now.date() + timedelta(days=1), time(0), now.tzinfo)
            delay = (midnight - now).total_seconds()
        raise RetryableError(
            f"LinkedIn asks us to slow down: {error_reason(response)}",
            retry_after=delay,
            network=NETWORK,
        )
    if 400 <= status < 500 and status not in {401, 408}:
        body = json_of(response)
        reason = error_reason(response)
        service_code = body.get("serviceErrorCode")
        code = str(status) if service_code is None else f"{status}/{service_code}"
        if "duplicate" in reason.lower():
            code = "duplicate"
        raise PermanentError(reason, network=NETWORK, code=code)


def json_of(response: httpx.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def created_id(response: httpx.Response) -> str:
    """The URN of what a POST created, from `x-restli-id` (or the body's `id`)."""
    urn = response.headers.get("x-restli-id") or json_of(response).get("id")
    if not isinstance(urn, str) or not urn:
        raise PermanentError("LinkedIn's answer names no created entity.", network=NETWORK)
    return urn


def post_url(urn: str) -> str:
    return POST_URL.format(urn=urn)
