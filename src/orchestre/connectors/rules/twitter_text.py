"""X's text rules as X counts them: weighted length (config v3), URLs, hashtags and mentions.

Written from the twitter-text conformance suite (tests/connectors/rules/data): every
weighted-counter case and the URL, hashtag and mention extraction cases run as tests.
Offsets returned by the extractors are Python string indices (code points); the
weighted counter reports its display and valid ranges in UTF-16 units, as X does.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import emoji
import regex

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LABEL_LENGTH = 63
# DNS allows no more labels in a name; the bound also keeps extraction linear.
MAX_DOMAIN_LABELS = 127
# A URL typed without a scheme is measured as if "https://" led it.
DEFAULT_PROTOCOL_LENGTH = len("https://")
INVALID_CHARACTERS = frozenset("\ufffe\ufeff\uffff")


@dataclass(frozen=True)
class WeightedRange:
    start: int
    end: int
    weight: int


@dataclass(frozen=True)
class CountingConfig:
    """One version of X's counting configuration (the numbers of its v2 / v3 JSON files)."""

    max_weighted_length: int = 280
    scale: int = 100
    default_weight: int = 200
    transformed_url_length: int = 23
    emoji_parsing: bool = True
    ranges: tuple[WeightedRange, ...] = (
        WeightedRange(0, 4351, 100),
        WeightedRange(8192, 8205, 100),
        WeightedRange(8208, 8223, 100),
        WeightedRange(8242, 8247, 100),
    )

    def weight(self, char: str) -> int:
        point = ord(char)
        for weighted in self.ranges:
            if weighted.start <= point <= weighted.end:
                return weighted.weight
        return self.default_weight


CONFIG_V3 = CountingConfig()
# v2 is v3 without emoji sequences: each code point of an emoji weighs on its own.
CONFIG_V2 = CountingConfig(emoji_parsing=False)


@dataclass(frozen=True)
class Entity:
    """A URL, hashtag or mention found in a text: its text and [start, end) indices."""

    text: str
    start: int
    end: int
    list_slug: str = ""


@dataclass(frozen=True)
class ParsedText:
    """A text as X weighs it; ranges are in UTF-16 units, inclusive, like X's own."""

    weighted_length: int
    valid: bool
    permillage: int
    display_range_start: int
    display_range_end: int
    valid_range_start: int
    valid_range_end: int


# Top-level domains ---------------------------------------------------------------------------


@cache
def top_level_domains() -> frozenset[str]:
    """The ICANN top-level domains, read from the Public Suffix List the `tld` package ships."""
    text = (
        resources.files("tld")
        .joinpath("res", "effective_tld_names.dat.txt")
        .read_text(encoding="utf-8")
    )
    found: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if "===END ICANN DOMAINS===" in line:
            break
        if line and not line.startswith("//"):
            # Some countries list only rules under their domain ("*.ck", "co.za"): the
            # last label of every rule is a top-level domain.
            found.add(line.rsplit(".", 1)[-1].casefold())
    return frozenset(found)


@cache
def _tld_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(t) for t in top_level_domains()}, reverse=True))


# URLs ----------------------------------------------------------------------------------------

_PROTOCOL = regex.compile(r"https?://", regex.IGNORECASE)
_LATIN_ACCENTS = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257"
_LATIN_ACCENTS += "\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
_ASCII_DOMAIN_CHAR = regex.compile(r"[a-z0-9\u00c0-\u024f\u1e00-\u1eff]", regex.IGNORECASE)
_PATH_CHAR = regex.compile(
    rf"[a-z\u0400-\u04ff0-9!*';:=+,.$/%#\[\]\-\u2013_~&|@{_LATIN_ACCENTS}]", regex.IGNORECASE
)
_PATH_END = regex.compile(rf"[a-z\u0400-\u04ff0-9=_#/\-+{_LATIN_ACCENTS}]", regex.IGNORECASE)
_QUERY_CHAR = regex.compile(r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]", regex.IGNORECASE)
_QUERY_END = regex.compile(r"[a-z0-9\-_&=#/]", regex.IGNORECASE)
_TCO = regex.compile(
    r"^https?://t\.co/([a-z0-9]+)(?:\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/])?",
    regex.IGNORECASE,
)
_URL_BAD_PRECEDING = frozenset("@＠$#＃") | INVALID_CHARACTERS
_NO_PROTOCOL_BAD_PRECEDING = frozenset("-_./")


