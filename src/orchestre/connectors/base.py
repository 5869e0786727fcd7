"""The connector contract: capabilities, plain data in and out, and typed failures.

A `Connector` is a stateless provider: it says what a network can do and opens an
`Installation` for one connected account. The installation holds that account's
credentials and HTTP client and performs the calls. Domains ask by capability
(`Capability.REPLY in connector.capabilities`), never by network name.

Failure kinds, and the one thing a caller does with each:

- `RetryableError`: nothing happened on the network (or it asked us to slow down); try
  again after `retry_after` seconds when given, else with backoff.
- `PermanentError`: the network refused for a reason that a retry will not change
  (content rejected, post not found, capability missing); show `reason` to a person.
- `CredentialError`: the account's token is expired or revoked. Only `definitive=True`
  means "needs reconnection"; a transient refresh failure is a `RetryableError` instead.
- `AmbiguousError`: the request may have succeeded (timeout after it was sent). Look on
  the network first (`Installation.find_by_client_ref`, else
  `Installation.find_by_fingerprint`) and never retry blindly.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import httpx


class Capability(enum.StrEnum):
    """What a network lets us do; connectors declare the subset they support."""

    PUBLISH_TEXT = "publish_text"
    PUBLISH_IMAGE = "publish_image"
    PUBLISH_VIDEO = "publish_video"
    PUBLISH_CAROUSEL = "publish_carousel"
    PUBLISH_THREAD = "publish_thread"
    FIRST_COMMENT = "first_comment"
    REPLY = "reply"
    HIDE_COMMENT = "hide_comment"
    DELETE_COMMENT = "delete_comment"
    DELETE_POST = "delete_post"
    LIKE = "like"
    READ_COMMENTS = "read_comments"
    READ_MENTIONS = "read_mentions"
    READ_MESSAGES = "read_messages"
    READ_METRICS = "read_metrics"
    SEARCH_POSTS = "search_posts"
    # Anyone's public profile and recent posts (competitor benchmarks); the installation
    # also implements `PublicAccountReading`.
    READ_PUBLIC_ACCOUNTS = "read_public_accounts"
    # Ad platforms (optional: the installation also implements `AdReporting` / `Boosting`).
    AD_REPORTING = "ad_reporting"
    BOOST_POST = "boost_post"


class Metric(enum.StrEnum):
    """Metric names every connector uses, so analytics compares like with like."""

    IMPRESSIONS = "impressions"
    REACH = "reach"
    LIKES = "likes"
    REPOSTS = "reposts"
    COMMENTS = "comments"
    CLICKS = "clicks"
    VIDEO_VIEWS = "video_views"
    SAVES = "saves"
    # Total seconds watched, and the average share of a video watched (0-1).
    WATCH_TIME = "watch_time"
    COMPLETION = "completion"
    FOLLOWERS = "followers"
    PROFILE_VISITS = "profile_visits"


# Errors ---------------------------------------------------------------------------------------


class ConnectorError(Exception):
    """Base of every failure a connector raises on purpose; `network` names who answered."""

    def __init__(self, message: str, *, network: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.network = network


class RetryableError(ConnectorError):
    """Nothing was done; try again later (after `retry_after` seconds when known)."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, network: str = ""
    ) -> None:
        super().__init__(message, network=network)
        self.retry_after = retry_after


class PermanentError(ConnectorError):
    """The network refused; `reason` is its explanation, fit to show a person."""

    def __init__(self, reason: str, *, network: str = "", code: str = "") -> None:
        super().__init__(reason, network=network)
        self.reason = reason
        self.code = code


class UnsupportedCapability(PermanentError):
    """The connector cannot do this on this network; callers should have checked capabilities."""

    def __init__(self, capability: Capability, *, network: str = "") -> None:
        where = network or "this network"
        super().__init__(
            f"{where} does not support {capability.value.replace('_', ' ')}.",
            network=network,
            code="unsupported",
        )
        self.capability = capability


class CredentialError(ConnectorError):
    """The token was refused. `definitive` means revoked or expired for good: reconnect."""

    def __init__(self, message: str, *, definitive: bool = True, network: str = "") -> None:
        super().__init__(message, network=network)
        self.definitive = definitive


class AmbiguousError(ConnectorError):
    """The request may have succeeded: reconcile by looking on the network before any retry."""

    def __init__(self, message: str, *, client_ref: str | None = None, network: str = "") -> None:
        super().__init__(message, network=network)
        self.client_ref = client_ref


