"""Connecting an account for real: OAuth 2 (authorization code + PKCE) or an app password.

OAuth 2, in two requests:

1. `start_oauth`: a person who may manage channels asks to connect a network (and, for a
   federated network, names their server; the app is registered there on first use). A
   `ConnectAttempt` keeps the hash of a fresh `state`, the PKCE verifier encrypted, the
   workspace and the person; it expires after `ATTEMPT_TTL`. The answer is the network's
   authorization address.
2. `finish_oauth`: the network sends the person back with `code` and `state`. The state
   must be known, unused, unexpired, for this network and started by this same person; it
   is spent at once, whatever follows. The code is traded for tokens, the connector says
   whose account they open (`profile()`), and the channel is connected (or reconnected).
   A connector that also satisfies `ListsAccounts` (Facebook pages) returns several
   accounts: the person picks them with `choose_accounts`.

Any refusal (access denied by the person, bad state, refused code) is a `ConnectFailed`
that names what happened; nothing is stored but the spent state.

App passwords (Bluesky): `connect_password` trades the identifier and app password for a
session; the password itself is never stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

import httpx
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from orchestre.channels import apps, credentials, repository, service
from orchestre.channels.apps import NetworkAccess
from orchestre.connectors.base import (
    AccountProfile,
    AccountRef,
    AppCredentials,
    Connector,
    ConnectorError,
    CredentialError,
    Credentials,
    PermanentError,
    RetryableError,
)
from orchestre.connectors.oauth import (
    RegistersApps,
    UsesAppPassword,
    UsesOAuth2,
    exchange_code,
    start_authorization,
)
from orchestre.errors import FieldError, Invalid, NotFound, RateLimited
from orchestre.kit.crypto import SecretBox, token_hash
from orchestre.models import Channel, ChannelStatus, ConnectAttempt
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.permissions import Actor, Permission

ATTEMPT_TTL = timedelta(minutes=10)
ATTEMPTS_KEPT = timedelta(days=1)


@runtime_checkable
class ListsAccounts(Protocol):
    """A connector whose one authorization opens one or several accounts (a person's
    Facebook Pages, Instagram accounts, or the one Threads profile with a long-lived token);
    several are offered to the person to pick."""

    def accounts(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Sequence[tuple[AccountProfile, Credentials]]: ...


class ConnectFailed(Invalid):
    """The connection did not happen; `code` says why (access_denied, state_invalid,
    state_used, state_expired, code_refused, network_unavailable, ...); `reason` is the
    network's own explanation, when it gave one."""

    reason: str = ""


@dataclass
class Outcome:
    """What a finished authorization gave: channels connected, or accounts to pick from."""

    workspace_id: uuid.UUID
    origin: str
    attempt_id: uuid.UUID
    channels: list[Channel] = field(default_factory=list)
    choices: list[AccountProfile] = field(default_factory=list)


@dataclass(frozen=True)
class NetworkOffer:
    """An installed network as the connect picker shows it: how its accounts connect
    ("oauth", "oauth_server" asking for the server, "password", or "none") and whether
    connecting can start (the operator set its app, or none is needed)."""

    network: str
    method: str
    ready: bool


def networks_offered(session: Session, actor: Actor, access: NetworkAccess) -> list[NetworkOffer]:
    actor.require(Permission.CHANNELS_VIEW)
    offers = []
    for network in access.registry.available():
        connector = access.registry.get(network)
        if isinstance(connector, UsesAppPassword):
            method = "password"
        elif isinstance(connector, UsesOAuth2):
            method = "oauth_server" if isinstance(connector, RegistersApps) else "oauth"
        else:
            method = "none"
        ready = method == "password" or (
            method != "none" and apps.configured(session, access, network)
        )
        offers.append(NetworkOffer(network, method, ready))
    return offers


# Helpers --------------------------------------------------------------------------------------


def _connector(access: NetworkAccess, network: str) -> Connector:
    try:
        return access.registry.get(network)
    except LookupError:
        raise Invalid(
            f"No connector is installed for {network}.",
            code="network_not_installed",
            errors=[FieldError("network", "one_of", "Pick an installed network.", actual=network)],
        ) from None


def _unavailable(exc: RetryableError) -> RateLimited:
    return RateLimited(
        "The network did not answer; try again in a moment.",
        code="network_unavailable",
        retry_after=max(1, int(exc.retry_after or 30)),
    )


