"""Each network's typical engagement pattern by hour of the week: the prior of best times.

THIS IS A COARSE PRIOR, NOT MEASURED DATA. Its shape follows what is commonly reported in
public "best time to post" write-ups by social media tool vendors and marketers: business
networks (LinkedIn) peak on weekday mornings and lunchtime and fall off at weekends;
X, Bluesky, Mastodon and Threads follow the working day with morning and lunchtime
peaks; Facebook peaks late morning to early afternoon; Instagram, TikTok and YouTube lean
towards midday and evenings, weekends included. Every network is quiet at night. The
numbers below are hand-set to that shape and nothing more: they only break ties and
fill in hours where a channel has no history, and a channel's own posts outweigh them
as soon as there are a few of them (see `besttime`).

Values are lifts: 1.0 is the network's average hour, 1.3 an hour typically 30 % above it.
Hours are the audience's local wall-clock hours, taken to be the workspace's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence

HOURS_PER_WEEK = 168

# Hour-of-day shapes (00:00 to 23:00), hand-set: night low, a working day, or evenings.
_NIGHT = (0.25, 0.2, 0.15, 0.15, 0.15, 0.25)
_WORKDAY = (
    *_NIGHT,
    0.6, 0.95, 1.3, 1.45, 1.4, 1.35,  # 06-11
    1.45, 1.35, 1.2, 1.1, 1.05, 1.05,  # 12-17
    1.0, 0.95, 0.85, 0.7, 0.5, 0.35,  # 18-23
)  # fmt: skip
_OFFICE = (
    *_NIGHT,
    0.5, 1.1, 1.6, 1.7, 1.5, 1.4,  # 06-11
    1.55, 1.3, 1.15, 1.0, 0.85, 0.65,  # 12-17
    0.5, 0.45, 0.4, 0.35, 0.3, 0.25,  # 18-23
)  # fmt: skip
_DAYTIME = (
    *_NIGHT,
    0.5, 0.8, 1.1, 1.3, 1.45, 1.5,  # 06-11
    1.55, 1.45, 1.3, 1.2, 1.1, 1.05,  # 12-17
    1.05, 1.05, 1.0, 0.85, 0.6, 0.4,  # 18-23
)  # fmt: skip
_EVENING = (
    *_NIGHT,
    0.45, 0.65, 0.85, 1.0, 1.15, 1.3,  # 06-11
    1.4, 1.3, 1.2, 1.2, 1.25, 1.35,  # 12-17
    1.5, 1.6, 1.6, 1.45, 1.1, 0.6,  # 18-23
)  # fmt: skip

# Day-of-week factors, Monday first.
_WORKWEEK = (1.05, 1.1, 1.1, 1.1, 1.0, 0.75, 0.7)
_OFFICE_WEEK = (1.1, 1.2, 1.2, 1.15, 0.95, 0.45, 0.4)
_ALL_WEEK = (1.0, 1.0, 1.05, 1.05, 1.0, 0.95, 0.95)
_LEISURE_WEEK = (0.95, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0)

_SHAPES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "linkedin": (_OFFICE, _OFFICE_WEEK),
    "x": (_WORKDAY, _WORKWEEK),
    "bluesky": (_WORKDAY, _WORKWEEK),
    "mastodon": (_WORKDAY, _WORKWEEK),
    "threads": (_WORKDAY, _WORKWEEK),
    "facebook": (_DAYTIME, _ALL_WEEK),
    "instagram": (_EVENING, _ALL_WEEK),
    "tiktok": (_EVENING, _LEISURE_WEEK),
    "youtube": (_EVENING, _LEISURE_WEEK),
}
# Any other network (the sandbox, a third-party connector): a generic daytime pattern.
_DEFAULT = (_DAYTIME, _WORKWEEK)


def _normalised(values: Sequence[float]) -> tuple[float, ...]:
    mean = sum(values) / len(values)
    return tuple(v / mean for v in values)


def _table(hours: Sequence[float], days: Sequence[float]) -> tuple[float, ...]:
    return _normalised([days[d] * hours[h] for d in range(7) for h in range(24)])


_TABLES = {name: _table(*shape) for name, shape in _SHAPES.items()}
_DEFAULT_TABLE = _table(*_DEFAULT)


def network_prior(network: str) -> tuple[float, ...]:
    """168 lifts (Monday 00:00 first, local time) averaging 1.0 over the week."""
    return _TABLES.get(network, _DEFAULT_TABLE)


def has_own_prior(network: str) -> bool:
    """Whether the network has a pattern of its own (else the generic one is used)."""
    return network in _TABLES
