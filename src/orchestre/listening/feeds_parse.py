"""Reading a feed document (RSS 0.9x, 1.0/RDF, 2.0, Atom 1.0) into plain entries.

feedparser does the reading, leniently as feed readers must (a slightly broken feed still
gives its entries). Before it, defusedxml looks at the document: one that declares entities
(the billion laughs, external entities reading local files or URLs) is refused with
`unsafe_xml`, whatever feedparser would have made of it. Text is the entry's title and its
content (else its summary), HTML stripped and entities decoded, so queries match words.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin
from xml.etree.ElementTree import ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from orchestre.listening.feeds_fetch import FeedError

MAX_KEY = 200
MAX_TEXT = 5000
MAX_PAGE_SCAN = 512 * 1024  # feed links sit in the head of a page
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_LINES = re.compile(r"\s*\n\s*")


@dataclass(frozen=True)
class FeedItem:
    key: str  # the entry's id (guid), else its link; hashed when longer than MAX_KEY
    title: str
    text: str  # title, then content or summary, as plain text
    url: str | None
    author: str
    published_at: datetime | None  # UTC; None when the entry has no date
    language: str | None  # two letters, from the entry or the feed, when it says


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    version: str  # feedparser's name of the format: rss20, atom10, rss10, rss091u...
    items: list[FeedItem]


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """The words of an HTML fragment: tags and scripts out, entities decoded, spaces tidied."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    text = _SPACES.sub(" ", "".join(parser.parts))
    return _LINES.sub("\n", text).strip()


_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml"}
)


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k: (v or "") for k, v in attrs}
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES and values.get("href"):
            self.hrefs.append(values["href"].strip())


def feed_links(body: bytes, base_url: str) -> list[str]:
    """The feeds a web page announces (`<link rel="alternate" type="application/rss+xml">`),
    as absolute addresses, in the page's order: a person may paste the site, not its feed."""
    parser = _FeedLinks()
    parser.feed(body[:MAX_PAGE_SCAN].decode("utf-8", errors="replace"))
    parser.close()
    found: list[str] = []
    for href in parser.hrefs:
        absolute = urljoin(base_url, href)
        if absolute.startswith(("http://", "https://")) and absolute not in found:
            found.append(absolute)
    return found


def refuse_unsafe(body: bytes) -> None:
    """Raise `unsafe_xml` when the document declares entities or references external ones."""
    if _ENTITY_DECLARATION.search(body):
        raise FeedError("unsafe_xml", "the document declares entities")
    try:
        fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError("unsafe_xml", type(exc).__name__) from exc
    except (ParseError, ValueError):
        pass  # not well-formed: feedparser's lenient reading decides


def parse_feed(body: bytes, base_url: str = "") -> ParsedFeed:
    """The feed's title and entries, relative links made absolute against `base_url` (where
    the feed was read); raises `FeedError` (`unsafe_xml`, `not_a_feed`)."""
    refuse_unsafe(body)
    # Bytes, never a string: feedparser would take a string for an address to fetch.
    headers = {"content-location": base_url} if base_url else {}
    parsed: Any = feedparser.parse(
        bytes(body), response_headers=headers, sanitize_html=True, resolve_relative_uris=True
    )
    version = str(parsed.get("version") or "")
    if not version:
        raise FeedError("not_a_feed", "no RSS or Atom root element")
    feed = parsed.get("feed", {})
    language = _language(feed.get("language"))
    items = [_item(entry, language) for entry in parsed.get("entries", [])]
    return ParsedFeed(
        title=plain_text(str(feed.get("title", "")))[:200],
        version=version,
        items=[i for i in items if i is not None],
    )


def _item(entry: Any, feed_language: str | None) -> FeedItem | None:
    title = plain_text(str(entry.get("title", "")))
    body = _body(entry)
    text = "\n\n".join(part for part in (title, body) if part)[:MAX_TEXT]
    link = str(entry.get("link") or "").strip() or None
    key = str(entry.get("id") or "").strip() or link
    if not key:
        if not text:
            return None
        key = "text:" + hashlib.sha256(text.encode()).hexdigest()
    if len(key) > MAX_KEY:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    detail = entry.get("author_detail") or {}
    author = str(detail.get("name") or entry.get("author") or "").strip()
    title_detail = entry.get("title_detail") or {}
    return FeedItem(
        key=key,
        title=title,
        text=text,
        url=link[:2000] if link else None,
        author=author[:200],
        published_at=_when(entry),
        language=_language(title_detail.get("language")) or feed_language,
    )


def _body(entry: Any) -> str:
    """The entry's content when it has some (content:encoded, Atom content), else summary."""
    contents = [str(c.get("value", "")) for c in entry.get("content", []) or []]
    best = max(contents, key=len, default="")
    return plain_text(best or str(entry.get("summary", "")))


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # not feedparser's get: it warns mapping one to another
        if isinstance(value, time.struct_time):
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _language(value: object) -> str | None:
    code = str(value or "").strip()[:2].lower()
    return code if len(code) == 2 and code.isalpha() else None
