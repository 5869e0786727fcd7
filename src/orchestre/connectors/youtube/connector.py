"""The `youtube` connector: videos and Shorts by resumable upload, comments, likes, counts.

YouTube Data API v3 (https://developers.google.com/youtube/v3/docs). Every call spends the
Google project's daily quota (an upload 1,600 units in 2024's table, a search 100, a read
1): a spent quota is a `RetryableError` until midnight Pacific time.

Options read from `DraftPost.options`:
- `title` (else the text's first line), `tags` (list of str), `category_id` (default
  "22"), `language` (BCP 47, the video's `defaultLanguage`).
- `privacy`: public (default), unlisted or private; `publish_at` (aware datetime or ISO
  8601): scheduled, private until then; `made_for_kids` (bool, default false);
  `notify_subscribers` (bool, default true).
- `format`: "short" for a Short (3 minutes at most: `duration_sec`, or the length ffprobe
  measures); `shorts_hashtag` (bool): add #Shorts to the title (or the description).
- `thumbnail`: a `MediaRef` (local JPEG or PNG) set as the custom thumbnail.
The text is the description; `first_comment` is posted as a comment on the new video.
YouTube keeps no idempotency key: after an unanswered upload the video is looked for by
title and description among the channel's uploads (`listing.py`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from orchestre.connectors import oauth
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
    InteractionPage,
    MediaRef,
    Metric,
    MetricSample,
    PermanentError,
    PostPage,
    PublicAccount,
    PublicAccountPost,
    PublishedRef,
)
from orchestre.connectors.fingerprint import CLOCK_SKEW, reconcile
from orchestre.connectors.oauth import OAuth2Spec
from orchestre.connectors.youtube import comments, metadata, public
from orchestre.connectors.youtube.ads import GoogleAds
from orchestre.connectors.youtube.listing import SETTLE, expected_words, uploads
from orchestre.connectors.youtube.upload import Session, UploadRules, open_session, upload
from orchestre.connectors.youtube.wire import API_BASE, NETWORK, body, call, local_path
from orchestre.kit.clock import Clock, utcnow

log = logging.getLogger("orchestre.connectors.youtube")

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.force-ssl",
    "https://www.googleapis.com/auth/youtube.readonly",
)
OAUTH2 = OAuth2Spec(
    authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
    token_url="https://oauth2.googleapis.com/token",  # noqa: S106 - an address
    scopes=SCOPES,
    pkce=True,
    client_auth="post",
    # A refresh token is given only offline, and again only when consent is asked anew.
    extra_authorize_params={"access_type": "offline", "prompt": "consent"},
)
V3 = "/youtube/v3"
THUMBNAIL_URL = "https://www.googleapis.com/upload/youtube/v3/thumbnails/set"
METRIC_FIELDS = {
    "viewCount": Metric.VIDEO_VIEWS,
    "likeCount": Metric.LIKES,
    "commentCount": Metric.COMMENTS,
}
IDS_PER_REQUEST = 50


class ProductClock:
    """The product's clock (`kit.clock.utcnow`), read at each call."""

    def now(self) -> datetime:
        return utcnow()


class YouTubeConnector:
    """Stateless: YouTube's capabilities and OAuth 2 habits; `open` binds a channel."""

    network = NETWORK
    capabilities = frozenset(
        {
            Capability.PUBLISH_VIDEO,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.HIDE_COMMENT,
            Capability.DELETE_COMMENT,
            Capability.DELETE_POST,
            Capability.LIKE,
            Capability.READ_COMMENTS,
            Capability.READ_METRICS,
            Capability.SEARCH_POSTS,
            Capability.READ_PUBLIC_ACCOUNTS,
            Capability.AD_REPORTING,
        }
    )
    oauth2 = OAUTH2

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        upload_rules: UploadRules = UploadRules(),
        measure_seconds: Callable[[Path], float | None] = metadata.video_seconds,
    ) -> None:
        self._clock = clock or ProductClock()
        self._measure = measure_seconds
        self._sleep = sleep
        self._rules = upload_rules

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return YouTubeInstallation(
            account,
            transport=transport,
            app=app,
            clock=self._clock,
            sleep=self._sleep,
            rules=self._rules,
            measure_seconds=self._measure,
        )


