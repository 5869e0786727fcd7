"""Finding our own post again by what it says, on networks that keep no idempotency key.

After an ambiguous publish (the request left, no answer came back), the engine asks the
connector whether the post is on the account (`Installation.find_by_fingerprint`). The
connector lists the account's posts since the attempt through the network's API, as
`ListedPost`s, and `reconcile` decides:

- a listed post whose normalised text (and media, when the listing shows them) is the
  draft's: that is our post, published after all;
- nothing matched, the listing covered the whole window, and the network has had time
  to show a fresh post: certainly absent (`None`), the caller publishes again;
- anything less certain (the listing stopped early, or the attempt is too recent for the
  network to list it yet): a `RetryableError`, so the caller looks again later;
- a draft without words (media alone, a bare link) has nothing to tell it apart:
  `PermanentError(code="unverifiable")`, a person decides.

Texts are compared after Unicode NFC, with every run of whitespace made one space and
every web address left out on both sides: networks shorten links (X's t.co), append the
link of a media, or turn a bare domain into a link, and none of that says whose post it
is. The words around the links do.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestre.connectors.base import DraftPost, PermanentError, PublishedRef, RetryableError

# The network's clock and ours may disagree; the window starts this much earlier.
CLOCK_SKEW = timedelta(minutes=5)
# How many pages of the account's posts a lookup reads before it gives up as unsure.
MAX_PAGES = 10

_LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    # A bare domain (example.com, lyon.fr/agenda) that a network may turn into a link.
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:/\S*)?",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """The words of a post as compared: NFC, links left out, whitespace collapsed."""
    text = _LINK.sub(" ", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def media_kind(content_type: str) -> str:
    """`image` or `video` (a GIF counts as an image, as we upload it)."""
    return content_type.split("/", 1)[0].lower()


@dataclass(frozen=True)
class ListedPost:
    """One post of the account as the network lists it.

    `media` are the kinds of its media (`image`, `video`), or None when the listing does
    not show them (then media are not compared)."""

    external_id: str
    created_at: datetime
    text: str
    url: str | None = None
    media: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Listing:
    """The account's posts read back to some instant; `complete` says the reading reached
    the start of the window (or the end of the account's posts)."""

    posts: Sequence[ListedPost]
    complete: bool


def gather(pages: Iterable[Sequence[ListedPost]], start: datetime, *, max_pages: int) -> Listing:
    """Read pages (newest first) until one reaches back past `start` or they run out.

    The `pages` iterator ends when the network has no next page; reading `max_pages`
    without reaching `start` leaves the listing incomplete (unsure)."""
    posts: list[ListedPost] = []
    for count, page in enumerate(pages, start=1):
        posts.extend(page)
        if any(p.created_at < start for p in page):
            return Listing(posts, complete=True)
        if count >= max_pages:
            return Listing(posts, complete=False)
    return Listing(posts, complete=True)


def matches(draft_text: str, draft_media: Sequence[str], post: ListedPost) -> bool:
    """The listed post says what the draft says (texts already normalised)."""
    if normalise(post.text) != draft_text:
        return False
    if post.media is None:
        return True
    return Counter(post.media) == Counter(draft_media)


def reconcile(
    draft: DraftPost,
    since: datetime,
    listing: Listing,
    *,
    network: str,
    now: datetime,
    settle: timedelta,
    text: str | None = None,
) -> PublishedRef | None:
    """Our post among `listing`, None when it is certainly not there, else RetryableError.

    `since` is when the ambiguous attempt started; `text` is what the network shows of the
    draft when it is not `draft.text` (a YouTube description, an escaped LinkedIn text);
    `settle` is how long the network may take to list a fresh post."""
    start = since - CLOCK_SKEW
    wanted = normalise(draft.text if text is None else text)
    if not wanted:
        # Media alone, or a bare link: any such post in the window would match.
        raise PermanentError(
            f"A post without words cannot be told apart from others on {network}; check "
            "the account before publishing again.",
            network=network,
            code="unverifiable",
        )
    kinds = [media_kind(m.content_type) for m in draft.media]
    found = sorted(
        (p for p in listing.posts if p.created_at >= start and matches(wanted, kinds, p)),
        key=lambda p: p.created_at,
    )
    if found:
        post = found[0]  # several copies: the first is the one our attempt made
        return PublishedRef(
            external_id=post.external_id,
            url=post.url,
            published_at=post.created_at,
            client_ref=draft.client_ref,
        )
    if not listing.complete:
        raise RetryableError(
            f"{network}: the account's posts since {start:%Y-%m-%d %H:%M} UTC could not all "
            "be read; looking again later.",
            network=network,
        )
    waited = now - since
    if waited < settle:
        raise RetryableError(
            f"{network} may not list a post this fresh yet; looking again later.",
            retry_after=(settle - waited).total_seconds(),
            network=network,
        )
    return None
