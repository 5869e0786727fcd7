"""What each network's preview shows of a variant: highlighted text, where it folds, media frames.

Presentation only, as each network displays a post (measured on their apps): which
entities it turns into links, after how much text it folds behind "see more", how it
shortens a link's label, and the aspect ratio it crops media to. The rules that decide
whether a post may be published live in `connectors.rules`; nothing here judges a post.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from orchestre.connectors.rules.twitter_text import (
    Entity,
    extract_hashtags,
    extract_mentions,
    extract_urls,
)

Kind = Literal["text", "hashtag", "mention", "url"]


@dataclass(frozen=True)
class Segment:
    """A run of text, highlighted as the network highlights it when kind is not text."""

    kind: Kind
    text: str
    href: str = ""


@dataclass(frozen=True)
class Fold:
    """Where a network folds a long text: after so many characters or lines."""

    characters: int
    lines: int


@dataclass(frozen=True)
class Style:
    """How one network shows a post's text and media."""

    links: bool = True  # are URLs links (not on Instagram or TikTok captions)
    link_label: int = 0  # a link's label shortened to this many characters (0: as typed)
    fold: Fold | None = None
    card: bool = True  # a link card under a post without media
    vertical: bool = False  # full-screen 9:16 formats


STYLES: dict[str, Style] = {
    "x": Style(link_label=23),
    "bluesky": Style(link_label=30),
    "mastodon": Style(link_label=30),
    "threads": Style(link_label=30),
    "linkedin": Style(fold=Fold(210, 3)),
    "instagram": Style(links=False, fold=Fold(125, 2), card=False),
    "facebook": Style(fold=Fold(480, 5)),
    "tiktok": Style(links=False, fold=Fold(80, 2), card=False, vertical=True),
    "youtube": Style(fold=Fold(100, 2), card=False),
}
DEFAULT_STYLE = Style()

# The frame a network crops media to, by format (CSS aspect-ratio values).
ASPECTS: dict[str, dict[str, str]] = {
    "instagram": {"feed": "4 / 5", "carousel": "1 / 1", "reel": "9 / 16", "story": "9 / 16"},
    "tiktok": {"feed": "9 / 16"},
    "youtube": {"feed": "16 / 9", "short": "9 / 16"},
    "facebook": {"feed": "1.91 / 1", "reel": "9 / 16", "story": "9 / 16"},
    "x": {"feed": "16 / 9"},
    "bluesky": {"feed": "16 / 9"},
    "mastodon": {"feed": "16 / 9"},
    "threads": {"feed": "4 / 5"},
    "linkedin": {"feed": "1.91 / 1"},
}
NEEDS_MEDIA = frozenset({"instagram", "tiktok", "youtube"})


@dataclass(frozen=True)
class MediaFrame:
    url: str
    kind: str
    alt: str = ""


@dataclass(frozen=True)
class Preview:
    """Everything a network's preview partial shows."""

    network: str
    name: str
    handle: str
    avatar_url: str | None
    visible: list[Segment]
    hidden: list[Segment]  # behind "see more"
    thread: list[list[Segment]] = field(default_factory=list)
    first_comment: list[Segment] = field(default_factory=list)
    link_domain: str = ""
    media: list[MediaFrame] = field(default_factory=list)
    aspect: str = "16 / 9"
    needs_media: bool = False
    format: str = "feed"
    title: str = ""
    spoiler: str = ""
    hashtags: list[str] = field(default_factory=list)

    @property
    def folded(self) -> bool:
        return bool(self.hidden)

    @property
    def vertical(self) -> bool:
        return self.aspect == "9 / 16"


def _label(url: str, width: int) -> str:
    bare = url.split("://", 1)[-1].removeprefix("www.")
    if width and len(bare) > width:
        return bare[: width - 1] + "…"
    return bare


def segments(text: str, network: str) -> list[Segment]:
    """The text cut into plain runs and the entities the network highlights."""
    style = STYLES.get(network, DEFAULT_STYLE)
    found: list[tuple[Entity, Kind]] = [(e, "hashtag") for e in extract_hashtags(text)]
    found += [(e, "mention") for e in extract_mentions(text)]
    if style.links:
        found += [(e, "url") for e in extract_urls(text)]
    found.sort(key=lambda pair: pair[0].start)
    out: list[Segment] = []
    cursor = 0
    for entity, kind in found:
        if entity.start < cursor:
            continue  # overlapping (a hashtag inside a URL's fragment)
        if entity.start > cursor:
            out.append(Segment("text", text[cursor : entity.start]))
        raw = text[entity.start : entity.end]
        if kind == "url":
            href = raw if "://" in raw else f"https://{raw}"
            out.append(Segment("url", _label(raw, style.link_label), href))
        else:
            out.append(Segment(kind, raw))
        cursor = entity.end
    if cursor < len(text):
        out.append(Segment("text", text[cursor:]))
    return out


def fold_at(text: str, fold: Fold | None) -> int:
    """Where the network folds the text (len(text) when it shows it whole).

    At most `fold.characters` characters and `fold.lines` lines, cut back to the last
    space so no word, link or hashtag is cut in two.
    """
    if fold is None or (len(text) <= fold.characters and text.count("\n") < fold.lines):
        return len(text)
    limit = min(len(text), fold.characters)
    line_end = -1
    for _line in range(fold.lines):
        line_end = text.find("\n", line_end + 1)
        if line_end < 0:
            break
    if 0 <= line_end < limit:
        return line_end
    space = text.rfind(" ", 0, limit + 1)
    return space if space > 0 else limit


def link_domain(text: str, link_url: str | None) -> str:
    """The domain of the link a card would show: the variant's link, else the text's first."""
    target = link_url or next((u.text for u in extract_urls(text)), "")
    if not target:
        return ""
    host = urlsplit(target if "://" in target else f"https://{target}").hostname or ""
    return host.removeprefix("www.")


def build(
    *,
    network: str,
    name: str,
    handle: str,
    avatar_url: str | None,
    text: str,
    thread: Sequence[str] = (),
    first_comment: str = "",
    link_url: str | None = None,
    options: Mapping[str, object] | None = None,
    media: Sequence[MediaFrame] = (),
) -> Preview:
    """The preview of one variant on its network."""
    options = options or {}
    style = STYLES.get(network, DEFAULT_STYLE)
    media_format = str(options.get("format") or "feed")
    aspects = ASPECTS.get(network, {})
    aspect = aspects.get(media_format, aspects.get("feed", "16 / 9"))
    # Fold on the text as typed: a URL's shortened label does not change where it folds.
    at = fold_at(text, style.fold)
    visible = segments(text[:at], network)
    hidden = segments(text[at:], network) if at < len(text) else []
    return Preview(
        network=network,
        name=name,
        handle=handle,
        avatar_url=avatar_url,
        visible=visible,
        hidden=hidden,
        thread=[segments(part, network) for part in thread],
        first_comment=segments(first_comment, network) if first_comment else [],
        link_domain=link_domain(text, link_url) if style.card and not media else "",
        media=list(media),
        aspect=aspect,
        needs_media=network in NEEDS_MEDIA and not media,
        format=media_format,
        title=str(options.get("title") or ""),
        spoiler=str(options.get("spoiler_text") or ""),
        hashtags=["#" + h.text for h in extract_hashtags(text)][:3],
    )
