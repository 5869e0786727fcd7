"""How an account is connected: OAuth 2 (authorization code, PKCE, refresh) and app passwords.

A connector says how its accounts connect by also satisfying one of the protocols below:

- `UsesOAuth2`: the network runs OAuth 2. Its `OAuth2Spec` says where to send the person
  and where to trade the code; `start_authorization`, `exchange_code` and `refresh` do
  the protocol (request shapes from authlib, sent through our own HTTP client so tests
  replay the token endpoint through the injected transport).
- `RegistersApps`: a federated network where the app is registered per server
  (Mastodon's `POST /api/v1/apps`), before the OAuth 2 dance.
- `UsesAppPassword`: the account connects with an identifier and an app password
  (Bluesky), traded for a session.

Refresh failures follow the one rule of the contract: the token endpoint answering
`invalid_grant` (the grant is revoked or expired) is a definitive `CredentialError`: the
channel needs reconnection. Anything transient (timeout, 5xx, rate limit, refused
connection) is a `RetryableError` and the channel stays connected. A refused client
(`invalid_client`: the operator's app credentials are wrong) is a `PermanentError`: a
person must fix the app settings, and reconnecting the account would not help.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from orchestre.connectors.base import (
    AppCredentials,
    CredentialError,
    Credentials,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.http import error_reason, make_client, retry_after_seconds, send
from orchestre.kit.clock import utcnow

# Errors that mean the operator's app (client id / secret) is wrong, not the account.
CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client", "unsupported_grant_type"})


@dataclass(frozen=True)
class OAuth2Spec:
    """A network's OAuth 2 endpoints and habits.

    `authorize_url` and `token_url` may hold `{base_url}` for per-server networks.
    `client_auth` is how the app proves itself at the token endpoint: HTTP Basic or in
    the form body. `client_id_param` names the client id parameter (TikTok says
    `client_key`). `extra_authorize_params` are added to the authorization address.
    """

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    scope_separator: str = " "
    pkce: bool = True
    client_auth: Literal["basic", "post"] = "post"
    client_id_param: str = "client_id"
    client_secret_param: str = "client_secret"  # noqa: S105 - a parameter name
    extra_authorize_params: Mapping[str, str] = field(default_factory=dict)
    refreshable: bool = True
    # Token endpoint errors (RFC 6749 section 5.2) that mean the grant is gone for good.
    definitive_errors: frozenset[str] = frozenset({"invalid_grant"})

    def authorize_endpoint(self, base_url: str | None) -> str:
        return _at(self.authorize_url, base_url)

    def token_endpoint(self, base_url: str | None) -> str:
        return _at(self.token_url, base_url)


def _at(template: str, base_url: str | None) -> str:
    if "{base_url}" not in template:
        return template
    if not base_url:
        raise PermanentError("This network needs the address of the account's server.")
    return template.replace("{base_url}", base_url.rstrip("/"))


@runtime_checkable
class UsesOAuth2(Protocol):
    """A connector whose accounts connect through OAuth 2."""

    @property
    def network(self) -> str: ...

    @property
    def oauth2(self) -> OAuth2Spec: ...


@runtime_checkable
class RegistersApps(Protocol):
    """A federated network where the app is registered on each server first."""

    def register_app(
        self,
        base_url: str,
        redirect_uri: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> AppCredentials: ...


@runtime_checkable
class UsesAppPassword(Protocol):
    """A connector whose accounts connect with an identifier and an app password."""

    def login(
        self,
        identifier: str,
        password: str,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Credentials: ...


@dataclass(frozen=True)
class AuthorizationStart:
    """Where to send the person, and what to keep until they come back."""

    url: str
    state: str
    code_verifier: str | None


def start_authorization(
    spec: OAuth2Spec,
    app: AppCredentials,
    *,
    base_url: str | None = None,
    state: str | None = None,
) -> AuthorizationStart:
    """The authorization address with a fresh `state` (and PKCE S256 challenge)."""
    state = state or generate_token(32)
    verifier = generate_token(64) if spec.pkce else None
    params: dict[str, str] = dict(spec.extra_authorize_params)
    if verifier is not None:
        params["code_challenge"] = create_s256_code_challenge(verifier)
        params["code_challenge_method"] = "S256"
    url = prepare_grant_uri(
        spec.authorize_endpoint(base_url),
        app.client_id,
        "code",
        redirect_uri=app.redirect_uri,
        scope=spec.scope_separator.join(spec.scopes) or None,
        state=state,
        **params,
    )
    if spec.client_id_param != "client_id":
        url = url.replace("client_id=", f"{spec.client_id_param}=", 1)
    return AuthorizationStart(url=url, state=state, code_verifier=verifier)


def exchange_code(
    spec: OAuth2Spec,
    app: AppCredentials,
    code: str,
    *,
    network: str,
    code_verifier: str | None = None,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Credentials:
    """Trade the authorization code for credentials.

    A refused code is a `PermanentError` (the person starts again); a network failure
    is a `RetryableError`.
    """
    extra = {"code_verifier": code_verifier} if code_verifier else {}
    body = prepare_token_request(
        "authorization_code", redirect_uri=app.redirect_uri, code=code, **extra
    )
    token = _token_request(spec, app, body, network=network, base_url=base_url, transport=transport)
    return credentials_from_token(token)


def refresh(
    spec: OAuth2Spec,
    app: AppCredentials,
    credentials: Credentials,
    *,
    network: str,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Credentials:
    """New credentials from the refresh token (see the module docstring for failures).

    A network that rotates refresh tokens sends a new one; when it does not, the old one
    is kept.
    """
    if not spec.refreshable or not credentials.refresh_token:
        return credentials
    body = prepare_token_request("refresh_token", refresh_token=credentials.refresh_token)
    token = _token_request(
        spec, app, body, network=network, base_url=base_url, transport=transport, refreshing=True
    )
    fresh = credentials_from_token(token)
    if fresh.refresh_token is None:
        fresh = Credentials(
            access_token=fresh.access_token,
            refresh_token=credentials.refresh_token,
            expires_at=fresh.expires_at,
            extra={**credentials.extra, **fresh.extra},
        )
    return fresh


def credentials_from_token(token: Mapping[str, Any], now: datetime | None = None) -> Credentials:
    """Credentials from a token endpoint answer (RFC 6749 section 5.1)."""
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise PermanentError("The network's token answer holds no access token.")
    expires_at = None
    expires_in = token.get("expires_in")
    if isinstance(expires_in, int | float | str) and str(expires_in).strip():
        try:
            expires_at = (now or utcnow()) + timedelta(seconds=float(expires_in))
        except ValueError:
            expires_at = None
    refresh_token = token.get("refresh_token")
    kept = {
        key: str(value)
        for key, value in token.items()
        if key not in {"access_token", "refresh_token", "expires_in"}
        and isinstance(value, str | int | float)
    }
    return Credentials(
        access_token=access,
        refresh_token=refresh_token if isinstance(refresh_token, str) and refresh_token else None,
        expires_at=expires_at,
        extra=kept,
    )


def _token_request(
    spec: OAuth2Spec,
    app: AppCredentials,
    body: str,
    *,
    network: str,
    base_url: str | None,
    transport: httpx.BaseTransport | None,
    refreshing: bool = False,
) -> Mapping[str, Any]:
    form = dict(httpx.QueryParams(body))
    auth: httpx.BasicAuth | None = None
    if spec.client_auth == "basic":
        auth = httpx.BasicAuth(app.client_id, app.client_secret)
    else:
        form[spec.client_id_param] = app.client_id
        form[spec.client_secret_param] = app.client_secret
    if spec.client_id_param != "client_id" and spec.client_auth == "post":
        form.pop("client_id", None)
    with make_client(transport=transport) as client:
        try:
            response = client.post(
                spec.token_endpoint(base_url),
                data=form,
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            # A refresh that got no answer is transient: the channel stays connected.
            raise RetryableError(
                f"{network} token endpoint did not answer: {exc}", network=network
            ) from exc
    return _token_answer(
        response, network=network, refreshing=refreshing, definitive=spec.definitive_errors
    )


def _token_answer(
    response: httpx.Response, *, network: str, refreshing: bool, definitive: frozenset[str]
) -> Mapping[str, Any]:
    status = response.status_code
    if status == 429 or status >= 500 or status == 408:
        raise RetryableError(
            f"{network} token endpoint is unavailable ({status}): {error_reason(response)}",
            retry_after=retry_after_seconds(response),
            network=network,
        )
    try:
        token = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        token = None
    if not isinstance(token, dict):
        if status >= 400:
            raise PermanentError(error_reason(response), network=network, code=str(status))
        raise RetryableError(
            f"{network} token endpoint answered something that is not JSON.", network=network
        )
    error = token.get("error")
    if status >= 400 or (isinstance(error, str) and error):
        code = error if isinstance(error, str) else str(status)
        reason = error_reason(response)
        if code in definitive and refreshing:
            raise CredentialError(
                f"{network} refused to renew the account's access: {reason}",
                definitive=True,
                network=network,
            )
        if code in CLIENT_ERRORS:
            raise PermanentError(
                f"{network} refused Orchestre's app credentials ({code}): {reason}. "
                "Check the app's client id and secret in the network settings.",
                network=network,
                code=code,
            )
        raise PermanentError(reason, network=network, code=code)
    return token


def bearer_client(
    access_token: str,
    *,
    base_url: str = "",
    transport: httpx.BaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """Our HTTP client, authenticated with a bearer token."""
    return make_client(
        base_url=base_url,
        transport=transport,
        headers={"Authorization": f"Bearer {access_token}", **(headers or {})},
    )


__all__ = [
    "AppCredentials",
    "AuthorizationStart",
    "OAuth2Spec",
    "RegistersApps",
    "UsesAppPassword",
    "UsesOAuth2",
    "bearer_client",
    "credentials_from_token",
    "exchange_code",
    "refresh",
    "send",
    "start_authorization",
]
