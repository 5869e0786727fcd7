"""Polls, where a network has them: how many choices, how long each may be, how long the
poll stays open, and whether it can go with media. A variant carries its poll in its
options: {"poll": {"options": ["Tea", "Coffee"], "duration_minutes": 1440}}.

Sources: X API v2 POST /2/tweets (`poll.options`: 2 to 4 choices of at most 25
characters; `poll.duration_minutes`: 5 to 10,080; a poll cannot go with media);
Mastodon POST /api/v1/statuses (`poll[options][]`, `poll[expires_in]` in seconds; the
instance's `configuration.polls` defaults are 4 choices of 50 characters, 300 s to
2,629,746 s; a poll cannot go with media). Bluesky, Threads, LinkedIn, Instagram,
Facebook, TikTok and YouTube publish no poll through the APIs we use. The sandbox takes
Mastodon's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestre.connectors.rules.types import Violation

KEY = "poll"
NAMES = {"x": "X", "mastodon": "Mastodon", "sandbox": "the sandbox"}


@dataclass(frozen=True)
class PollRules:
    max_options: int
    max_option_characters: int
    min_minutes: int
    max_minutes: int
    min_options: int = 2


RULES: dict[str, PollRules] = {
    "x": PollRules(4, 25, 5, 10_080),
    "mastodon": PollRules(4, 50, 5, 43_829),  # 2,629,746 s, rounded down to minutes
    "sandbox": PollRules(4, 50, 5, 43_829),
}


@dataclass(frozen=True)
class Poll:
    options: tuple[str, ...]
    duration_minutes: int


def supports_polls(network: str) -> bool:
    return network in RULES


def poll_of(options: Mapping[str, Any]) -> Poll | None:
    """The variant's poll, or None; a malformed one reads as best it can (checked later)."""
    raw = options.get(KEY)
    if not isinstance(raw, Mapping):
        return None
    choices = raw.get("options")
    texts = tuple(str(c) for c in choices) if isinstance(choices, list | tuple) else ()
    minutes = raw.get("duration_minutes")
    try:
        duration = int(minutes) if minutes is not None else 0
    except (TypeError, ValueError):
        duration = 0
    return Poll(texts, duration)


def _violation(network: str, rule: str, limit: Any, actual: Any, message: str) -> Violation:
    return Violation(network, f"poll.{rule}", "poll", limit, actual, message)


def check_poll(network: str, options: Mapping[str, Any], media_count: int) -> list[Violation]:
    """Every rule the variant's poll breaks on `network` (none when it has no poll)."""
    poll = poll_of(options)
    if poll is None:
        return []
    rules = RULES.get(network)
    if rules is None:
        return [
            _violation(
                network,
                "unsupported",
                "no poll",
                len(poll.options),
                "This network publishes no poll through its API: remove the poll from this "
                "channel's version.",
            )
        ]
    name = NAMES.get(network, network)
    found: list[Violation] = []
    count = len(poll.options)
    if not rules.min_options <= count <= rules.max_options:
        found.append(
            _violation(
                network,
                "options",
                f"{rules.min_options}-{rules.max_options}",
                count,
                f"A poll on {name} has {rules.min_options} to {rules.max_options} choices; "
                f"this one has {count}.",
            )
        )
    for number, choice in enumerate(poll.options, start=1):
        length = len(choice.strip())
        if length == 0:
            found.append(
                _violation(network, "option.empty", 1, 0, f"Choice {number} of the poll is empty.")
            )
        elif length > rules.max_option_characters:
            found.append(
                _violation(
                    network,
                    "option.length",
                    rules.max_option_characters,
                    length,
                    f"Choice {number} of the poll has {length} characters; {name} takes at "
                    f"most {rules.max_option_characters}.",
                )
            )
    folded = [c.strip().casefold() for c in poll.options if c.strip()]
    if len(set(folded)) < len(folded):
        found.append(
            _violation(network, "option.duplicate", "distinct", count, "Two choices are the same.")
        )
    if not rules.min_minutes <= poll.duration_minutes <= rules.max_minutes:
        found.append(
            _violation(
                network,
                "duration",
                f"{rules.min_minutes}-{rules.max_minutes}",
                poll.duration_minutes,
                f"A poll on {name} stays open {rules.min_minutes} minutes to "
                f"{rules.max_minutes // 1440} days.",
            )
        )
    if media_count:
        found.append(
            _violation(
                network,
                "media",
                0,
                media_count,
                f"A poll on {name} cannot go with photos or videos: remove one or the other.",
            )
        )
    return found
