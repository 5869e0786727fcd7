"""Checks a variant against the editorial line and its network's rules: findings.

Findings are plain data: the API shows them under each variant, and errors block the
submission for review (`service.assert_ready_for_review`) while warnings only inform.

Extension point: `gather_findings` runs every function of a checker list over one
variant. The network's text rules (`connectors.rules.check_text`: length counted the
network's way, hashtag and mention limits, a YouTube title) are one checker; the media
rules (`connectors.rules.check_media`: count, type, size, duration, aspect ratio,
resolution, codecs, frame rate) are another, applied to the facts measured at upload for
the variant's format (option `format`, default `feed`) and, on Mastodon, the instance's
own limits kept in the channel's settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from orchestre.connectors.rules import NETWORKS, MediaFacts, check_media, check_text
from orchestre.connectors.rules.media import formats_for
from orchestre.connectors.rules.media_limits import InstanceMediaLimits, mastodon_instance_limits
from orchestre.connectors.rules.poll import check_poll
from orchestre.kit.clock import utcnow
from orchestre.kit.text import fold
from orchestre.models import EditorialLine, Severity


@dataclass(frozen=True)
class Finding:
    """One rule a variant breaks: how serious, where, which rule, and what to do."""

    severity: Severity
    field: str
    rule: str
    message: str
    limit: Any = None
    actual: Any = None

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.ERROR


@dataclass(frozen=True)
class UgcUse:
    """A creator's content used by a post: whether they granted the rights, and the
    mention (or name) that credits them on the variant's network."""

    creator: str
    granted: bool
    mention: str


@dataclass(frozen=True)
class VariantContent:
    """What is checked: the variant's publishable content and where it goes."""

    text: str
    first_comment: str | None = None
    link_url: str | None = None
    media_count: int = 0
    network: str = ""
    channel_handle: str = ""
    # The variant's network options (e.g. a YouTube title), handed to the network's rules.
    options: Mapping[str, Any] = field(default_factory=dict)
    # The facts measured from each attached file, in order (empty: unknown, not checked
    # unless media_count is 0 too), and a server's own limits (a Mastodon instance).
    media: tuple[MediaFacts, ...] = ()
    media_limits: InstanceMediaLimits | None = None
    # Each attached file's status: a file fixed for a network may still be converting.
    media_status: tuple[str, ...] = ()
    # Each attached file's licence expiry (None: no limit): an expired file is refused.
    media_licence_expiry: tuple[datetime | None, ...] = ()
    # The user-generated content the post was made from (orchestre.ugc): each creator's
    # rights and how this variant's network credits them.
    ugc: tuple[UgcUse, ...] = ()


@dataclass(frozen=True)
class EditorialRules:
    """The workspace's editorial line as plain data (empty rules when none is set)."""

    banned_words: tuple[str, ...] = ()
    banned_words_severity: Severity = Severity.ERROR
    required_hashtags: tuple[str, ...] = ()
    required_mentions: tuple[str, ...] = ()
    required_severity: Severity = Severity.WARNING

    @classmethod
    def from_line(cls, line: EditorialLine | None) -> EditorialRules:
        if line is None:
            return cls()
        return cls(
            banned_words=tuple(line.banned_words or ()),
            banned_words_severity=Severity(line.banned_words_severity),
            required_hashtags=tuple(line.required_hashtags or ()),
            required_mentions=tuple(line.required_mentions or ()),
            required_severity=Severity(line.required_severity),
        )


Checker = Callable[[VariantContent, EditorialRules], list[Finding]]

_HASHTAG = re.compile(r"#(\w+)")
_MENTION = re.compile(r"@([\w][\w.\-]*)")


def _word_pattern(word: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in fold(word).split()]
    # Whole words only: 'con' must not match 'conseil'; spaces in a phrase match any spacing.
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)")


