"""One connected Bluesky account: publishing, replies, likes, and what the AppView reads.

Every call goes to the account's PDS (`Credentials.extra["pds"]`, else `AccountRef.base_url`,
else bsky.social), which serves repository writes itself and forwards `app.bsky.*` reads to
the AppView.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from atproto_client import models  # type: ignore[import-untyped]
from atproto_client.models.dot_dict import DotDict  # type: ignore[import-untyped]

from orchestre.connectors.base import (
    AccountProfile,
    AccountRef,
    AmbiguousError,
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
from orchestre.connectors.bluesky import public, reading, records, session
from orchestre.connectors.bluesky.facets import facets, mentioned_handles, record_facets
from orchestre.connectors.bluesky.records import AtUri, StrongRef
from orchestre.connectors.bluesky.xrpc import NETWORK, sdk_client, service_url

GET_POSTS_BATCH = 25  # app.bsky.feed.getPosts takes at most 25 URIs
NOTIFICATION_PAGES = 10  # at most 1,000 notifications back on a read
CLIENT_REF_PAGES = 2  # find_by_client_ref looks at our last 200 posts
THREAD_DEPTH = 100
MENTION_REASONS = ("mention", "reply", "quote")


@dataclass(frozen=True)
class _Posted:
    ref: StrongRef
    at: datetime


class BlueskyInstallation(BaseInstallation):
    network = NETWORK

    def __init__(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(account)
        credentials = account.credentials
        self._did = credentials.extra.get("did") or account.external_id
        self._handle = credentials.extra.get("handle") or account.handle
        self._service = service_url(credentials.extra.get("pds") or account.base_url)
        self._transport = transport
        self._clock = clock
        self._sdk, self._request = sdk_client(
            self._service,
            transport=transport,
            clock=clock,
            headers={"Authorization": f"Bearer {credentials.access_token}"},
        )

    # Account ----------------------------------------------------------------------------------

    def profile(self) -> AccountProfile:
        view = self._sdk.app.bsky.actor.get_profile(
            models.AppBskyActorGetProfile.Params(actor=self._did)
        )
        handle = str(view.handle)
        return AccountProfile(
            external_id=str(view.did),
            handle=handle,
            display_name=str(view.display_name or ""),
            followers=view.followers_count,
            url=f"{records.APP_URL}/profile/{handle}",
        )

    def refresh_credentials(self) -> Credentials:
        return session.refresh(
            self.account.credentials,
            service=self._service,
            transport=self._transport,
            clock=self._clock,
        )

    # Publishing -------------------------------------------------------------------------------

    def publish(self, draft: DraftPost) -> PublishedRef:
        if len(draft.media) > records.MAX_IMAGES:
            raise PermanentError(
                f"A Bluesky post holds at most {records.MAX_IMAGES} images.",
                network=NETWORK,
                code="too_many_images",
            )
        if any(m.content_type.startswith("video/") for m in draft.media):
            raise self._unsupported(Capability.PUBLISH_VIDEO)
        images = [records.read_image(media) for media in draft.media]  # before any call
        langs = records.langs_option(draft.options.get("langs"))
        self._request.client_ref = draft.client_ref
        try:
            embed = self._embed(draft, images)
            root = self._post(draft.text, langs=langs, embed=embed, client_ref=draft.client_ref)
            parts = self._thread(root, draft.thread, langs)
            comment = self._first_comment(root, draft.first_comment, langs)
        finally:
            self._request.client_ref = None
        return PublishedRef(
            external_id=root.ref.uri,
            url=records.post_url(root.ref.uri, self._handle),
            published_at=root.at,
            parts=[self._published(part) for part in parts],
            first_comment_id=comment.ref.uri if comment else None,
            client_ref=draft.client_ref,
        )

    def _thread(self, root: _Posted, texts: Sequence[str], langs: list[str]) -> list[_Posted]:
        """The following parts, each answering the previous one.

        A part that fails for sure (refused, or not sent) takes back what was posted, so
        that publishing again does not post the beginning twice. A part that may have
        been posted (`AmbiguousError`) leaves everything: the first post is found again
        by its client reference.
        """
        parts: list[_Posted] = []
        parent = root
        for text in texts:
            try:
                parent = self._post(text, langs=langs, reply=(root.ref, parent.ref))
            except AmbiguousError:
                raise
            except ConnectorError:
                self._take_back([root, *parts])
                raise
            parts.append(parent)
        return parts

    def _first_comment(self, root: _Posted, text: str | None, langs: list[str]) -> _Posted | None:
        """The first comment, answering the first post. One that fails is left out and
        the post stands (`first_comment_id` is None)."""
        if not text:
            return None
        try:
            return self._post(text, langs=langs, reply=(root.ref, root.ref))
        except ConnectorError:
            return None

    def _take_back(self, posted: list[_Posted]) -> None:
        for item in reversed(posted):
            try:
                self.delete_post(item.ref.uri)
            except ConnectorError:
                continue  # best effort: the failure being raised is the one that matters

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        parent = self._record(parent_external_id)
        reply_root = reading.field(reading.field(parent.value, "reply"), "root")
        root = parent.ref
        if reading.field(reply_root, "uri") and reading.field(reply_root, "cid"):
            root = StrongRef(str(reply_root.uri), str(reply_root.cid))
        self._request.client_ref = client_ref
        try:
            posted = self._post(text, langs=[], reply=(root, parent.ref), client_ref=client_ref)
        finally:
            self._request.client_ref = None
        return PublishedRef(
            external_id=posted.ref.uri,
            url=records.post_url(posted.ref.uri, self._handle),
            published_at=posted.at,
            client_ref=client_ref,
        )

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        cursor = None
        for _ in range(CLIENT_REF_PAGES):
            page = self._sdk.com.atproto.repo.list_records(
                models.ComAtprotoRepoListRecords.Params(
                    repo=self._did, collection=records.POST, limit=100, cursor=cursor
                )
            )
            for item in page.records or []:
                if reading.field(item.value, records.CLIENT_REF_FIELD) == client_ref:
                    created = reading.field(item.value, "created_at", "createdAt")
                    return PublishedRef(
                        external_id=str(item.uri),
                        url=records.post_url(str(item.uri), self._handle),
                        published_at=records.parse_instant(created, self._clock()),
                        client_ref=client_ref,
                    )
            cursor = page.cursor
            if not cursor:
                break
        return None

    def delete_post(self, external_id: str) -> None:
        at = AtUri.parse(external_id)
        if at.repo != self._did:
            raise PermanentError("Only the account's own posts can be deleted.", network=NETWORK)
        # Deleting a record that is already gone succeeds.
        self._sdk.com.atproto.repo.delete_record(
            models.ComAtprotoRepoDeleteRecord.Data(
                repo=self._did, collection=at.collection, rkey=at.rkey
            )
        )

    def like(self, external_id: str) -> None:
        AtUri.parse(external_id)
        answer = self._sdk.app.bsky.feed.get_posts(
            models.AppBskyFeedGetPosts.Params(uris=[external_id])
        )
        views = list(answer.posts or [])
        if views:
            if reading.field(reading.field(views[0], "viewer"), "like"):
                return  # already liked: liking twice is success
            subject = StrongRef(str(views[0].uri), str(views[0].cid))
        else:  # not indexed by the AppView yet: the author's repository has it
            subject = self._record(external_id).ref
        self._create(records.LIKE, records.like_record(subject, created_at=self._clock()))

    # Reading ----------------------------------------------------------------------------------

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        after = reading.parse_cursor(cursor)
        now = self._clock()
        if post_external_id is None:  # answers to any of our posts
            found = self._notifications(("reply",), after, now)
            return reading.page_after(found, after, limit)
        AtUri.parse(post_external_id)
        answer = self._sdk.app.bsky.feed.get_post_thread(
            models.AppBskyFeedGetPostThread.Params(
                uri=post_external_id, depth=THREAD_DEPTH, parent_height=0
            )
        )
        thread = answer.thread
        if reading.field(thread, "not_found", "notFound") or reading.field(thread, "blocked"):
            raise PermanentError("This Bluesky post is not available.", network=NETWORK)
        found = reading.thread_replies(thread, post_external_id, self._did, now)
        return reading.page_after(found, after, limit)

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        after = reading.parse_cursor(cursor)
        found = self._notifications(MENTION_REASONS, after, self._clock())
        return reading.page_after(found, after, limit)

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        samples: list[MetricSample] = []
        ids = [uri for uri in external_ids if uri.startswith("at://")]
        for start in range(0, len(ids), GET_POSTS_BATCH):
            batch = ids[start : start + GET_POSTS_BATCH]
            answer = self._sdk.app.bsky.feed.get_posts(
                models.AppBskyFeedGetPosts.Params(uris=batch)
            )
            at = self._clock()
            for view in answer.posts or []:  # unknown or deleted posts are left out
                samples += reading.metric_samples(view, at)
        return samples

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        answer = self._sdk.app.bsky.feed.search_posts(
            models.AppBskyFeedSearchPosts.Params(
                q=query, cursor=cursor, limit=max(1, min(limit, 100)), sort="latest"
            )
        )
        now = self._clock()
        items = [reading.public_post(view, now) for view in answer.posts or []]
        next_cursor = answer.cursor or None
        return PostPage(items=items, next_cursor=next_cursor, has_more=next_cursor is not None)

    def lookup_account(self, handle: str) -> PublicAccount:
        def get_profile(actor: str) -> Any:
            params = models.AppBskyActorGetProfile.Params(actor=actor)
            return self._sdk.app.bsky.actor.get_profile(params)

        return public.lookup(get_profile, handle)

    def lookup_accounts(self, actors: Sequence[str]) -> list[PublicAccount]:
        """app.bsky.actor.getProfiles: up to 25 actors (handles or DIDs) in one call; the
        AppView leaves out those it does not know (or that are taken down)."""
        wanted = list(actors)[: public.PROFILES_MAX]
        if not wanted:
            return []
        params = models.AppBskyActorGetProfiles.Params(actors=wanted)
        answer = self._sdk.app.bsky.actor.get_profiles(params)
        return [public.account_from(view) for view in answer.profiles or []]

    def read_account_posts(
        self, account: PublicAccount, *, limit: int = 40
    ) -> list[PublicAccountPost]:
        def get_feed(actor: str, size: int, cursor: str | None) -> Any:
            params = models.AppBskyFeedGetAuthorFeed.Params(
                actor=actor, limit=max(1, size), cursor=cursor, filter="posts_no_replies"
            )
            return self._sdk.app.bsky.feed.get_author_feed(params)

        return public.posts(get_feed, account, limit, self._clock())

    # Helpers ----------------------------------------------------------------------------------

    def _notifications(
        self, reasons: Sequence[str], after: tuple[str, str] | None, now: datetime
    ) -> list[reading.Keyed]:
        def fetch(cursor: str | None) -> Any:
            return self._sdk.app.bsky.notification.list_notifications(
                models.AppBskyNotificationListNotifications.Params(
                    cursor=cursor, limit=100, reasons=list(reasons)
                )
            )

        return reading.collect_notifications(
            fetch, reasons, after, self._did, now, NOTIFICATION_PAGES
        )

    def _embed(
        self, draft: DraftPost, images: list[tuple[bytes, tuple[int, int] | None]]
    ) -> dict[str, Any] | None:
        if images:
            blobs = [
                (self._upload(data, media.content_type), media.alt_text, size)
                for (data, size), media in zip(images, draft.media, strict=True)
            ]
            return records.images_embed(blobs)
        if draft.link:
            title = str(draft.options.get("title") or draft.link)
            description = str(draft.options.get("description") or "")
            return records.external_embed(draft.link, title, description)
        return None

    def _upload(self, data: bytes, content_type: str) -> dict[str, Any]:
        answer = self._sdk.com.atproto.repo.upload_blob(
            data, headers={"Content-Type": content_type}
        )
        blob: dict[str, Any] = answer.blob.model_dump(by_alias=True, exclude_none=True)
        return blob

    def _post(
        self,
        text: str,
        *,
        langs: list[str],
        embed: dict[str, Any] | None = None,
        reply: tuple[StrongRef, StrongRef] | None = None,
        client_ref: str | None = None,
    ) -> _Posted:
        found = facets(text)
        dids = self._resolve(mentioned_handles(found))
        at = self._clock()
        record = records.post_record(
            text,
            created_at=at,
            facets=record_facets(found, dids),
            langs=langs,
            embed=embed,
            reply=reply,
            client_ref=client_ref,
        )
        return _Posted(self._create(records.POST, record), at)

    def _create(self, collection: str, record: dict[str, Any]) -> StrongRef:
        # Constructed, not validated: the SDK would turn the record into its models and
        # back, adding `$type` to every nested object; the record goes as we built it.
        data = models.ComAtprotoRepoCreateRecord.Data.model_construct(
            repo=self._did, collection=collection, record=DotDict(record)
        )
        answer = self._sdk.com.atproto.repo.create_record(data)
        return StrongRef(str(answer.uri), str(answer.cid))

    def _resolve(self, handles: list[str]) -> dict[str, str]:
        """DIDs of the mentioned handles; a handle that does not resolve stays plain text."""
        dids: dict[str, str] = {}
        for handle in handles:
            try:
                answer = self._sdk.com.atproto.identity.resolve_handle(
                    models.ComAtprotoIdentityResolveHandle.Params(handle=handle)
                )
            except PermanentError:
                continue
            dids[handle] = str(answer.did)
        return dids

    def _record(self, uri: str) -> _Record:
        at = AtUri.parse(uri)
        answer = self._sdk.com.atproto.repo.get_record(
            models.ComAtprotoRepoGetRecord.Params(
                repo=at.repo, collection=at.collection, rkey=at.rkey
            )
        )
        if not answer.cid:
            raise PermanentError("This Bluesky post has no current version.", network=NETWORK)
        return _Record(StrongRef(str(answer.uri), str(answer.cid)), answer.value)

    def _published(self, posted: _Posted) -> PublishedRef:
        return PublishedRef(
            external_id=posted.ref.uri,
            url=records.post_url(posted.ref.uri, self._handle),
            published_at=posted.at,
        )


@dataclass(frozen=True)
class _Record:
    ref: StrongRef
    value: Any
