"""Bluesky sessions: an app password traded for tokens, and their refresh.

`com.atproto.server.createSession` answers an access JWT (about two hours), a refresh
JWT (about two months), the account's DID and handle, and its DID document, which names
the PDS that holds the account (bsky.social is an entryway: the account may live on
another host). `refreshSession`, sent with the refresh JWT, answers a new pair and
revokes the old refresh JWT after a grace period, so its result must be stored.

Credentials.extra holds `did`, `handle` and `pds` (the service to send calls to).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from atproto_client import models  # type: ignore[import-untyped]
from atproto_client.client.session import (  # type: ignore[import-untyped]
    get_session_pds_endpoint,
)

from orchestre.connectors.base import CredentialError, Credentials, PermanentError
from orchestre.connectors.bluesky.xrpc import NETWORK, sdk_client, service_url


def login(
    identifier: str,
    password: str,
    *,
    base_url: str | None,
    transport: httpx.BaseTransport | None,
    clock: Callable[[], datetime],
) -> Credentials:
    """Trade a handle (or e-mail) and app password for a session.

    A wrong identifier or password is a definitive `CredentialError`; a network failure a
    `RetryableError`.
    """
    service = service_url(base_url)
    sdk, request = sdk_client(service, transport=transport, clock=clock)
    try:
        answer = sdk.com.atproto.server.create_session(
            models.ComAtprotoServerCreateSession.Data(identifier=identifier, password=password)
        )
    finally:
        request.close()
    return credentials_from_session(answer, service)


def refresh(
    credentials: Credentials,
    *,
    service: str,
    transport: httpx.BaseTransport | None,
    clock: Callable[[], datetime],
) -> Credentials:
    """New credentials from the refresh JWT.

    Every refusal of the refresh token (`ExpiredToken`, `InvalidToken`, another 4xx) is a
    definitive `CredentialError`: the account must sign in again. A network failure,
    a 5xx or a rate limit is a `RetryableError`, and the account stays connected.
    """
    if not credentials.refresh_token:
        raise CredentialError(
            "This Bluesky account has no refresh token: sign in again.", network=NETWORK
        )
    sdk, request = sdk_client(service, transport=transport, clock=clock)
    try:
        answer = sdk.com.atproto.server.refresh_session(
            headers={"Authorization": f"Bearer {credentials.refresh_token}"}
        )
    except CredentialError as exc:
        raise CredentialError(
            f"Bluesky refused to renew the session: {exc.message}", network=NETWORK
        ) from exc
    except PermanentError as exc:
        raise CredentialError(
            f"Bluesky refused to renew the session: {exc.reason}", network=NETWORK
        ) from exc
    finally:
        request.close()
    return credentials_from_session(answer, credentials.extra.get("pds") or service)


def credentials_from_session(answer: Any, service: str) -> Credentials:
    """Credentials from a createSession or refreshSession answer."""
    pds = get_session_pds_endpoint(answer) or service
    return Credentials(
        access_token=str(answer.access_jwt),
        refresh_token=str(answer.refresh_jwt),
        expires_at=jwt_expiry(str(answer.access_jwt)),
        extra={"did": str(answer.did), "handle": str(answer.handle), "pds": pds.rstrip("/")},
    )


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` instant of a JWT, read without checking its signature (only the server
    can); None when the token is not a JWT or has no expiry."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, json.JSONDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, int | float):
        return None
    return datetime.fromtimestamp(exp, tz=UTC)