def _profile(
    access: NetworkAccess,
    connector: Connector,
    creds: Credentials,
    base_url: str | None,
    app: AppCredentials | None,
) -> AccountProfile:
    account = AccountRef(
        network=connector.network, external_id="", credentials=creds, base_url=base_url
    )
    return connector.open(account, transport=access.transport, app=app).profile()


def connect_account(
    session: Session,
    actor: Actor,
    access: NetworkAccess,
    network: str,
    profile: AccountProfile,
    creds: Credentials,
    base_url: str | None,
) -> Channel:
    """Connect (or reconnect) the account; an account already connected gets the new tokens."""
    existing = repository.by_account(session, actor.workspace_id, network, profile.external_id)
    if existing is not None and existing.status == ChannelStatus.CONNECTED.value:
        actor.require(Permission.CHANNELS_MANAGE)
        credentials.store(session, access.box, existing, creds, base_url)
        return existing
    channel = service.connect_channel(
        session,
        actor,
        access.box,
        network,
        profile.external_id,
        profile.handle or profile.external_id,
        profile.display_name or profile.handle or profile.external_id,
        credentials=credentials.to_stored(creds, base_url),
    )
    channel.credentials_expire_at = creds.expires_at
    session.flush()
    return channel


# OAuth 2 --------------------------------------------------------------------------------------


def start_oauth(
    session: Session,
    actor: Actor,
    access: NetworkAccess,
    network: str,
    base_url: str | None = None,
    *,
    origin: str = "api",
) -> str:
    """Begin connecting an account; returns the address to send the person to."""
    actor.require(Permission.CHANNELS_MANAGE)
    connector = _connector(access, network)
    if not isinstance(connector, UsesOAuth2):
        raise Invalid(
            f"{network} accounts connect with an identifier and an app password.",
            code="connect_with_password",
        )
    server = apps.normalize_base_url(base_url)
    if isinstance(connector, RegistersApps):
        if server is None:
            raise Invalid(
                f"Give the address of the {network} server the account lives on.",
                code="base_url_required",
                errors=[
                    FieldError(
                        "base_url",
                        "required",
                        "Give the address of the server the account lives on, e.g. "
                        "https://mastodon.social.",
                    )
                ],
            )
        app: AppCredentials | None = apps.ensure_registered(session, access, connector, server)
    else:
        app = apps.app_credentials(session, access, network, server)
    if app is None:
        raise Invalid(
            f"The {network} app is not set up yet: an operator must run "
            f"'orchestre network-app set {network}' first.",
            code="network_app_missing",
        )
    start = start_authorization(connector.oauth2, app, base_url=server)
    now = access.clock()
    # Attempts nobody finished are kept a day (to tell "expired" from "unknown"), then go.
    session.execute(delete(ConnectAttempt).where(ConnectAttempt.expires_at < now - ATTEMPTS_KEPT))
    verifier = start.code_verifier
    session.add(
        ConnectAttempt(
            workspace_id=actor.workspace_id,
            user_id=actor.user_id,
            network=network,
            base_url=server,
            state_hash=token_hash(start.state),
            code_verifier_encrypted=access.box.encrypt(verifier.encode()) if verifier else None,
            origin="web" if origin == "web" else "api",
            created_at=now,
            expires_at=now + ATTEMPT_TTL,
        )
    )
    session.flush()
    return start.url


def _spend(
    session: Session, access: NetworkAccess, network: str, state: str, user_id: uuid.UUID
) -> ConnectAttempt:
    """The attempt this state belongs to, marked used; refuses any state that is not one
    this person started for this network, unused and unexpired."""
    if not state:
        raise ConnectFailed("The network sent no state back; start again.", code="state_invalid")
    stmt = (
        select(ConnectAttempt)
        .where(ConnectAttempt.state_hash == token_hash(state))
        .with_for_update()
    )
    attempt = session.scalar(stmt)
    if attempt is None or attempt.network != network or attempt.user_id != user_id:
        raise ConnectFailed(
            "This connection request is unknown; start again from the Channels page.",
            code="state_invalid",
        )
    if attempt.used_at is not None:
        raise ConnectFailed(
            "This connection request was already used; start again.", code="state_used"
        )
    now = access.clock()
    attempt.used_at = now
    session.flush()
    if attempt.expires_at <= now:
        raise ConnectFailed(
            "This connection request expired (after 10 minutes); start again.",
            code="state_expired",
        )
    return attempt


