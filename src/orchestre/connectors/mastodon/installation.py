"""One Mastodon account on its instance: publish, answer, like, delete, read and measure."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from orchestre.connectors import oauth
from orchestre.connectors.base import (
    AccountProfile,
    AccountRef,
    AppCredentials,
    BaseInstallation,
    ConnectorError,
    Credentials,
    DraftPost,
    InteractionKind,
    InteractionPage,
    MetricSample,
    PermanentError,
    PostPage,
    PublicAccount,
    PublicAccountPost,
    PublishedRef,
)
from orchestre.connectors.mastodon import public
from orchestre.connectors.mastodon.media import MediaWait, upload
from orchestre.connectors.mastodon.reading import Reader
from orchestre.connectors.mastodon.wire import (
    NETWORK,
    call,
    counts,
    full_acct,
    json_object,
    parse_time,
    public_post,
)
from orchestre.connectors.rules.poll import poll_of
from orchestre.kit.clock import utcnow

log = logging.getLogger("orchestre.connectors.mastodon")
VISIBILITIES = ("public", "unlisted", "private", "direct")
SEARCH_MAX = 40


class MastodonInstallation(BaseInstallation):
    """Calls the account's instance with its bearer token (see the package docstring)."""

    network = NETWORK

    def __init__(
        self,
        account: AccountRef,
        client: httpx.Client,
        *,
        spec: oauth.OAuth2Spec,
        app: AppCredentials | None,
        transport: httpx.BaseTransport | None,
        media_wait: MediaWait,
    ) -> None:
        super().__init__(account)
        self._client = client
        self._spec = spec
        self._app = app
        self._transport = transport
        self._media_wait = media_wait
        self._host = client.base_url.host
        self._reader = Reader(client, account.external_id, self._host)

    def close(self) -> None:
        self._client.close()

    # Account ----------------------------------------------------------------------------

    def profile(self) -> AccountProfile:
        me = json_object(call(self._client, "GET", "/api/v1/accounts/verify_credentials"))
        followers = me.get("followers_count")
        return AccountProfile(
            external_id=str(me["id"]),
            handle=full_acct(me, self._host),
            display_name=str(me.get("display_name") or ""),
            followers=followers if isinstance(followers, int) else None,
            url=me.get("url") or None,
        )

    def refresh_credentials(self) -> Credentials:
        """Mastodon's tokens do not expire and come without a refresh token: the same
        credentials stay good. A server of the Mastodon API that issues refresh tokens
        (Pleroma, Akkoma) is refreshed at its token endpoint (RFC 6749)."""
        credentials = self.account.credentials
        if not credentials.refresh_token:
            return credentials
        if self._app is None:
            raise PermanentError(
                "Renewing this Mastodon account's access needs Orchestre's app on its server.",
                network=NETWORK,
            )
        return oauth.refresh(
            self._spec,
            self._app,
            credentials,
            network=NETWORK,
            base_url=self.account.base_url,
            transport=self._transport,
        )

    # Publishing -------------------------------------------------------------------------

    def publish(self, draft: DraftPost) -> PublishedRef:
        """The status, each thread part answering the one before, then the first comment.

        Each status is sent with an `Idempotency-Key` (the draft's client_ref, suffixed
        for the parts and the comment): Mastodon keeps them for one hour, so a publish
        retried within the hour with the same client_ref returns the statuses already
        made instead of posting them again, and a thread cut short completes.

        Once the first status is live: a thread part refused for good (or failing at all
        when there is no client_ref, so no safe retry) takes back the statuses already
        posted, then the error is raised: half a thread is not left behind. A first
        comment refused for good is left out (the post stands; `first_comment_id` is
        None) rather than failing a published post.
        """
        settings = _status_settings(draft.options)
        text = draft.text
        if draft.link and draft.link not in text:
            text = f"{text}\n\n{draft.link}" if text else draft.link
        media_ids = [upload(self._client, media, self._media_wait) for media in draft.media]
        ref = draft.client_ref
        root = self._post_status(
            text, settings, media_ids=media_ids, key=ref, ref=ref, extra=_poll_fields(draft.options)
        )
        # The content warning introduces the post; the other statuses go without it.
        follow_up = {k: v for k, v in settings.items() if k != "spoiler_text"}
        parts = self._post_thread(root, draft.thread, follow_up, ref)
        first_comment_id = None
        if draft.first_comment:
            first_comment_id = self._post_first_comment(
                str(root["id"]), draft.first_comment, follow_up, ref
            )
        published = _published(root, ref)
        return PublishedRef(
            external_id=published.external_id,
            url=published.url,
            published_at=published.published_at,
            parts=tuple(_published(part, None) for part in parts),
            first_comment_id=first_comment_id,
            client_ref=ref,
        )

    def _post_thread(
        self,
        root: dict[str, Any],
        thread: Sequence[str],
        settings: Mapping[str, str],
        ref: str | None,
    ) -> list[dict[str, Any]]:
        posted: list[dict[str, Any]] = []
        parent = root
        for index, part in enumerate(thread, start=1):
            try:
                status = self._post_status(
                    part,
                    settings,
                    reply_to=str(parent["id"]),
                    key=f"{ref}:part:{index}" if ref else None,
                    ref=ref,
                )
            except ConnectorError as exc:
                if ref is None or isinstance(exc, PermanentError):
                    self._take_back([root, *posted])
                raise
            posted.append(status)
            parent = status
        return posted

    def _post_first_comment(
        self, root_id: str, text: str, settings: Mapping[str, str], ref: str | None
    ) -> str | None:
        try:
            comment = self._post_status(
                text,
                settings,
                reply_to=root_id,
                key=f"{ref}:first-comment" if ref else None,
                ref=ref,
            )
        except ConnectorError as exc:
            if ref is not None and not isinstance(exc, PermanentError):
                raise
            log.warning("Mastodon status %s published without its first comment: %s", root_id, exc)
            return None
        return str(comment["id"])

    def _take_back(self, statuses: Sequence[Mapping[str, Any]]) -> None:
        """Delete what a failed publish posted, newest first; a failure here is only logged
        (the error that stopped the publish is the one the caller needs)."""
        for status in reversed(statuses):
            try:
                self.delete_post(str(status["id"]))
            except ConnectorError as exc:
                log.warning("Mastodon status %s could not be taken back: %s", status["id"], exc)

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        """Always None: Mastodon cannot be asked which status an Idempotency-Key made.

        The key is kept by the instance for one hour and only acts when a status is
        posted again with it; no endpoint looks a status up by it, and a status does not
        carry it. Finding the status by its text would guess, not know. What is safe
        instead: within the hour, publishing the same draft again with the same
        client_ref returns the status already made (see `publish`).
        """
        return None

    def delete_post(self, external_id: str) -> None:
        """Delete one status (not its thread parts, which are statuses of their own)."""
        try:
            call(self._client, "DELETE", f"/api/v1/statuses/{external_id}")
        except PermanentError as exc:
            if exc.code != "404":
                raise

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        """Answer a status: its author is named at the start (Mastodon notifies only named
        accounts, and a direct message reaches only them), and a followers-only or direct
        status is answered with the same visibility."""
        parent = json_object(call(self._client, "GET", f"/api/v1/statuses/{parent_external_id}"))
        author = parent.get("account") or {}
        acct = str(author.get("acct") or "")
        if acct and str(author.get("id")) != self.account.external_id and f"@{acct}" not in text:
            text = f"@{acct} {text}"
        settings: dict[str, str] = {}
        if parent.get("visibility") in ("private", "direct"):
            settings["visibility"] = str(parent["visibility"])
        status = self._post_status(
            text, settings, reply_to=parent_external_id, key=client_ref, ref=client_ref
        )
        return _published(status, client_ref)

    def like(self, external_id: str) -> None:
        # Favouriting twice is accepted by Mastodon and answers the status again.
        call(self._client, "POST", f"/api/v1/statuses/{external_id}/favourite", idempotent=True)

    def _post_status(
        self,
        text: str,
        settings: Mapping[str, str],
        *,
        media_ids: Sequence[str] = (),
        reply_to: str | None = None,
        key: str | None,
        ref: str | None,
        extra: Sequence[tuple[str, str]] = (),
    ) -> dict[str, Any]:
        form: list[tuple[str, str]] = [("status", text)]
        form += [("media_ids[]", media_id) for media_id in media_ids]
        if reply_to:
            form.append(("in_reply_to_id", reply_to))
        form += list(settings.items())
        form += extra
        headers = {"Idempotency-Key": key} if key else {}
        response = call(
            self._client,
            "POST",
            "/api/v1/statuses",
            client_ref=ref,
            data=dict(_grouped(form)),
            headers=headers,
        )
        status = json_object(response)
        if not status.get("id"):
            raise PermanentError(f"{NETWORK} accepted a status but gave no id.", network=NETWORK)
        return status

    # Reading ----------------------------------------------------------------------------

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        if post_external_id is None:
            return self._reader.notifications(
                self._reader.is_comment, InteractionKind.COMMENT, cursor=cursor, limit=limit
            )
        return self._reader.context(post_external_id, cursor=cursor, limit=limit)

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        return self._reader.notifications(
            self._reader.is_mention, InteractionKind.MENTION, cursor=cursor, limit=limit
        )

    def read_messages(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        return self._reader.notifications(
            self._reader.is_message, InteractionKind.MESSAGE, cursor=cursor, limit=limit
        )

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        samples: list[MetricSample] = []
        for external_id in external_ids:
            try:
                status = json_object(call(self._client, "GET", f"/api/v1/statuses/{external_id}"))
            except PermanentError as exc:
                if exc.code == "404":
                    continue
                raise
            at = utcnow()
            samples += [
                MetricSample(external_id, metric, value, at)
                for metric, value in counts(status).items()
            ]
        return samples

    def lookup_account(self, handle: str) -> PublicAccount:
        return public.lookup(self._client, self._host, handle)

    def read_account_posts(
        self, account: PublicAccount, *, limit: int = 40
    ) -> list[PublicAccountPost]:
        return public.posts(self._client, account, limit)

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        """Statuses matching `query` (`GET /api/v2/search?type=statuses`). What an instance
        finds depends on it: full-text search needs its search engine, and only covers
        statuses whose authors allow it; hashtags and addresses are always found."""
        asked = max(1, min(limit, SEARCH_MAX))
        offset = int(cursor) if cursor and cursor.isdigit() else 0
        params: dict[str, str | int] = {
            "q": query,
            "type": "statuses",
            "limit": asked,
            "offset": offset,
        }
        body = json_object(call(self._client, "GET", "/api/v2/search", params=params))
        statuses = [s for s in body.get("statuses") or [] if isinstance(s, dict) and s.get("id")]
        items = [public_post(status, self._host) for status in statuses]
        more = len(statuses) >= asked
        return PostPage(items, str(offset + len(statuses)) if more else None, has_more=more)


def _status_settings(options: Mapping[str, Any]) -> dict[str, str]:
    """The status parameters a draft's options set (see the package docstring)."""
    settings: dict[str, str] = {}
    visibility = options.get("visibility")
    if visibility is not None:
        if visibility not in VISIBILITIES:
            raise PermanentError(
                f"Mastodon visibility must be one of {', '.join(VISIBILITIES)}, "
                f"not {visibility!r}.",
                network=NETWORK,
                code="invalid_option",
            )
        settings["visibility"] = str(visibility)
    for key in ("spoiler_text", "language"):
        value = options.get(key)
        if value:
            settings[key] = str(value)
    if options.get("sensitive"):
        settings["sensitive"] = "true"
    return settings


def _poll_fields(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A poll on the first status: `poll[options][]` and `poll[expires_in]` in seconds."""
    poll = poll_of(options)
    if poll is None:
        return []
    fields = [("poll[options][]", choice) for choice in poll.options]
    return [*fields, ("poll[expires_in]", str(poll.duration_minutes * 60))]


def _grouped(form: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Form fields for httpx: a repeated name (media_ids[]) becomes a list."""
    lists: dict[str, list[str]] = {}
    grouped: dict[str, str | list[str]] = {}
    for name, value in form:
        if name.endswith("[]"):
            grouped[name] = lists.setdefault(name, [])
            lists[name].append(value)
        else:
            grouped[name] = value
    return grouped


def _published(status: Mapping[str, Any], client_ref: str | None) -> PublishedRef:
    return PublishedRef(
        external_id=str(status["id"]),
        url=status.get("url") or status.get("uri") or None,
        published_at=parse_time(status.get("created_at")),
        client_ref=client_ref,
    )
