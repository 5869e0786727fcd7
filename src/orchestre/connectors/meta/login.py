"""Facebook Login for Pages and Instagram: the OAuth 2 spec, the long-lived user token, the
Pages a person manages and the Instagram professional account behind each Page.

The flow: `oauth.start_authorization` / `oauth.exchange_code` with the connector's
`oauth2` spec give a short-lived user token (about an hour); `long_lived_user_token`
trades it (`grant_type=fb_exchange_token`) for a 60-day one; `/me/accounts` with that
token lists the Pages with Page tokens that do not expire. A channel keeps one Page
token: a Page (Facebook) or the Instagram account linked to it (Instagram).
"""

from __future__ import annotations

from typing import Any

import httpx

from orchestre.connectors.base import AppCredentials, Credentials, PermanentError
from orchestre.connectors.meta.graph import GRAPH_URL, GRAPH_VERSION, Graph
from orchestre.connectors.oauth import OAuth2Spec, credentials_from_token

FACEBOOK_SCOPES = (
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_read_user_content",
)
INSTAGRAM_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
)
PAGE_FIELDS = "id,name,username,access_token,link,followers_count"
PAGES_MAX = 20  # pages of 100 Pages: a person managing more is not a case we meet


def facebook_login(scopes: tuple[str, ...]) -> OAuth2Spec:
    """Facebook Login (manual flow): no refresh token; tokens are traded, not refreshed."""
    return OAuth2Spec(
        authorize_url=f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        token_url=f"{GRAPH_URL}/oauth/access_token",
        scopes=scopes,
        scope_separator=",",
        pkce=False,
        refreshable=False,
    )


def long_lived_user_token(
    app: AppCredentials,
    user: Credentials,
    *,
    network: str,
    transport: httpx.BaseTransport | None = None,
) -> Credentials:
    """Trade a short-lived user token for a 60-day one (POST, so no secret is in an address).

    A refused token is a definitive `CredentialError` (the person logs in again); an outage
    a `RetryableError`.
    """
    graph = Graph("", network=network, transport=transport)
    try:
        answer = graph.post(
            "/oauth/access_token",
            {
                "grant_type": "fb_exchange_token",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "fb_exchange_token": user.access_token,
            },
            idempotent=True,
        )
    finally:
        graph.close()
    return credentials_from_token(answer)


def managed_pages(
    user: Credentials,
    *,
    network: str,
    transport: httpx.BaseTransport | None = None,
    app: AppCredentials | None = None,
    fields: str = PAGE_FIELDS,
) -> list[dict[str, Any]]:
    """The Pages the person manages (`GET /me/accounts`), each with its Page token."""
    graph = Graph(
        user.access_token,
        network=network,
        transport=transport,
        app_secret=app.client_secret if app else None,
    )
    pages: list[dict[str, Any]] = []
    after: str | None = None
    try:
        for _ in range(PAGES_MAX):
            answer = graph.get("/me/accounts", {"fields": fields, "limit": 100, "after": after})
            pages.extend(p for p in answer.get("data") or () if isinstance(p, dict))
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
    finally:
        graph.close()
    for found in pages:
        if not found.get("id") or not found.get("access_token"):
            raise PermanentError(
                "Facebook listed a Page without its token: grant Orchestre the Page "
                "permissions and connect again.",
                network=network,
                code="page_token_missing",
            )
    return pages


def page_credentials(found: dict[str, Any]) -> Credentials:
    """A Page token from a long-lived user token does not expire: no `expires_at`."""
    return Credentials(access_token=str(found["access_token"]), extra={"page_id": str(found["id"])})
