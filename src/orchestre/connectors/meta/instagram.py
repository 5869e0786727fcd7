"""The `instagram` connector: an Instagram professional account through its Facebook Page.

An account's `external_id` is the Instagram user id; its credentials hold the Page token
of the Page the account is linked to (Facebook Login, see `login.py`; nothing to
refresh). `accounts()` lists the Instagram accounts behind the Pages a person manages.

Publishing follows the container flow (`instagram_publish.py`): check the 24-hour limit,
create containers, poll `status_code`, `media_publish`, read the permalink, then the
first comment. Replies answer a comment (`/{comment}/replies`) or a post
(`/{media}/comments`); mentions are the media the account is tagged in; search is
hashtag search (one hashtag, recent media). Like,
delete post and messages are not in the Instagram API used here. A first comment that
fails once the post is live leaves `first_comment_id` empty and is logged, not raised.
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
from orchestre.connectors.meta.instagram_publish import (
    NETWORK,
    check_media,
    create_container,
    draft_format,
)
from orchestre.connectors.meta.listing import instagram_posts, settle_for
from orchestre.connectors.meta.login import (
    INSTAGRAM_SCOPES,
    facebook_login,
    long_lived_user_token,
    managed_pages,
)
from orchestre.connectors.meta.shared import (
    account_figures,
    check_publishing_limit,
    log,
    lookup_published,
    optional_insights,
    publish_container,
    unverifiable,
)
from orchestre.connectors.meta.shared import page as interaction_page
from orchestre.connectors.oauth import OAuth2Spec
from orchestre.kit.clock import utcnow

ACCOUNT_FIELDS = "id,username,name,followers_count"
_REPLY_FIELDS = "id,text,timestamp,username,from{id,username},hidden,parent_id"
COMMENT_FIELDS = f"id,text,timestamp,username,from{{id,username}},hidden,replies{{{_REPLY_FIELDS}}}"
# Insights per media product type (IG Media Insights reference; `views` replaced
# impressions and plays in 2025; a story has no likes, comments or saves).
FEED_METRICS = ("reach", "likes", "comments", "saved", "shares", "views")
STORY_METRICS = ("reach", "views", "shares")
# A Reel also says how long it was watched in all (milliseconds, replays included);
# Instagram gives no video length, so the share of it watched (completion) is not known.
REEL_METRICS = (*FEED_METRICS, "ig_reels_video_view_total_time")
# Account insights: profile visits per day (`metric_type=total_value` since v22).
VISITS_METRIC = "profile_views"
NAMES = {
    "reach": Metric.REACH,
    "likes": Metric.LIKES,
    "comments": Metric.COMMENTS,
    "saved": Metric.SAVES,
    "shares": Metric.REPOSTS,
}
HASHTAG_MEDIA_FIELDS = "id,caption,media_type,permalink,timestamp,like_count,comments_count"


class InstagramConnector:
    """Instagram professional accounts (Business or Creator) linked to a Facebook Page."""

    network = NETWORK
    # PUBLISH_TEXT is the caption: an Instagram post always carries an image or a video.
    capabilities = frozenset(
        {
            Capability.PUBLISH_TEXT,
            Capability.PUBLISH_IMAGE,
            Capability.PUBLISH_VIDEO,
            Capability.PUBLISH_CAROUSEL,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.HIDE_COMMENT,
            Capability.DELETE_COMMENT,
            Capability.READ_COMMENTS,
            Capability.READ_MENTIONS,
            Capability.READ_METRICS,
            Capability.SEARCH_POSTS,
        }
    )
    oauth2: OAuth2Spec = facebook_login(INSTAGRAM_SCOPES)

    def __init__(self, poller: Poller | None = None) -> None:
        self._poller = poller or Poller()

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return InstagramInstallation(account, transport=transport, app=app, poller=self._poller)

    def accounts(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> list[tuple[AccountProfile, Credentials]]:
        """The Instagram accounts linked to the person's Pages, each with its Page token
        (long-lived when `app` is given, as for Facebook; `base_url` is unused)."""
        user = credentials
        if app is not None:
            user = long_lived_user_token(app, user, network=NETWORK, transport=transport)
        found: list[tuple[AccountProfile, Credentials]] = []
        for page in managed_pages(
            user, network=NETWORK, transport=transport, app=app, fields="id,name,access_token"
        ):
            graph = Graph(
                str(page["access_token"]),
                network=NETWORK,
                transport=transport,
                app_secret=app.client_secret if app else None,
            )
            try:
                linked = graph.get(
                    f"/{page['id']}",
                    {"fields": f"instagram_business_account{{{ACCOUNT_FIELDS}}}"},
                ).get("instagram_business_account")
            finally:
                graph.close()
            if not linked:
                continue  # a Page without an Instagram professional account
            credentials = Credentials(
                access_token=str(page["access_token"]),
                extra={"page_id": str(page["id"]), "instagram_user_id": str(linked["id"])},
            )
            found.append((_profile(linked), credentials))
        return found


def _profile(found: Mapping[str, Any]) -> AccountProfile:
    followers = found.get("followers_count")
    username = str(found.get("username") or found["id"])
    return AccountProfile(
        external_id=str(found["id"]),
        handle=username,
        display_name=str(found.get("name") or ""),
        followers=followers if isinstance(followers, int) else None,
        url=f"https://www.instagram.com/{username}/",
    )


class InstagramInstallation(BaseInstallation):
    """One Instagram professional account, acting with its Page's token."""

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
        self._ig = account.external_id
        self._poller = poller or Poller()
        self._graph = Graph(
            account.credentials.access_token,
            network=NETWORK,
            transport=transport,
            app_secret=app.client_secret if app else None,
        )

    def profile(self) -> AccountProfile:
        return _profile(self._graph.get(f"/{self._ig}", {"fields": ACCOUNT_FIELDS}))

    def publish(self, draft: DraftPost) -> PublishedRef:
        fmt = draft_format(draft)
        check_media(draft, fmt)
        check_publishing_limit(
            self._graph,
            f"/{self._ig}/content_publishing_limit",
            f"/{self._ig}/media",
            "Instagram",
        )
        container = create_container(self._graph, self._ig, draft, fmt, self._poller)
        answer = publish_container(
            self._graph,
            f"/{self._ig}/media_publish",
            container,
            client_ref=draft.client_ref,
            status_field="status_code",
            recent_path=f"/{self._ig}/media",
            text_field="caption",
            text="" if fmt == "story" else draft.text,
        )
        media_id = str(answer["id"])
        found = lookup_published(self._graph, media_id, "id,permalink,timestamp")
        first_comment = None
        if draft.first_comment and fmt != "story":
            first_comment = self._first_comment(media_id, draft.first_comment)
        return PublishedRef(
            external_id=media_id,
            url=found.get("permalink"),
            published_at=parse_time(found["timestamp"]) if found.get("timestamp") else utcnow(),
            first_comment_id=first_comment,
            client_ref=draft.client_ref,
        )

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        raise unverifiable("Instagram", "the account's posts")

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        listing = instagram_posts(self._graph, self._ig, since - CLOCK_SKEW)
        settle = settle_for(draft)
        return reconcile(draft, since, listing, network=NETWORK, now=utcnow(), settle=settle)

    def _first_comment(self, media_id: str, text: str) -> str | None:
        try:
            return str(self._graph.post(f"/{media_id}/comments", {"message": text})["id"])
        except ConnectorError as exc:
            log.warning(
                "instagram: post %s is live but its first comment failed: %s", media_id, exc
            )
            return None

    # Conversation -------------------------------------------------------------------------

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        edge = "comments" if self._is_media(parent_external_id) else "replies"
        answer = self._graph.post(
            f"/{parent_external_id}/{edge}", {"message": text}, client_ref=client_ref
        )
        return PublishedRef(
            external_id=str(answer["id"]), url=None, published_at=utcnow(), client_ref=client_ref
        )

    def _is_media(self, object_id: str) -> bool:
        """A media has a `media_type`; asking a comment for one is Meta's error 100."""
        try:
            found = self._graph.get(f"/{object_id}", {"fields": "id,media_type"})
        except GraphRefusal as exc:
            if exc.code == "100":
                return False
            raise
        return bool(found.get("media_type"))

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        self._graph.post(f"/{external_id}", {"hide": hidden}, idempotent=True)

    def delete_comment(self, external_id: str) -> None:
        try:
            self._graph.delete(f"/{external_id}")
        except GraphRefusal as exc:
            if not exc.gone:
                raise

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        if post_external_id is None:
            raise PermanentError(
                "Instagram comments are read post by post.", network=NETWORK, code="post_needed"
            )
        answer = self._graph.get(
            f"/{post_external_id}/comments",
            {"fields": COMMENT_FIELDS, "limit": limit, "after": cursor},
        )
        return interaction_page(answer, lambda e: self._comments(e, post_external_id))

    def _comments(self, entry: Mapping[str, Any], post_id: str) -> Iterator[Interaction]:
        yield self._comment(entry, post_id, None)
        for reply in (entry.get("replies") or {}).get("data") or ():
            yield self._comment(reply, post_id, str(entry["id"]))

    def _comment(self, entry: Mapping[str, Any], post_id: str, parent: str | None) -> Interaction:
        author = entry.get("from") or {}
        username = str(entry.get("username") or author.get("username") or "")
        author_id = str(author.get("id") or "")
        return Interaction(
            kind=InteractionKind.REPLY if parent else InteractionKind.COMMENT,
            external_id=str(entry["id"]),
            author_id=author_id,
            author_handle=username,
            text=str(entry.get("text") or ""),
            created_at=parse_time(entry["timestamp"]),
            post_external_id=post_id,
            parent_external_id=parent,
            hidden=bool(entry.get("hidden")),
            own=author_id == self._ig or bool(username and username == self._account.handle),
        )

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        """Media in which the account is tagged (`/{ig-user}/tags`). Mentions in captions
        and comments reach an app only through webhooks, which Orchestre does not take."""
        answer = self._graph.get(
            f"/{self._ig}/tags",
            {"fields": "id,caption,username,timestamp,permalink", "limit": limit, "after": cursor},
        )
        return interaction_page(answer, self._tagged)

    def _tagged(self, entry: Mapping[str, Any]) -> Iterator[Interaction]:
        username = str(entry.get("username") or "")
        yield Interaction(
            kind=InteractionKind.MENTION,
            external_id=str(entry["id"]),
            author_id=username,
            author_handle=username,
            text=str(entry.get("caption") or ""),
            created_at=parse_time(entry["timestamp"]),
            post_external_id=str(entry["id"]),
            url=entry.get("permalink"),
        )

    # Metrics and search -------------------------------------------------------------------

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        samples: list[MetricSample] = []
        for media_id in external_ids:
            try:
                media = self._graph.get(
                    f"/{media_id}",
                    {"fields": "id,media_type,media_product_type,like_count,comments_count"},
                )
            except GraphRefusal:
                continue  # deleted, or not ours: left out
            values = self._counts(media)
            product = str(media.get("media_product_type") or "")
            video = product == "REELS" or media.get("media_type") == "VIDEO"
            asked = {"STORY": STORY_METRICS, "REELS": REEL_METRICS}.get(product, FEED_METRICS)
            # (#10) Not enough viewers, or an expired story: the counts still hold.
            found = optional_insights(self._graph, f"/{media_id}/insights", asked)
            for name, value in found.items():
                if name == "views":
                    values[Metric.VIDEO_VIEWS if video else Metric.IMPRESSIONS] = value
                elif name == "ig_reels_video_view_total_time":
                    values[Metric.WATCH_TIME] = value / 1000
                elif name in NAMES:
                    values[NAMES[name]] = value
            now = utcnow()
            samples.extend(
                MetricSample(external_id=media_id, metric=str(metric), value=value, at=now)
                for metric, value in values.items()
            )
        return samples

    def read_account_metrics(self) -> list[MetricSample]:
        """Followers (`followers_count`) and yesterday's profile visits (`profile_views`)."""
        followers = self.profile().followers
        return account_figures(
            self._graph, self._ig, followers, VISITS_METRIC, {"metric_type": "total_value"}
        )

    def _counts(self, media: Mapping[str, Any]) -> dict[Metric, float]:
        counts: dict[Metric, float] = {}
        for field, metric in (("like_count", Metric.LIKES), ("comments_count", Metric.COMMENTS)):
            if isinstance(media.get(field), int):
                counts[metric] = float(media[field])
        return counts

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        """Recent media with one hashtag (`#croissant` or `croissant`); Instagram allows 30
        distinct hashtags a week per account and names no author."""
        tag = query.strip().lstrip("#")
        if not tag or not tag.replace("_", "").isalnum():
            raise PermanentError(
                "Instagram searches one hashtag, such as #croissant.",
                network=NETWORK,
                code="hashtag",
            )
        found = self._graph.get("/ig_hashtag_search", {"user_id": self._ig, "q": tag})
        hashtags = found.get("data") or []
        if not hashtags:
            return PostPage(items=[], next_cursor=None)
        answer = self._graph.get(
            f"/{hashtags[0]['id']}/recent_media",
            {
                "user_id": self._ig,
                "fields": HASHTAG_MEDIA_FIELDS,
                "limit": min(limit, 50),
                "after": cursor,
            },
        )
        items = [
            PublicPost(
                external_id=str(m["id"]),
                author_handle="",
                text=str(m.get("caption") or ""),
                created_at=parse_time(m["timestamp"]),
                url=m.get("permalink"),
                metrics={
                    str(metric): float(m[field])
                    for field, metric in (
                        ("like_count", Metric.LIKES),
                        ("comments_count", Metric.COMMENTS),
                    )
                    if isinstance(m.get(field), int)
                },
            )
            for m in answer.get("data") or ()
        ]
        paging = answer.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        return PostPage(
            items=items,
            next_cursor=str(after) if after else None,
            has_more=bool(paging.get("next")),
        )