# Plain data in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """Secrets of one connected account, decrypted only for the duration of a call."""

    access_token: str = ""
    refresh_token: str | None = None
    expires_at: datetime | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AppCredentials:
    """The operator's app on a network (or on one server of a federated network): what
    OAuth 2 calls the client. Needed to connect accounts and to refresh their tokens."""

    client_id: str
    client_secret: str
    redirect_uri: str = ""


@dataclass(frozen=True)
class AccountRef:
    """One connected account on a network: who we act as, and with which credentials."""

    network: str
    external_id: str
    handle: str = ""
    credentials: Credentials = field(default_factory=Credentials)
    # The server a federated network's account lives on (Mastodon instance, PDS), if any.
    base_url: str | None = None


@dataclass(frozen=True)
class MediaRef:
    """A media file to attach: where its bytes are, what they are, and its alt text."""

    uri: str
    content_type: str
    alt_text: str = ""
    size_bytes: int | None = None


@dataclass(frozen=True)
class DraftPost:
    """One variant ready for one network.

    `text` is the first post; `thread` holds the following parts of a thread, in order.
    `client_ref` is our idempotency key: an ambiguous publish is found again by it.
    `options` carries network-specific settings (privacy level, title, tags, ...).
    """

    text: str
    media: Sequence[MediaRef] = ()
    link: str | None = None
    first_comment: str | None = None
    thread: Sequence[str] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    client_ref: str | None = None


# Plain data out -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedRef:
    """Where a post now lives on the network; `parts` are the following thread posts."""

    external_id: str
    url: str | None
    published_at: datetime
    parts: Sequence[PublishedRef] = ()
    first_comment_id: str | None = None
    client_ref: str | None = None


@dataclass(frozen=True)
class AccountProfile:
    """What the network says about the connected account."""

    external_id: str
    handle: str
    display_name: str = ""
    followers: int | None = None
    url: str | None = None


