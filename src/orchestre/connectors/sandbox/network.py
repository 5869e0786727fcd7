"""The sandbox network's state, in process: accounts, posts, an audience, and faults.

Thread-safe (one lock) and deterministic under a seed and an injected clock: the
audience's comments, mentions and messages arrive when the clock passes their instant,
metrics grow along seeded curves, and faults (latency, rate limits, refusals, ambiguous
timeouts) are rolled from a seeded generator or scripted by tests.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from orchestre.connectors.base import (
    AccountProfile,
    AmbiguousError,
    ConnectorError,
    CredentialError,
    Credentials,
    DraftPost,
    Interaction,
    InteractionKind,
    InteractionPage,
    MediaRef,
    MetricSample,
    PermanentError,
    PostPage,
    PublicPost,
    PublishedRef,
    RetryableError,
)
from orchestre.connectors.fingerprint import ListedPost, Listing, media_kind
from orchestre.connectors.rules.poll import poll_of
from orchestre.connectors.sandbox import audience
from orchestre.connectors.sandbox.refusals import (
    BASE_URL,
    NETWORK,
    check_draft,
    check_text,
    decode_cursor,
    not_found,
)
from orchestre.kit.clock import Clock, utcnow

# Mentions and messages from before the account was first seen, so an inbox is not empty.
BACKFILL = timedelta(days=2)


@dataclass
class Faults:
    """How badly the sandbox behaves. Rates are shares of write calls (0 to 1)."""

    latency_seconds: float = 0.0
    rate_limit: int | None = None
    rate_window_seconds: float = 60.0
    error_rate: float = 0.0
    ambiguous_rate: float = 0.0
    # Share of writes answered "503 unavailable" before doing anything (transient).
    server_error_rate: float = 0.0
    # Reconciliation as on networks without idempotency keys (X, Meta, LinkedIn): no
    # lookup by client reference; fresh posts listed only after a delay; a listing that
    # shows at most this many posts (the rest cut off, as a network's page limit does).
    unverifiable_refs: bool = False
    listing_delay_seconds: float = 0.0
    listing_limit: int | None = None


class SandboxUnavailable(RetryableError):
    """The sandbox is "down" for this call (a simulated 503): nothing was done."""


@dataclass
class _Account:
    external_id: str
    handle: str
    display_name: str
    created_at: datetime
    revoked: bool = False
    token_serial: int = 0
    calls: deque[datetime] = field(default_factory=deque)
    streams: dict[str, list[Interaction]] = field(
        default_factory=lambda: {"comments": [], "mentions": [], "messages": []}
    )


@dataclass
class _Post:
    external_id: str
    account_id: str
    text: str
    created_at: datetime
    media: tuple[MediaRef, ...] = ()
    link: str | None = None
    client_ref: str | None = None
    parent_id: str | None = None
    curve: audience.Curve | None = None
    parts: list[str] = field(default_factory=list)
    first_comment_id: str | None = None
    deleted: bool = False
    poll: tuple[str, ...] = ()  # the poll's choices, when the post has one


class _ProcessClock:
    """The product's clock, read at each call so `set_clock` in tests moves the sandbox too."""

    def now(self) -> datetime:
        return utcnow()


