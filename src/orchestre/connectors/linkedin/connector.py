"""The `linkedin` connector: members and organization pages through the Posts API.

The author of a post is the account's URN: `AccountRef.external_id` is a member's
`urn:li:person:<id>` (or the bare id OpenID Connect gives as `sub`) or an organization's
`urn:li:organization:<id>`. The text is written in LinkedIn's little format (`text.py`).
A post is created with `POST /rest/posts`; its URN comes back in `x-restli-id`. LinkedIn
has no threads and no idempotency key: `find_by_client_ref` says it cannot look
(`unverifiable`); `find_by_fingerprint` looks for the post by content among the author's
posts (`listing.py`; a member's own posts need a partner permission, see there).

Option keys read from `DraftPost.options`:
- `author`: an organization URN to publish as instead of the account (a member who
  administers that page);
- `title`: the title of an article card (with `DraftPost.link`) or of a video;
- `description`: the article card's description;
- `visibility`: `PUBLIC` (default), `CONNECTIONS` (members only) or `LOGGED_IN`.

Content: one image or one video (`media`), two images or more (`multiImage`), or else
`DraftPost.link` as an `article` card. A first comment is written as the author.
Statistics exist for organization posts only (`organizationalEntityShareStatistics`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from orchestre.connectors.base import (
    AccountProfile,
    AccountRef,
    AppCredentials,
    BaseInstallation,
    Capability,
    ConnectorError,
    Credentials,
    DraftPost,
    InteractionPage,
    MetricSample,
    PermanentError,
    PublishedRef,
)
from orchestre.connectors.fingerprint import CLOCK_SKEW, reconcile
from orchestre.connectors.linkedin import social
from orchestre.connectors.linkedin.ads_boost import LinkedInBoost
from orchestre.connectors.linkedin.listing import SETTLE, own_posts
from orchestre.connectors.linkedin.media import DEFAULT_PROCESSING_DEADLINE, Waiting, upload
from orchestre.connectors.linkedin.text import escape
from orchestre.connectors.linkedin.wire import (
    API_BASE,
    HEADERS,
    NETWORK,
    call,
    created_id,
    encode,
    json_of,
    post_url,
)
from orchestre.connectors.oauth import OAuth2Spec, bearer_client, refresh
from orchestre.kit.clock import utcnow

OAUTH2 = OAuth2Spec(
    authorize_url="https://www.linkedin.com/oauth/v2/authorization",
    token_url="https://www.linkedin.com/oauth/v2/accessToken",  # noqa: S106 - an address
    scopes=(
        "openid",
        "profile",
        "w_member_social",
        "w_organization_social",
        "r_organization_social",
        "rw_organization_admin",
    ),
    # LinkedIn's web flow proves the app with its secret; PKCE is for its native-app flow.
    pkce=False,
    client_auth="post",
    # Refresh tokens are given to approved Marketing partners only; a refused one
    # (`invalid_grant`, or `invalid_request` "...refresh token is invalid, expired or
    # revoked") means reconnecting.
    refreshable=True,
    definitive_errors=frozenset({"invalid_grant", "invalid_request"}),
)
VISIBILITIES = frozenset({"PUBLIC", "CONNECTIONS", "LOGGED_IN"})
ORGANIZATION = "urn:li:organization:"
PERSON = "urn:li:person:"


class LinkedInConnector:
    """Stateless: LinkedIn's capabilities, OAuth 2 habits, and `open` for one account."""

    network = NETWORK
    capabilities = frozenset(
        {
            Capability.PUBLISH_TEXT,
            Capability.PUBLISH_IMAGE,
            Capability.PUBLISH_VIDEO,
            Capability.PUBLISH_CAROUSEL,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.DELETE_POST,
            Capability.LIKE,
            Capability.READ_COMMENTS,
            Capability.READ_METRICS,
            Capability.AD_REPORTING,
            Capability.BOOST_POST,
        }
    )
    oauth2 = OAUTH2

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        processing_deadline: float = DEFAULT_PROCESSING_DEADLINE,
    ) -> None:
        self._waiting = Waiting(sleep, monotonic, processing_deadline)

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> LinkedInInstallation:
        return LinkedInInstallation(account, transport=transport, app=app, waiting=self._waiting)


def author_urn(account: AccountRef) -> str:
    external = account.external_id
    return external if external.startswith("urn:li:") else f"{PERSON}{external}"


