"""Best time to post: engagement by hour of the week, smoothed, with a network prior.

Pure computation (no database, no clock of its own), in four steps:

1. Each post's engagement rate becomes a *lift*: its rate divided by the channel's mean
   rate, so 1.3 means "30 % better than this channel's average post". Lifts make a
   channel's numbers comparable with the network's prior (`priors`), also expressed as
   lifts, whatever the channel's size.
2. Posts are counted in the hour of the week (0 = Monday 00:00 to 00:59 in the workspace's
   time zone, so 09:00 stays 09:00 on either side of a daylight saving change) when they
   were published. Each hour borrows from its neighbours (weights 1, 1/2, 1/4 for 0, 1
   and 2 hours away, wrapping around the week): a post at 09:10 says something about 10:00.
3. Each hour's own mean is shrunk toward the prior (empirical Bayes): with `n` (weighted)
   posts behind it, estimate = (n * own + k * prior) / (n + k). `k`, the prior's weight
   in posts, is estimated from the data by the method of moments: the spread of posts
   within an hour (noise) over the spread of hours around the prior (real differences).
   Few or noisy posts: the prior wins; many consistent posts: the channel's own data wins.
   The prior is first rescaled so that it averages 1.0 over the hours the channel has
   posted at, as the lifts do (otherwise a channel that only posts at peak hours would see
   its own good hours fall below untried ones). Its departures from 1.0 are then damped
   by k / (k + N), N the channel's posts: the network's pattern is a guess about an
   average account, worth less the more this channel has shown of itself, so a channel
   with a long history is not sent to hours it never tried on the prior's word.
4. A channel with fewer than `MIN_POSTS` measured posts uses the network prior alone.
5. Slots are ranked by the estimate minus its standard error (the posterior spread of an
   hour's mean, 1 / sqrt(n / noise + 1 / between-hour variance)): between two hours that
   look as good, the one with more posts behind it comes first, and an hour never tried
   does not outrank the channel's proven hours on the prior's word alone.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from orchestre.errors import Invalid
from orchestre.insights.priors import HOURS_PER_WEEK
from orchestre.kit.timezones import local_to_utc, utc_to_local

# Below this many measured posts the channel's history is too thin: network prior only.
MIN_POSTS = 5
# Neighbouring-hour weights, by distance in hours.
KERNEL = (1.0, 0.5, 0.25)
# The prior's weight in posts: used when it cannot be estimated, and its bounds.
DEFAULT_PRIOR_WEIGHT = 5.0
PRIOR_WEIGHT_BOUNDS = (1.0, 30.0)
# The variance of posts' lifts within an hour when it cannot be measured (sd 0.5).
DEFAULT_NOISE = 0.25
# Own data's share of an estimate from which it counts as "own history".
OWN_SHARE = 0.75


class Source(enum.StrEnum):
    OWN_HISTORY = "own_history"
    NETWORK_PRIOR = "network_prior"
    BLEND = "blend"


@dataclass(frozen=True)
class PostRate:
    """One published post: when (aware instant) and its engagement rate."""

    published_at: datetime
    rate: float


@dataclass(frozen=True)
class HourEstimate:
    """The smoothed lift of one hour of the week, and what stands behind it."""

    hour_of_week: int
    score: float
    posts: int  # own posts published in this very hour
    nearby_posts: int  # own posts within the smoothing window (this hour +/- 2)
    own_share: float  # share of the channel's own data in the score (0: prior alone)
    source: Source
    # The estimate's standard error (0 when the prior is used alone): the fewer posts
    # behind it, the larger.
    spread: float = 0.0

    @property
    def cautious(self) -> float:
        """The score one standard error down: what slots are ranked by."""
        return self.score - self.spread


@dataclass(frozen=True)
class Estimates:
    hours: list[HourEstimate]
    posts: int
    prior_weight: float | None  # k: how many posts the prior counts for (None: prior only)


@dataclass(frozen=True)
class Slot:
    """A coming instant to post at, with its hour's estimate."""

    starts_at: datetime  # UTC
    local: datetime  # the same instant on the workspace's wall clock
    estimate: HourEstimate


def hour_of_week(instant: datetime, zone_name: str) -> int:
    """0 (Monday 00:00-00:59) to 167 (Sunday 23:00-23:59), on the wall clock of the zone."""
    local = utc_to_local(instant, zone_name)
    return local.weekday() * 24 + local.hour


def lifts(posts: Sequence[PostRate], zone_name: str) -> list[tuple[int, float]]:
    """(hour of the week, lift) per post; all 1.0 when no post had any engagement."""
    if not posts:
        return []
    mean = sum(p.rate for p in posts) / len(posts)
    return [
        (hour_of_week(p.published_at, zone_name), p.rate / mean if mean > 0 else 1.0) for p in posts
    ]


def _window(values: Sequence[float]) -> list[float]:
    """Each hour's value plus its neighbours', weighted by KERNEL, around the week."""
    out = []
    for h in range(HOURS_PER_WEEK):
        total = values[h] * KERNEL[0]
        for distance in range(1, len(KERNEL)):
            w = KERNEL[distance]
            total += w * (
                values[(h - distance) % HOURS_PER_WEEK] + values[(h + distance) % HOURS_PER_WEEK]
            )
        out.append(total)
    return out


def noise_variance(by_hour: Sequence[Sequence[float]]) -> float | None:
    """How much posts of the same hour differ (pooled variance), or of all posts when no
    hour has two; None with fewer than two posts."""
    filled = [xs for xs in by_hour if xs]
    dof = sum(len(xs) - 1 for xs in filled)
    if dof >= 2:
        return sum(sum((x - sum(xs) / len(xs)) ** 2 for x in xs) for xs in filled) / dof
    every = [x for xs in filled for x in xs]
    if len(every) < 2:
        return None
    mean = sum(every) / len(every)
    return sum((x - mean) ** 2 for x in every) / (len(every) - 1)


