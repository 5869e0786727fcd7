"""The `mastodon` connector: any Mastodon instance, its app registration and OAuth 2."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from orchestre.connectors.base import (
    AccountRef,
    AppCredentials,
    Capability,
    PermanentError,
)
from orchestre.connectors.http import make_client
from orchestre.connectors.mastodon.installation import MastodonInstallation
from orchestre.connectors.mastodon.instance import instance_limits
from orchestre.connectors.mastodon.media import MediaWait
from orchestre.connectors.mastodon.wire import NETWORK, call, json_object
from orchestre.connectors.oauth import OAuth2Spec, bearer_client

APP_NAME = "Orchestre"
# "read write" covers every call the connector makes (statuses, media, favourites,
# notifications, search) and nothing of follows, blocks or administration.
SCOPES = ("read", "write")

MASTODON_OAUTH2 = OAuth2Spec(
    authorize_url="{base_url}/oauth/authorize",
    token_url="{base_url}/oauth/token",  # noqa: S106 - an address
    scopes=SCOPES,
    # PKCE S256 is accepted since Mastodon 4.3; older servers ignore the extra parameters.
    pkce=True,
    client_auth="post",
)


def instance_url(base_url: str | None) -> str:
    """The instance's address as https://host (a plain host name is taken as https)."""
    value = (base_url or "").strip().rstrip("/")
    if not value:
        raise PermanentError("A Mastodon account needs its instance's address.", network=NETWORK)
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PermanentError(f"{base_url!r} is not a Mastodon instance address.", network=NETWORK)
    return value


class MastodonConnector:
    """Stateless: what Mastodon can do, how an app is registered on an instance, and how
    an account on it is opened. `media_wait` sets how long (and how) to wait for an
    instance to process uploaded media; tests pass a sleep that does not sleep."""

    network = NETWORK
    capabilities = frozenset(
        {
            Capability.PUBLISH_TEXT,
            Capability.PUBLISH_IMAGE,
            Capability.PUBLISH_VIDEO,
            Capability.PUBLISH_THREAD,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.DELETE_POST,
            Capability.LIKE,
            Capability.READ_COMMENTS,
            Capability.READ_MENTIONS,
            Capability.READ_MESSAGES,
            Capability.READ_METRICS,
            Capability.SEARCH_POSTS,
            Capability.READ_PUBLIC_ACCOUNTS,
        }
    )
    oauth2 = MASTODON_OAUTH2

    def __init__(self, *, media_wait: MediaWait | None = None) -> None:
        self._media_wait = media_wait or MediaWait()

    def register_app(
        self,
        base_url: str,
        redirect_uri: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> AppCredentials:
        """Register Orchestre on an instance (`POST /api/v1/apps`); its website is the
        origin of the redirect address, i.e. the operator's Orchestre."""
        target = urlsplit(redirect_uri)
        form = {
            "client_name": APP_NAME,
            "redirect_uris": redirect_uri,
            "scopes": " ".join(SCOPES),
        }
        if target.scheme in ("https", "http") and target.netloc:
            form["website"] = f"{target.scheme}://{target.netloc}"
        with make_client(base_url=instance_url(base_url), transport=transport) as client:
            app = json_object(call(client, "POST", "/api/v1/apps", idempotent=True, data=form))
        client_id, client_secret = app.get("client_id"), app.get("client_secret")
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            raise PermanentError(
                f"{NETWORK} registered the app but gave no client credentials.", network=NETWORK
            )
        return AppCredentials(client_id, client_secret, redirect_uri)

    def instance_limits(
        self, base_url: str, *, transport: httpx.BaseTransport | None = None
    ) -> dict[str, Any]:
        """The instance's limits for a channel's settings (see `mastodon.instance`); a
        method too, so domains reach it through the registry's connector object."""
        return instance_limits(instance_url(base_url), transport)

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> MastodonInstallation:
        base_url = instance_url(account.base_url)
        client = bearer_client(
            account.credentials.access_token, base_url=base_url, transport=transport
        )
        return MastodonInstallation(
            account,
            client,
            spec=self.oauth2,
            app=app,
            transport=transport,
            media_wait=self._media_wait,
        )