class InteractionKind(enum.StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    MENTION = "mention"
    MESSAGE = "message"


@dataclass(frozen=True)
class Interaction:
    """A comment, reply, mention or message as the network reports it.

    `post_external_id` is the post it belongs to, `parent_external_id` the comment it
    answers (None for a top-level comment). `own` marks one written by the connected
    account itself. `language` is the network's hint, if any (BCP 47).
    """

    kind: InteractionKind
    external_id: str
    author_id: str
    author_handle: str
    text: str
    created_at: datetime
    author_name: str = ""
    language: str | None = None
    post_external_id: str | None = None
    parent_external_id: str | None = None
    url: str | None = None
    hidden: bool = False
    own: bool = False


@dataclass(frozen=True)
class InteractionPage:
    """A page of interactions, oldest first. Pass `next_cursor` to get what came after."""

    items: Sequence[Interaction]
    next_cursor: str | None
    has_more: bool = False


@dataclass(frozen=True)
class MetricSample:
    """One measured value of one metric (a `Metric` value) for one post (or account) at one
    instant. Counts are totals so far, not increments."""

    external_id: str
    metric: str
    value: float
    at: datetime


@dataclass(frozen=True)
class PublicPost:
    """A post by anyone, found by search (listening, competitors)."""

    external_id: str
    author_handle: str
    text: str
    created_at: datetime
    url: str | None = None
    language: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PostPage:
    items: Sequence[PublicPost]
    next_cursor: str | None
    has_more: bool = False


class PublicFormat(enum.StrEnum):
    """What a public post is made of, the same words on every network."""

    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    CAROUSEL = "carousel"
    LINK = "link"


@dataclass(frozen=True)
class PublicAccount:
    """Anyone's public account as the network shows it; a figure it hides is None.
    `extra` keeps what reading its posts needs later (YouTube's uploads playlist)."""

    external_id: str
    handle: str
    display_name: str = ""
    followers: int | None = None
    following: int | None = None
    posts_count: int | None = None
    url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PublicAccountPost:
    """One post of a public account with its public counts so far (None: not public)."""

    external_id: str
    created_at: datetime
    format: PublicFormat
    text: str = ""
    url: str | None = None
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None


@dataclass(frozen=True)
class AdResult:
    """One platform campaign's figures for one day (the ad account's day, as the platform
    reports it). Money is exact, in `currency` units (micros already divided); `revenue`
    is None when the platform gives no conversion value. `attribution` names the window
    the conversions were counted with (e.g. "7d_click,1d_view"), "" when not said."""

    external_campaign_id: str
    day: date
    spend: Decimal
    currency: str
    impressions: int = 0
    clicks: int = 0
    conversions: Decimal = Decimal(0)
    revenue: Decimal | None = None
    attribution: str = ""


def exact_amount(value: object) -> Decimal:
    """A platform's money or count (decimal string or number) exactly; empty is zero."""
    if value is None or value == "":
        return Decimal(0)
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def from_micros(value: object) -> Decimal:
    """An amount the platform gives in millionths of the currency unit, exactly."""
    return exact_amount(value).scaleb(-6).normalize() + Decimal(0)


class BudgetKind(enum.StrEnum):
    DAILY = "daily"
    LIFETIME = "lifetime"


@dataclass(frozen=True)
class BoostRequest:
    """Promote an existing post of the account with a budget from `start` to `end` (the
    explicit `ends_at`, else `days` days later); `days` is the number of days begun, which
    a daily budget is multiplied by. Nothing is spent unless `activate`: the platform keeps
    the promotion paused."""

    post_external_id: str
    ad_account_id: str
    budget: Decimal
    currency: str
    days: int
    start: datetime
    budget_kind: BudgetKind = BudgetKind.LIFETIME
    activate: bool = False
    name: str = ""
    # Where the promotion is shown (ISO 3166 codes), for platforms that ask.
    countries: tuple[str, ...] = ()
    # The creator's permission to promote the post where the platform asks for one (a
    # TikTok Spark Ads code): a secret, kept out of the repr and of every log.
    authorization_code: str = field(default="", repr=False)
    ends_at: datetime | None = None
    # Choices a platform offers beyond the common ones (LinkedIn: `campaign_group`,
    # `objective`); a platform refuses a name it does not take (`refuse_options`).
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def end(self) -> datetime:
        return self.ends_at or self.start + timedelta(days=self.days)


@dataclass(frozen=True)
class BoostRef:
    """The promotion the platform made; `parts` names its other objects (ad set, ad)."""

    external_campaign_id: str
    ad_account_id: str
    active: bool
    ends_at: datetime
    parts: Mapping[str, str] = field(default_factory=dict)


# The contract ---------------------------------------------------------------------------------


@runtime_checkable
class Installation(Protocol):
    """One connected account on one network: performs the calls with its credentials.

    Every method may raise `RetryableError` (rate limited, network down: nothing done),
    `CredentialError` (token refused) or `UnsupportedCapability`. What else each raises
    is said on the method.
    """

    @property
    def account(self) -> AccountRef: ...

    def profile(self) -> AccountProfile:
        """The account as the network sees it (handle, followers)."""
        ...

    def refresh_credentials(self) -> Credentials:
        """New credentials from the refresh token.

        `CredentialError(definitive=True)` when the network refuses the refresh token
        (the channel needs reconnection); `RetryableError` when the refresh could not be
        attempted or answered (the channel stays connected).
        """
        ...

    def publish(self, draft: DraftPost) -> PublishedRef:
        """Publish a post, its thread parts and its first comment (PUBLISH_*, FIRST_COMMENT).

        `PermanentError` when the network rejects the content (with its reason);
        `AmbiguousError` when it may have been published: call `find_by_client_ref`
        with `draft.client_ref` before trying again.
        """
        ...

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        """The post published with this idempotency key, or None if the network has none.

        A network that cannot be asked raises `PermanentError(code="unverifiable")`: None
        must mean "certainly not there", since the caller then publishes again."""
        ...

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        """The post an ambiguous attempt to publish `draft`, started at `since`, made.

        For networks that keep no idempotency key: the account's posts listed since
        `since` (less `fingerprint.CLOCK_SKEW`) through the network's API, matched by
        content (normalised text, media kinds where the listing shows them; see
        `connectors.fingerprint`). None only when certain: the listing covered the whole
        window, the network has had time to list a fresh post, and nothing matched.
        `RetryableError` when unsure (listing cut short, post maybe not listed yet): look
        again later. `PermanentError(code="unverifiable")` when the network cannot be
        asked at all (no listing, or a scope the account did not grant)."""
        ...

    def delete_post(self, external_id: str) -> None:
        """Delete one of our posts (DELETE_POST); an already deleted post is success."""
        ...

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        """Answer a post or comment (REPLY). `PermanentError` if the parent is gone or
        the text is refused; `AmbiguousError` as for `publish`."""
        ...

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        """Hide (or show again) a comment on our post (HIDE_COMMENT); `PermanentError`
        if the comment is unknown."""
        ...

    def delete_comment(self, external_id: str) -> None:
        """Delete a comment on our post (DELETE_COMMENT); an already deleted one is success,
        an unknown one a `PermanentError`."""
        ...

    def like(self, external_id: str) -> None:
        """Like a post or comment (LIKE); liking twice is success."""
        ...

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        """Comments and replies on one post, or on all our posts (READ_COMMENTS), oldest
        first after `cursor`. A cursor the network no longer knows is a `PermanentError`."""
        ...

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        """Posts that mention the account (READ_MENTIONS), oldest first after `cursor`."""
        ...

    def read_messages(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        """Direct messages to the account (READ_MESSAGES), oldest first after `cursor`."""
        ...

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        """Current metrics of our posts (READ_METRICS); unknown ids are left out."""
        ...

    def read_account_metrics(self) -> list[MetricSample]:
        """The account's own figures (READ_METRICS), `external_id` = the account's id:
        followers (a total now) and, where the network gives them, profile visits over
        the network's last complete day (`at` = the end of that day). A figure the network
        does not give is left out, never zero."""
        ...

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        """Public posts matching `query` (SEARCH_POSTS), newest first."""
        ...


@runtime_checkable
class Connector(Protocol):
    """A network, stateless: its name, what it can do, and how to open an account on it."""

    @property
    def network(self) -> str: ...

    @property
    def capabilities(self) -> frozenset[Capability]: ...

    def open(
        self,
        account: AccountRef,
        *,
        transport: httpx.BaseTransport | None = None,
        app: AppCredentials | None = None,
    ) -> Installation:
        """An installation acting as `account`; `transport` replaces the real network in
        tests; `app` is the operator's app, needed to refresh tokens."""
        ...


@runtime_checkable
class AdReporting(Protocol):
    """An installation that reads an ad account's results (AD_REPORTING)."""

    def read_ad_results(
        self, ad_account_id: str, since: date, until: date, campaign_ids: Sequence[str] = ()
    ) -> list[AdResult]:
        """Daily results of the account's campaigns (only `campaign_ids` when given) from
        `since` to `until` inclusive; a day without delivery is left out. Raises as every
        installation method; `PermanentError` when the ad account is not reachable."""
        ...


@runtime_checkable
class Boosting(Protocol):
    """An installation that promotes an existing post with a budget (BOOST_POST)."""

    def boost_post(self, request: BoostRequest) -> BoostRef:
        """Create the promotion; `PermanentError` with the platform's reason when refused,
        `AmbiguousError` when it may have been created."""
        ...


@runtime_checkable
class PublicAccountReading(Protocol):
    """An installation that reads other accounts' public profiles and posts
    (READ_PUBLIC_ACCOUNTS), with the connected account's credentials."""

    def lookup_account(self, handle: str) -> PublicAccount:
        """The account named `handle` (without the leading @ or with it);
        `PermanentError(code="not_found")` when the network has none by that name."""
        ...

    def read_account_posts(
        self, account: PublicAccount, *, limit: int = 40
    ) -> list[PublicAccountPost]:
        """Its recent own posts (reposts of others left out), newest first, at most `limit`.
        `PermanentError(code="access_level")` when the connected account's access to the
        network's API does not allow it."""
        ...


@runtime_checkable
class PublicAccountsLookup(Protocol):
    """An installation that looks several public accounts up in one call (Bluesky's
    getProfiles); optional beside `PublicAccountReading`, whose `lookup_account` does one."""

    def lookup_accounts(self, actors: Sequence[str]) -> list[PublicAccount]:
        """The accounts found among `actors` (handles or the network's ids, at most 25);
        an actor the network does not know, or no longer shows, is left out."""
        ...


def public_reading(installation: object, *, network: str = "") -> PublicAccountReading:
    """The installation as a reader of public accounts, or `UnsupportedCapability`."""
    if isinstance(installation, PublicAccountReading):
        return installation
    raise UnsupportedCapability(Capability.READ_PUBLIC_ACCOUNTS, network=network)


def refuse_options(request: BoostRequest, takes: Collection[str], *, network: str) -> None:
    """A `PermanentError` (code `options`) naming the boost options this platform does not
    take, before anything is asked of it."""
    unknown = sorted(set(request.options) - set(takes))
    if unknown:
        offered = f" (it takes {', '.join(sorted(takes))})" if takes else ""
        raise PermanentError(
            f"There is no boost option {', '.join(unknown)} on {network}{offered}.",
            network=network,
            code="options",
        )


def ad_reporting(installation: object, *, network: str = "") -> AdReporting:
    """The installation as an ad reader, or `UnsupportedCapability`."""
    if isinstance(installation, AdReporting):
        return installation
    raise UnsupportedCapability(Capability.AD_REPORTING, network=network)


def boosting(installation: object, *, network: str = "") -> Boosting:
    """The installation as a booster, or `UnsupportedCapability`."""
    if isinstance(installation, Boosting):
        return installation
    raise UnsupportedCapability(Capability.BOOST_POST, network=network)


class BaseInstallation:
    """An installation whose every capability is unsupported; connectors override theirs."""

    network: str = ""

    def __init__(self, account: AccountRef) -> None:
        self._account = account

    @property
    def account(self) -> AccountRef:
        return self._account

    def _unsupported(self, capability: Capability) -> UnsupportedCapability:
        return UnsupportedCapability(capability, network=self.network)

    def profile(self) -> AccountProfile:
        return AccountProfile(external_id=self._account.external_id, handle=self._account.handle)

    def refresh_credentials(self) -> Credentials:
        # A network without refresh tokens keeps the credentials it was given.
        return self._account.credentials

    def publish(self, draft: DraftPost) -> PublishedRef:
        raise self._unsupported(Capability.PUBLISH_TEXT)

    def find_by_client_ref(self, client_ref: str) -> PublishedRef | None:
        # "Not found" would invite a second post; a network that cannot be asked says so.
        raise PermanentError(
            f"{self.network or 'This network'} cannot look a post up by Orchestre's "
            "reference; check the account before publishing again.",
            network=self.network,
            code="unverifiable",
        )

    def find_by_fingerprint(self, draft: DraftPost, since: datetime) -> PublishedRef | None:
        raise PermanentError(
            f"{self.network or 'This network'} cannot list the account's recent posts to "
            "find this one; check the account before publishing again.",
            network=self.network,
            code="unverifiable",
        )

    def delete_post(self, external_id: str) -> None:
        raise self._unsupported(Capability.DELETE_POST)

    def reply(
        self, parent_external_id: str, text: str, *, client_ref: str | None = None
    ) -> PublishedRef:
        raise self._unsupported(Capability.REPLY)

    def hide_comment(self, external_id: str, hidden: bool = True) -> None:
        raise self._unsupported(Capability.HIDE_COMMENT)

    def delete_comment(self, external_id: str) -> None:
        raise self._unsupported(Capability.DELETE_COMMENT)

    def like(self, external_id: str) -> None:
        raise self._unsupported(Capability.LIKE)

    def read_comments(
        self, post_external_id: str | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> InteractionPage:
        raise self._unsupported(Capability.READ_COMMENTS)

    def read_mentions(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        raise self._unsupported(Capability.READ_MENTIONS)

    def read_messages(self, *, cursor: str | None = None, limit: int = 100) -> InteractionPage:
        raise self._unsupported(Capability.READ_MESSAGES)

    def read_metrics(self, external_ids: Sequence[str]) -> list[MetricSample]:
        raise self._unsupported(Capability.READ_METRICS)

    def read_account_metrics(self) -> list[MetricSample]:
        # Networks without account insights: the followers their profile gives, if any.
        profile = self.profile()
        if profile.followers is None:
            return []
        return [
            MetricSample(
                external_id=profile.external_id,
                metric=Metric.FOLLOWERS.value,
                value=float(profile.followers),
                at=datetime.now(UTC),
            )
        ]

    def search(self, query: str, *, cursor: str | None = None, limit: int = 50) -> PostPage:
        raise self._unsupported(Capability.SEARCH_POSTS)


def required_capabilities(draft: DraftPost) -> frozenset[Capability]:
    """The capabilities a network needs to publish this draft as written.

    A post with media needs the media capabilities only: its text is the caption, and
    video-first networks (TikTok, YouTube) publish no text on its own."""
    kinds = {m.content_type.split("/", 1)[0] for m in draft.media}
    needed = set() if kinds else {Capability.PUBLISH_TEXT}
    if "video" in kinds:
        needed.add(Capability.PUBLISH_VIDEO)
    if "image" in kinds:
        needed.add(Capability.PUBLISH_IMAGE)
    # Several images in one post are not a carousel everywhere; the network's rules judge
    # the media count, and a carousel is asked for explicitly.
    if draft.options.get("format") == "carousel":
        needed.add(Capability.PUBLISH_CAROUSEL)
    if draft.thread:
        needed.add(Capability.PUBLISH_THREAD)
    if draft.first_comment:
        needed.add(Capability.FIRST_COMMENT)
    return frozenset(needed)
