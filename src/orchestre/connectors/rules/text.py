"""Each network's text rules, counted as that network counts: length, bytes, hashtags, mentions.

How each network counts (the unit named in every message):
- X: weighted length (twitter-text config v3): NFC first, most Latin, Greek, Cyrillic,
  Hebrew, Arabic... characters weigh 1, other characters (CJK, most symbols) 2, every
  emoji sequence 2 (a family with joiners too), every URL 23; at most 280.
- Bluesky: at most 300 graphemes (what a reader sees as one character) AND 3,000 bytes
  of UTF-8.
- Threads: at most 500, where each character counts 1 except emoji: an emoji sequence
  counts as many as its UTF-8 bytes (😀 is 4, ❤️ is 6, 👨‍👩‍👧‍👦 is 25).
- Mastodon: the instance's limit (500 unless its configuration says otherwise) in
  graphemes, each http(s) URL counting the instance's characters_reserved_per_url (23
  by default) and a remote mention @user@domain counting only "@user"; the content
  warning (option spoiler_text) counts toward the same limit.
- LinkedIn 3,000, Facebook 63,206 and Instagram 2,200 characters (code points);
  Instagram also allows at most 30 hashtags and 20 mentions.
- TikTok: 2,200 UTF-16 units (the Content Posting API's "runes").
- YouTube: a title (required) of at most 100 characters and a description of at most
  5,000 bytes of UTF-8; neither may contain "<" or ">".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import emoji
import regex

from orchestre.connectors.rules import twitter_text
from orchestre.connectors.rules.types import NETWORKS, TextReport, Violation

Options = Mapping[str, object]

MASTODON_DEFAULT_MAX_CHARACTERS = 500
MASTODON_DEFAULT_URL_LENGTH = 23
INSTAGRAM_MAX_HASHTAGS = 30
INSTAGRAM_MAX_MENTIONS = 20
YOUTUBE_TITLE_LIMIT = 100
YOUTUBE_FORBIDDEN = frozenset("<>")

_GRAPHEME = regex.compile(r"\X")
_INSTAGRAM_MENTION = regex.compile(r"(?<![\w@.])@([A-Za-z0-9._]{1,30})(?![\w@])")
_MASTODON_REMOTE_MENTION = re.compile(
    r"(?<![/\w])@([a-z0-9_]+(?:[.-][a-z0-9_]+)*)@[a-z0-9.-]+[a-z0-9]", re.IGNORECASE
)


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters)."""
    return len(_GRAPHEME.findall(text))


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def threads_length(text: str) -> int:
    """Threads: 1 per character, except an emoji sequence, which counts its UTF-8 bytes."""
    spans = emoji.emoji_list(text)
    in_emoji = sum(m["match_end"] - m["match_start"] for m in spans)
    return len(text) - in_emoji + sum(utf8_bytes(m["emoji"]) for m in spans)


def mastodon_length(text: str, url_length: int = MASTODON_DEFAULT_URL_LENGTH) -> int:
    """Mastodon: graphemes, each http(s) URL as url_length, @user@domain as "@user"."""
    urls = [u for u in twitter_text.extract_urls(text) if u.text.lower().startswith("http")]
    pieces: list[str] = []
    cursor = 0
    for url in urls:
        pieces.append(text[cursor : url.start])
        pieces.append("x" * url_length)
        cursor = url.end
    pieces.append(text[cursor:])
    countable = _MASTODON_REMOTE_MENTION.sub(lambda m: "@" + m.group(1), "".join(pieces))
    return graphemes(countable)


@dataclass(frozen=True)
class LengthRule:
    """One length limit: what it measures, how, and in what unit the message speaks."""

    name: str
    field: str
    limit: int
    count: Callable[[str], int]
    unit: str


def _int_option(options: Options, key: str, default: int) -> int:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"The option {key!r} must be a positive whole number, not {value!r}.")
    return value


def _length_rules(network: str, options: Options) -> list[LengthRule]:
    """The text length rules of a network; the first one is the length the report shows."""
    if network == "x":
        return [
            LengthRule(
                "text.length",
                "text",
                twitter_text.CONFIG_V3.max_weighted_length,
                lambda t: twitter_text.parse_text(t).weighted_length,
                "weighted characters",
            )
        ]
    if network == "bluesky":
        return [
            LengthRule("text.length", "text", 300, graphemes, "characters"),
            LengthRule("text.bytes", "text", 3000, utf8_bytes, "bytes"),
        ]
    if network == "mastodon":
        limit = _int_option(options, "max_characters", MASTODON_DEFAULT_MAX_CHARACTERS)
        url = _int_option(options, "characters_reserved_per_url", MASTODON_DEFAULT_URL_LENGTH)
        # The content warning counts toward the same limit as the text.
        warning = str(options.get("spoiler_text") or "")
        return [
            LengthRule(
                "text.length",
                "text",
                limit,
                lambda t: mastodon_length(warning + t, url),
                "characters",
            )
        ]
    if network == "threads":
        return [LengthRule("text.length", "text", 500, threads_length, "characters")]
    if network == "tiktok":
        return [LengthRule("text.length", "text", 2200, utf16_units, "characters")]
    if network == "youtube":
        return [LengthRule("text.bytes", "text", 5000, utf8_bytes, "bytes")]
    plain = {"linkedin": 3000, "instagram": 2200, "facebook": 63206}
    return [LengthRule("text.length", "text", plain[network], len, "characters")]


