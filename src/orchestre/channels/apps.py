"""The operator's apps on the networks: what OAuth 2 calls the client.

One app per network (`base_url` None), or one per server for federated networks
(Mastodon: registered on the instance on first connect, then kept). The client secret is
stored encrypted with the SecretBox and never shown again. When no app is stored for a
network, the environment variables ORCHESTRE_<NETWORK>_CLIENT_ID and
ORCHESTRE_<NETWORK>_CLIENT_SECRET are used as a fallback (the CLI wins over them).

`NetworkAccess` gathers what every use case touching a network needs: the connector
registry, the transport (None in production, an `httpx.MockTransport` in tests), the
SecretBox, the public address for redirect URIs, the environment and a clock.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestre.audit.service import record
from orchestre.config import Settings, network_app_from_env
from orchestre.connectors import registry as connector_registry
from orchestre.connectors.base import AppCredentials, Connector, ConnectorError
from orchestre.connectors.oauth import RegistersApps
from orchestre.connectors.registry import Registry
from orchestre.errors import FieldError, Invalid
from orchestre.kit.clock import utcnow
from orchestre.kit.crypto import SecretBox
from orchestre.kit.keys import secret_box
from orchestre.models import NetworkApp

NETWORK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CALLBACK_PATH = "/oauth/callback/{network}"
SECRET_MAX = 4096


@dataclass(frozen=True)
class NetworkAccess:
    """Everything a use case needs to talk to a network on behalf of a workspace."""

    registry: Registry
    box: SecretBox
    public_url: str
    # None: the process environment, read by config; tests give a mapping of their own.
    environ: Mapping[str, str] | None = None
    transport: httpx.BaseTransport | None = None
    clock: Callable[[], datetime] = utcnow

    def redirect_uri(self, network: str) -> str:
        return self.public_url.rstrip("/") + CALLBACK_PATH.format(network=network)


def access_for(settings: Settings, overrides: object = None) -> NetworkAccess:
    """The production `NetworkAccess`, unless `overrides` (the web app's state, say) carries
    `connectors` (a Registry), `connector_transport` or `environ`: tests inject fakes there."""
    registry = getattr(overrides, "connectors", None)
    environ = getattr(overrides, "environ", None)
    return NetworkAccess(
        registry=registry if isinstance(registry, Registry) else connector_registry.default(),
        box=secret_box(settings),
        public_url=settings.base_url,
        environ=environ,
        transport=getattr(overrides, "connector_transport", None),
    )


class AppsUnreadable(Exception):
    """A stored client secret cannot be decrypted with the configured keys."""


def normalize_base_url(value: str | None) -> str | None:
    """A server's address as stored: https, host (and port), lower case, no path.

    Orchestre's server calls this address (to register its app, to trade codes), so an
    address inside the operator's network is refused: localhost, and loopback, private or
    link-local IP addresses. A name that resolves to such an address is not caught here.
    """
    if value is None or not value.strip():
        return None
    raw = value.strip()
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        host = (parts.hostname or "").lower()
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise _invalid_base_url(value) from None
    if parts.scheme != "https" or not host or _internal(host):
        raise _invalid_base_url(value)
    return f"https://{host}{port}"


def _invalid_base_url(value: str) -> Invalid:
    return Invalid(
        "The server address is invalid.",
        code="invalid_base_url",
        errors=[
            FieldError(
                "base_url",
                "url",
                "Give the server's https:// address, e.g. https://mastodon.social.",
                actual=value,
            )
        ],
    )


def _internal(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def _check_network(network: str) -> str:
    if not NETWORK_NAME.match(network):
        raise Invalid(
            "The network name is invalid.",
            code="invalid_network",
            errors=[FieldError("network", "pattern", "Use the network's lowercase name.")],
        )
    return network


def _row(session: Session, network: str, base_url: str | None) -> NetworkApp | None:
    stmt = select(NetworkApp).where(NetworkApp.network == network)
    if base_url is None:
        stmt = stmt.where(NetworkApp.base_url.is_(None))
    else:
        stmt = stmt.where(NetworkApp.base_url == base_url)
    return session.scalar(stmt.order_by(NetworkApp.created_at).limit(1))


def _snapshot(app: NetworkApp) -> dict[str, Any]:
    # The secret never enters the audit log.
    return {
        "network": app.network,
        "base_url": app.base_url,
        "client_id": app.client_id,
        "source": app.source,
        "redirect_uri": app.redirect_uri,
    }


def set_app(
    session: Session,
    box: SecretBox,
    network: str,
    client_id: str,
    client_secret: str,
    *,
    base_url: str | None = None,
    redirect_uri: str | None = None,
    source: str = "operator",
) -> NetworkApp:
    """Store (or replace) the app of a network, or of one server of a federated network."""
    _check_network(network)
    base_url = normalize_base_url(base_url)
    client_id, client_secret = client_id.strip(), client_secret.strip()
    errors = []
    if not client_id or len(client_id) > 500:
        errors.append(FieldError("client_id", "required", "Give the app's client id."))
    if not client_secret or len(client_secret) > SECRET_MAX:
        errors.append(FieldError("client_secret", "required", "Give the app's client secret."))
    if errors:
        raise Invalid("The app cannot be saved; see 'errors'.", code="invalid_app", errors=errors)
    sealed = box.encrypt(client_secret.encode())
    app = _row(session, network, base_url)
    before = _snapshot(app) if app is not None else None
    if app is None:
        app = NetworkApp(network=network, base_url=base_url)
        session.add(app)
    app.client_id, app.client_secret_encrypted = client_id, sealed
    app.redirect_uri, app.source = redirect_uri, source
    session.flush()
    record(
        session, None, "network_app.set", "network_app", app.id, before=before, after=_snapshot(app)
    )
    return app


def list_apps(session: Session) -> list[NetworkApp]:
    stmt = select(NetworkApp).order_by(NetworkApp.network, NetworkApp.base_url)
    return list(session.scalars(stmt))


def remove_app(session: Session, network: str, base_url: str | None = None) -> bool:
    """Forget a stored app; True if there was one."""
    app = _row(session, _check_network(network), normalize_base_url(base_url))
    if app is None:
        return False
    before = _snapshot(app)
    session.delete(app)
    session.flush()
    record(session, None, "network_app.removed", "network_app", app.id, before=before)
    return True


def _decrypt(box: SecretBox, app: NetworkApp) -> str:
    try:
        return box.decrypt(app.client_secret_encrypted).decode()
    except ValueError as exc:
        raise AppsUnreadable(
            f"The client secret of the {app.network} app cannot be decrypted with the "
            "configured keys; set it again with 'orchestre network-app set'."
        ) from exc


def app_credentials(
    session: Session, access: NetworkAccess, network: str, base_url: str | None = None
) -> AppCredentials | None:
    """The app to use for `network` (on `base_url`), or None when the operator set none.

    A server's own app (registered there) comes first, then the network's app, then the
    environment.
    """
    redirect = access.redirect_uri(network)
    for where in ([base_url] if base_url else []) + [None]:
        app = _row(session, network, where)
        if app is not None:
            secret = _decrypt(access.box, app)
            return AppCredentials(app.client_id, secret, app.redirect_uri or redirect)
    from_env = network_app_from_env(network, access.environ)
    if from_env is not None:
        return AppCredentials(from_env[0], from_env[1], redirect)
    return None


def configured(session: Session, access: NetworkAccess, network: str) -> bool:
    """Whether connecting an account of `network` can start: an app is set, or the network
    registers its app on each server by itself."""
    try:
        connector = access.registry.get(network)
    except LookupError:
        return False
    if isinstance(connector, RegistersApps):
        return True
    return (
        _row(session, network, None) is not None
        or network_app_from_env(network, access.environ) is not None
    )


def ensure_registered(
    session: Session, access: NetworkAccess, connector: Connector, base_url: str
) -> AppCredentials:
    """The app on this server of a federated network, registered there on first use."""
    redirect = access.redirect_uri(connector.network)
    row = _row(session, connector.network, base_url)
    if row is not None:
        return AppCredentials(
            row.client_id, _decrypt(access.box, row), row.redirect_uri or redirect
        )
    assert isinstance(connector, RegistersApps)
    try:
        app = connector.register_app(base_url, redirect, transport=access.transport)
    except ConnectorError as exc:
        raise Invalid(
            f"The server {base_url} refused to register Orchestre: {exc.message}",
            code="app_registration_failed",
        ) from exc
    set_app(
        session,
        access.box,
        connector.network,
        app.client_id,
        app.client_secret,
        base_url=base_url,
        redirect_uri=app.redirect_uri or redirect,
        source="registered",
    )
    return AppCredentials(app.client_id, app.client_secret, app.redirect_uri or redirect)


def rotate_app_secrets(session: Session, box: SecretBox) -> int:
    """Re-encrypt every stored client secret under the newest key; returns how many.

    The caller owns the transaction (the CLI's rotate-key runs it with the channels').
    """
    count = 0
    for app in session.scalars(select(NetworkApp).order_by(NetworkApp.id).with_for_update()):
        try:
            app.client_secret_encrypted = box.rotate(app.client_secret_encrypted)
        except ValueError as exc:
            raise AppsUnreadable(
                f"The client secret of the {app.network} app cannot be decrypted with the "
                "current keys; nothing was re-encrypted. Restore the key that encrypted it."
            ) from exc
        count += 1
    session.flush()
    return count
