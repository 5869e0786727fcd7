"""The HTTP client every connector uses, and how a network's answers become typed errors.

Connectors build their client with `make_client(transport=...)` so tests replay the
network's documented payloads through `httpx.MockTransport`, and send through `send()`
so that timeouts, refused connections, rate limits and rejections mean the same thing on
every network.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from orchestre import __version__
from orchestre.connectors.base import (
    AmbiguousError,
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.kit.clock import utcnow

USER_AGENT = f"Orchestre/{__version__} (self-hosted social media management)"
# Uploads of large videos need a long write; nothing else should wait more than a minute.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=60.0, pool=10.0)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
REASON_MAX = 500
# Headers that carry an instant (epoch seconds or a date) when the limit resets.
RESET_HEADERS = ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset")


def make_client(
    *,
    base_url: str = "",
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """A client with our timeouts and user agent; `transport` replaces the network in tests."""
    merged = {"User-Agent": USER_AGENT, **(headers or {})}
    return httpx.Client(
        base_url=base_url,
        transport=transport,
        timeout=timeout or DEFAULT_TIMEOUT,
        headers=merged,
        follow_redirects=False,
        verify=tls_context() if transport is None else True,
    )


_tls: ssl.SSLContext | None = None
_tls_lock = threading.Lock()


def tls_context() -> ssl.SSLContext:
    """The process's one verifying TLS context, shared by every client.

    Building one loads the CA bundle: about 18 ms of CPU, which every installation paid
    (connectors make a client per installation, so per publication); with a shared
    context a client costs under a millisecond. An SSLContext is safe to share between
    threads."""
    global _tls
    with _tls_lock:
        if _tls is None:
            _tls = httpx.create_ssl_context()
        return _tls


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    network: str,
    idempotent: bool | None = None,
    client_ref: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request and return a successful answer, or raise the typed error it means.

    `idempotent` defaults from the method; a non-idempotent call that timed out after
    it was sent raises `AmbiguousError` (carrying `client_ref`), never `RetryableError`.
    """
    if idempotent is None:
        idempotent = method.upper() in IDEMPOTENT_METHODS
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(
            exc, network=network, idempotent=idempotent, client_ref=client_ref
        ) from exc
    raise_for_answer(response, network=network)
    return response


def transport_error(
    exc: httpx.HTTPError, *, network: str, idempotent: bool, client_ref: str | None = None
) -> Exception:
    """The typed error for a request that got no answer."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        # The request never left: nothing can have happened on the network.
        return RetryableError(f"{network} could not be reached: {exc}", network=network)
    sent = isinstance(
        exc, httpx.ReadTimeout | httpx.WriteTimeout | httpx.RemoteProtocolError | httpx.ReadError
    )
    if sent and not idempotent:
        return AmbiguousError(
            f"{network} did not answer after the request was sent; it may have been done. "
            "Check on the network before trying again.",
            client_ref=client_ref,
            network=network,
        )
    if isinstance(exc, httpx.TransportError):
        return RetryableError(f"{network} did not answer: {exc}", network=network)
    return PermanentError(f"The request to {network} could not be made: {exc}", network=network)


def raise_for_answer(response: httpx.Response, *, network: str) -> None:
    """Raise the typed error an unsuccessful answer means; do nothing for a success."""
    status = response.status_code
    if status < 400:
        return
    reason = error_reason(response)
    if status == 429:
        raise RetryableError(
            f"{network} asks us to slow down: {reason}",
            retry_after=retry_after_seconds(response),
            network=network,
        )
    if status >= 500 or status == 408:
        raise RetryableError(
            f"{network} had a problem ({status}): {reason}",
            retry_after=retry_after_seconds(response),
            network=network,
        )
    if status == 401:
        raise CredentialError(
            f"{network} refused the account's credentials: {reason}",
            definitive=True,
            network=network,
        )
    raise PermanentError(reason, network=network, code=str(status))


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Seconds to wait, from `Retry-After` (seconds or date) or a rate-limit reset header."""
    now = now or utcnow()
    value = response.headers.get("retry-after")
    if value:
        return _delay_from(value.strip(), now, bare_number_is_delay=True)
    for name in RESET_HEADERS:
        value = response.headers.get(name)
        if value:
            return _delay_from(value.strip(), now, bare_number_is_delay=False)
    return None


def _delay_from(value: str, now: datetime, *, bare_number_is_delay: bool) -> float | None:
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        # A reset header holds an epoch instant; a small number there is already a delay.
        if bare_number_is_delay or number < 1_000_000_000:
            return max(0.0, number)
        return max(0.0, number - now.timestamp())
    at = _parse_instant(value)
    if at is None:
        return None
    return max(0.0, (at - now).total_seconds())


def _parse_instant(value: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            at = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def error_reason(response: httpx.Response) -> str:
    """The network's own explanation of a refusal, from the usual JSON shapes or the text."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        body = None
    reason = _reason_in(body) if body is not None else None
    if not reason:
        reason = response.text.strip() or response.reason_phrase or f"HTTP {response.status_code}"
    return reason[:REASON_MAX]


def _reason_in(body: Any) -> str | None:
    if isinstance(body, str):
        return body
    if isinstance(body, list):
        found = [r for r in (_reason_in(item) for item in body[:3]) if r]
        return "; ".join(found) or None
    if not isinstance(body, dict):
        return None
    for key in ("error_description", "message", "detail", "error_msg", "title", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict | list):
            nested = _reason_in(value)
            if nested:
                return nested
    errors = body.get("errors")
    if errors:
        return _reason_in(errors)
    return None
