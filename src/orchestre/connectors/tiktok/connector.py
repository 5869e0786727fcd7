"""The `tiktok` connector: Direct Post of videos and photo posts, and their counts.

TikTok's Content Posting API (v2, https://developers.tiktok.com/doc/content-posting-api-
reference-direct-post) posts videos (uploaded from a local file in chunks) and photo posts
(fetched by TikTok from https addresses on a domain verified for the app). It gives a
third-party app no comments, likes or search in this product's scope, so the connector
declares only publishing and metrics (`POST /v2/video/query/`, scope video.list).

Options read from `DraftPost.options`:
- `privacy_level` (required, no default: TikTok forbids pre-selecting one): one of the
  creator's `privacy_level_options` (PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS,
  FOLLOWER_OF_CREATOR, SELF_ONLY).
- `disable_comment`, `disable_duet`, `disable_stitch` (bool): turned on whatever we ask
  when the creator turned them off on their account.
- `brand_content_toggle` (paid partnership), `brand_organic_toggle` (own brand): bool.
- `video_cover_timestamp_ms` (int): the frame used as the video's cover.
- `duration_sec` (number): the video's length, checked against the creator's maximum
  (measured with ffprobe when not given).
- `title` (photo posts; the text is then the description), `auto_add_music` (photo
  posts, default true).
- `format`: "carousel" for a photo post; images make one too.

Publishing waits for TikTok to process the post (`status/fetch`); past the deadline it
raises `AmbiguousError` whose `client_ref` is TikTok's `publish_id`, which
`find_by_client_ref` understands. Without one (a worker that died mid-upload), a public
video is looked for by its description among the creator's videos (`listing.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import httpx

from orchestre.connectors import oauth
from orchestre.connectors.base import (
    AccountProfile,
    AccountRef,
    AppCredentials,
    BaseInstallation,
    Capability,
    Credentials,
    DraftPost,
    Installation,
    MediaRef,
    Metric,
    MetricSample,
    PermanentError,
    PublishedRef,
    RetryableError,
)
from orchestre.connectors.fingerprint import CLOCK_SKEW, reconcile
from orchestre.connectors.http import make_client
from orchestre.connectors.oauth import OAuth2Spec
from orchestre.connectors.tiktok import publishing
from orchestre.connectors.tiktok.ads_boost import TikTokBoost
from orchestre.connectors.tiktok.listing import SETTLE, check_listable, public_videos
from orchestre.connectors.tiktok.publishing import Status, Waiting
from orchestre.connectors.tiktok.upload import ChunkRules, plan_chunks, upload_chunks
from orchestre.connectors.tiktok.wire import API_BASE, NETWORK, call, https_url, local_path
from orchestre.kit.clock import Clock, utcnow

# user.info.profile gives the username, user.info.stats the follower count, video.list the
# counts of posted videos (https://developers.tiktok.com/doc/tiktok-api-scopes).
SCOPES = (
    "user.info.basic",
    "user.info.profile",
    "user.info.stats",
    "video.publish",
    "video.upload",
    "video.list",
)
OAUTH2 = OAuth2Spec(
    authorize_url="https://www.tiktok.com/v2/auth/authorize/",
    token_url="https://open.tiktokapis.com/v2/oauth/token/",  # noqa: S106 - an address
    scopes=SCOPES,
    scope_separator=",",
    pkce=True,
    client_auth="post",
    client_id_param="client_key",
)
USER_FIELDS = "open_id,union_id,avatar_url,display_name,username,follower_count"
VIDEO_FIELDS = "id,like_count,comment_count,share_count,view_count"
VIDEO_QUERY_MAX_IDS = 20
METRIC_FIELDS = {
    "like_count": Metric.LIKES,
    "comment_count": Metric.COMMENTS,
    "share_count": Metric.REPOSTS,
    "view_count": Metric.VIDEO_VIEWS,
}


class ProductClock:
    """The product's clock (`kit.clock.utcnow`), read at each call."""

    def now(self) -> datetime:
        return utcnow()


