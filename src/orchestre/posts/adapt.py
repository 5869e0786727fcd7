"""Adapting a post's text to a network on demand: thread, hashtags, shortening, UTM links.

Pure functions, text in and text out. Lengths are measured as the network measures them
(`connectors.rules.check_text`: X weighted, Bluesky graphemes and bytes, a Mastodon
instance's limit...), never re-counted here. Cuts fall only where a line may break:
between sentences first, then between words. A URL, a hashtag or a mention holds no
breaking space, so it is never cut. French typography is respected: the no-break spaces
(U+00A0, U+202F, U+2007) that French puts inside « » and before ! ? ; : are not places to
break, and a closing » or ” stays with the sentence it ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import regex

from orchestre.connectors.rules import NETWORKS, check_text
from orchestre.connectors.rules.text import INSTAGRAM_MAX_HASHTAGS, graphemes
from orchestre.connectors.rules.twitter_text import (
    Entity,
    extract_hashtags,
    extract_mentions,
    extract_urls,
)

Numbering = Literal["suffix", "prefix"]
Options = Mapping[str, object]

# The most hashtags a network accepts; a network not listed publishes any number.
HASHTAG_LIMITS: dict[str, int] = {"instagram": INSTAGRAM_MAX_HASHTAGS}
LENGTH_RULES = frozenset({"text.length", "text.bytes"})
ELLIPSIS = "…"
UTM_MEDIUM = "social"

# Whitespace a line may break at: every Unicode space except the no-break ones.
_BREAK = "[ \\t\\n\\r\\f\\v\\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029\\u205f\\u3000]"
_WORD = regex.compile(f"(?:(?!{_BREAK}).)+", regex.DOTALL)
# A sentence ends with . ! ? or … (possibly with a no-break space and closing quotes or
# brackets after it) followed by a breaking space; a line break always ends one.
_SENTENCE_END = regex.compile(
    f'(?:[.!?…]+(?:[\\u00a0\\u202f ]?[»”"’)\\]])*(?={_BREAK}|$))|\\n',
)
_SPACES = re.compile(r"[ \t]{2,}")
_SEPARATOR_LINE = re.compile(r"^[\s,;·|.]*$")
_TAIL_GAP = re.compile(r"^[\s,;·|.]*$")


class AdaptError(ValueError):
    """The text cannot be adapted as asked (e.g. a single URL longer than the limit)."""


@dataclass(frozen=True)
class Adapted:
    """The text after an adaptation, with the first comment it may have moved text to."""

    text: str
    first_comment: str = ""


# --- measuring ------------------------------------------------------------------------------


Fits = Callable[[str], bool]


def fitter(network: str, options: Options | None = None, limit: int | None = None) -> Fits:
    """Whether a text is within the network's length rules (and within `limit` if given).

    `limit` is counted in the network's own unit (X weighted characters...). A network
    without published rules (the sandbox) counts graphemes and needs a `limit`.
    """
    opts = dict(options or {})
    if network not in NETWORKS:
        if limit is None:
            raise AdaptError(f"The network {network!r} publishes no length limit; give one.")
        return lambda candidate: graphemes(candidate) <= limit

    def fits(candidate: str) -> bool:
        report = check_text(network, candidate, options=opts)
        if any(v.rule in LENGTH_RULES for v in report.violations):
            return False
        return limit is None or report.length <= limit

    return fits


# --- where a text may be cut -----------------------------------------------------------------


Span = tuple[int, int]


def _trimmed(text: str, start: int, end: int) -> Span | None:
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    return (start + left, start + right) if right > left else None


def sentence_spans(text: str) -> list[Span]:
    """The sentences (and lines) of a text, as [start, end) spans without outer spaces."""
    spans: list[Span] = []
    cursor = 0
    for match in _SENTENCE_END.finditer(text):
        span = _trimmed(text, cursor, match.end())
        if span is not None:
            spans.append(span)
        cursor = match.end()
    last = _trimmed(text, cursor, len(text))
    if last is not None:
        spans.append(last)
    return spans


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """The words between start and end: runs without a breaking space."""
    stop = len(text) if end is None else end
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, stop)]


def _atoms(text: str) -> list[Entity]:
    return extract_urls(text) + extract_hashtags(text) + extract_mentions(text)


def _holds_atom(atoms: Sequence[Entity], start: int, end: int) -> bool:
    return any(a.start < end and a.end > start for a in atoms)


def _longest(count: int, ok: Callable[[int], bool]) -> int:
    """The largest n in [0, count] with ok(n), for an ok that holds up to some n (0 holds)."""
    low, high = 0, count
    while low < high:
        middle = (low + high + 1) // 2
        if ok(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _cut_word(text: str, span: Span, fits: Fits) -> list[Span]:
    """A plain word longer than a whole post, cut at grapheme boundaries (last resort)."""
    pieces: list[Span] = []
    start, end = span
    while start < end:
        marks = [m.end() for m in regex.finditer(r"\X", text, pos=start, endpos=end)]

        def ok(n: int, start: int = start, marks: list[int] = marks) -> bool:
            return n == 0 or fits(text[start : marks[n - 1]])

        taken = _longest(len(marks), ok)
        if taken == 0:
            raise AdaptError("A single character does not fit in one post.")
        pieces.append((start, marks[taken - 1]))
        start = marks[taken - 1]
    return pieces


def _units(text: str, fits: Fits) -> list[Span]:
    """Sentences, or the words of a sentence too long for one post."""
    atoms = _atoms(text)
    units: list[Span] = []
    for start, end in sentence_spans(text):
        if fits(text[start:end]):
            units.append((start, end))
            continue
        for word in word_spans(text, start, end):
            if fits(text[word[0] : word[1]]):
                units.append(word)
            elif _holds_atom(atoms, *word) or "://" in text[word[0] : word[1]]:
                raise AdaptError(
                    f"“{text[word[0] : word[1]][:40]}” is longer than one post allows "
                    "and a link, hashtag or mention cannot be cut."
                )
            else:
                units.extend(_cut_word(text, word, fits))
    return units


# --- thread ---------------------------------------------------------------------------------


def _numbered(part: str, index: int, total: int, numbering: Numbering) -> str:
    marker = f"{index}/{total}"
    return f"{marker} {part}" if numbering == "prefix" else f"{part} {marker}"


def _pack(text: str, units: Sequence[Span], fits_at: Callable[[str, int], bool]) -> list[str]:
    parts: list[str] = []
    start, end = units[0]
    for unit_start, unit_end in units[1:]:
        if fits_at(text[start:unit_end], len(parts) + 1):
            end = unit_end
        else:
            parts.append(text[start:end])
            start, end = unit_start, unit_end
    parts.append(text[start:end])
    return parts


def split_thread(
    text: str,
    network: str,
    options: Options | None = None,
    *,
    numbering: Numbering = "suffix",
    limit: int | None = None,
) -> list[str]:
    """Split a text into a numbered thread ("1/3" suffix or prefix), each part within the
    network's limit with its number counted in. A text that fits stays one post, unnumbered.
    """
    text = text.strip()
    fits = fitter(network, options, limit)
    if fits(text):
        return [text]
    total = 2
    for _attempt in range(8):

        def fits_at(candidate: str, index: int, total: int = total) -> bool:
            return fits(_numbered(candidate, index, total, numbering))

        def fits_alone(candidate: str, total: int = total) -> bool:
            # Every unit must fit alone with the widest number of this attempt ("total/total").
            return fits_at(candidate, total)

        units = _units(text, fits_alone)
        parts = _pack(text, units, fits_at)
        numbered = [_numbered(p, i, len(parts), numbering) for i, p in enumerate(parts, 1)]
        if len(parts) <= total and all(fits(p) for p in numbered):
            return numbered
        total = max(len(parts), total + 1)
    raise AdaptError("The text could not be split into a thread.")  # pragma: no cover


# --- shortening -----------------------------------------------------------------------------


def shorten(
    text: str,
    network: str,
    options: Options | None = None,
    *,
    limit: int | None = None,
    ellipsis: str = ELLIPSIS,
) -> str:
    """The text cut to fit: after the last whole sentence that fits, or, when that would
    drop more than a third of what a word cut keeps, after the last whole word with an
    ellipsis. A complete sentence needs no ellipsis; a cut one always has it.
    """
    text = text.strip()
    fits = fitter(network, options, limit)
    if fits(text):
        return text
    sentences = sentence_spans(text)
    whole = _longest(len(sentences), lambda n: n == 0 or fits(text[: sentences[n - 1][1]]))
    words = word_spans(text)
    kept = _longest(len(words), lambda n: n == 0 or fits(_with_ellipsis(text, words, n, ellipsis)))
    by_sentence = text[: sentences[whole - 1][1]] if whole else ""
    by_word = _with_ellipsis(text, words, kept, ellipsis) if kept else ""
    if by_sentence and len(by_sentence) * 3 >= len(by_word) * 2:
        return by_sentence
    if by_word:
        return by_word
    raise AdaptError("Not even the first word fits within the limit.")


def _with_ellipsis(text: str, words: Sequence[Span], count: int, ellipsis: str) -> str:
    kept = text[: words[count - 1][1]].rstrip(",;:-–—")
    return kept + ellipsis


# --- hashtags -------------------------------------------------------------------------------


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _in_tail(text: str, tag: Entity, tags: Sequence[Entity]) -> bool:
    """Whether only hashtags and separators follow this hashtag on its line."""
    cursor, end = tag.end, _line_end(text, tag.end)
    gaps: list[str] = []
    for other in tags:
        if other.start >= cursor and other.end <= end:
            gaps.append(text[cursor : other.start])
            cursor = other.end
    gaps.append(text[cursor:end])
    return all(_TAIL_GAP.match(gap) for gap in gaps)


def _drop_hashtags(text: str, dropped: Sequence[Entity], tags: Sequence[Entity]) -> str:
    """Remove hashtags: a trailing one with its '#word', one inside a sentence keeps its
    word (only '#' goes) so the sentence still reads."""
    out = text
    for tag in sorted(dropped, key=lambda t: t.start, reverse=True):
        if _in_tail(text, tag, tags):
            out = out[: tag.start] + out[tag.end :]
        else:
            out = out[: tag.start] + out[tag.start + 1 :]
    return _tidy(out)


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).rstrip(" \t,;·|") for line in text.split("\n")]
    kept: list[str] = []
    for line in lines:
        blank = not line.strip() or bool(_SEPARATOR_LINE.match(line))
        if blank and (not kept or not kept[-1]):
            continue
        kept.append("" if blank else line)
    return "\n".join(kept).strip()


def _unique_tags(tags: Sequence[Entity]) -> list[str]:
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(tag.text.casefold(), "#" + tag.text)
    return list(seen.values())


def move_hashtags(
    text: str, first_comment: str = "", *, to: Literal["end", "first_comment"] = "end"
) -> Adapted:
    """Gather every hashtag at the end of the text, or in the first comment (once each)."""
    tags = extract_hashtags(text)
    if not tags:
        return Adapted(text, first_comment)
    body = _drop_hashtags(text, tags, tags)
    gathered = _unique_tags(tags)
    if to == "end":
        joined = " ".join(gathered)
        return Adapted(f"{body}\n\n{joined}" if body else joined, first_comment)
    present = {t.text.casefold() for t in extract_hashtags(first_comment)}
    missing = [tag for tag in gathered if tag[1:].casefold() not in present]
    comment = first_comment.rstrip()
    if missing:
        comment = f"{comment}\n\n{' '.join(missing)}" if comment else " ".join(missing)
    return Adapted(body, comment)


def trim_hashtags(text: str, maximum: int) -> str:
    """Keep the first `maximum` hashtags; drop the others (see `_drop_hashtags`)."""
    if maximum < 0:
        raise AdaptError("The number of hashtags to keep cannot be negative.")
    tags = extract_hashtags(text)
    if len(tags) <= maximum:
        return text
    return _drop_hashtags(text, tags[maximum:], tags)


# --- UTM parameters -------------------------------------------------------------------------


def with_utm(url: str, source: str, campaign: str, medium: str = UTM_MEDIUM) -> str:
    """The URL with utm_source, utm_medium and utm_campaign added where missing; its other
    query parameters and its fragment kept as they were."""
    has_scheme = "://" in url
    parts = urlsplit(url if has_scheme else f"https://{url}")
    present = {key.lower() for key, _value in parse_qsl(parts.query, keep_blank_values=True)}
    wanted = [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]
    missing = [(key, value) for key, value in wanted if value and key not in present]
    if not missing:
        return url
    query = "&".join(q for q in (parts.query, urlencode(missing)) if q)
    rebuilt = urlunsplit(parts._replace(query=query))
    return rebuilt if has_scheme else rebuilt.removeprefix("https://")


def add_utm(text: str, network: str, campaign: str) -> str:
    """Tag every link of a text for analytics (utm_source=<network>, utm_medium=social)."""
    out = text
    for url in sorted(extract_urls(text), key=lambda u: u.start, reverse=True):
        out = out[: url.start] + with_utm(url.text, network, campaign) + out[url.end :]
    return out
