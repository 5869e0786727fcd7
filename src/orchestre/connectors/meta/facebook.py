"""The `facebook` connector: a Facebook Page through the Graph API (Pages API).

An account is a Page: `external_id` is the Page id, the credentials hold a Page token
(see `login.py`: Page tokens from a long-lived user token do not expire, so there is
nothing to refresh; a revoked one is a definitive `CredentialError`).

Publishing: text and link `POST /{page}/feed`; one photo `POST /{page}/photos` (`url` for
an https address, multipart `source` for a local file); several photos are uploaded
with `published=false` then attached to one feed post (`attached_media`); one video
`POST /{page}/videos` on the video host (`file_url` or multipart `source`). The first
comment is `POST /{post}/comments`. Option keys read from `DraftPost.options`:
`format` (`feed`, or `reel`: one video through the Reels Publishing API, see
`facebook_reels.py`; stories are not published), `title` (video title).

A follow-up that fails once the post is live (the first comment) does not fail the
publish, which would invite a duplicate: the returned `PublishedRef` has no
`first_comment_id` and a warning is logged. The Graph API has no idempotency key, so
`find_by_client_ref` refuses (`unverifiable`); after an `AmbiguousError` the post is
looked for by content among the Page's published posts (`find_by_fingerprint`,
`listing.py`), and only when that cannot tell does a person look at the Page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
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
    MediaRef,
    Metric,
    MetricSample,
    PermanentError,
    PublishedRef,
)
from orchestre.connectors.fingerprint import CLOCK_SKEW, reconcile
from orchestre.connectors.meta.ads import MetaAds, ads_graph
from orchestre.connectors.meta.facebook_reels import publish_reel
from orchestre.connectors.meta.graph import GRAPH_VIDEO_URL, Graph, GraphRefusal, parse_time
from orchestre.connectors.meta.listing import facebook_posts, settle_for
from orchestre.connectors.meta.login import (
    FACEBOOK_SCOPES,
    facebook_login,
    long_lived_user_token,
    managed_pages,
    page_credentials,
)
from orchestre.connectors.meta.shared import (
    absolute,
    account_figures,
    is_video,
    local_file,
    log,
    lookup_published,
    optional_insights,
    unverifiable,
)
from orchestre.connectors.meta.shared import page as interaction_page
from orchestre.connectors.oauth import OAuth2Spec
from orchestre.kit.clock import utcnow

NETWORK = "facebook"
MENTION_FIELDS = "id,message,created_time,from{id,name},permalink_url"
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},is_hidden,permalink_url"
INSIGHTS = {
    "post_impressions": Metric.IMPRESSIONS,
    "post_impressions_unique": Metric.REACH,
    "post_clicks": Metric.CLICKS,
}
COUNT_FIELDS = (
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
)
# A video or a Reel is published as a Video object (an id without the Page's prefix): its
# counts, its length (seconds), and its video insights (times in milliseconds).
VIDEO_FIELDS = (
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),length"
)
VIDEO_INSIGHTS = (
    "total_video_views",
    "total_video_view_total_time",
    "total_video_avg_time_watched",
)
# Page insights: views of the Page's profile per day.
VISITS_METRIC = "page_views_total"


class FacebookConnector:
    """Facebook Pages: what they can do, how a person connects, and which Page to act as."""

    network = NETWORK
    capabilities = frozenset(
        {
            Capability.PUBLISH_TEXT,
            Capability.PUBLISH_IMAGE,
            Capability.PUBLISH_VIDEO,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.HIDE_COMMENT,
            Capability.DELETE_COMMENT,
            Capability.DELETE_POST,
            Capability.LIKE,
            Capability.READ_COMMENTS,
            Capability.READ_MENTIONS,
            Capability.READ_METRICS,
            Capability.AD_REPORTING,
            Capability.BOOST_POST,
        }
    )
    oauth2: OAuth2Spec = facebook_login(FACEBOOK_SCOPES)

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return FacebookInstallation(account, transport=transport, app=app)

    def accounts(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> list[tuple[AccountProfile, Credentials]]:
        """The Pages the person manages, each with a Page token, for them to pick one.

        With `app`, the user token is first traded for a long-lived one, so the Page
        tokens do not expire (without it they last as long as the user token, about an
        hour). `base_url` is unused: Facebook is one network.
        """
        user = credentials
        if app is not None:
            user = long_lived_user_token(app, user, network=NETWORK, transport=transport)
        found = managed_pages(user, network=NETWORK, transport=transport, app=app)
        return [(_page_profile(p), page_credentials(p)) for p in found]

    def pages(
        self,
        user_credentials: Credentials,
        *,
        app: AppCredentials | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> list[tuple[AccountProfile, Credentials]]:
        """`accounts`, by the name the Pages flow gives it."""
        return self.accounts(user_credentials, transport=transport, app=app)


def _page_profile(found: dict[str, Any]) -> AccountProfile:
    followers = found.get("followers_count")
    return AccountProfile(
        external_id=str(found["id"]),
        handle=str(found.get("username") or found.get("name") or found["id"]),
        display_name=str(found.get("name") or ""),
        followers=followers if isinstance(followers, int) else None,
        url=found.get("link") or f"https://www.facebook.com/{found['id']}",
    )


class FacebookInstallation(MetaAds, BaseInstallation):
    """One Page, acting with its Page token."""

    network = NETWORK

    def __init__(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> None:
        super().__init__(account)
        self._page = account.external_id
        self._graph = Graph(
            account.credentials.access_token,
            network=NETWORK,
            transport=transport,
            app_secret=app.client_secret if app else None,
        )
        self._ads = ads_graph(account, transport, app)

    def profile(self) -> AccountProfile:
        found = self._graph.get(
            f"/{self._page}", {"fields": "id,name,username,link,followers_count"}
        )
        return _page_profile(found)

    # Publishing ---------------------------------------------------------------------------

    def publish(self, draft: DraftPost) -> PublishedRef:
        fmt = str(draft.options.get("format") or "feed")
        if fmt not in {"feed", "reel"}:
            raise PermanentError(
                f"Orchestre publishes Facebook posts and Reels, not {fmt}s.",
                network=NETWORK,
                code="format",
            )
        videos = [m for m in draft.media if is_video(m)]
        if fmt == "reel":
            post_id = publish_reel(self._graph, self._page, draft, self._caption(draft))
        elif videos and len(draft.media) > 1:
            raise PermanentError(
                "A Facebook post holds one video and nothing else.", network=NETWORK, code="media"
            )
        elif videos:
            post_id = self._video(draft, videos[0])
        elif len(draft.media) == 1:
            post_id = self._photo(draft, draft.media[0])
        elif draft.media:
            post_id = self._photos(draft)
        else:
            answer = self._graph.post(
                f"/{self._page}/feed",
                {"message": draft.text, "link": draft.link},
                client_ref=draft.client_ref,
            )
            post_id = str(answer["id"])
        found = self._lookup(post_id)
        return PublishedRef(
            external_id=post_id,
            url=absolute(found.get("permalink_url")),
            published_at=_created(found),
            first_comment_id=self._first_comment(post_id, draft.first_comment),
            client_ref=draft.client_ref,
        )

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        raise unverifiable("Facebook", "the Page")

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        listing = facebook_posts(self._graph, self._page, since - CLOCK_SKEW)
        settle = settle_for(draft)
        return reconcile(draft, since, listing, network=NETWORK, now=utcnow(), settle=settle)

    def _caption(self, draft: DraftPost) -> str:
        # Photo and video posts take no link field: the link goes in the words.
        if draft.link and draft.link not in draft.text:
            return f"{draft.text}\n\n{draft.link}".strip()
        return draft.text

    def _photo(self, draft: DraftPost, media: MediaRef) -> str:
        with ExitStack() as files:
            source = self._source(media, "url", files)
            answer = self._graph.post(
                f"/{self._page}/photos",
                {"caption": self._caption(draft), "alt_text_custom": media.alt_text or None}
                | source.fields,
                files=source.files,
                client_ref=draft.client_ref,
            )
        # A photo answer names the photo (`id`) and the feed post that shows it (`post_id`).
        return str(answer.get("post_id") or answer["id"])

    def _photos(self, draft: DraftPost) -> str:
        attached = []
        for media in draft.media:
            with ExitStack() as files:
                source = self._source(media, "url", files)
                # Unpublished photos are invisible and harmless if the post never comes.
                answer = self._graph.post(
                    f"/{self._page}/photos",
                    {"published": False, "alt_text_custom": media.alt_text or None} | source.fields,
                    files=source.files,
                    idempotent=True,
                )
            attached.append({"media_fbid": str(answer["id"])})
        answer = self._graph.post(
            f"/{self._page}/feed",
            {"message": self._caption(draft), "attached_media": attached},
            client_ref=draft.client_ref,
        )
        return str(answer["id"])

    def _video(self, draft: DraftPost, media: MediaRef) -> str:
        with ExitStack() as files:
            source = self._source(media, "file_url", files)
            answer = self._graph.post(
                f"{GRAPH_VIDEO_URL}/{self._page}/videos",
                {"description": self._caption(draft), "title": draft.options.get("title")}
                | source.fields,
                files=source.files,
                client_ref=draft.client_ref,
            )
        return str(answer["id"])

    def _source(self, media: MediaRef, url_field: str, files: ExitStack) -> _Source:
        path = local_file(media, network=NETWORK)
        if path is None:
            return _Source({url_field: media.uri}, None)
        handle = files.enter_context(path.open("rb"))
        return _Source({}, {"source": (path.name, handle, media.content_type)})

    def _lookup(self, object_id: str) -> Mapping[str, Any]:
        return lookup_published(self._graph, object_id, "id,permalink_url,created_time")

    def _first_comment(self, post_id: str, text: str | None) -> str | None:
        if not text:
            return None
        try:
            return str(self._graph.post(f"/{post_id}/comments", {"message": text})["id"])
        except ConnectorError as exc:
            log.warning("facebook: post %s is live but its first comment failed: %s", post_id, exc)
            return None

    # Conversation -------------------------------------------------------------------------

    def delete_post(self, external_id: str) -> None:
        self._delete(external_id)

    def delete_comment(self, external_id: str) -> None:
        self._delete(external_id)

    def _delete(self, object_id: str) -> None:
        try:
            self._graph.delete(f"/{object_id}")
        except GraphRefusal as exc:
            if not exc.gone:
                raise

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        answer = self._graph.post(
            f"/{parent_external_id}/comments", {"message": text}, client_ref=client_ref
        )
        return PublishedRef(
            external_id=str(answer["id"]), url=None, published_at=utcnow(), client_ref=client_ref
        )

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        self._graph.post(f"/{external_id}", {"is_hidden": hidden}, idempotent=True)

    def like(self, external_id: str) -> None:
        self._graph.post(f"/{external_id}/likes", idempotent=True)

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        if post_external_id is None:
            raise PermanentError(
                "Facebook comments are read post by post.", network=NETWORK, code="post_needed"
            )
        answer = self._graph.get(
            f"/{post_external_id}/comments",
            {
                "fields": COMMENT_FIELDS,
                "filter": "stream",
                "order": "chronological",
                "limit": limit,
                "after": cursor,
            },
        )
        return interaction_page(answer, lambda e: self._comment(e, post_external_id))

    def _comment(self, entry: Mapping[str, Any], post_id: str) -> Iterator[Interaction]:
        author = entry.get("from") or {}
        parent = (entry.get("parent") or {}).get("id")
        yield Interaction(
            kind=InteractionKind.REPLY if parent else InteractionKind.COMMENT,
            external_id=str(entry["id"]),
            author_id=str(author.get("id") or ""),
            author_handle=str(author.get("name") or ""),
            author_name=str(author.get("name") or ""),
            text=str(entry.get("message") or ""),
            created_at=parse_time(entry["created_time"]),
            post_external_id=post_id,
            parent_external_id=str(parent) if parent else None,
            url=entry.get("permalink_url"),
            hidden=bool(entry.get("is_hidden")),
            own=str(author.get("id") or "") == self._page,
        )

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        """Public posts in which the Page is tagged (`/{page}/tagged`); Facebook names the
        author of a person's post only to that person, so the author may be empty."""
        answer = self._graph.get(
            f"/{self._page}/tagged",
            {"fields": MENTION_FIELDS, "limit": limit, "after": cursor},
        )
        return interaction_page(answer, self._mention)

    def _mention(self, entry: Mapping[str, Any]) -> Iterator[Interaction]:
        author = entry.get("from") or {}
        yield Interaction(
            kind=InteractionKind.MENTION,
            external_id=str(entry["id"]),
            author_id=str(author.get("id") or ""),
            author_handle=str(author.get("name") or ""),
            author_name=str(author.get("name") or ""),
            text=str(entry.get("message") or ""),
            created_at=parse_time(entry["created_time"]),
            post_external_id=str(entry["id"]),
            url=entry.get("permalink_url"),
        )

    # Metrics ------------------------------------------------------------------------------

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        samples: list[MetricSample] = []
        for post_id in external_ids:
            if "_" not in post_id:  # feed posts are PAGE_POST; videos and Reels are not
                samples.extend(self._video_metrics(post_id))
                continue
            try:
                counts = self._graph.get(f"/{post_id}", {"fields": COUNT_FIELDS})
            except GraphRefusal:
                continue  # deleted, or not ours: left out
            now = utcnow()
            values = {
                Metric.LIKES: _total(counts.get("reactions")),
                Metric.COMMENTS: _total(counts.get("comments")),
                Metric.REPOSTS: float((counts.get("shares") or {}).get("count") or 0),
            }
            # Insights need a Page with enough followers; counts are still worth having.
            found = optional_insights(self._graph, f"/{post_id}/insights", INSIGHTS)
            values.update(
                {INSIGHTS[name]: value for name, value in found.items() if name in INSIGHTS}
            )
            samples.extend(
                MetricSample(external_id=post_id, metric=str(metric), value=value, at=now)
                for metric, value in values.items()
            )
        return samples

    def _video_metrics(self, video_id: str) -> list[MetricSample]:
        try:
            found = self._graph.get(f"/{video_id}", {"fields": VIDEO_FIELDS})
        except GraphRefusal:
            return []  # deleted, or not ours: left out
        now = utcnow()
        values = {
            Metric.LIKES: _total(found.get("reactions")),
            Metric.COMMENTS: _total(found.get("comments")),
        }
        insights = optional_insights(self._graph, f"/{video_id}/video_insights", VIDEO_INSIGHTS)
        values.update(_video_values(insights, found.get("length")))
        return [
            MetricSample(external_id=video_id, metric=str(metric), value=value, at=now)
            for metric, value in values.items()
        ]

    def read_account_metrics(self) -> list[MetricSample]:
        """Followers (`followers_count`) and yesterday's Page views (`page_views_total`)."""
        followers = self.profile().followers
        return account_figures(self._graph, self._page, followers, VISITS_METRIC, {})


def _video_values(insights: Mapping[str, float], length: Any) -> dict[Metric, float]:
    """Views, total watch time in seconds, and the average share watched (the average
    time watched over the video's length, at most 1: replays count in the average)."""
    values: dict[Metric, float] = {}
    if "total_video_views" in insights:
        values[Metric.VIDEO_VIEWS] = insights["total_video_views"]
    if "total_video_view_total_time" in insights:
        values[Metric.WATCH_TIME] = insights["total_video_view_total_time"] / 1000
    average = insights.get("total_video_avg_time_watched")
    if average is not None and isinstance(length, int | float) and length > 0:
        values[Metric.COMPLETION] = min(1.0, average / 1000 / length)
    return values


class _Source:
    """How a media file travels: an address field, or a multipart file."""

    def __init__(self, fields: dict[str, Any], files: dict[str, Any] | None) -> None:
        self.fields = fields
        self.files = files


def _total(edge: Any) -> float:
    summary = (edge or {}).get("summary") or {}
    return float(summary.get("total_count") or 0)


def _created(found: Mapping[str, Any]) -> Any:
    created = found.get("created_time")
    return parse_time(created) if created else utcnow()