class TikTokConnector:
    """Stateless: TikTok's capabilities and OAuth 2 habits; `open` binds an account."""

    network = NETWORK
    capabilities = frozenset(
        {
            Capability.PUBLISH_VIDEO,
            Capability.PUBLISH_IMAGE,
            Capability.PUBLISH_CAROUSEL,
            Capability.READ_METRICS,
            Capability.AD_REPORTING,
            Capability.BOOST_POST,
        }
    )
    oauth2 = OAUTH2

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        chunk_rules: ChunkRules = ChunkRules(),
        poll_interval: float = 5.0,
        publish_deadline: float = 600.0,
        measure_seconds: Callable[[Path], float | None] = publishing.video_seconds,
    ) -> None:
        self._clock = clock or ProductClock()
        self._measure = measure_seconds
        self._waiting = Waiting(self._clock, sleep, poll_interval, publish_deadline)
        self._chunk_rules = chunk_rules

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        return TikTokInstallation(
            account,
            transport=transport,
            app=app,
            clock=self._clock,
            waiting=self._waiting,
            chunk_rules=self._chunk_rules,
            measure_seconds=self._measure,
        )


class TikTokInstallation(TikTokBoost, BaseInstallation):
    """One TikTok account: its bearer client for the Open API, a plain one for uploads."""

    network = NETWORK

    def __init__(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None,
        app: AppCredentials | None,
        clock: Clock,
        waiting: Waiting,
        chunk_rules: ChunkRules,
        measure_seconds: Callable[[Path], float | None],
    ) -> None:
        super().__init__(account)
        self._measure = measure_seconds
        self._transport = transport
        self._app = app
        self._clock = clock
        self._waiting = waiting
        self._chunk_rules = chunk_rules
        self._api = oauth.bearer_client(
            account.credentials.access_token,
            base_url=API_BASE,
            transport=transport,
            headers={"Content-Type": "application/json; charset=UTF-8"},
        )
        # The upload URL is pre-signed: the access token never goes to the upload host.
        self._uploads = make_client(transport=transport)

    def close(self) -> None:
        self._api.close()
        self._uploads.close()

    def profile(self) -> AccountProfile:
        data = call(
            self._api, "GET", "/v2/user/info/", idempotent=True, params={"fields": USER_FIELDS}
        )
        found = data.get("user")
        user: dict[str, object] = found if isinstance(found, dict) else {}
        username = str(user.get("username") or self.account.handle)
        followers = user.get("follower_count")
        return AccountProfile(
            external_id=str(user.get("open_id") or self.account.external_id),
            handle=username,
            display_name=str(user.get("display_name") or ""),
            followers=followers if isinstance(followers, int) else None,
            url=f"https://www.tiktok.com/@{username}" if username else None,
        )

    def refresh_credentials(self) -> Credentials:
        if self._app is None:
            raise PermanentError(
                "TikTok tokens cannot be renewed without Orchestre's TikTok app settings "
                "(client key and secret).",
                network=NETWORK,
                code="app_missing",
            )
        # TikTok rotates refresh tokens: `oauth.refresh` keeps the new one it sends.
        return oauth.refresh(
            OAUTH2, self._app, self.account.credentials, network=NETWORK, transport=self._transport
        )

    def publish(self, draft: DraftPost) -> PublishedRef:
        kinds = {m.content_type.split("/", 1)[0] for m in draft.media}
        if kinds == {"video"} and len(draft.media) == 1:
            return self._publish_video(draft, draft.media[0])
        if kinds == {"image"}:
            return self._publish_photos(draft)
        raise PermanentError(
            "A TikTok post is one video, or photos only (a photo post); this draft has "
            f"{len(draft.media)} media of kinds {', '.join(sorted(kinds)) or 'none'}.",
            network=NETWORK,
            code="media_mix",
        )

    def _publish_video(self, draft: DraftPost, media: MediaRef) -> PublishedRef:
        path = local_path(media.uri)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise PermanentError(
                f"The video file {path.name} cannot be read.", network=NETWORK
            ) from exc
        creator = publishing.creator_info(self._api)
        given = draft.options.get("duration_sec")
        seconds = float(given) if isinstance(given, int | float) else self._measure(path)
        publishing.check_duration(seconds, creator)
        post_info = publishing.video_post_info(draft.text, draft.options, creator)
        plan = plan_chunks(size, self._chunk_rules)
        # Nothing is posted before the upload ends, so a lost answer here is safe to retry.
        data = call(
            self._api,
            "POST",
            publishing.VIDEO_INIT,
            idempotent=True,
            json={
                "post_info": post_info,
                "source_info": {
                    "source": "FILE_UPLOAD",
                    "video_size": plan.video_size,
                    "chunk_size": plan.chunk_size,
                    "total_chunk_count": plan.total_chunk_count,
                },
            },
        )
        publish_id, upload_url = str(data.get("publish_id", "")), data.get("upload_url")
        if not publish_id or not isinstance(upload_url, str):
            raise PermanentError("TikTok gave no upload address for the video.", network=NETWORK)
        upload_chunks(
            self._uploads, upload_url, path, plan, media.content_type, publish_id=publish_id
        )
        status = publishing.wait_until_published(self._api, publish_id, self._waiting)
        return self._published(publish_id, status, "video", draft.client_ref)

    def _publish_photos(self, draft: DraftPost) -> PublishedRef:
        creator = publishing.creator_info(self._api)
        post_info = publishing.photo_post_info(draft.text, draft.options, creator)
        cover = draft.options.get("photo_cover_index", 0)
        data = call(
            self._api,
            "POST",
            publishing.CONTENT_INIT,
            idempotent=False,
            client_ref=draft.client_ref,
            json={
                "post_info": post_info,
                "source_info": {
                    "source": "PULL_FROM_URL",
                    "photo_cover_index": cover if isinstance(cover, int) else 0,
                    "photo_images": [https_url(m.uri) for m in draft.media],
                },
                "post_mode": "DIRECT_POST",
                "media_type": "PHOTO",
            },
        )
        publish_id = str(data.get("publish_id", ""))
        if not publish_id:
            raise PermanentError("TikTok gave no publish id for the photos.", network=NETWORK)
        status = publishing.wait_until_published(self._api, publish_id, self._waiting)
        return self._published(publish_id, status, "photo", draft.client_ref)

    def _published(
        self, publish_id: str, status: Status, kind: str, client_ref: str | None
    ) -> PublishedRef:
        # A private post has no public id: TikTok's publish id is then all we can point at.
        post_id = status.post_ids[0] if status.post_ids else publish_id
        handle = self.account.handle.lstrip("@")
        url = (
            f"https://www.tiktok.com/@{handle}/{kind}/{post_id}"
            if status.post_ids and handle
            else None
        )
        return PublishedRef(
            external_id=post_id, url=url, published_at=self._now(), client_ref=client_ref
        )

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        """The post behind a TikTok `publish_id` (what an `AmbiguousError` from `publish`
        carries): None if TikTok refused it; still processing is a `RetryableError`."""
        if "_pub_" not in client_ref:
            raise PermanentError(
                "TikTok cannot look a post up by Orchestre's reference, only by its publish "
                "id; check the account on TikTok before posting again.",
                network=NETWORK,
                code="unverifiable",
            )
        status = publishing.fetch_status(self._api, client_ref)
        if status.status == publishing.FAILED:
            return None
        if status.status != publishing.DONE:
            raise RetryableError(
                f"TikTok is still processing the post ({status.status}); look again later.",
                retry_after=self._waiting.interval,
                network=NETWORK,
            )
        kind = "photo" if client_ref.startswith("p_pub") else "video"
        return self._published(client_ref, status, kind, client_ref)

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        """A public video among the creator's latest (`listing.py`), by its description."""
        check_listable(draft)
        listing = public_videos(self._api, since - CLOCK_SKEW)
        now = self._now()
        return reconcile(draft, since, listing, network=NETWORK, now=now, settle=SETTLE)

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        samples: list[MetricSample] = []
        ids = list(dict.fromkeys(external_ids))
        for start in range(0, len(ids), VIDEO_QUERY_MAX_IDS):
            batch = ids[start : start + VIDEO_QUERY_MAX_IDS]
            data = call(
                self._api,
                "POST",
                "/v2/video/query/",
                idempotent=True,
                params={"fields": VIDEO_FIELDS},
                json={"filters": {"video_ids": batch}},
            )
            videos = data.get("videos")
            at = self._now()
            for video in videos if isinstance(videos, list) else []:
                samples.extend(_samples(video, at))
        return samples

    def _now(self) -> datetime:
        return self._clock.now()


def _samples(video: object, at: datetime) -> list[MetricSample]:
    if not isinstance(video, dict) or not video.get("id"):
        return []
    return [
        MetricSample(str(video["id"]), metric.value, float(value), at)
        for field, metric in METRIC_FIELDS.items()
        if isinstance(value := video.get(field), int | float)
    ]