def between_variance(
    by_hour: Sequence[Sequence[float]], prior: Sequence[float], noise: float | None
) -> float | None:
    """How much hours really differ from the prior (method of moments: the spread of hour
    means around it, less what the noise alone explains); None with fewer than 3 hours."""
    filled = [(h, xs) for h, xs in enumerate(by_hour) if xs]
    if len(filled) < 3 or noise is None:
        return None
    spread = sum((sum(xs) / len(xs) - prior[h]) ** 2 - noise / len(xs) for h, xs in filled)
    return max(0.0, spread / len(filled))


def prior_weight(noise: float | None, between: float | None) -> float:
    """k = noise variance / between-hour variance, within bounds."""
    low, high = PRIOR_WEIGHT_BOUNDS
    if noise is None or between is None:
        return DEFAULT_PRIOR_WEIGHT
    if noise <= 0:
        return low
    if between <= 0:
        return high
    return min(high, max(low, noise / between))


def _spread(n: float, k: float, noise: float, between: float | None) -> float:
    """The standard error of an hour's estimate: sqrt(1 / (n / noise + 1 / between)), the
    posterior spread of its mean; with `between` unknown, sqrt(noise / (n + k))."""
    if between is None or between <= 0 or noise <= 0:
        return math.sqrt(noise / (n + k)) if noise > 0 else 0.0
    return 1 / math.sqrt(n / noise + 1 / between)


def estimate(
    posts: Sequence[tuple[int, float]], prior: Sequence[float], *, min_posts: int = MIN_POSTS
) -> Estimates:
    """The 168 hour estimates from (hour of the week, lift) pairs and a prior of 168 lifts."""
    if len(prior) != HOURS_PER_WEEK:
        raise ValueError(f"a prior has {HOURS_PER_WEEK} hours, not {len(prior)}")
    by_hour: list[list[float]] = [[] for _ in range(HOURS_PER_WEEK)]
    for hour, lift in posts:
        by_hour[hour].append(lift)
    counts = [float(len(xs)) for xs in by_hour]
    nearby = [round(n) for n in _window_counts(counts)]
    if len(posts) < min_posts:
        hours = [
            HourEstimate(h, prior[h], len(by_hour[h]), nearby[h], 0.0, Source.NETWORK_PRIOR)
            for h in range(HOURS_PER_WEEK)
        ]
        return Estimates(hours, len(posts), None)
    # The prior, rescaled to average 1.0 over the hours the posts were published at.
    scale = sum(prior[h] * n for h, n in enumerate(counts)) / sum(counts)
    scaled = [p / scale for p in prior] if scale > 0 else list(prior)
    noise = noise_variance(by_hour)
    between = between_variance(by_hour, scaled, noise)
    k = prior_weight(noise, between)
    noise = DEFAULT_NOISE if noise is None else noise
    # The network's pattern describes an average account: the more posts this channel has,
    # the less its untried hours lean on that pattern rather than on its own average.
    trust = k / (k + len(posts))
    target = [1 + trust * (p - 1) for p in scaled]
    weight = _window(counts)
    total = _window([sum(xs) for xs in by_hour])
    hours = []
    for h in range(HOURS_PER_WEEK):
        n = weight[h]
        own = total[h] / n if n > 0 else 0.0
        share = n / (n + k)
        score = share * own + (1 - share) * target[h]
        spread = _spread(n, k, noise, between)
        hours.append(
            HourEstimate(h, score, len(by_hour[h]), nearby[h], share, _source(share), spread)
        )
    return Estimates(hours, len(posts), k)


def _window_counts(counts: Sequence[float]) -> list[float]:
    """Posts within +/- (len(KERNEL) - 1) hours, unweighted."""
    reach = len(KERNEL) - 1
    return [
        sum(counts[(h + d) % HOURS_PER_WEEK] for d in range(-reach, reach + 1))
        for h in range(HOURS_PER_WEEK)
    ]


def _source(share: float) -> Source:
    if share <= 0:
        return Source.NETWORK_PRIOR
    return Source.OWN_HISTORY if share >= OWN_SHARE else Source.BLEND


def upcoming_slots(
    estimates: Sequence[HourEstimate],
    now: datetime,
    zone_name: str,
    *,
    limit: int = 5,
    spacing_hours: int = 2,
) -> list[Slot]:
    """The best hours of the coming seven days, best first (by `HourEstimate.cautious`),
    each at least `spacing_hours` from the others (so the top five are not 09:00, 10:00
    and 11:00 of the same morning).

    Wall-clock hours that do not exist (the spring-forward gap) are skipped; an hour that
    happens twice (fall back) is offered at its first occurrence."""
    local_now = utc_to_local(now, zone_name)
    end = now + timedelta(days=7)
    seen: set[int] = set()
    candidates: list[Slot] = []
    for day in range(8):
        date = local_now.date() + timedelta(days=day)
        for hour in range(24):
            wall = datetime.combine(date, time(hour))
            try:
                instant = local_to_utc(wall, zone_name)
            except Invalid:
                continue
            how = wall.weekday() * 24 + hour
            if instant <= now or instant > end or how in seen:
                continue
            seen.add(how)
            candidates.append(Slot(instant, wall, estimates[how]))
    candidates.sort(key=lambda s: (-s.estimate.cautious, s.starts_at))
    chosen: list[Slot] = []
    gap = timedelta(hours=spacing_hours)
    for slot in candidates:
        if len(chosen) >= limit:
            break
        if all(abs(slot.starts_at - other.starts_at) >= gap for other in chosen):
            chosen.append(slot)
    return chosen
