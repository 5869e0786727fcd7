"""The `atproto` SDK talking through our HTTP client, and XRPC answers as typed errors.

The SDK's `Client` sends through a `Request` object that owns an httpx client. We give it
our own (`make_client`, so tests inject an `httpx.MockTransport`), and map each answer to
the contract's errors before the SDK sees it:

- no answer: `transport_error` (a connection refused is retryable; a timeout after a write
  was sent is ambiguous, unless the procedure is safe to repeat);
- 429 `RateLimitExceeded`: `RetryableError` after the `ratelimit-reset` instant;
- 5xx (and 502 `UpstreamFailure` from the PDS's proxy to the AppView): `RetryableError`;
- `ExpiredToken` (400 or 401): the access token ran out, `CredentialError` that is not
  definitive (refresh the session); `InvalidToken`, `AccountTakedown` and other 401/403:
  definitive `CredentialError`;
- any other 4xx (`InvalidRequest`, `NotFound`, `BlobTooLarge`, ...): `PermanentError`
  with the network's message as the reason and its error name as the code.

The SDK's automatic session refresh is never used: Bluesky rotates refresh tokens, and a
refresh that the caller does not store would lose the account. Refreshing is
`Installation.refresh_credentials`, whose result the caller keeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from atproto_client.client.raw import ClientRaw  # type: ignore[import-untyped]
from atproto_client.request import Request, RequestBase  # type: ignore[import-untyped]

from orchestre.connectors.base import (
    CredentialError,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.http import (
    REASON_MAX,
    make_client,
    retry_after_seconds,
    transport_error,
)

NETWORK = "bluesky"
DEFAULT_SERVICE = "https://bsky.social"

# Procedures that change nothing when repeated: a timeout after sending one is retryable.
SAFE_TO_REPEAT = frozenset(
    {
        "com.atproto.repo.uploadBlob",  # content-addressed: the same bytes, the same blob
        "com.atproto.repo.deleteRecord",
        "com.atproto.repo.putRecord",
        "com.atproto.server.createSession",
        # The PDS accepts a just-rotated refresh token again for a grace period.
        "com.atproto.server.refreshSession",
    }
)
# Error names that mean the access token itself ran out: refresh, do not reconnect.
EXPIRED = frozenset({"ExpiredToken"})
# Error names that mean the account's credentials are refused for good.
REFUSED = frozenset(
    {
        "InvalidToken",
        "AuthenticationRequired",
        "AccountTakedown",
        "AccountDeactivated",
        "AuthFactorTokenRequired",
    }
)


class XrpcRequest(Request):  # type: ignore[misc]
    """The SDK's request object over our own httpx client.

    `client_ref` is the idempotency key of the publish in progress: an ambiguous write
    carries it in its `AmbiguousError`.
    """

    def __init__(self, client: httpx.Client, clock: Callable[[], datetime]) -> None:
        RequestBase.__init__(self)  # not Request.__init__: it would open its own client
        self._client = client
        self._client_kwargs: dict[str, Any] = {}
        self._clock = clock
        self.client_ref: str | None = None

    def _new_instance(self) -> XrpcRequest:
        return XrpcRequest(self._client, self._clock)

    def _send_request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {
            key: value
            for key, value in self.get_headers(kwargs.pop("headers", None)).items()
            if key.lower() != "user-agent"  # ours, set on the client
        }
        if isinstance(kwargs.get("data"), bytes):  # a blob: raw bytes are httpx's `content`
            kwargs["content"] = kwargs.pop("data")
        nsid = url.rsplit("/", 1)[-1]
        idempotent = method.upper() == "GET" or nsid in SAFE_TO_REPEAT
        try:
            response = self._client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise transport_error(
                exc, network=NETWORK, idempotent=idempotent, client_ref=self.client_ref
            ) from exc
        raise_for_xrpc(response, now=self._clock())
        return response


def sdk_client(
    service: str,
    *,
    transport: httpx.BaseTransport | None,
    clock: Callable[[], datetime],
    headers: dict[str, str] | None = None,
) -> tuple[Any, XrpcRequest]:
    """The SDK's raw XRPC client for `service` (a PDS), sending through our client."""
    client = make_client(transport=transport, headers=headers)
    request = XrpcRequest(client, clock)
    return ClientRaw(base_url=service, request=request), request


def xrpc_error(response: httpx.Response) -> tuple[str, str]:
    """The XRPC error name and message of an answer (`{"error": ..., "message": ...}`)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        body = None
    name = message = ""
    if isinstance(body, dict):
        if isinstance(body.get("error"), str):
            name = body["error"]
        if isinstance(body.get("message"), str):
            message = body["message"]
    if not message:
        message = name or response.text.strip() or response.reason_phrase or "no reason given"
    return name, message[:REASON_MAX]


def raise_for_xrpc(response: httpx.Response, *, now: datetime, refreshing: bool = False) -> None:
    """Raise the typed error an unsuccessful XRPC answer means; nothing for a success.

    `refreshing`: the answer is to `refreshSession`, where an expired token is the refresh
    token itself, so the refusal is definitive.
    """
    status = response.status_code
    if status < 400:
        return
    name, message = xrpc_error(response)
    if status == 429 or name == "RateLimitExceeded":
        raise RetryableError(
            f"Bluesky asks us to slow down: {message}",
            retry_after=retry_after_seconds(response, now=now),
            network=NETWORK,
        )
    if status >= 500 or status == 408:
        raise RetryableError(
            f"Bluesky had a problem ({status} {name}): {message}".replace(" )", ")"),
            retry_after=retry_after_seconds(response, now=now),
            network=NETWORK,
        )
    if name in EXPIRED:
        raise CredentialError(
            f"Bluesky says the session has expired: {message}",
            definitive=refreshing,
            network=NETWORK,
        )
    if name in REFUSED or status in (401, 403):
        raise CredentialError(
            f"Bluesky refused the account's credentials: {message}",
            definitive=True,
            network=NETWORK,
        )
    raise PermanentError(message, network=NETWORK, code=name or str(status))


def service_url(base_url: str | None) -> str:
    """The XRPC service address: the account's PDS, or bsky.social."""
    return (base_url or DEFAULT_SERVICE).rstrip("/")