class SandboxNetwork:
    """One simulated network. Share one instance between the connector and a test."""

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        faults: Faults | None = None,
        sleep: Callable[[float], None] = time.sleep,
        silent: bool = False,
    ) -> None:
        self.seed = seed
        # A silent audience never comments, mentions or writes: for benchmarks that
        # measure publishing alone (the inbox has its own).
        self.silent = silent
        self.faults = faults or Faults()
        self._clock = clock or _ProcessClock()
        self._sleep = sleep
        self._lock = threading.RLock()
        self._accounts: dict[str, _Account] = {}
        self._posts: dict[str, _Post] = {}
        self._interactions: dict[str, tuple[str, str]] = {}  # id -> (account, stream)
        self._hidden: set[str] = set()
        self._deleted: set[str] = set()
        self._liked: set[tuple[str, str]] = set()
        self._replies: dict[tuple[str, str], PublishedRef] = {}
        # Indexes, so a network with many posts answers as fast as a small one.
        self._by_ref: dict[tuple[str, str], list[str]] = {}
        self._heard_on: dict[str, list[str]] = {}
        self._pending: list[tuple[datetime, int, str, str, int]] = []
        self._serial = itertools.count(1)
        self._fault_rng = audience.rng_for(seed, "faults")
        self._scripted: deque[ConnectorError] = deque()
        self._timeouts_next = 0

    # Set-up and scripting -------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock.now()

    def account(self, external_id: str, handle: str = "", display_name: str = "") -> None:
        """Make sure the account exists; its audience starts talking from then (and a bit
        before, so its inbox has history)."""
        with self._lock:
            if external_id in self._accounts:
                return
            now = self.now()
            handle = handle or external_id
            self._accounts[external_id] = _Account(
                external_id, handle, display_name or handle, created_at=now
            )
            if self.silent:
                return
            start = now - BACKFILL
            for stream, mean in (
                ("mention", audience.MENTION_MEAN_GAP),
                ("message", audience.MESSAGE_MEAN_GAP),
            ):
                gap = audience.next_gap(self.seed, stream, external_id, 0, mean)
                self._push(start + gap, stream, external_id, 0)

    def revoke(self, external_id: str) -> None:
        """The account's owner revoked our access: every call now fails for good."""
        with self._lock:
            self._get_account(external_id).revoked = True

    def fail_next(self, *errors: ConnectorError) -> None:
        """The next calls (any kind) raise these errors, in order."""
        with self._lock:
            self._scripted.extend(errors)

    def time_out_next(self, count: int = 1) -> None:
        """The next `count` publishes or replies are done but answered with a timeout."""
        with self._lock:
            self._timeouts_next += count

    # The calls -------------------------------------------------------------------------------

    def profile(self, account_id: str) -> AccountProfile:
        acc, now = self._enter(account_id, write=False)
        with self._lock:
            followers = audience.followers_at(self.seed, acc.external_id, acc.created_at, now)
            return AccountProfile(
                acc.external_id,
                acc.handle,
                acc.display_name,
                followers,
                f"{BASE_URL}/@{acc.handle}",
            )

    def refresh(self, account_id: str) -> Credentials:
        acc, now = self._enter(account_id, write=False)
        with self._lock:
            acc.token_serial += 1
            return Credentials(
                access_token=f"sandbox-access-{acc.external_id}-{acc.token_serial}",
                refresh_token=f"sandbox-refresh-{acc.external_id}",
                expires_at=now + timedelta(hours=2),
            )

    def publish(self, account_id: str, draft: DraftPost) -> PublishedRef:
        acc, now = self._enter(account_id, write=True)
        check_draft(draft)
        with self._lock:
            followers = audience.followers_at(self.seed, acc.external_id, acc.created_at, now)
            root = self._new_post(acc, draft.text, now, followers, draft=draft)
            parent = root
            for part in draft.thread:
                post = self._new_post(acc, part, now, followers, parent_id=parent.external_id)
                root.parts.append(post.external_id)
                parent = post
            if draft.first_comment:
                root.first_comment_id = self._own_comment(
                    acc, root.external_id, root.external_id, draft.first_comment, now
                ).external_id
            published = self._ref(root)
            self._maybe_time_out(draft.client_ref)
            return published

    def enter(self, account_id: str, *, write: bool) -> datetime:
        """A call's checks and faults (credentials, rate limit, scripted errors) for the
        sandbox's other desks (`ads.py`); returns the network's now."""
        return self._enter(account_id, write=write)[1]

    def check_own_post(self, account_id: str, external_id: str) -> None:
        """`PermanentError` unless the account has this live post."""
        with self._lock:
            self._own_post(account_id, external_id)

    def client_ref_counts(self) -> dict[str, int]:
        """How many live posts each client reference made, all accounts together: a
        publisher that sends exactly once leaves 1 everywhere (benchmarks and chaos tests)."""
        with self._lock:
            return {
                ref: sum(1 for post_id in ids if not self._posts[post_id].deleted)
                for (_account, ref), ids in self._by_ref.items()
            }

    def find_by_client_ref(self, account_id: str, client_ref: str) -> PublishedRef | None:
        self._enter(account_id, write=False)
        if self.faults.unverifiable_refs:
            raise PermanentError(
                "The sandbox keeps no client references (as set by its faults).",
                network=NETWORK,
                code="unverifiable",
            )
        with self._lock:
            for post_id in self._by_ref.get((account_id, client_ref), ()):
                if not self._posts[post_id].deleted:
                    return self._ref(self._posts[post_id])
            reply = self._replies.get((account_id, client_ref))
            if reply is not None and reply.external_id not in self._deleted:
                return reply
            return None

    def poll_choices(self, external_id: str) -> tuple[str, ...]:
        """The choices of a post's poll (none when it has no poll), as the network shows them."""
        with self._lock:
            post = self._posts.get(external_id)
            return post.poll if post is not None else ()

    def list_posts(self, account_id: str, start: datetime) -> Listing:
        """The account's own posts (not replies) created since `start`, newest first, as a
        network's listing shows them: fresh ones after `listing_delay_seconds`, and at
        most `listing_limit` of them (then the listing says it is incomplete)."""
        _, now = self._enter(account_id, write=False)
        shown_until = now - timedelta(seconds=self.faults.listing_delay_seconds)
        with self._lock:
            posts = [
                ListedPost(
                    post.external_id,
                    post.created_at,
                    post.text,
                    self._ref(post).url,
                    tuple(media_kind(m.content_type) for m in post.media),
                )
                for post in self._posts.values()
                if post.account_id == account_id
                and post.parent_id is None
                and not post.deleted
                and start <= post.created_at <= shown_until
            ]
        posts.sort(key=lambda p: p.created_at, reverse=True)
        limit = self.faults.listing_limit
        if limit is not None and len(posts) > limit:
            return Listing(posts[:limit], complete=False)
        return Listing(posts, complete=True)

    def delete_post(self, account_id: str, external_id: str) -> None:
        self._enter(account_id, write=True)
        with self._lock:
            existing = self._posts.get(external_id)
            if existing is not None and existing.account_id == account_id and existing.deleted:
                return
            post = self._own_post(account_id, external_id)
            for part in post.parts:
                self._posts[part].deleted = True
            post.deleted = True

    def reply(
        self, account_id: str, parent_id: str, text: str, client_ref: str | None
    ) -> PublishedRef:
        acc, now = self._enter(account_id, write=True)
        check_text(text, "text")
        with self._lock:
            self._advance(now)
            root_id, stream = self._root_of(account_id, parent_id)
            reply = self._own_comment(
                acc, root_id, parent_id, text, now, client_ref=client_ref, stream=stream
            )
            ref = PublishedRef(reply.external_id, reply.url, now, client_ref=client_ref)
            self._maybe_time_out(client_ref)
            return ref

    def hide_comment(self, account_id: str, external_id: str, hidden: bool) -> None:
        self._enter(account_id, write=True)
        with self._lock:
            self._comment_of(account_id, external_id)
            if hidden:
                self._hidden.add(external_id)
            else:
                self._hidden.discard(external_id)

    def delete_comment(self, account_id: str, external_id: str) -> None:
        self._enter(account_id, write=True)
        with self._lock:
            if external_id in self._deleted and external_id in self._interactions:
                return
            self._comment_of(account_id, external_id)
            self._deleted.add(external_id)

    def like(self, account_id: str, external_id: str) -> None:
        self._enter(account_id, write=True)
        with self._lock:
            known = external_id in self._interactions or external_id in self._posts
            if not known or external_id in self._deleted:
                raise not_found("post or comment", external_id)
            self._liked.add((account_id, external_id))

    def likes_of(self, account_id: str) -> set[str]:
        with self._lock:
            return {item for who, item in self._liked if who == account_id}

    def read(
        self,
        account_id: str,
        stream: str,
        *,
        cursor: str | None,
        limit: int,
        post_id: str | None = None,
    ) -> InteractionPage:
        acc, now = self._enter(account_id, write=False)
        with self._lock:
            self._advance(now)
            if post_id is not None:
                self._own_post(account_id, post_id)
            items = acc.streams[stream]
            start = decode_cursor(stream, cursor, len(items))
            found: list[Interaction] = []
            position = start
            while position < len(items) and len(found) < max(1, limit):
                item = items[position]
                position += 1
                if item.external_id in self._deleted:
                    continue
                if post_id is not None and item.post_external_id != post_id:
                    continue
                found.append(_with_flags(item, item.external_id in self._hidden))
            return InteractionPage(found, f"{stream[0]}{position}", position < len(items))

    def metrics(self, account_id: str, external_ids: Sequence[str]) -> list[MetricSample]:
        acc, now = self._enter(account_id, write=False)
        with self._lock:
            self._advance(now)
            samples: list[MetricSample] = []
            for external_id in external_ids:
                if external_id == account_id:
                    samples.extend(self._account_metrics(acc, now))
                    continue
                post = self._posts.get(external_id)
                if post is None or post.account_id != account_id or post.deleted:
                    continue
                samples.extend(self._post_metrics(post, now))
            return samples

    def search(self, account_id: str, query: str, *, cursor: str | None, limit: int) -> PostPage:
        _, now = self._enter(account_id, write=False)
        needle = query.casefold().strip()
        with self._lock:
            self._advance(now)
            hits = [p for p in self._public_posts() if needle and needle in p.text.casefold()]
            hits.sort(key=lambda p: (p.created_at, p.external_id), reverse=True)
            start = decode_cursor("search", cursor, len(hits))
            page = hits[start : start + max(1, limit)]
            end = start + len(page)
            return PostPage(page, f"s{end}", end < len(hits))

    # Inside ----------------------------------------------------------------------------------

    def _enter(self, account_id: str, *, write: bool) -> tuple[_Account, datetime]:
        """Every call: latency, credentials, scripted faults, rate limit, random refusals."""
        if self.faults.latency_seconds > 0:
            self._sleep(self.faults.latency_seconds)
        with self._lock:
            acc = self._get_account(account_id)
            now = self.now()
            if acc.revoked:
                raise CredentialError(
                    "The sandbox account revoked Orchestre's access.", network=NETWORK
                )
            if self._scripted:
                raise self._scripted.popleft()
            self._check_rate(acc, now)
            if write and self._roll(self.faults.server_error_rate):
                raise SandboxUnavailable(
                    "The sandbox is unavailable (a simulated 503); nothing was done.",
                    network=NETWORK,
                )
            if write and self._roll(self.faults.error_rate):
                raise PermanentError(
                    "The sandbox refused this request (a simulated failure).",
                    network=NETWORK,
                    code="simulated",
                )
            return acc, now

    def _check_rate(self, acc: _Account, now: datetime) -> None:
        limit = self.faults.rate_limit
        if limit is None:
            return
        window = timedelta(seconds=self.faults.rate_window_seconds)
        while acc.calls and acc.calls[0] <= now - window:
            acc.calls.popleft()
        if len(acc.calls) >= limit:
            wait = (acc.calls[0] + window - now).total_seconds()
            raise RetryableError(
                f"Sandbox rate limit: {limit} calls per {self.faults.rate_window_seconds:g} s.",
                retry_after=max(wait, 0.0),
                network=NETWORK,
            )
        acc.calls.append(now)

    def _roll(self, rate: float) -> bool:
        return rate > 0 and self._fault_rng.random() < rate

    def _maybe_time_out(self, client_ref: str | None) -> None:
        if self._timeouts_next > 0:
            self._timeouts_next -= 1
        elif not self._roll(self.faults.ambiguous_rate):
            return
        raise AmbiguousError(
            "The sandbox did not answer in time; the request may have been done.",
            client_ref=client_ref,
            network=NETWORK,
        )

    def _get_account(self, account_id: str) -> _Account:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise CredentialError(
                f"The sandbox knows no account {account_id!r}.", network=NETWORK
            ) from None

    def _push(self, at: datetime, kind: str, key: str, index: int) -> None:
        heapq.heappush(self._pending, (at, next(self._serial), kind, key, index))

    def _new_post(
        self,
        acc: _Account,
        text: str,
        now: datetime,
        followers: int,
        *,
        draft: DraftPost | None = None,
        parent_id: str | None = None,
    ) -> _Post:
        external_id = f"sbx-{next(self._serial):07d}"
        curve = audience.Curve.for_post(self.seed, external_id, followers)
        post = _Post(
            external_id,
            acc.external_id,
            text,
            now,
            media=tuple(draft.media) if draft else (),
            link=draft.link if draft else None,
            client_ref=draft.client_ref if draft else None,
            parent_id=parent_id,
            curve=curve,
        )
        poll = poll_of(draft.options) if draft and parent_id is None else None
        if poll is not None:
            post.poll = poll.options
        self._posts[external_id] = post
        if post.client_ref:
            self._by_ref.setdefault((acc.external_id, post.client_ref), []).append(external_id)
        if parent_id is None and not self.silent:
            for index, offset in enumerate(curve.comment_offsets(self.seed, external_id)):
                self._push(now + offset, "comment", external_id, index)
        return post

    def _own_comment(
        self,
        acc: _Account,
        root_id: str | None,
        parent_id: str,
        text: str,
        now: datetime,
        *,
        client_ref: str | None = None,
        stream: str = "comments",
    ) -> Interaction:
        """Our own words: a first comment, a reply in a thread, an answer to a mention
        (no post of ours) or to a direct message (in the messages stream)."""
        external_id = f"sbx-{next(self._serial):07d}"
        if stream == "messages":
            kind = InteractionKind.MESSAGE
        else:
            kind = InteractionKind.COMMENT if parent_id == root_id else InteractionKind.REPLY
        item = Interaction(
            kind=kind,
            external_id=external_id,
            author_id=acc.external_id,
            author_handle=acc.handle,
            author_name=acc.display_name,
            text=text,
            created_at=now,
            post_external_id=root_id,
            parent_external_id=None if parent_id == root_id else parent_id,
            url=f"{BASE_URL}/@{acc.handle}/{external_id}",
            own=True,
        )
        self._add(acc, stream, item)
        if client_ref:
            self._replies[(acc.external_id, client_ref)] = PublishedRef(
                external_id, item.url, now, client_ref=client_ref
            )
        return item

    def _add(self, acc: _Account, stream: str, item: Interaction) -> None:
        acc.streams[stream].append(item)
        self._interactions[item.external_id] = (acc.external_id, stream)

    def _advance(self, now: datetime) -> None:
        """Let the audience speak: everything due by `now` arrives, in time order."""
        while self._pending and self._pending[0][0] <= now:
            at, _, kind, key, index = heapq.heappop(self._pending)
            if kind == "comment":
                self._arrive_comment(at, key, index)
            else:
                self._arrive_direct(at, kind, key, index)

    def _arrive_comment(self, at: datetime, post_id: str, index: int) -> None:
        post = self._posts[post_id]
        if post.deleted:
            return
        said = audience.comment(self.seed, post_id, index)
        parent = f"{post_id}-c{index - 1}" if said.reply_to_previous else None
        if parent is not None and (parent not in self._interactions or parent in self._deleted):
            parent = None
        external_id = f"{post_id}-c{index}"
        self._add(
            self._accounts[post.account_id],
            "comments",
            audience.heard(said, external_id, at, post_id=post_id, parent_id=parent),
        )
        self._heard_on.setdefault(post_id, []).append(external_id)

    def _arrive_direct(self, at: datetime, kind: str, account_id: str, index: int) -> None:
        acc = self._accounts[account_id]
        if kind == "mention":
            said = audience.mention(self.seed, account_id, acc.handle, index)
            mean, stream = audience.MENTION_MEAN_GAP, "mentions"
        else:
            said = audience.message(self.seed, account_id, index)
            mean, stream = audience.MESSAGE_MEAN_GAP, "messages"
        self._add(acc, stream, audience.heard(said, f"{kind}-{account_id}-{index}", at))
        gap = audience.next_gap(self.seed, kind, account_id, index + 1, mean)
        self._push(at + gap, kind, account_id, index + 1)

    def _root_of(self, account_id: str, parent_id: str) -> tuple[str | None, str]:
        """The post a reply to `parent_id` belongs to (None for a mention or a message),
        and the stream the reply goes to."""
        post = self._posts.get(parent_id)
        if post is not None and not post.deleted:
            while post.parent_id is not None and post.parent_id in self._posts:
                post = self._posts[post.parent_id]
            return post.external_id, "comments"
        where = self._interactions.get(parent_id)
        if where is None or where[0] != account_id or parent_id in self._deleted:
            raise not_found("post or comment", parent_id)
        if where[1] == "messages":
            return None, "messages"
        stream = self._accounts[account_id].streams[where[1]]
        found = next(i for i in stream if i.external_id == parent_id)
        return found.post_external_id, "comments"

    def _own_post(self, account_id: str, external_id: str) -> _Post:
        post = self._posts.get(external_id)
        if post is None or post.account_id != account_id or post.deleted:
            raise not_found("post", external_id)
        return post

    def _comment_of(self, account_id: str, external_id: str) -> None:
        where = self._interactions.get(external_id)
        if where is None or where != (account_id, "comments") or external_id in self._deleted:
            raise not_found("comment", external_id)

    def _ref(self, post: _Post) -> PublishedRef:
        acc = self._accounts[post.account_id]
        parts = tuple(self._ref(self._posts[p]) for p in post.parts)
        return PublishedRef(
            post.external_id,
            f"{BASE_URL}/@{acc.handle}/{post.external_id}",
            post.created_at,
            parts=parts,
            first_comment_id=post.first_comment_id,
            client_ref=post.client_ref,
        )

    def _account_metrics(self, acc: _Account, now: datetime) -> list[MetricSample]:
        """Followers now, and profile visits during the last whole day (UTC), said at the
        end of that day as the networks with account insights do."""
        followers = audience.followers_at(self.seed, acc.external_id, acc.created_at, now)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        day = (midnight - timedelta(days=1)).date()
        # The audience of that day, so a past day's visits never change.
        audience_then = audience.followers_at(self.seed, acc.external_id, acc.created_at, midnight)
        visits = audience.profile_visits_on(self.seed, acc.external_id, day, audience_then)
        return [
            MetricSample(acc.external_id, "followers", followers, now),
            MetricSample(acc.external_id, "profile_visits", visits, midnight),
        ]

    def _post_metrics(self, post: _Post, now: datetime) -> list[MetricSample]:
        assert post.curve is not None
        video = any(m.content_type.startswith("video/") for m in post.media)
        values: dict[str, float] = dict(
            post.curve.metrics(now - post.created_at, has_link=post.link is not None, video=video)
        )
        heard = self._heard_on.get(post.external_id, ())
        values["comments"] = sum(1 for i in heard if i not in self._deleted)
        return [MetricSample(post.external_id, name, value, now) for name, value in values.items()]

    def _public_posts(self) -> Iterable[PublicPost]:
        for post in self._posts.values():
            if post.deleted or post.curve is None:
                continue
            handle = self._accounts[post.account_id].handle
            yield PublicPost(
                post.external_id,
                handle,
                post.text,
                post.created_at,
                f"{BASE_URL}/@{handle}/{post.external_id}",
            )
        for acc in self._accounts.values():
            for item in acc.streams["mentions"]:
                yield PublicPost(
                    item.external_id,
                    item.author_handle,
                    item.text,
                    item.created_at,
                    item.url,
                    item.language,
                )


def _with_flags(item: Interaction, hidden: bool) -> Interaction:
    return item if item.hidden == hidden else replace(item, hidden=hidden)
