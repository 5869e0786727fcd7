"""The `x` connector: X (formerly Twitter) through its API v2, with OAuth 2 and PKCE.

Publishing: `POST /2/tweets`; a thread is a chain of replies, each to the part before;
the first comment is a reply to the first post. Media are uploaded first (see
`media.py`) and attached to the first post. X has no idempotency key: a publish that
failed for sure after some parts were posted deletes those parts before raising, so a
retry starts clean; `find_by_client_ref` cannot find a post on X and says so (`unverifiable`),
and `find_by_fingerprint` looks for it by content among the account's posts (`listing.py`).

Option keys read from `DraftPost.options`:
- `reply_settings`: who may reply (`following`, `mentionedUsers`, `subscribers`,
  `verified`); X's default (everyone) when absent.

A `DraftPost.link` not already in the text is appended to it (X shows links in the text).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
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
    PostPage,
    PublicAccount,
    PublicAccountPost,
    PublishedRef,
)
from orchestre.connectors.fingerprint import CLOCK_SKEW, reconcile
from orchestre.connectors.oauth import OAuth2Spec, bearer_client, refresh
from orchestre.connectors.rules.poll import poll_of
from orchestre.connectors.x import public, reading
from orchestre.connectors.x.ads import XAds
from orchestre.connectors.x.listing import SETTLE, own_posts
from orchestre.connectors.x.media import DEFAULT_PROCESSING_DEADLINE, Waiting, upload
from orchestre.connectors.x.wire import API_BASE, NETWORK, WEB_BASE, call, data_of, post_url
from orchestre.kit.clock import utcnow

OAUTH2 = OAuth2Spec(
    authorize_url="https://x.com/i/oauth2/authorize",
    token_url="https://api.x.com/2/oauth2/token",  # noqa: S106 - an address, not a secret
    scopes=(
        "tweet.read",
        "tweet.write",
        "users.read",
        "offline.access",
        "like.write",
        "media.write",
        # Hiding replies (PUT /2/tweets/:id/hidden) needs this one too.
        "tweet.moderate.write",
    ),
    pkce=True,
    client_auth="basic",
    # X answers a used, revoked or expired refresh token with `invalid_request` ("Value
    # passed for the token was invalid."), not RFC 6749's `invalid_grant`: both mean the
    # grant is gone. Our refresh request has a fixed shape, so it is never malformed.
    definitive_errors=frozenset({"invalid_grant", "invalid_request"}),
)
REPLY_SETTINGS = frozenset({"following", "mentionedUsers", "subscribers", "verified"})


class XConnector:
    """Stateless: X's capabilities, its OAuth 2 habits, and `open` for one account."""

    network = NETWORK
    capabilities = frozenset(
        {
            Capability.PUBLISH_TEXT,
            Capability.PUBLISH_IMAGE,
            Capability.PUBLISH_VIDEO,
            Capability.PUBLISH_THREAD,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.HIDE_COMMENT,
            Capability.DELETE_POST,
            Capability.LIKE,
            Capability.READ_COMMENTS,
            Capability.READ_MENTIONS,
            Capability.READ_METRICS,
            Capability.SEARCH_POSTS,
            Capability.READ_PUBLIC_ACCOUNTS,
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
    ) -> XInstallation:
        return XInstallation(account, transport=transport, app=app, waiting=self._waiting)


class XInstallation(XAds, BaseInstallation):
    """One X account: each method is one documented API v2 call (or a short chain)."""

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
        self._client = bearer_client(
            account.credentials.access_token, base_url=API_BASE, transport=transport
        )

    # Account --------------------------------------------------------------------------------

    def profile(self) -> AccountProfile:
        body = call(
            self._client,
            "GET",
            "/2/users/me",
            params={"user.fields": "public_metrics,profile_image_url"},
        )
        user = data_of(body)
        metrics = user.get("public_metrics")
        followers = metrics.get("followers_count") if isinstance(metrics, dict) else None
        handle = str(user.get("username") or "")
        return AccountProfile(
            external_id=str(user.get("id") or ""),
            handle=handle,
            display_name=str(user.get("name") or ""),
            followers=followers if isinstance(followers, int) else None,
            url=f"{WEB_BASE}/{handle}" if handle else None,
        )

    def refresh_credentials(self) -> Credentials:
        """X rotates refresh tokens: the answer's new one replaces the old one."""
        if self._app is None:
            raise PermanentError(
                "Renewing X access needs Orchestre's X app (client id and secret).",
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
        media_ids = [upload(self._client, media, self._waiting) for media in draft.media]
        posted: list[str] = []
        try:
            root = self._post(
                _with_link(draft.text, draft.link),
                client_ref=draft.client_ref,
                media_ids=media_ids,
                options=draft.options,
            )
            posted.append(root)
            parts: list[PublishedRef] = []
            parent = root
            for text in draft.thread:
                parent = self._post(text, client_ref=draft.client_ref, reply_to=parent)
                posted.append(parent)
                parts.append(self._ref(parent, draft.client_ref))
            first_comment = None
            if draft.first_comment:
                first_comment = self._post(
                    draft.first_comment, client_ref=draft.client_ref, reply_to=root
                )
        except ConnectorError:
            self._roll_back(posted)
            raise
        ref = self._ref(root, draft.client_ref)
        return PublishedRef(
            external_id=ref.external_id,
            url=ref.url,
            published_at=ref.published_at,
            parts=parts,
            first_comment_id=first_comment,
            client_ref=draft.client_ref,
        )

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        tweet_id = self._post(text, client_ref=client_ref, reply_to=parent_external_id)
        return self._ref(tweet_id, client_ref)

    def _post(
        self,
        text: str,
        *,
        client_ref: str | None,
        reply_to: str | None = None,
        media_ids: Sequence[str] = (),
        options: Any = None,
    ) -> str:
        payload: dict[str, Any] = {"text": text}
        if media_ids:
            payload["media"] = {"media_ids": list(media_ids)}
        if reply_to:
            payload["reply"] = {"in_reply_to_tweet_id": reply_to}
        poll = poll_of(options or {})
        if poll is not None:
            payload["poll"] = {
                "options": list(poll.options),
                "duration_minutes": poll.duration_minutes,
            }
        settings = (options or {}).get("reply_settings")
        if settings:
            if settings not in REPLY_SETTINGS:
                raise PermanentError(
                    f"X does not know the reply setting {settings!r}.",
                    network=NETWORK,
                    code="options",
                )
            payload["reply_settings"] = settings
        body = call(self._client, "POST", "/2/tweets", client_ref=client_ref, json=payload)
        tweet_id = data_of(body).get("id")
        if not tweet_id:
            raise PermanentError("X's answer holds no post id.", network=NETWORK)
        return str(tweet_id)

    def _ref(self, tweet_id: str, client_ref: str | None) -> PublishedRef:
        return PublishedRef(
            external_id=tweet_id,
            url=post_url(self._account.handle, tweet_id),
            published_at=utcnow(),
            client_ref=client_ref,
        )

    def _roll_back(self, posted: list[str]) -> None:
        for tweet_id in reversed(posted):
            try:
                self.delete_post(tweet_id)
            except ConnectorError:
                # Best effort: the original failure is what the caller must see.
                continue

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        user = self._account.external_id
        listing = own_posts(self._client, user, self._account.handle, since - CLOCK_SKEW)
        return reconcile(draft, since, listing, network=NETWORK, now=utcnow(), settle=SETTLE)

    def delete_post(self, external_id: str) -> None:
        try:
            call(self._client, "DELETE", f"/2/tweets/{external_id}")
        except PermanentError as exc:
            if exc.code != "404":
                raise

    # Engagement -----------------------------------------------------------------------------

    def like(self, external_id: str) -> None:
        call(
            self._client,
            "POST",
            f"/2/users/{self._account.external_id}/likes",
            idempotent=True,  # liking twice is still one like
            json={"tweet_id": external_id},
        )

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        body = call(self._client, "PUT", f"/2/tweets/{external_id}/hidden", json={"hidden": hidden})
        data_of(body)

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        return reading.mentions(self._client, self._account.external_id, cursor=cursor, limit=limit)

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        """Replies under one post (its conversation), or replies to the account. X's recent
        search covers the last 7 days."""
        if post_external_id:
            query = f"conversation_id:{post_external_id} is:reply"
        elif self._account.handle:
            query = f"to:{self._account.handle} is:reply"
        else:
            raise PermanentError(
                "Reading replies to an X account needs its handle.", network=NETWORK
            )
        return reading.comments(
            self._client, self._account.external_id, query, cursor=cursor, limit=limit
        )

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        return reading.metrics(self._client, external_ids, utcnow())

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        return reading.search(self._client, query, cursor=cursor, limit=limit)

    def lookup_account(self, handle: str) -> PublicAccount:
        return public.lookup(self._client, handle)

    def read_account_posts(
        self, account: PublicAccount, *, limit: int = 40
    ) -> list[PublicAccountPost]:
        return public.posts(self._client, account, limit)


def _with_link(text: str, link: str | None) -> str:
    if not link or link in text:
        return text
    return f"{text} {link}" if text else link
