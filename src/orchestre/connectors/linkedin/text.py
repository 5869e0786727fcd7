"""LinkedIn's "little" text format: what we write in a post's commentary or a comment.

little reserves `| { } @ [ ] ( ) < > # \\ * _ ~`; unescaped, LinkedIn may read them as
markup and cut the text at the first one. We escape each with a backslash, except where
the author meant little's own elements:

- a hashtag (`#` at the start of a word, then letters or digits) stays a HashtagElement;
- a mention already written in little (`@[Name](urn:li:organization:123)`) is kept;
- a web address is kept whole so LinkedIn still turns it into a link.
"""

from __future__ import annotations

import re

RESERVED = frozenset("|{}@[]()<>#\\*_~")
# Kept as written: little mentions, web addresses, and hashtags at the start of a word.
_KEPT = re.compile(
    r"(?P<mention>@\[[^\[\]\n]+\]\(urn:li:(?:person|organization):[A-Za-z0-9_-]+\))"
    r"|(?P<url>https?://[^\s<>]+)"
    r"|(?P<hashtag>(?<!\S)#[^\W_]+)"
)
# Punctuation that ends a sentence rather than an address: "(voir https://a.example/b)."
_TRAILING = ".,;:!?'\")]"


def escape(text: str) -> str:
    """`text` as little, so that LinkedIn shows exactly what the author wrote."""
    out: list[str] = []
    position = 0
    for match in _KEPT.finditer(text):
        out.append(_escape_plain(text[position : match.start()]))
        kept = _address(match.group(0)) if match.group("url") else match.group(0)
        out.append(kept)
        position = match.start() + len(kept)
    out.append(_escape_plain(text[position:]))
    return "".join(out)


def _address(url: str) -> str:
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # a balanced parenthesis belongs to the address (…/wiki/Lyon_(ville))
        url = url[:-1]
    return url


def _escape_plain(text: str) -> str:
    return "".join(f"\\{char}" if char in RESERVED else char for char in text)


_HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\?#\|([^{}|]+)\}")
_ESCAPED = re.compile(r"\\(.)")


def plain(little: str) -> str:
    """What a reader sees of a commentary LinkedIn lists: hashtag templates
    (`{hashtag|\\#|levain}`) as `#levain`, escaped characters without their backslash."""
    return _ESCAPED.sub(r"\1", _HASHTAG_TEMPLATE.sub(r"#\1", little))