class LinkedInInstallation(LinkedInBoost, BaseInstallation):
    """One LinkedIn member or organization page."""

    network = NETWORK

    def __init__(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None,
        app: AppCredentials | None,
        waiting: Waiting,
    ) -> None:
        super().__init__(account)
        self._transport = transport
        self._app = app
        self._waiting = waiting
        self._urn = author_urn(account)
        self._client = bearer_client(
            account.credentials.access_token,
            base_url=API_BASE,
            transport=transport,
            headers=HEADERS,
        )

    def profile(self) -> AccountProfile:
        if self._urn.startswith(ORGANIZATION):
            org_id = self._urn[len(ORGANIZATION) :]
            org = json_of(call(self._client, "GET", f"/rest/organizations/{org_id}"))
            vanity = str(org.get("vanityName") or "")
            size = json_of(
                call(
                    self._client,
                    "GET",
                    f"/rest/networkSizes/{encode(self._urn)}",
                    params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
                )
            ).get("firstDegreeSize")
            return AccountProfile(
                external_id=self._urn,
                handle=vanity or org_id,
                display_name=str(org.get("localizedName") or ""),
                followers=size if isinstance(size, int) else None,
                url=f"https://www.linkedin.com/company/{vanity or org_id}/",
            )
        info = json_of(call(self._client, "GET", "/v2/userinfo"))
        sub = str(info.get("sub") or "")
        return AccountProfile(
            external_id=f"{PERSON}{sub}",
            # Members have no public handle through OpenID Connect: their name stands in.
            handle=str(info.get("name") or sub),
            display_name=str(info.get("name") or ""),
        )

    def refresh_credentials(self) -> Credentials:
        if self._app is None:
            raise PermanentError(
                "Renewing LinkedIn access needs Orchestre's LinkedIn app (client id and secret).",
                network=NETWORK,
                code="no_app",
            )
        fresh = refresh(
            OAUTH2, self._app, self._account.credentials, network=NETWORK, transport=self._transport
        )
        self._client.headers["Authorization"] = f"Bearer {fresh.access_token}"
        return fresh

    # Publishing -----------------------------------------------------------------------------

    def publish(self, draft: DraftPost) -> PublishedRef:
        if draft.thread:
            raise self._unsupported(Capability.PUBLISH_THREAD)
        author = _author(draft.options, self._urn)
        content = self._content(draft, author)
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape(_with_link(draft)),
            "visibility": _visibility(draft.options),
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if content:
            body["content"] = content
        response = call(self._client, "POST", "/rest/posts", client_ref=draft.client_ref, json=body)
        urn = created_id(response)
        first_comment = None
        if draft.first_comment:
            try:
                first_comment = social.comment(
                    self._client, author, urn, draft.first_comment, client_ref=draft.client_ref
                )
            except ConnectorError:
                # A post without its first comment is not what was approved: take it back.
                self._delete_quietly(urn)
                raise
        return PublishedRef(
            external_id=urn,
            url=post_url(urn),
            published_at=utcnow(),
            first_comment_id=first_comment,
            client_ref=draft.client_ref,
        )

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        author = _author(draft.options, self._urn)
        listing = own_posts(self._client, author, since - CLOCK_SKEW)
        return reconcile(draft, since, listing, network=NETWORK, now=utcnow(), settle=SETTLE)

    def _content(self, draft: DraftPost, author: str) -> dict[str, Any] | None:
        if draft.media:
            urns = [upload(self._client, m, author, self._waiting) for m in draft.media]
            if len(urns) == 1:
                media: dict[str, Any] = {"id": urns[0]}
                if draft.media[0].alt_text and urns[0].startswith("urn:li:image:"):
                    media["altText"] = draft.media[0].alt_text
                if draft.options.get("title"):
                    media["title"] = str(draft.options["title"])
                return {"media": media}
            if any(not u.startswith("urn:li:image:") for u in urns):
                raise PermanentError(
                    "LinkedIn puts several images in one post, never videos.",
                    network=NETWORK,
                    code="media_mix",
                )
            images = [
                {"id": urn, **({"altText": m.alt_text} if m.alt_text else {})}
                for urn, m in zip(urns, draft.media, strict=True)
            ]
            return {"multiImage": {"images": images}}
        if draft.link:
            article = {"source": draft.link, "title": str(draft.options.get("title") or draft.link)}
            if draft.options.get("description"):
                article["description"] = str(draft.options["description"])
            return {"article": article}
        return None

    def _delete_quietly(self, urn: str) -> None:
        try:
            self.delete_post(urn)
        except ConnectorError:
            return

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        urn = social.comment(
            self._client, self._urn, parent_external_id, text, client_ref=client_ref
        )
        return PublishedRef(
            external_id=urn,
            url=post_url(social.post_of(parent_external_id)),
            published_at=utcnow(),
            client_ref=client_ref,
        )

    def delete_post(self, external_id: str) -> None:
        try:
            call(self._client, "DELETE", f"/rest/posts/{encode(external_id)}")
        except PermanentError as exc:
            if not exc.code.startswith(("404", "410")):
                raise

    # Engagement -----------------------------------------------------------------------------

    def like(self, external_id: str) -> None:
        social.like(self._client, self._urn, external_id)

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        if not post_external_id:
            raise PermanentError(
                "LinkedIn lists comments one post at a time.", network=NETWORK, code="post_needed"
            )
        return social.comments(
            self._client, post_external_id, self._urn, cursor=cursor, limit=limit
        )

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        if not self._urn.startswith(ORGANIZATION):
            raise PermanentError(
                "LinkedIn gives post statistics for organization pages only.",
                network=NETWORK,
                code="member_metrics",
            )
        return social.share_statistics(self._client, self._urn, external_ids, utcnow())


def _author(options: Mapping[str, Any], default: str) -> str:
    chosen = options.get("author")
    if not chosen:
        return default
    if not isinstance(chosen, str) or not chosen.startswith(ORGANIZATION):
        raise PermanentError(
            "The LinkedIn author option must be an organization URN (urn:li:organization:<id>).",
            network=NETWORK,
            code="options",
        )
    return chosen


def _with_link(draft: DraftPost) -> str:
    # Without media the link becomes the article card; with media it stays in the text.
    if not draft.link or not draft.media or draft.link in draft.text:
        return draft.text
    return f"{draft.text} {draft.link}" if draft.text else draft.link


def _visibility(options: Mapping[str, Any]) -> str:
    visibility = str(options.get("visibility") or "PUBLIC")
    if visibility not in VISIBILITIES:
        raise PermanentError(
            f"LinkedIn does not know the visibility {visibility!r}.",
            network=NETWORK,
            code="options",
        )
    return visibility
