"""The `threads` connector: a Threads profile through the Threads API (graph.threads.net).

Connecting: `oauth.start_authorization` / `oauth.exchange_code` with `oauth2` give a
short-lived token (an hour) and the user id; `long_lived()` trades it
(`th_exchange_token`) for a 60-day token, and `refresh_credentials()` renews that one
(`th_refresh_token`): a refusal (the token expired or was revoked) is a definitive
`CredentialError`, an outage a `RetryableError`. Meta documents both exchanges with the
secrets in the query string; `shared.py` scrubs them from httpx's request logs.

Publishing (`threads_publish.py`): the 24-hour limit checked first (250 posts; a
reached limit waits until the oldest post of the window leaves it), the post, then each
part of `DraftPost.thread` as a reply to the previous one, then the first comment as a
reply to the post. A part or a first comment that fails once the post is live does not
fail the publish (that would invite a duplicate): the `PublishedRef` holds what exists
and a warning is logged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
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
    Installation,
    Interaction,
    InteractionKind,
    InteractionPage,
    Metric,
    MetricSample,
    PermanentError,
    PostPage,
    PublicPost,
    PublishedRef,
)
from orchestre.connectors.fingerprint import CLOCK_SKEW, reconcile
from orchestre.connectors.meta.graph import Graph, GraphRefusal, Poller, parse_time
from orchestre.connectors.meta.listing import settle_for, threads_posts
from orchestre.connectors.meta.shared import (
    check_publishing_limit,
    insight_values,
    log,
    unverifiable,
)
from orchestre.connectors.meta.shared import page as interaction_page
from orchestre.connectors.meta.threads_publish import NETWORK, check_media, publish_one
from orchestre.connectors.oauth import OAuth2Spec, credentials_from_token
from orchestre.kit.clock import utcnow

THREADS_HOST = "https://graph.threads.net"
THREADS_URL = f"{THREADS_HOST}/v1.0"
SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_manage_replies",
    "threads_read_replies",
    "threads_manage_insights",
    "threads_delete",
    "threads_manage_mentions",
    "threads_keyword_search",
)
REPLY_FIELDS = (
    "id,text,username,timestamp,permalink,hide_status,replied_to,root_post,is_reply_owned_by_me"
)
POST_FIELDS = "id,text,username,timestamp,permalink"
# Insights of a post (Threads Insights API); a quote is a repost with words, counted as one.
INSIGHTS = ("views", "likes", "replies", "reposts", "quotes")
NAMES = {
    "views": Metric.IMPRESSIONS,
    "likes": Metric.LIKES,
    "replies": Metric.COMMENTS,
    "reposts": Metric.REPOSTS,
    "quotes": Metric.REPOSTS,
}


class ThreadsConnector:
    """Threads profiles: text, images, videos, carousels and threads of replies."""

    network = NETWORK
    capabilities = frozenset(
        {
            Capability.PUBLISH_TEXT,
            Capability.PUBLISH_IMAGE,
            Capability.PUBLISH_VIDEO,
            Capability.PUBLISH_CAROUSEL,
            Capability.PUBLISH_THREAD,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.HIDE_COMMENT,
            Capability.DELETE_POST,
            Capability.READ_COMMENTS,
            Capability.READ_MENTIONS,
            Capability.READ_METRICS,
            Capability.SEARCH_POSTS,
        }
    )
    oauth2: OAuth2Spec = OAuth2Spec(
        authorize_url="https://threads.net/oauth/authorize",
        token_url=f"{THREADS_HOST}/oauth/access_token",
        scopes=SCOPES,
        scope_separator=",",
        pkce=False,
        # Not RFC 6749 refresh: `ThreadsInstallation.refresh_credentials` does it.
        refreshable=False,
    )

    def __init__(self, poller: Poller | None = None) -> None:
        self._poller = poller or Poller()

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return ThreadsInstallation(account, transport=transport, app=app, poller=self._poller)

    def accounts(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> list[tuple[AccountProfile, Credentials]]:
        """The one profile the code exchange opened, with its token traded for a 60-day
        one when `app` is given (a one-hour token cannot be renewed). `base_url` is unused.
        """
        if app is not None:
            credentials = self.long_lived(app, credentials, transport=transport)
        user_id = str(credentials.extra.get("user_id") or "")
        account = AccountRef(network=NETWORK, external_id=user_id, credentials=credentials)
        profile = self.open(account, transport=transport, app=app).profile()
        return [(profile, credentials)]

    def long_lived(
        self,
        app: AppCredentials,
        short: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> Credentials:
        """Trade the short-lived token from the code exchange for a 60-day one."""
        return _token_call(
            "/access_token",
            {
                "grant_type": "th_exchange_token",
                "client_secret": app.client_secret,
                "access_token": short.access_token,
            },
            short,
            transport=transport,
        )


def _token_call(
    path: str,
    params: dict[str, str],
    previous: Credentials,
    *,
    transport: httpx.BaseTransport | None,
) -> Credentials:
    graph = Graph("", network=NETWORK, base_url=THREADS_HOST, transport=transport)
    try:
        answer = graph.get(path, params)
    finally:
        graph.close()
    fresh = credentials_from_token(answer)
    # The user id came with the code exchange; the long-lived answers do not repeat it.
    return Credentials(
        access_token=fresh.access_token,
        expires_at=fresh.expires_at,
        extra={**previous.extra, **fresh.extra},
    )


class ThreadsInstallation(BaseInstallation):
    """One Threads profile, acting with its long-lived token."""

    network = NETWORK

    def __init__(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
        poller: Poller | None = None,
    ) -> None:
        super().__init__(account)
        self._user = account.external_id
        self._transport = transport
        self._poller = poller or Poller()
        self._graph = Graph(
            account.credentials.access_token,
            network=NETWORK,
            base_url=THREADS_URL,
            transport=transport,
            app_secret=app.client_secret if app else None,
        )

    def refresh_credentials(self) -> Credentials:
        credentials = self._account.credentials
        return _token_call(
            "/refresh_access_token",
            {"grant_type": "th_refresh_token", "access_token": credentials.access_token},
            credentials,
            transport=self._transport,
        )

    def profile(self) -> AccountProfile:
        found = self._graph.get("/me", {"fields": "id,username,name"})
        username = str(found.get("username") or "")
        try:
            insights = self._graph.get(
                f"/{found['id']}/threads_insights", {"metric": "followers_count"}
            )
            followers = insight_values(insights).get("followers_count")
        except GraphRefusal:
            followers = None  # insights need threads_manage_insights; the profile does not
        return AccountProfile(
            external_id=str(found["id"]),
            handle=username,
            display_name=str(found.get("name") or ""),
            followers=int(followers) if followers is not None else None,
            url=f"https://www.threads.net/@{username}" if username else None,
        )

    # Publishing ---------------------------------------------------------------------------

    def publish(self, draft: DraftPost) -> PublishedRef:
        check_media(draft.media)
        check_publishing_limit(
            self._graph,
            f"/{self._user}/threads_publishing_limit",
            f"/{self._user}/threads",
            "Threads",
        )
        root = publish_one(
            self._graph,
            self._user,
            draft.text,
            poller=self._poller,
            media=draft.media,
            link=draft.link,
            client_ref=draft.client_ref,
        )
        parts: list[PublishedRef] = []
        previous = root.external_id
        for text in draft.thread:
            part = self._follow_up(text, previous, "thread part")
            if part is None:
                break
            parts.append(part)
            previous = part.external_id
        comment = self._follow_up(draft.first_comment, root.external_id, "first comment")
        return PublishedRef(
            external_id=root.external_id,
            url=root.url,
            published_at=root.published_at,
            parts=tuple(parts),
            first_comment_id=comment.external_id if comment else None,
            client_ref=draft.client_ref,
        )

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        raise unverifiable("Threads", "the profile's posts")

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        listing = threads_posts(self._graph, since - CLOCK_SKEW)
        settle = settle_for(draft)
        return reconcile(draft, since, listing, network=NETWORK, now=utcnow(), settle=settle)

    def _follow_up(self, text: str | None, reply_to: str, what: str) -> PublishedRef | None:
        if not text:
            return None
        try:
            return publish_one(
                self._graph, self._user, text, poller=self._poller, reply_to=reply_to
            )
        except ConnectorError as exc:
            log.warning("threads: %s after %s failed; the post is live: %s", what, reply_to, exc)
            return None

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        return publish_one(
            self._graph,
            self._user,
            text,
            poller=self._poller,
            reply_to=parent_external_id,
            client_ref=client_ref,
        )

    def delete_post(self, external_id: str) -> None:
        try:
            self._graph.delete(f"/{external_id}")
        except GraphRefusal as exc:
            if not exc.gone:
                raise

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        self._graph.post(f"/{external_id}/manage_reply", {"hide": hidden}, idempotent=True)

    # Reading ------------------------------------------------------------------------------

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        """Every reply under a post, nested ones too (`/conversation`), oldest first."""
        if post_external_id is None:
            raise PermanentError(
                "Threads replies are read post by post.", network=NETWORK, code="post_needed"
            )
        answer = self._graph.get(
            f"/{post_external_id}/conversation",
            {"fields": REPLY_FIELDS, "reverse": False, "limit": limit, "after": cursor},
        )
        return interaction_page(answer, lambda e: self._reply(e, post_external_id))

    def _reply(self, entry: Mapping[str, Any], post_id: str) -> Iterator[Interaction]:
        parent = str((entry.get("replied_to") or {}).get("id") or post_id)
        yield self._interaction(
            entry,
            InteractionKind.COMMENT if parent == post_id else InteractionKind.REPLY,
            post_id=post_id,
            parent=None if parent == post_id else parent,
        )

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        answer = self._graph.get(
            f"/{self._user}/mentions",
            {"fields": POST_FIELDS, "limit": limit, "after": cursor},
        )
        return interaction_page(
            answer, lambda e: iter([self._interaction(e, InteractionKind.MENTION)])
        )

    def _interaction(
        self,
        entry: Mapping[str, Any],
        kind: InteractionKind,
        *,
        post_id: str | None = None,
        parent: str | None = None,
    ) -> Interaction:
        username = str(entry.get("username") or "")
        return Interaction(
            kind=kind,
            external_id=str(entry["id"]),
            # Threads names authors by username only.
            author_id=username,
            author_handle=username,
            text=str(entry.get("text") or ""),
            created_at=parse_time(entry["timestamp"]),
            post_external_id=post_id,
            parent_external_id=parent,
            url=entry.get("permalink"),
            hidden=entry.get("hide_status") == "HIDDEN",
            own=bool(entry.get("is_reply_owned_by_me"))
            or bool(username and username == self._account.handle),
        )

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        samples: list[MetricSample] = []
        for post_id in external_ids:
            try:
                answer = self._graph.get(f"/{post_id}/insights", {"metric": ",".join(INSIGHTS)})
            except GraphRefusal:
                continue  # deleted, or not ours: left out
            values: dict[Metric, float] = {}
            for name, value in insight_values(answer).items():
                if name in NAMES:
                    values[NAMES[name]] = values.get(NAMES[name], 0.0) + value
            now = utcnow()
            samples.extend(
                MetricSample(external_id=post_id, metric=str(metric), value=value, at=now)
                for metric, value in values.items()
            )
        return samples

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        """Recent public posts with a keyword (needs the threads_keyword_search permission)."""
        answer = self._graph.get(
            "/keyword_search",
            {
                "q": query,
                "search_type": "RECENT",
                "fields": POST_FIELDS,
                "limit": limit,
                "after": cursor,
            },
        )
        items = [
            PublicPost(
                external_id=str(p["id"]),
                author_handle=str(p.get("username") or ""),
                text=str(p.get("text") or ""),
                created_at=parse_time(p["timestamp"]),
                url=p.get("permalink"),
            )
            for p in answer.get("data") or ()
        ]
        items.sort(key=lambda p: p.created_at, reverse=True)
        paging = answer.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        return PostPage(
            items=items,
            next_cursor=str(after) if after else None,
            has_more=bool(paging.get("next")),
        )