def _is_domain_char(char: str) -> bool:
    """Letters, digits and symbols; never punctuation, spaces, controls or format marks."""
    if char.isascii():
        return char.isalnum()
    if char in INVALID_CHARACTERS:
        return False
    return unicodedata.category(char)[0] not in "PZC"


def _url_may_start(text: str, index: int) -> bool:
    if index == 0:
        return True
    before = text[index - 1]
    return not ((before.isascii() and before.isalnum()) or before in _URL_BAD_PRECEDING)


def _label_run_ends(text: str) -> list[int]:
    """For each index, where its run of label characters (domain characters, - and _) ends.

    Computed once per text so that trying a URL at every position stays linear.
    """
    ends = [0] * (len(text) + 1)
    ends[len(text)] = len(text)
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        ends[index] = ends[index + 1] if (_is_domain_char(char) or char in "-_") else index
    return ends


def _label_ok(label: str, *, allow_underscore: bool, ascii_only: bool) -> bool:
    if label[0] in "-_" or label[-1] in "-_":
        return False
    if "_" in label and not allow_underscore:
        return False
    if ascii_only:
        return all(c == "-" or c == "_" or _ASCII_DOMAIN_CHAR.match(c) for c in label)
    return True


def _continues_a_word(char: str) -> bool:
    """A top-level domain must not run on into these."""
    return char.isascii() and (char.isalnum() or char in "@+-")


def _tld_prefix(text: str, start: int, end: int) -> int | None:
    """Length of the longest top-level domain opening text[start:end] at a word boundary."""
    tlds = top_level_domains()
    for size in _tld_lengths():
        if size > end - start:
            continue
        after = start + size
        if after < len(text) and _continues_a_word(text[after]):
            continue
        if text[start:after].casefold() in tlds:
            return size
    return None


def _punycode_label(label: str) -> str | None:
    lowered = label.lower()
    if lowered.isascii():
        return lowered
    if lowered.startswith("xn--"):
        return None
    try:
        return "xn--" + lowered.encode("punycode").decode("ascii")
    except UnicodeError:
        return None


def _host_ok(host: str, url_length: int, has_protocol: bool) -> bool:
    encoded = [_punycode_label(label) for label in host.split(".")]
    if any(e is None or len(e) > MAX_DOMAIN_LABEL_LENGTH for e in encoded):
        return False
    encoded_length = len(".".join(e for e in encoded if e is not None))
    length = url_length + encoded_length - len(host)
    return length + (0 if has_protocol else DEFAULT_PROTOCOL_LENGTH) <= MAX_URL_LENGTH


@dataclass(frozen=True)
class _Label:
    """What one dot-separated label of a text can be, worked out once per position."""

    start: int
    end: int
    subdomain: bool
    domain_name: bool


