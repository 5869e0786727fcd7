"""Bluesky rich text: where the links, mentions and hashtags of a post are.

Bluesky does not parse a post's text: the author's app sends, beside the text, "facets"
that say which bytes are a link, a mention (pointing at a DID) or a hashtag. Offsets are
UTF-8 byte offsets into the text, start included and end excluded, so an accented letter
counts 2 and most emoji 4.

`facets(text)` finds them (pure: no network); `record_facets(found, dids)` turns them
into the `app.bsky.richtext.facet` objects of a post record once the mentioned handles
are resolved to DIDs (a mention whose handle does not resolve is left as plain text).

Detection follows Bluesky's documented rules: a link starts at the beginning of the text,
after a space or after "(", is either `http(s)://...` or a bare domain with a known
top-level domain (then it points at `https://`), and loses trailing punctuation and an
unbalanced ")"; a mention is "@" and a handle (a domain name); a hashtag is "#" after a
space or at the start, ends at a space, loses trailing punctuation, is at most 64
characters, and is not only digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import regex

from orchestre.connectors.rules.twitter_text import top_level_domains

FacetKind = Literal["link", "mention", "tag"]

TAG_MAX_CHARACTERS = 64
LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"

_URL = regex.compile(
    r"(?:^|(?<=[\s(]))"
    r"(?:(?P<full>https?://\S+)|(?P<bare>(?P<domain>[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+)\S*))",
    regex.IGNORECASE,
)
_MENTION = regex.compile(
    r"(?:^|(?<=[\s(]))@(?P<handle>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)",
    regex.IGNORECASE,
)
# Characters that end a hashtag besides spaces: soft hyphen, word joiner, zero-width ones
# and the combining enclosing keycap.
_TAG_STOP = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(r"(?:^|(?<=\s))[#\uff03](?P<tag>[^\s" + _TAG_STOP + r"]+)")
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
_LINK_TRAILING = ".,;:!?"


@dataclass(frozen=True)
class Facet:
    """One link, mention or hashtag: its UTF-8 byte range in the text and its value
    (the address for a link, the handle without "@", the tag without "#")."""

    kind: FacetKind
    byte_start: int
    byte_end: int
    value: str


def facets(text: str) -> list[Facet]:
    """Every link, mention and hashtag of `text`, in the order they appear."""
    offsets = _ByteOffsets(text)
    found: list[tuple[int, int, FacetKind, str]] = []
    found += _links(text)
    found += _mentions(text)
    found += _tags(text)
    found.sort(key=lambda item: (item[0], -item[1]))
    kept: list[Facet] = []
    end_of_last = -1
    for start, end, kind, value in found:
        if start < end_of_last:
            continue  # inside an earlier facet (e.g. "#" within a link's path)
        kept.append(Facet(kind, offsets.at(start), offsets.at(end), value))
        end_of_last = end
    return kept


def mentioned_handles(found: list[Facet]) -> list[str]:
    """The distinct handles mentioned, lower-cased, in order of appearance."""
    handles: list[str] = []
    for facet in found:
        handle = facet.value.lower()
        if facet.kind == "mention" and handle not in handles:
            handles.append(handle)
    return handles


def record_facets(found: list[Facet], dids: Mapping[str, str]) -> list[dict[str, Any]]:
    """The `app.bsky.richtext.facet` objects for a post record; `dids` maps lower-cased
    handles to DIDs, and a mention missing from it is dropped."""
    out: list[dict[str, Any]] = []
    for facet in found:
        if facet.kind == "link":
            feature: dict[str, Any] = {"$type": LINK, "uri": facet.value}
        elif facet.kind == "mention":
            did = dids.get(facet.value.lower())
            if not did:
                continue
            feature = {"$type": MENTION, "did": did}
        else:
            feature = {"$type": TAG, "tag": facet.value}
        out.append(
            {
                "index": {"byteStart": facet.byte_start, "byteEnd": facet.byte_end},
                "features": [feature],
            }
        )
    return out


class _ByteOffsets:
    """Character index -> UTF-8 byte offset, computed once per text."""

    def __init__(self, text: str) -> None:
        self._offsets = [0]
        total = 0
        for char in text:
            total += len(char.encode("utf-8"))
            self._offsets.append(total)

    def at(self, index: int) -> int:
        return self._offsets[index]


def _links(text: str) -> list[tuple[int, int, FacetKind, str]]:
    out: list[tuple[int, int, FacetKind, str]] = []
    tlds = top_level_domains()
    for match in _URL.finditer(text):
        start = match.start()
        raw = match.group(0)
        if match.group("bare") is not None:
            domain = match.group("domain").lower()
            if domain.rsplit(".", 1)[-1] not in tlds:
                continue
        raw = _trim_link(raw)
        if not raw:
            continue
        uri = raw if match.group("full") is not None else f"https://{raw}"
        out.append((start, start + len(raw), "link", uri))
    return out


def _trim_link(raw: str) -> str:
    while raw and raw[-1] in _LINK_TRAILING:
        raw = raw[:-1]
    if raw.endswith(")") and raw.count("(") < raw.count(")"):
        raw = raw[:-1]
        while raw and raw[-1] in _LINK_TRAILING:
            raw = raw[:-1]
    return raw


def _mentions(text: str) -> list[tuple[int, int, FacetKind, str]]:
    out: list[tuple[int, int, FacetKind, str]] = []
    for match in _MENTION.finditer(text):
        handle = match.group("handle")
        last_label = handle.rsplit(".", 1)[-1]
        if not last_label[:1].isalpha():
            continue  # a TLD starts with a letter: "@1.5" is not a handle
        end = match.end()
        if end < len(text) and (text[end].isalnum() or text[end] in "_@"):
            continue  # a longer word, or an address like @a.b@c.d
        out.append((match.start(), end, "mention", handle))
    return out


def _tags(text: str) -> list[tuple[int, int, FacetKind, str]]:
    out: list[tuple[int, int, FacetKind, str]] = []
    for match in _TAG.finditer(text):
        tag = match.group("tag")
        if tag.startswith("\ufe0f"):
            continue  # the keycap emoji #️⃣, not a tag
        tag = _TRAILING_PUNCTUATION.sub("", tag)
        if not tag or len(tag) > TAG_MAX_CHARACTERS:
            continue
        if all(char.isdigit() or _is_punctuation(char) for char in tag):
            continue
        start = match.start()
        out.append((start, start + 1 + len(tag), "tag", tag))
    return out


def _is_punctuation(char: str) -> bool:
    return bool(_TRAILING_PUNCTUATION.match(char))