class YouTubeInstallation(GoogleAds, BaseInstallation):
    """One YouTube channel (`account.external_id` is its channel id)."""

    network = NETWORK

    def __init__(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None,
        app: AppCredentials | None,
        clock: Clock,
        sleep: Callable[[float], None],
        rules: UploadRules,
        measure_seconds: Callable[[Path], float | None],
    ) -> None:
        super().__init__(account)
        self._measure = measure_seconds
        self._transport = transport
        self._app = app
        self._clock = clock
        self._sleep = sleep
        self._rules = rules
        self._api = oauth.bearer_client(
            account.credentials.access_token, base_url=API_BASE, transport=transport
        )

    def close(self) -> None:
        self._api.close()

    def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        return body(call(self._api, method, url, now=self._clock.now(), **kwargs))

    # Account ----------------------------------------------------------------------------

    def profile(self) -> AccountProfile:
        data = self._call(
            "GET", f"{V3}/channels", params={"part": "snippet,statistics", "mine": "true"}
        )
        items = data.get("items") or []
        if not items:
            raise PermanentError(
                "This Google account has no YouTube channel; create one, then connect again.",
                network=NETWORK,
                code="no_channel",
            )
        channel = items[0]
        snippet, stats = channel.get("snippet") or {}, channel.get("statistics") or {}
        handle = str(snippet.get("customUrl") or "")
        followers = stats.get("subscriberCount")
        hidden = bool(stats.get("hiddenSubscriberCount"))
        return AccountProfile(
            external_id=str(channel.get("id")),
            handle=handle,
            display_name=str(snippet.get("title") or ""),
            followers=int(followers) if followers is not None and not hidden else None,
            url=f"https://www.youtube.com/{handle}"
            if handle.startswith("@")
            else f"https://www.youtube.com/channel/{channel.get('id')}",
        )

    def refresh_credentials(self) -> Credentials:
        if self._app is None:
            raise PermanentError(
                "YouTube tokens cannot be renewed without Orchestre's Google app settings "
                "(client id and secret).",
                network=NETWORK,
                code="app_missing",
            )
        return oauth.refresh(
            OAUTH2, self._app, self.account.credentials, network=NETWORK, transport=self._transport
        )

    # Publishing -------------------------------------------------------------------------

    def publish(self, draft: DraftPost) -> PublishedRef:
        videos = [m for m in draft.media if m.content_type.startswith("video/")]
        if len(videos) != 1 or len(draft.media) != 1:
            raise PermanentError(
                "A YouTube post is exactly one video.", network=NETWORK, code="media_mix"
            )
        media = videos[0]
        path = local_path(media.uri)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise PermanentError(
                f"The video file {path.name} cannot be read.", network=NETWORK
            ) from exc
        seconds: float | None = None
        if metadata.is_short(draft.options):
            given = draft.options.get("duration_sec")
            seconds = float(given) if isinstance(given, int | float) else self._measure(path)
        resource = metadata.video_resource(draft, seconds)
        uri = open_session(
            self._api,
            resource,
            params=metadata.upload_params(draft.options),
            size=size,
            content_type=media.content_type,
            now=self._clock.now(),
        )
        session = Session(
            client=self._api,
            uri=uri,
            path=path,
            size=size,
            content_type=media.content_type,
            rules=self._rules,
            now=self._clock.now,
            sleep=self._sleep,
            client_ref=draft.client_ref,
        )
        video = upload(session)
        video_id = str(video.get("id", ""))
        if not video_id:
            raise PermanentError("YouTube answered the upload without a video id.", network=NETWORK)
        self._set_thumbnail(video_id, draft.options.get("thumbnail"))
        first_comment = self._first_comment(video_id, draft.first_comment)
        return PublishedRef(
            external_id=video_id,
            url=metadata.video_url(video_id, short=metadata.is_short(draft.options)),
            published_at=self._clock.now(),
            first_comment_id=first_comment,
            client_ref=draft.client_ref,
        )

    def _set_thumbnail(self, video_id: str, thumbnail: object) -> None:
        """The video is up: a refused thumbnail is logged, never a failed publish."""
        if not isinstance(thumbnail, MediaRef):
            return
        try:
            data = local_path(thumbnail.uri).read_bytes()
            call(
                self._api,
                "POST",
                THUMBNAIL_URL,
                now=self._clock.now(),
                idempotent=True,
                params={"videoId": video_id},
                content=data,
                headers={"Content-Type": thumbnail.content_type},
            )
        except (ConnectorError, OSError) as exc:
            log.warning("YouTube video %s kept its default thumbnail: %s", video_id, exc)

    def _first_comment(self, video_id: str, text: str | None) -> str | None:
        if not text:
            return None
        try:
            return self.reply(video_id, text).external_id
        except ConnectorError as exc:
            log.warning("the first comment on YouTube video %s failed: %s", video_id, exc)
            return None

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        raise PermanentError(
            "YouTube cannot look a video up by Orchestre's reference; check the channel's "
            "uploads before publishing again.",
            network=NETWORK,
            code="unverifiable",
        )

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        """Among the channel's uploads (`listing.py`), by title and description."""

        def get(path: str, params: Mapping[str, Any]) -> dict[str, Any]:
            return self._call("GET", f"{V3}{path}", params=params)

        listing = uploads(get, since - CLOCK_SKEW)
        now, text = self._clock.now(), expected_words(draft)
        return reconcile(draft, since, listing, network=NETWORK, now=now, settle=SETTLE, text=text)

    def delete_post(self, external_id: str) -> None:
        self._delete(f"{V3}/videos", external_id)

    def _delete(self, url: str, external_id: str) -> None:
        try:
            self._call("DELETE", url, params={"id": external_id})
        except PermanentError as exc:
            if exc.code not in {"videoNotFound", "commentNotFound", "404"}:
                raise
            # Already gone: what the caller wanted.

    # Conversation -----------------------------------------------------------------------

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        """A comment on a video (a new thread), or a reply in a comment's thread."""
        if comments.is_video_id(parent_external_id):
            payload: dict[str, Any] = {
                "snippet": {
                    "videoId": parent_external_id,
                    "topLevelComment": {"snippet": {"textOriginal": text}},
                }
            }
            url = f"{V3}/commentThreads"
        else:
            payload = {
                "snippet": {
                    "parentId": comments.top_level_id(parent_external_id),
                    "textOriginal": text,
                }
            }
            url = f"{V3}/comments"
        data = self._call(
            "POST",
            url,
            params={"part": "snippet"},
            json=payload,
            idempotent=False,
            client_ref=client_ref,
        )
        snippet = data.get("snippet") or {}
        top = snippet.get("topLevelComment") or {}
        comment_id = str(top.get("id") or data.get("id", ""))
        video = snippet.get("videoId") or (top.get("snippet") or {}).get("videoId")
        return PublishedRef(
            external_id=comment_id,
            url=comments.comment_url(str(video) if video else None, comment_id),
            published_at=self._clock.now(),
            client_ref=client_ref,
        )

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        self._call(
            "POST",
            f"{V3}/comments/setModerationStatus",
            params={
                "id": external_id,
                "moderationStatus": "heldForReview" if hidden else "published",
            },
            idempotent=True,
        )

    def delete_comment(self, external_id: str) -> None:
        self._delete(f"{V3}/comments", external_id)

    def like(self, external_id: str) -> None:
        if not comments.is_video_id(external_id):
            raise PermanentError(
                "YouTube lets an app like videos only, not comments.",
                network=NETWORK,
                code="like_comment",
            )
        self._call(
            "POST",
            f"{V3}/videos/rate",
            params={"id": external_id, "rating": "like"},
            idempotent=True,
        )

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        """Comment threads of one video, or of all the channel's videos. YouTube lists them
        newest first, page by page; each page's items are returned oldest first."""
        params: dict[str, str] = {
            "part": "snippet,replies",
            "maxResults": str(max(1, min(limit, 100))),
            "textFormat": "plainText",
            "order": "time",
        }
        if post_external_id:
            params["videoId"] = post_external_id
        else:
            params["allThreadsRelatedToChannelId"] = self.account.external_id
        if cursor:
            params["pageToken"] = cursor
        data = self._call("GET", f"{V3}/commentThreads", params=params)
        own = self.account.external_id
        items = [i for t in data.get("items") or [] for i in comments.interactions(t, own)]
        items.sort(key=lambda i: i.created_at)
        token = data.get("nextPageToken")
        return InteractionPage(items=items, next_cursor=token or None, has_more=bool(token))

    # Measures and listening -------------------------------------------------------------

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        ids = list(dict.fromkeys(external_ids))
        samples: list[MetricSample] = []
        for start in range(0, len(ids), IDS_PER_REQUEST):
            batch = ids[start : start + IDS_PER_REQUEST]
            data = self._call(
                "GET", f"{V3}/videos", params={"part": "statistics", "id": ",".join(batch)}
            )
            at = self._clock.now()
            for video in data.get("items") or []:
                stats = video.get("statistics") or {}
                samples.extend(
                    MetricSample(str(video["id"]), metric.value, float(stats[field]), at)
                    for field, metric in METRIC_FIELDS.items()
                    if field in stats
                )
        return samples

    def lookup_account(self, handle: str) -> PublicAccount:
        return public.lookup(self._get, handle)

    def read_account_posts(
        self, account: PublicAccount, *, limit: int = 40
    ) -> list[PublicAccountPost]:
        return public.posts(self._get, account, limit)

    def _get(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._call("GET", V3 + path, params=dict(params))

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        params = {
            "part": "snippet",
            "type": "video",
            "q": query,
            "order": "date",
            "maxResults": str(max(1, min(limit, 50))),
        }
        if cursor:
            params["pageToken"] = cursor
        data = self._call("GET", f"{V3}/search", params=params)
        found = [comments.public_post(item) for item in data.get("items") or []]
        token = data.get("nextPageToken")
        return PostPage(
            items=[p for p in found if p is not None],
            next_cursor=token or None,
            has_more=bool(token),
        )