NETWORK_NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
}
FIELD_NAMES = {"text": "text", "title": "title"}


def _quantity(count: int, unit: str) -> str:
    return f"{count:,} {unit.removesuffix('s') if count == 1 else unit}"


def _too_long(network: str, rule: LengthRule, actual: int) -> Violation:
    name = NETWORK_NAMES[network]
    what = "description" if network == "youtube" else FIELD_NAMES[rule.field]
    return Violation(
        network=network,
        rule=rule.name,
        field=rule.field,
        limit=rule.limit,
        actual=actual,
        message=(
            f"The {what} is {actual:,} {rule.unit} long as {name} counts them; {name} allows "
            f"{rule.limit:,}. Shorten it by {_quantity(actual - rule.limit, rule.unit)}."
        ),
    )


def _instagram_rules(text: str) -> list[Violation]:
    found: list[Violation] = []
    hashtags = len(twitter_text.extract_hashtags(text))
    if hashtags > INSTAGRAM_MAX_HASHTAGS:
        found.append(
            Violation(
                "instagram",
                "text.hashtags",
                "text",
                INSTAGRAM_MAX_HASHTAGS,
                hashtags,
                f"The caption has {hashtags} hashtags; Instagram allows "
                f"{INSTAGRAM_MAX_HASHTAGS}. Remove {hashtags - INSTAGRAM_MAX_HASHTAGS}.",
            )
        )
    mentions = len(_INSTAGRAM_MENTION.findall(text))
    if mentions > INSTAGRAM_MAX_MENTIONS:
        found.append(
            Violation(
                "instagram",
                "text.mentions",
                "text",
                INSTAGRAM_MAX_MENTIONS,
                mentions,
                f"The caption mentions {mentions} accounts; Instagram allows "
                f"{INSTAGRAM_MAX_MENTIONS}. Remove {mentions - INSTAGRAM_MAX_MENTIONS}.",
            )
        )
    return found


def _forbidden_characters(field: str, value: str) -> Violation | None:
    present = sorted(YOUTUBE_FORBIDDEN & set(value))
    if not present:
        return None
    what = "description" if field == "text" else field
    return Violation(
        "youtube",
        f"{field}.characters",
        field,
        "no < or >",
        " ".join(present),
        f"The {what} contains {' and '.join(present)}, which YouTube refuses; remove them.",
    )


def _youtube_title_rules(options: Options) -> list[Violation]:
    title = options.get("title")
    if not isinstance(title, str) or not title.strip():
        return [
            Violation(
                "youtube",
                "title.required",
                "title",
                YOUTUBE_TITLE_LIMIT,
                0,
                "A YouTube video needs a title; write one of at most 100 characters.",
            )
        ]
    rule = LengthRule("title.length", "title", YOUTUBE_TITLE_LIMIT, len, "characters")
    found: list[Violation] = []
    if len(title) > YOUTUBE_TITLE_LIMIT:
        found.append(_too_long("youtube", rule, len(title)))
    forbidden = _forbidden_characters("title", title)
    if forbidden is not None:
        found.append(forbidden)
    return found


def _x_rules(text: str) -> list[Violation]:
    bad = sorted({c for c in text if c in twitter_text.INVALID_CHARACTERS})
    if not bad:
        return []
    codes = ", ".join(f"U+{ord(c):04X}" for c in bad)
    return [
        Violation(
            "x",
            "text.characters",
            "text",
            "no U+FFFE, U+FEFF or U+FFFF",
            codes,
            f"The text contains invisible characters X refuses ({codes}); delete them.",
        )
    ]


def check_text(network: str, text: str, *, options: Options | None = None) -> TextReport:
    """Measure a text as the network counts it and list every rule it breaks."""
    if network not in NETWORKS:
        raise ValueError(
            f"Unknown network {network!r}; the known networks are: {', '.join(NETWORKS)}."
        )
    options = options or {}
    rules = _length_rules(network, options)
    lengths = [rule.count(text) for rule in rules]
    violations = [
        _too_long(network, rule, actual)
        for rule, actual in zip(rules, lengths, strict=True)
        if actual > rule.limit
    ]
    if network == "x":
        violations += _x_rules(text)
    elif network == "instagram":
        violations += _instagram_rules(text)
    elif network == "youtube":
        violations += _youtube_title_rules(options)
        forbidden = _forbidden_characters("text", text)
        if forbidden is not None:
            violations.append(forbidden)
    return TextReport(network, lengths[0], rules[0].limit, violations)