def check_banned_words(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    findings: list[Finding] = []
    places = [("text", content.text), ("first_comment", content.first_comment or "")]
    for where, raw in places:
        folded = fold(raw)
        for word in rules.banned_words:
            if word.strip() and _word_pattern(word).search(folded):
                findings.append(
                    Finding(
                        rules.banned_words_severity,
                        where,
                        "banned_word",
                        f"Contains \u201c{word}\u201d, a banned word of the editorial line; "
                        "rephrase without it.",
                        actual=word,
                    )
                )
    return findings


def _tokens(pattern: re.Pattern[str], content: VariantContent) -> set[str]:
    both = f"{content.text}\n{content.first_comment or ''}"
    return {fold(match.rstrip(".-")) for match in pattern.findall(both)}


def check_required_tags(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    findings: list[Finding] = []
    hashtags = _tokens(_HASHTAG, content)
    for tag in rules.required_hashtags:
        bare = tag.lstrip("#")
        if bare and fold(bare) not in hashtags:
            findings.append(
                Finding(
                    rules.required_severity,
                    "text",
                    "required_hashtag",
                    f"Add the hashtag #{bare}: the editorial line requires it "
                    "(in the text or the first comment).",
                    limit=f"#{bare}",
                )
            )
    mentions = _tokens(_MENTION, content)
    for mention in rules.required_mentions:
        bare = mention.lstrip("@")
        if bare and fold(bare) not in mentions:
            findings.append(
                Finding(
                    rules.required_severity,
                    "text",
                    "required_mention",
                    f"Mention @{bare}: the editorial line requires it "
                    "(in the text or the first comment).",
                    limit=f"@{bare}",
                )
            )
    return findings


def check_not_empty(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    if content.text.strip() or content.media_count > 0:
        return []
    return [
        Finding(
            Severity.ERROR,
            "text",
            "empty",
            "This variant has neither text nor media: write a text or attach a media.",
        )
    ]


def check_network_text(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    """The text as the variant's network counts it (length, hashtags, title...)."""
    if content.network not in NETWORKS:  # e.g. the sandbox: no published limits
        return []
    try:
        key = tuple(sorted(content.options.items()))
        hash(key)
    except TypeError:  # an option holding a list or dict: measure without the cache
        return list(
            _network_findings(content.network, content.text, tuple(content.options.items()))
        )
    return list(_cached_network_findings(content.network, content.text, key))


def _network_findings(
    network: str, text: str, options: tuple[tuple[str, Any], ...]
) -> tuple[Finding, ...]:
    report = check_text(network, text, options=dict(options))
    return tuple(
        Finding(Severity(v.severity), v.field, v.rule, v.message, v.limit, v.actual)
        for v in report.violations
    )


# Lists show the findings of every variant on every page: X's counting costs about 1 ms
# a text, so the same text is measured once (findings are frozen, the function is pure).
_cached_network_findings = lru_cache(maxsize=4096)(_network_findings)


MASTODON_MEDIA_KEYS = {
    "max_media_attachments": "statuses",
    "image_size_limit": "media_attachments",
    "image_matrix_limit": "media_attachments",
    "video_size_limit": "media_attachments",
    "video_matrix_limit": "media_attachments",
    "video_frame_rate_limit": "media_attachments",
    "supported_mime_types": "media_attachments",
}


INSTANCE_KEYS = ("max_characters", "characters_reserved_per_url")


def instance_options(settings: Mapping[str, Any]) -> dict[str, int]:
    """The text limits a channel's instance announced (Mastodon), from its settings."""
    configuration = settings.get("configuration")
    statuses = configuration.get("statuses") if isinstance(configuration, Mapping) else None
    found: dict[str, int] = {}
    for key in INSTANCE_KEYS:
        for source in (settings, statuses):
            value = source.get(key) if isinstance(source, Mapping) else None
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                found.setdefault(key, value)
    return found


def instance_media_limits(network: str, settings: Mapping[str, Any]) -> InstanceMediaLimits | None:
    """A Mastodon channel's instance limits from its settings, None elsewhere or when unknown.

    The settings hold either the instance's `configuration` object (GET /api/v2/instance),
    its `statuses` / `media_attachments` sections, or their keys flat (image_size_limit...).
    """
    if network != "mastodon" or not settings:
        return None
    nested = settings.get("configuration")
    configuration: dict[str, Any] = dict(nested) if isinstance(nested, Mapping) else {}
    for section in ("statuses", "media_attachments"):
        if isinstance(settings.get(section), Mapping):
            configuration.setdefault(section, dict(settings[section]))
    for key, section in MASTODON_MEDIA_KEYS.items():
        if key in settings:
            configuration.setdefault(section, {}).setdefault(key, settings[key])
    if not configuration:
        return None
    return mastodon_instance_limits(configuration)


def check_network_media(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    """The attached files against the network's rules for the variant's format."""
    if content.network not in NETWORKS or len(content.media) != content.media_count:
        return []
    format = str(content.options.get("format") or "feed")
    formats = formats_for(content.network)
    if format not in formats:
        return [
            Finding(
                Severity.ERROR,
                "options.format",
                "media.post_format",
                f"This network has no \u201c{format}\u201d format; choose one of: "
                f"{', '.join(formats)}.",
                limit=list(formats),
                actual=format,
            )
        ]
    violations = check_media(content.network, content.media, format, instance=content.media_limits)
    return [
        Finding(Severity(v.severity), v.field, v.rule, v.message, v.limit, v.actual)
        for v in violations
    ]


def check_media_ready(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    """A file still being converted, or whose conversion failed, cannot be published."""
    findings = []
    for index, status in enumerate(content.media_status):
        if status == "processing":
            message = "This file is still being converted; wait until it is ready."
        elif status == "failed":
            message = "The conversion of this file failed; remove it or attach the original."
        else:
            continue
        findings.append(
            Finding(Severity.ERROR, f"media[{index}]", "media.status", message, "ready", status)
        )
    return findings


def check_ugc_rights(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    """Content by someone else goes out only with their consent, and credited to them."""
    findings = []
    both = f"{content.text}\n{content.first_comment or ''}".casefold()
    for use in content.ugc:
        if not use.granted:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "text",
                    "ugc.rights",
                    f"This post uses content by {use.creator}, who has not granted the rights "
                    "to share it: it cannot be scheduled until they agree.",
                    actual=use.creator,
                )
            )
        if use.mention and use.mention.casefold() not in both:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "text",
                    "ugc.credit",
                    f"Credit the creator: write \u201c{use.mention}\u201d in the text or the "
                    "first comment.",
                    limit=use.mention,
                )
            )
    return findings


def check_media_licence(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    """A file whose licence is over (the media library's expiry date) cannot go out."""
    now = utcnow()
    findings = []
    for index, expires in enumerate(content.media_licence_expiry):
        if expires is not None and expires <= now:
            message = (
                "The licence of this file ended on "
                f"{expires:%Y-%m-%d %H:%M} UTC; renew it in the media library or remove the file."
            )
            findings.append(
                Finding(
                    Severity.ERROR,
                    f"media[{index}]",
                    "media.licence",
                    message,
                    expires.isoformat(),
                    now.isoformat(),
                )
            )
    return findings


def check_network_poll(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    """A poll only where the network has them, with its choices and duration in bounds."""
    return [
        Finding(Severity(v.severity), v.field, v.rule, v.message, v.limit, v.actual)
        for v in check_poll(content.network, content.options, content.media_count)
    ]


DEFAULT_CHECKERS: tuple[Checker, ...] = (
    check_not_empty,
    check_banned_words,
    check_required_tags,
    check_network_text,
    check_network_media,
    check_network_poll,
    check_media_ready,
    check_media_licence,
    check_ugc_rights,
)


def gather_findings(
    content: VariantContent, rules: EditorialRules, checkers: Sequence[Checker] = DEFAULT_CHECKERS
) -> list[Finding]:
    """Every finding of every checker, errors first: the one place new rules plug into."""
    found = [finding for check in checkers for finding in check(content, rules)]
    return sorted(found, key=lambda f: (not f.blocking, f.field, f.rule))


def check_variant(content: VariantContent, rules: EditorialRules) -> list[Finding]:
    """The findings of one variant under the workspace's editorial line."""
    return gather_findings(content, rules)