class _Labels:
    """The labels of one text, read lazily and remembered, so extraction stays linear."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.run_ends = _label_run_ends(text)
        self.known: dict[tuple[int, bool], _Label] = {}
        self.tlds: dict[int, int | None] = {}

    def at(self, start: int, ascii_only: bool) -> _Label | None:
        end = self.run_ends[start]
        if end == start:
            return None
        key = (start, ascii_only)
        if key not in self.known:
            name = self.text[start : min(end, start + MAX_DOMAIN_LABEL_LENGTH + 1)]
            # Punycode is never shorter than its label: a longer label is never a host's.
            fits = end - start <= MAX_DOMAIN_LABEL_LENGTH
            self.known[key] = _Label(
                start,
                end,
                fits and _label_ok(name, allow_underscore=True, ascii_only=ascii_only),
                fits and _label_ok(name, allow_underscore=False, ascii_only=ascii_only),
            )
        return self.known[key]

    def tld_size(self, label: _Label) -> int | None:
        if label.start not in self.tlds:
            self.tlds[label.start] = _tld_prefix(self.text, label.start, label.end)
        return self.tlds[label.start]

    def chain(self, start: int, ascii_only: bool) -> list[_Label]:
        """Dot-separated labels from start (at most as many as DNS allows)."""
        found: list[_Label] = []
        label = self.at(start, ascii_only)
        while label is not None and len(found) < MAX_DOMAIN_LABELS:
            found.append(label)
            if not (label.end + 1 < len(self.text) and self.text[label.end] == "."):
                break
            label = self.at(label.end + 1, ascii_only)
        return found


def _domain_end(labels: _Labels, start: int, has_protocol: bool) -> int | None:
    """End of the longest valid domain at start (labels, then a known top-level domain)."""
    chain = labels.chain(start, ascii_only=not has_protocol)
    # Every label before the domain name must be a valid subdomain: count how many lead.
    subdomains_ok = 0
    while subdomains_ok < len(chain) and chain[subdomains_ok].subdomain:
        subdomains_ok += 1
    for tld_index in range(len(chain) - 1, 0, -1):
        tld = chain[tld_index]
        if subdomains_ok < tld_index - 1 or not chain[tld_index - 1].domain_name:
            continue
        size = labels.tld_size(tld)
        if size is not None:
            return tld.start + size
    return None


def _balanced_path_end(text: str, start: int) -> int:
    """End of the run of path characters from start, stopping at an unbalanced parenthesis."""
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == "(":
            if depth == 2:
                break
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        elif not _PATH_CHAR.match(char):
            break
        index += 1
    # An opened parenthesis that never closes is not part of the path.
    while depth > 0:
        index = text.rindex("(", start, index)
        depth = text.count("(", start, index) - text.count(")", start, index)
    return index


def _path_end(text: str, start: int) -> int:
    """text[start] is "/": end of the path, trimmed back to a character a path may end on."""
    end = _balanced_path_end(text, start + 1)
    while end > start + 1:
        last = text[end - 1]
        if _PATH_END.match(last) or (last == ")" and _closes_group(text, start, end)):
            break
        end -= 1
    return end


def _closes_group(text: str, start: int, end: int) -> bool:
    inner = text[start:end]
    return inner.count("(") == inner.count(")")


def _query_end(text: str, start: int) -> int:
    """text[start] is "?": end of the query, or start when no query character may end it."""
    end = start + 1
    while end < len(text) and _QUERY_CHAR.match(text[end]):
        end += 1
    while end > start + 1 and not _QUERY_END.match(text[end - 1]):
        end -= 1
    return end if end > start + 1 else start


def _url_end(text: str, domain_end: int) -> int:
    end = domain_end
    if end < len(text) and text[end] == ":":
        digits = end + 1
        while digits < len(text) and text[digits].isascii() and text[digits].isdigit():
            digits += 1
        if digits > end + 1:
            end = digits
    if end < len(text) and text[end] == "/":
        end = _path_end(text, end)
    if end < len(text) and text[end] == "?":
        end = _query_end(text, end)
    return end


def _url_at(labels: _Labels, start: int) -> tuple[Entity | None, int] | None:
    """The URL starting at start: (entity or None when refused, where to resume), or None."""
    text = labels.text
    protocol = _PROTOCOL.match(text, start)
    domain_start = protocol.end() if protocol else start
    if protocol is None and start > 0 and text[start - 1] in _NO_PROTOCOL_BAD_PRECEDING:
        return None
    domain_end = _domain_end(labels, domain_start, protocol is not None)
    if domain_end is None:
        return None
    end = _url_end(text, domain_end)
    url = text[start:end]
    if not _host_ok(text[domain_start:domain_end], len(url), protocol is not None):
        return None, end
    tco = _TCO.match(url)
    if tco is not None:
        if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
            return None, end
        url, end = tco.group(0), start + len(tco.group(0))
    return Entity(url, start, end), end


def extract_urls(text: str) -> list[Entity]:
    """URLs as X links them, with or without a scheme, in the order they appear."""
    found: list[Entity] = []
    if "." not in text:
        return found
    labels = _Labels(text)
    index = 0
    while index < len(text):
        if not (_url_may_start(text, index) and _is_domain_char(text[index])):
            index += 1
            continue
        result = _url_at(labels, index)
        if result is None:
            index += 1
            continue
        entity, resume = result
        if entity is not None:
            found.append(entity)
        index = max(resume, index + 1)
    return found


# Hashtags and mentions -----------------------------------------------------------------------

# Joiners, Hebrew and Tibetan marks, Japanese iteration and sound marks, the middle dot.
_HASHTAG_SPECIALS = "_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c"
_HASHTAG_SPECIALS += "\u30a0\u30fb\u3003\u0f0b\u0f0c\u00b7"
_HASHTAG_CHAR = rf"[\p{{L}}\p{{M}}\p{{Nd}}{_HASHTAG_SPECIALS}]"
_HASHTAG = regex.compile(
    rf"(?:^|(?<=[\ufe0e\ufe0f])|(?<![&\p{{L}}\p{{M}}\p{{Nd}}{_HASHTAG_SPECIALS}]))"
    rf"([#＃])(?![\ufe0f\u20e3])({_HASHTAG_CHAR}*[\p{{L}}\p{{M}}]{_HASHTAG_CHAR}*)"
)
_HASHTAG_BAD_FOLLOWER = regex.compile(r"[#＃]|://")
_MENTION = regex.compile(
    r"(?:^|(?<=[^a-zA-Z0-9_!#$%&*@＠])|(?<=(?:^|[^a-zA-Z0-9_+~.\-])(?:rt|RT|rT|Rt):?))"
    r"[@＠]([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9_\-]{0,24})?"
)
_MENTION_BAD_FOLLOWER = regex.compile(rf"[@＠]|[.\-]?[a-z0-9{_LATIN_ACCENTS}]|://", regex.I)


def extract_hashtags(text: str) -> list[Entity]:
    """Hashtags as X links them (not inside URLs), without their "#"."""
    urls = extract_urls(text)
    found: list[Entity] = []
    for match in _HASHTAG.finditer(text):
        if _HASHTAG_BAD_FOLLOWER.match(text, match.end()):
            continue
        start = match.start(1)
        if any(url.start <= start < url.end for url in urls):
            continue
        found.append(Entity(match.group(2), start, match.end()))
    return found


def extract_mentions(text: str, *, with_lists: bool = False) -> list[Entity]:
    """@mentions as X links them, without their "@"; with_lists keeps "@user/list" slugs."""
    found: list[Entity] = []
    for match in _MENTION.finditer(text):
        slug = match.group(2) or ""
        end = match.end() if (slug and with_lists) else match.end(1)
        if _MENTION_BAD_FOLLOWER.match(text, end):
            continue
        start = match.start()
        found.append(Entity(match.group(1), start, end, slug if with_lists else ""))
    return found


# Weighted length -----------------------------------------------------------------------------


def _emoji_spans(text: str) -> dict[int, int]:
    return {m["match_start"]: m["match_end"] for m in emoji.emoji_list(text)}


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_text(text: str, config: CountingConfig = CONFIG_V3) -> ParsedText:
    """Weigh a text as X does: NFC first, each URL as 23, each emoji sequence as 2."""
    normalized = unicodedata.normalize("NFC", text)
    urls = (
        {u.start: u.end for u in extract_urls(normalized)} if config.transformed_url_length else {}
    )
    emojis = _emoji_spans(normalized) if config.emoji_parsing else {}
    limit = config.max_weighted_length * config.scale
    weighted, valid, valid_index, index, utf16 = 0, True, 0, 0, 0
    while index < len(normalized):
        if index in urls:
            end = urls[index]
            weighted += config.transformed_url_length * config.scale
        elif index in emojis:
            end = emojis[index]
            weighted += config.default_weight
        else:
            end = index + 1
            weighted += config.weight(normalized[index])
        utf16 += _utf16_length(normalized[index:end])
        if valid and normalized[end - 1] in INVALID_CHARACTERS:
            valid = False
        if valid and weighted <= limit:
            valid_index = utf16 - 1
        index = end
    length = weighted // config.scale
    valid = valid and 0 < length <= config.max_weighted_length
    offset = _utf16_length(text) - _utf16_length(normalized)
    return ParsedText(
        weighted_length=length,
        valid=valid,
        permillage=length * 1000 // config.max_weighted_length,
        display_range_start=0,
        display_range_end=max(_utf16_length(text) - 1, 0),
        valid_range_start=0,
        valid_range_end=valid_index + offset,
    )