def finish_oauth(
    session: Session,
    user_id: uuid.UUID,
    access: NetworkAccess,
    network: str,
    *,
    state: str,
    code: str | None,
    error: str | None = None,
) -> Outcome:
    """The person came back from the network: check the state, trade the code, connect.

    On `ConnectFailed` the state is already spent: commit the session anyway.
    """
    attempt = _spend(session, access, network, state, user_id)
    actor = actor_for(session, user_id, attempt.workspace_id)
    actor.require(Permission.CHANNELS_MANAGE)
    if error:
        if error == "access_denied":
            raise ConnectFailed(
                f"Access was not granted on {network}; nothing was connected.",
                code="access_denied",
            )
        failed = ConnectFailed(f"{network} refused the authorization ({error}).", code="refused")
        failed.reason = error[:100]
        raise failed
    if not code:
        raise ConnectFailed(f"{network} sent no authorization code back.", code="code_missing")
    connector = _connector(access, network)
    if not isinstance(connector, UsesOAuth2):
        raise ConnectFailed(f"{network} does not connect through OAuth 2.", code="refused")
    app = apps.app_credentials(session, access, network, attempt.base_url)
    if app is None:
        raise ConnectFailed(f"The {network} app is not set up.", code="network_app_missing")
    verifier = attempt.code_verifier_encrypted
    try:
        creds = exchange_code(
            connector.oauth2,
            app,
            code,
            network=network,
            code_verifier=_unsealed(access, verifier),
            base_url=attempt.base_url,
            transport=access.transport,
        )
        found = _accounts(access, connector, creds, attempt.base_url, app)
    except PermanentError as exc:
        failed = ConnectFailed(
            f"{network} refused the authorization: {exc.reason}", code="code_refused"
        )
        failed.reason = exc.reason
        raise failed from exc
    except (RetryableError, CredentialError) as exc:
        raise ConnectFailed(
            f"{network} did not answer; start again in a moment.", code="network_unavailable"
        ) from exc
    outcome = Outcome(attempt.workspace_id, attempt.origin, attempt.id)
    if isinstance(connector, ListsAccounts) and len(found) != 1:
        if not found:
            raise ConnectFailed(f"This {network} profile manages no account.", code="no_account")
        _keep_choices(access, attempt, found)
        outcome.choices = [profile for profile, _ in found]
        return outcome
    profile, creds = found[0]
    outcome.channels.append(
        connect_account(session, actor, access, network, profile, creds, attempt.base_url)
    )
    return outcome


def _unsealed(access: NetworkAccess, sealed: bytes | None) -> str | None:
    if sealed is None:
        return None
    try:
        return access.box.decrypt(sealed).decode()
    except ValueError:  # the keys changed under a connection under way
        raise ConnectFailed(
            "This connection request is unknown; start again from the Channels page.",
            code="state_invalid",
        ) from None


def _accounts(
    access: NetworkAccess,
    connector: Connector,
    creds: Credentials,
    base_url: str | None,
    app: AppCredentials | None,
) -> list[tuple[AccountProfile, Credentials]]:
    if isinstance(connector, ListsAccounts):
        # With the app, networks trade the short token for a long-lived one (Meta).
        found = connector.accounts(creds, base_url=base_url, transport=access.transport, app=app)
        return list(found)
    return [(_profile(access, connector, creds, base_url, app), creds)]


def _keep_choices(
    access: NetworkAccess,
    attempt: ConnectAttempt,
    found: list[tuple[AccountProfile, Credentials]],
) -> None:
    plain: list[dict[str, Any]] = [
        {
            "external_id": p.external_id,
            "handle": p.handle,
            "display_name": p.display_name,
            "credentials": credentials.to_stored(c, attempt.base_url),
        }
        for p, c in found
    ]
    attempt.pending_encrypted = access.box.encrypt(json.dumps(plain).encode())
    attempt.expires_at = access.clock() + ATTEMPT_TTL


def pending_choices(
    session: Session, actor: Actor, access: NetworkAccess, attempt_id: uuid.UUID
) -> tuple[ConnectAttempt, list[dict[str, Any]]]:
    """The accounts this person may still pick after an authorization (secrets included)."""
    actor.require(Permission.CHANNELS_MANAGE)
    attempt = session.get(ConnectAttempt, attempt_id)
    if (
        attempt is None
        or attempt.workspace_id != actor.workspace_id
        or attempt.user_id != actor.user_id
        or attempt.pending_encrypted is None
    ):
        raise NotFound("No accounts are waiting to be picked.", code="connect_attempt_not_found")
    if attempt.expires_at <= access.clock():
        raise ConnectFailed("The choice expired; start again.", code="state_expired")
    choices: list[dict[str, Any]] = json.loads(access.box.decrypt(attempt.pending_encrypted))
    return attempt, choices


def choose_accounts(
    session: Session,
    actor: Actor,
    access: NetworkAccess,
    attempt_id: uuid.UUID,
    external_ids: Sequence[str],
) -> list[Channel]:
    """Connect the accounts the person picked among those an authorization opened."""
    attempt, choices = pending_choices(session, actor, access, attempt_id)
    wanted = set(external_ids)
    picked = [c for c in choices if c["external_id"] in wanted]
    if not picked or len(picked) != len(wanted):
        raise Invalid(
            "Pick one or more of the accounts offered.",
            code="invalid_choice",
            errors=[FieldError("external_ids", "one_of", "Pick among the accounts offered.")],
        )
    channels = []
    for choice in picked:
        profile = AccountProfile(choice["external_id"], choice["handle"], choice["display_name"])
        creds, base_url = credentials.from_stored(choice["credentials"])
        channels.append(
            connect_account(session, actor, access, attempt.network, profile, creds, base_url)
        )
    attempt.pending_encrypted = None
    session.flush()
    return channels


# App passwords --------------------------------------------------------------------------------


def connect_password(
    session: Session,
    actor: Actor,
    access: NetworkAccess,
    network: str,
    identifier: str,
    password: str,
    base_url: str | None = None,
) -> Channel:
    """Connect an account with its identifier and an app password (never stored)."""
    actor.require(Permission.CHANNELS_MANAGE)
    connector = _connector(access, network)
    if not isinstance(connector, UsesAppPassword):
        raise Invalid(
            f"{network} accounts connect through the network's own page.", code="connect_with_oauth"
        )
    server = apps.normalize_base_url(base_url)
    if not identifier.strip() or not password:
        raise Invalid(
            "Give the account's identifier and an app password.",
            code="invalid_login",
            errors=[
                FieldError(
                    "identifier", "required", "Give both the identifier and the app password."
                )
            ],
        )
    try:
        creds = connector.login(
            identifier.strip(), password, base_url=server, transport=access.transport
        )
        profile = _profile(access, connector, creds, server, None)
    except RetryableError as exc:
        raise _unavailable(exc) from exc
    except (CredentialError, PermanentError) as exc:
        raise Invalid(
            f"{network} refused this identifier or app password.",
            code="login_refused",
            errors=[FieldError("password", "refused", _reason(exc))],
        ) from exc
    return connect_account(session, actor, access, network, profile, creds, server)


def _reason(exc: ConnectorError) -> str:
    return exc.reason if isinstance(exc, PermanentError) else exc.message


def rotate_attempt_secrets(session: Session, box: SecretBox) -> int:
    """Re-encrypt the PKCE verifiers and waiting accounts of unfinished connections under
    the newest key (rotate-key), so a connection under way survives the rotation; an
    attempt the keys cannot read is dropped: its person starts again."""
    count = 0
    stmt = select(ConnectAttempt).where(
        or_(
            ConnectAttempt.code_verifier_encrypted.is_not(None),
            ConnectAttempt.pending_encrypted.is_not(None),
        )
    )
    for attempt in session.scalars(stmt.order_by(ConnectAttempt.id).with_for_update()):
        try:
            if attempt.code_verifier_encrypted is not None:
                attempt.code_verifier_encrypted = box.rotate(attempt.code_verifier_encrypted)
            if attempt.pending_encrypted is not None:
                attempt.pending_encrypted = box.rotate(attempt.pending_encrypted)
        except ValueError:
            session.delete(attempt)
            continue
        count += 1
    session.flush()
    return count
