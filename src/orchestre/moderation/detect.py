"""Crisis detection: a streaming change detector over messages counted per time bucket.

Pure computation: no database, no clock, no network. The caller feeds one bucket at a
time (`observe`), keeps `state()` (plain JSON) between buckets, and gets alerts back.

What is watched, per *key* (the workspace as a whole, each channel, each topic or hashtag):

- **volume**: the count of messages in the bucket. The expected count is an EWMA level
  (half-life `level_half_life`) times an hour-of-day factor. Two tests run on it:
  a one-bucket *spike* test (the upper tail of a negative binomial with that mean and the
  key's measured overdispersion, Poisson when there is none) and a Poisson *CUSUM*
  (Lucas 1985) tuned to a `cusum_shift`-fold rise, which catches a rise too slow for
  one bucket to stand out. Its increments are divided by the overdispersion
  (quasi-likelihood), so a bursty channel needs more evidence than a steady one.
- **negative share** and **toxic share**: the messages flagged in the last
  `share_window`, and in the run of a Bernoulli CUSUM (a rise of `share_shift`) that starts
  where the share rose, against the key's long-run share (discounted counts, half-life
  `share_half_life`, with a weak Beta prior), by the upper tail of a binomial; a minimum
  lift in points keeps large-but-harmless differences quiet.

Daily seasonality: night volume is lower, so a flat baseline would under-expect the
afternoon and over-expect the night. Every key's expected count is multiplied by the
workspace's hour-of-day factor: the hour's mean count over the day's mean, learnt apart
from the level (a running mean, then an EWMA) and shrunk toward 1 like a Poisson rate
with a Gamma prior, so a sparse workspace needs days before its nights count as quiet. The
profile is shared because the daily rhythm is the audience's, not a channel's, and a
sparse channel could not learn 24 factors of its own. It applies once
`profile_min_history` exists; before that the level alone (recent activity) sets the
expectation. Hours are UTC: the profile is learnt, so any time zone works.

Warm-up: a key raises nothing before `warmup` of history (a day by default, so every hour
of the rhythm has been seen once; shares also need `share_warmup_messages`). While a rise
is alarming, the level learns at `alarm_weight` of its usual rate, and the profile too
while a rise builds up, so a crisis does not become the new normal within the hour, yet a
lasting change is accepted in the end. Overdispersion is learnt from calm buckets only.
Channels and topics are many tests at once: their bars are raised (Bonferroni over the
keys) so that together they alarm by chance no more often than the workspace alone.

One crisis, one alert: alarms open an *episode* per kind; while it is open, further
alarms give at most an "escalating" alert (`escalation_factor` times the magnitude last
reported) or an "ongoing" one every `update_every`. The episode closes after
`cooldown` without alarm.

Evidence: observed vs expected, a z-equivalent score, the keys that alarmed, the
channels, sample message ids, and the terms and hashtags that stand out in the bucket's
messages against the workspace's discounted term counts (log-odds ratio with a
Dirichlet prior, Monroe, Colaresi & Quinn 2008).

scipy's special functions give the tails; the detectors themselves are written here:
ruptures is offline (a whole series at once) and river's detectors keep state that does
not serialise to JSON, while this state must live in the database between buckets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from scipy import special  # type: ignore[import-untyped]

from orchestre.kit.text import HASHTAG

STATE_VERSION = 1
WORKSPACE_KEY = "workspace"
MENTIONS_KEY = "mentions"  # brand mentions found by listening, all queries together
EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight: buckets align to it

AlertKind = Literal["volume", "negative_share", "toxic_share"]
AlertStatus = Literal["new", "ongoing", "escalating"]
Severity = Literal["low", "medium", "high"]
SHARE_KINDS: tuple[AlertKind, ...] = ("negative_share", "toxic_share")
KINDS: tuple[AlertKind, ...] = ("volume", *SHARE_KINDS)


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Parameters; docs/models.md ("Crisis detection") says why each has its value."""

    bucket: timedelta = timedelta(minutes=10)
    warmup: timedelta = timedelta(hours=24)
    level_half_life: timedelta = timedelta(hours=6)
    dispersion_rate: float = 0.02
    residual_clip: float = 9.0
    min_expected: float = 0.05
    profile_rate: float = 0.02
    profile_prior: float = 4.0
    profile_min_history: timedelta = timedelta(days=1)
    spike_z: float = 5.0
    cusum_shift: float = 3.0
    cusum_threshold: float = 8.0
    cusum_z: float = 4.0
    min_count: int = 5
    min_ratio: float = 2.0
    alarm_weight: float = 0.1
    share_window: timedelta = timedelta(hours=1)
    share_half_life: timedelta = timedelta(days=7)
    share_warmup_messages: float = 50.0
    share_min_messages: int = 10
    share_min_lift: float = 0.15
    share_z: float = 4.0
    share_prior_weight: float = 10.0
    share_shift: float = 0.25
    share_cusum_threshold: float = 5.0
    negative_prior: float = 0.2
    toxic_prior: float = 0.05
    cooldown: timedelta = timedelta(hours=12)
    update_every: timedelta = timedelta(hours=1)
    escalation_factor: float = 2.0
    hashtag_topics: bool = True
    max_topic_keys: int = 200
    term_half_life: timedelta = timedelta(days=7)
    max_terms: int = 3000
    top_n: int = 8
    sample_size: int = 5

    @property
    def bucket_seconds(self) -> int:
        return int(self.bucket.total_seconds())

    def buckets(self, span: timedelta) -> int:
        """How many buckets a span of time covers (at least one)."""
        return max(1, round(span / self.bucket))


@dataclass(frozen=True, slots=True)
class Observation:
    """One message of the bucket; `topics` are extra keys (hashtags in `text` are added)."""

    message_id: str
    text: str = ""
    channel: str | None = None
    topics: tuple[str, ...] = ()
    negative: bool = False
    toxic: bool = False
    # False for a brand mention found by listening: it counts under its own key
    # (MENTIONS_KEY) and its topics, not in the workspace's inbox volume and shares.
    inbox: bool = True


@dataclass(frozen=True, slots=True)
class Alert:
    """What a person sees: what rose, by how much against what, and the messages behind it.

    `observed` and `expected` are message counts for volume and shares (0..1) otherwise;
    `messages` is how many messages the window held for `key`.
    """

    kind: AlertKind
    status: AlertStatus
    key: str
    bucket_start: datetime
    window_start: datetime
    window_end: datetime
    episode_start: datetime
    observed: float
    expected: float
    score: float
    severity: Severity
    trigger: Literal["spike", "cusum", "share"]
    messages: int
    related_keys: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    top_terms: tuple[tuple[str, float], ...] = ()
    top_hashtags: tuple[tuple[str, float], ...] = ()
    sample_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class _Alarm:
    kind: AlertKind
    key: str
    observed: float
    expected: float
    score: float
    trigger: Literal["spike", "cusum", "share"]
    window_start: int
    messages: int
    magnitude: float


@dataclass(slots=True)
class _Key:
    """Per-key running numbers; `recent` holds [messages, negative, toxic] per bucket."""

    seen: int = 0
    level: float = 0.0
    dispersion: float = 1.0
    cusum: float = 0.0
    run_start: int = 0
    run_observed: float = 0.0
    run_expected: float = 0.0
    negative: list[float] = field(default_factory=lambda: [0.0, 0.0])
    toxic: list[float] = field(default_factory=lambda: [0.0, 0.0])
    # Bernoulli CUSUM per share: [statistic, run start, flagged in run, messages in run]
    negative_run: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    toxic_run: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    recent: list[list[int]] = field(default_factory=list)

    def dump(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def load(cls, data: dict[str, Any]) -> _Key:
        return cls(**{name: data[name] for name in cls.__slots__ if name in data})


def keys_of(observation: Observation, hashtag_topics: bool = True) -> list[str]:
    """The keys a message counts under: the workspace, its channel, its topics; a
    listening mention: the mentions' key and its topics."""
    keys = [WORKSPACE_KEY if observation.inbox else MENTIONS_KEY]
    if observation.channel:
        keys.append(f"channel:{observation.channel}")
    topics = {topic.lstrip("#").casefold() for topic in observation.topics if topic.strip("#")}
    if hashtag_topics:
        topics.update(hashtags(observation.text))
    keys.extend(f"topic:{topic}" for topic in sorted(topics))
    return keys


class CrisisDetector:
    """One workspace's detector; cheap to update (O(keys) per bucket), state in JSON."""

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = cfg = config or DetectorConfig()
        self._warmup = cfg.buckets(cfg.warmup)
        self._window = cfg.buckets(cfg.share_window)
        self._cooldown = cfg.buckets(cfg.cooldown)
        self._update_every = cfg.buckets(cfg.update_every)
        self._level_rate = _rate(cfg.buckets(cfg.level_half_life))
        self._share_keep = 1.0 - _rate(cfg.buckets(cfg.share_half_life))
        self._term_half_life = cfg.buckets(cfg.term_half_life)
        self._term_decay_every = cfg.buckets(timedelta(hours=6))
        self._last: int | None = None
        self._keys: dict[str, _Key] = {}
        self._profile = [0.0] * 24  # mean count per bucket, hour by hour (UTC)
        self._profile_buckets = 0
        self._terms: dict[str, float] = {}
        self._tags: dict[str, float] = {}
        self._term_decayed: int | None = None  # the bucket the term counts were decayed at
        self._episodes: dict[str, dict[str, Any]] = {}
        self._bars: dict[bool, tuple[float, ...]] = {}

    # -- state ----------------------------------------------------------------------

    @classmethod
    def from_state(
        cls, state: dict[str, Any], config: DetectorConfig | None = None
    ) -> CrisisDetector:
        detector = cls(config)
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unknown crisis detector state version {state.get('version')!r}")
        if state["bucket_seconds"] != detector.config.bucket_seconds:
            raise ValueError("the state was built with another bucket size")
        detector._last = state["last"]
        detector._keys = {key: _Key.load(data) for key, data in state["keys"].items()}
        detector._profile = [float(value) for value in state["profile"]]
        detector._profile_buckets = state["profile_buckets"]
        detector._terms = dict(state["terms"])
        detector._tags = dict(state["tags"])
        detector._term_decayed = state.get("term_decayed")
        detector._episodes = {kind: dict(ep) for kind, ep in state["episodes"].items()}
        return detector

    def state(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "bucket_seconds": self.config.bucket_seconds,
            "last": self._last,
            "keys": {key: ks.dump() for key, ks in self._keys.items()},
            "profile": list(self._profile),
            "profile_buckets": self._profile_buckets,
            "terms": dict(self._terms),
            "tags": dict(self._tags),
            "term_decayed": self._term_decayed,
            "episodes": {kind: dict(ep) for kind, ep in self._episodes.items()},
        }

    # -- time -----------------------------------------------------------------------

    def bucket_of(self, at: datetime) -> datetime:
        """The start of the bucket holding `at` (buckets align to a fixed epoch)."""
        return self._start(self._index(at))

    def _index(self, at: datetime) -> int:
        if at.tzinfo is None:
            raise ValueError("bucket_start must be timezone-aware")
        return int((at - EPOCH).total_seconds() // self.config.bucket_seconds)

    def _start(self, index: int) -> datetime:
        return EPOCH + index * self.config.bucket

    # -- the update -----------------------------------------------------------------

    def observe(self, bucket_start: datetime, observations: Sequence[Observation]) -> list[Alert]:
        """Count one bucket's messages, test every key, and return the alerts it raises.

        Buckets must come in order; a skipped bucket counts as empty.
        """
        index = self._index(bucket_start)
        if self._last is not None:
            if index <= self._last:
                raise ValueError("this bucket (or a later one) was already observed")
            self._skip(index - self._last - 1)
        by_key: dict[str, list[Observation]] = {}
        for observation in observations:
            for key in keys_of(observation, self.config.hashtag_topics):
                by_key.setdefault(key, []).append(observation)
        for key in by_key:
            self._keys.setdefault(key, _Key())
        factor = self._hour_factor(self._start(index).hour)
        # Channels and topics are many tests at once: their bars are raised (Bonferroni) so
        # that together they alarm by chance no more often than the workspace alone.
        others = max(len(self._keys) - 1, 1)
        bars = (self.config.spike_z, self.config.cusum_z, self.config.share_z)
        self._bars = {True: bars, False: tuple(bonferroni(z, others) for z in bars)}
        alarms: list[_Alarm] = []
        workspace_alarmed = False
        for key, ks in self._keys.items():
            found = self._test_key(key, ks, by_key.get(key, []), factor, index)
            alarms.extend(found)
            workspace_alarmed |= key == WORKSPACE_KEY and any(a.kind == "volume" for a in found)
        workspace = self._keys.get(WORKSPACE_KEY)
        rising = workspace is not None and workspace.cusum >= self.config.cusum_threshold / 2
        # Like the level, the profile learns slowly from a rise (it may be a crisis) but does
        # learn: an hour it got wrong must not stay wrong, alarming every day.
        weight = self.config.alarm_weight if workspace_alarmed or rising else 1.0
        self._learn_profile(len(by_key.get(WORKSPACE_KEY, [])), index, weight)
        alerts = self._alerts(alarms, by_key, index)
        self._learn_terms(observations, index)
        self._prune_topics()
        self._last = index
        return alerts

    def _skip(self, gap: int) -> None:
        """Empty buckets in closed form, so a long silence costs O(keys) once. The daily
        profile learns nothing from them: a gap is more often an outage than a silence."""
        if gap <= 0:
            return
        keep = math.pow(1.0 - self._level_rate, gap)
        share_keep = math.pow(self._share_keep, gap)
        for ks in self._keys.values():
            ks.seen += gap
            ks.level *= keep
            ks.cusum, ks.run_observed, ks.run_expected = 0.0, 0.0, 0.0
            ks.recent = (ks.recent + [[0, 0, 0]] * min(gap, self._window))[-self._window :]
            for pair in (ks.negative, ks.toxic):
                pair[0] *= share_keep
                pair[1] *= share_keep
            ks.negative_run[:] = ks.toxic_run[:] = [0.0, 0.0, 0.0, 0.0]
        for kind in list(self._episodes):
            self._quiet(kind, gap)

    def _quiet(self, kind: str, buckets: int) -> None:
        """Buckets without alarm; the episode closes once they reach the cooldown."""
        episode = self._episodes[kind]
        episode["quiet"] += buckets
        if episode["quiet"] >= self._cooldown:
            del self._episodes[kind]

    def _test_key(
        self, key: str, ks: _Key, messages: list[Observation], factor: float, index: int
    ) -> list[_Alarm]:
        count = len(messages)
        negative = sum(1 for m in messages if m.negative)
        toxic = sum(1 for m in messages if m.toxic)
        ks.recent = [*ks.recent, [count, negative, toxic]][-self._window :]
        found = [self._test_volume(key, ks, count, factor, index)]
        found.append(self._test_share(key, ks, "negative_share", negative, count, index))
        found.append(self._test_share(key, ks, "toxic_share", toxic, count, index))
        ks.seen += 1
        return [alarm for alarm in found if alarm is not None]

    def _test_volume(
        self, key: str, ks: _Key, count: int, factor: float, index: int
    ) -> _Alarm | None:
        cfg = self.config
        ready = ks.seen >= self._warmup
        expected = max(ks.level * factor, cfg.min_expected)
        alarm: _Alarm | None = None
        if ready and count >= cfg.min_count and count >= cfg.min_ratio * expected:
            score = tail_z(count_tail(count, expected, ks.dispersion))
            if score >= self._bars[key == WORKSPACE_KEY][0]:
                alarm = _Alarm("volume", key, count, expected, score, "spike", index, count, count)
        if self._cusum(ks, count, expected, index, ready) and alarm is None:
            score = tail_z(count_tail(round(ks.run_observed), ks.run_expected, ks.dispersion))
            if score >= self._bars[key == WORKSPACE_KEY][1]:
                alarm = _Alarm(
                    "volume", key, ks.run_observed, ks.run_expected, score, "cusum",
                    ks.run_start, count, count,
                )  # fmt: skip
        rising = alarm is not None or ks.cusum >= cfg.cusum_threshold / 2
        if alarm is not None:
            # Restart after signalling: a lasting crisis signals again, a finished one stops.
            ks.cusum, ks.run_observed, ks.run_expected = 0.0, 0.0, 0.0
        # Bias-corrected EWMA: weight 1 for the first bucket, tending to the half-life's rate,
        # so a young key's level leans on its recent buckets rather than a plain mean.
        rate = self._level_rate
        level_rate = rate / (1.0 - math.pow(1.0 - rate, ks.seen + 1))
        if alarm is not None:
            # While alarming, the baseline learns slowly: a crisis must not become the new
            # normal within the hour, yet a lasting change of level is accepted in the end.
            level_rate *= cfg.alarm_weight
        elif ready and not rising:
            # Noise is learnt from calm buckets only, as winsorised Pearson residuals: a rise
            # or one burst must not teach the key that it is bursty.
            residual = min((count - expected) ** 2 / expected, cfg.residual_clip)
            ks.dispersion = max(
                ks.dispersion + cfg.dispersion_rate * (residual - ks.dispersion), 1.0
            )
        ks.level += level_rate * (count / factor - ks.level)
        return alarm

    def _cusum(self, ks: _Key, count: int, expected: float, index: int, ready: bool) -> bool:
        """Poisson CUSUM for a rise to `cusum_shift` times the expected count (quasi-likelihood:
        steps divided by the dispersion); true when it crosses its threshold with enough
        messages behind it. Capped at twice the threshold so it comes down soon after."""
        cfg = self.config
        shift = cfg.cusum_shift
        step = (count * math.log(shift) - expected * (shift - 1)) / ks.dispersion
        if ks.cusum <= 0.0:
            ks.run_start, ks.run_observed, ks.run_expected = index, 0.0, 0.0
        ks.cusum = min(max(0.0, ks.cusum + step), 2 * cfg.cusum_threshold) if ready else 0.0
        if ks.cusum <= 0.0:
            return False
        ks.run_observed += count
        ks.run_expected += expected
        return (
            ks.cusum >= cfg.cusum_threshold
            and ks.run_observed >= cfg.min_count
            and ks.run_observed >= cfg.min_ratio * ks.run_expected
        )

    def _test_share(
        self, key: str, ks: _Key, kind: AlertKind, hits: int, count: int, index: int
    ) -> _Alarm | None:
        """The last hour's share, and a Bernoulli CUSUM whose run starts where the share
        rose (so a sudden change is not diluted by the calm part of the hour), each
        against the long-run share by the binomial tail."""
        cfg = self.config
        negative = kind == "negative_share"
        pair, run = (ks.negative, ks.negative_run) if negative else (ks.toxic, ks.toxic_run)
        prior = cfg.negative_prior if negative else cfg.toxic_prior
        baseline = (pair[0] + prior * cfg.share_prior_weight) / (pair[1] + cfg.share_prior_weight)
        column = 1 if negative else 2
        window_hits = sum(row[column] for row in ks.recent)
        window_total = sum(row[0] for row in ks.recent)
        window_start = index - len(ks.recent) + 1
        ready = ks.seen >= self._warmup and pair[1] >= cfg.share_warmup_messages
        crossed = self._share_cusum(run, hits, count, baseline, index, ready)
        alarm = None
        if ready:
            alarm = self._share_alarm(key, kind, window_hits, window_total, baseline, window_start)
        if alarm is None and crossed:
            alarm = self._share_alarm(key, kind, run[2], run[3], baseline, int(run[1]))
        if alarm is not None:
            run[:] = [0.0, 0.0, 0.0, 0.0]
        weight = cfg.alarm_weight if alarm else 1.0
        pair[0] = pair[0] * self._share_keep + weight * hits
        pair[1] = pair[1] * self._share_keep + weight * count
        return alarm

    def _share_alarm(
        self, key: str, kind: AlertKind, hits: float, total: float, baseline: float, start: int
    ) -> _Alarm | None:
        cfg = self.config
        if (
            total < cfg.share_min_messages
            or hits < cfg.min_count
            or hits / total - baseline < cfg.share_min_lift
        ):
            return None
        score = tail_z(share_tail(round(hits), round(total), baseline))
        if score < self._bars[key == WORKSPACE_KEY][2]:
            return None
        share = hits / total
        return _Alarm(kind, key, share, baseline, score, "share", start, round(total), hits)

    def _share_cusum(
        self, run: list[float], hits: int, count: int, baseline: float, index: int, ready: bool
    ) -> bool:
        """Bernoulli CUSUM for a rise of `share_shift` over the baseline share; true when it
        crosses its threshold. Capped at twice the threshold, like the volume CUSUM."""
        cfg = self.config
        if not ready:
            run[:] = [0.0, 0.0, 0.0, 0.0]
            return False
        raised = min(baseline + cfg.share_shift, 0.95)
        step = hits * math.log(raised / baseline) + (count - hits) * math.log(
            (1 - raised) / (1 - baseline)
        )
        if run[0] <= 0.0:
            run[:] = [0.0, float(index), 0.0, 0.0]
        run[0] = min(max(0.0, run[0] + step), 2 * cfg.share_cusum_threshold)
        if run[0] <= 0.0:
            return False
        run[2] += hits
        run[3] += count
        return run[0] >= cfg.share_cusum_threshold

    # -- seasonality ------------------------------------------------------------------

    def _hour_factor(self, hour: int) -> float:
        """The hour's mean count over the day's, shrunk toward 1 (a flat day) as a Poisson
        rate with a Gamma prior of shape `profile_prior` would be: a sparse workspace needs
        many days before its nights count as quiet, a busy one a day or two."""
        cfg = self.config
        if self._profile_buckets * cfg.bucket < cfg.profile_min_history:
            return 1.0
        mean = sum(self._profile) / 24
        if mean <= 0.0:
            return 1.0
        visits = min(self._profile_buckets / 24, 1.0 / cfg.profile_rate)
        factor = (visits * self._profile[hour] + cfg.profile_prior) / (
            visits * mean + cfg.profile_prior
        )
        return min(max(factor, 0.1), 10.0)

    def _learn_profile(self, count: int, index: int, weight: float) -> None:
        """Each hour's mean count per bucket: a running mean, then an EWMA that follows slow
        changes of the audience's rhythm. Learnt apart from the level, so the two do not
        chase each other as they would in a coupled Holt-Winters update."""
        hour = self._start(index).hour
        visits = self._profile_buckets / 24
        rate = max(self.config.profile_rate, 1.0 / (1.0 + visits)) * weight
        self._profile[hour] += rate * (count - self._profile[hour])
        self._profile_buckets += 1

    # -- alerts -----------------------------------------------------------------------

    def _alerts(
        self, alarms: list[_Alarm], by_key: dict[str, list[Observation]], index: int
    ) -> list[Alert]:
        alerts = []
        for kind in KINDS:
            mine = sorted((a for a in alarms if a.kind == kind), key=lambda a: -a.score)
            status = self._episode_status(kind, mine, index)
            if status is not None:
                alerts.append(self._alert(status, mine, by_key, index))
        return alerts

    def _episode_status(self, kind: str, alarms: list[_Alarm], index: int) -> AlertStatus | None:
        cfg = self.config
        episode = self._episodes.get(kind)
        if not alarms:
            if episode is not None:
                self._quiet(kind, 1)
            return None
        top = alarms[0]
        if episode is None:
            self._episodes[kind] = {
                "start": top.window_start,
                "reported": index,
                "peak": top.magnitude,
                "quiet": 0,
            }
            return "new"
        episode["quiet"] = 0
        if top.magnitude >= cfg.escalation_factor * episode["peak"]:
            episode["peak"], episode["reported"] = top.magnitude, index
            return "escalating"
        if index - episode["reported"] >= self._update_every:
            episode["peak"] = max(episode["peak"], top.magnitude)
            episode["reported"] = index
            return "ongoing"
        return None

    def _alert(
        self,
        status: AlertStatus,
        alarms: list[_Alarm],
        by_key: dict[str, list[Observation]],
        index: int,
    ) -> Alert:
        top = alarms[0]
        messages = by_key.get(top.key, [])
        if top.kind != "volume":
            flag = "negative" if top.kind == "negative_share" else "toxic"
            messages = sorted(messages, key=lambda m: not getattr(m, flag))
        channels = Counter(m.channel for m in messages if m.channel)
        texts = [m.text for m in messages]
        return Alert(
            kind=top.kind,
            status=status,
            key=top.key,
            bucket_start=self._start(index),
            window_start=self._start(top.window_start),
            window_end=self._start(index + 1),
            episode_start=self._start(self._episodes[top.kind]["start"]),
            observed=round(top.observed, 4),
            expected=round(top.expected, 4),
            score=round(top.score, 2),
            severity=severity(top),
            trigger=top.trigger,
            messages=top.messages,
            related_keys=tuple(dict.fromkeys(a.key for a in alarms[1:] if a.key != top.key)),
            channels=tuple(channel for channel, _ in channels.most_common()),
            top_terms=distinctive(
                Counter(t for x in texts for t in terms(x)), self._terms, self.config.top_n
            ),
            top_hashtags=distinctive(
                Counter(t for x in texts for t in hashtags(x)), self._tags, self.config.top_n
            ),
            sample_ids=tuple(m.message_id for m in messages[: self.config.sample_size]),
        )

    # -- evidence baseline ---------------------------------------------------------------

    def _learn_terms(self, observations: Iterable[Observation], index: int) -> None:
        """Add the bucket's terms to the baseline; decay and trim it every few hours (or
        when it outgrows twice its size), not every bucket, to keep updates cheap."""
        cfg = self.config
        if self._term_decayed is None:
            self._term_decayed = index
        elapsed = index - self._term_decayed
        if elapsed >= self._term_decay_every or len(self._terms) > 2 * cfg.max_terms:
            keep = math.pow(0.5, elapsed / self._term_half_life)
            self._terms = _decayed(self._terms, keep, cfg.max_terms)
            self._tags = _decayed(self._tags, keep, cfg.max_terms)
            self._term_decayed = index
        for observation in observations:
            for term in terms(observation.text):
                self._terms[term] = self._terms.get(term, 0.0) + 1.0
            for tag in hashtags(observation.text):
                self._tags[tag] = self._tags.get(tag, 0.0) + 1.0

    def _prune_topics(self) -> None:
        """Keep at most `max_topic_keys` topics, the busiest, so the state stays bounded."""
        topics = [key for key in self._keys if key.startswith("topic:")]
        excess = len(topics) - self.config.max_topic_keys
        if excess <= 0:
            return
        topics.sort(
            key=lambda key: self._keys[key].level + sum(r[0] for r in self._keys[key].recent)
        )
        for key in topics[:excess]:
            del self._keys[key]


def _rate(half_life: int) -> float:
    """The EWMA weight whose memory halves every `half_life` buckets."""
    return 1.0 - math.pow(0.5, 1.0 / half_life)


def _decayed(counts: dict[str, float], keep: float, limit: int) -> dict[str, float]:
    kept = sorted(((value * keep, term) for term, value in counts.items()), reverse=True)[:limit]
    return {term: value for value, term in kept if value >= 0.01}


def severity(alarm: _Alarm) -> Severity:
    """High: ten times the expected volume (or a 40-point share rise); medium: four times
    (25 points); low: anything that passed the tests."""
    if alarm.kind == "volume":
        ratio = alarm.observed / max(alarm.expected, 1e-9)
        return "high" if ratio >= 10 else "medium" if ratio >= 4 else "low"
    lift = alarm.observed - alarm.expected
    return "high" if lift >= 0.4 else "medium" if lift >= 0.25 else "low"


# -- statistics -----------------------------------------------------------------------


def count_tail(count: int, expected: float, dispersion: float = 1.0) -> float:
    """P(X >= count) for a count with mean `expected` and variance `dispersion * expected`:
    Poisson when the dispersion is 1, negative binomial above it."""
    if count <= 0:
        return 1.0
    if dispersion <= 1.0 + 1e-9:
        return float(special.gammainc(count, expected))
    size = expected / (dispersion - 1.0)
    return float(special.betainc(count, size, 1.0 - 1.0 / dispersion))


def share_tail(hits: int, total: int, share: float) -> float:
    """P(X >= hits) for X binomial(total, share)."""
    if hits <= 0:
        return 1.0
    if hits > total:
        return 0.0
    return float(special.betainc(hits, total - hits + 1, share))


def bonferroni(z: float, tests: int) -> float:
    """The bar for each of `tests` tests that keeps their joint chance alarm at z's."""
    return tail_z(float(special.ndtr(-z)) / tests)


def tail_z(p_value: float) -> float:
    """The normal quantile with the same upper tail: 0.5 -> 0, 2.9e-7 -> 5."""
    return float(-special.ndtri(min(max(p_value, 1e-300), 1.0)))


# -- text -------------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = """the and for that this with you are was were have has had not but from they
    them their its our your his her all can will just what when who how out about into been
    more than then there here also via amp les des une pour que qui dans est pas sur par avec
    ses aux son sont mais ont plus tout nous vous ils elle été por para los las del con una que por
    como mas pero sus che non per della sono gli una nel"""
STOPWORDS = frozenset(_STOPWORDS.split())


def hashtags(text: str) -> list[str]:
    return [tag.casefold() for tag in HASHTAG.findall(text)]


def terms(text: str) -> list[str]:
    """Words of three letters or more, without links, mentions, hashtags and stop words."""
    text = HASHTAG.sub(" ", _MENTION.sub(" ", _URL.sub(" ", text)))
    words = (word.casefold() for word in _WORD.findall(text))
    return [word for word in words if word not in STOPWORDS and word != "rt"]


def distinctive(
    window: Counter[str], baseline: dict[str, float], top_n: int, prior: float = 0.5
) -> tuple[tuple[str, float], ...]:
    """The window's terms ranked by the z-score of their log-odds ratio against the baseline
    (Monroe et al. 2008, a flat Dirichlet prior of `prior` per term); seen at least twice."""
    window_total = sum(window.values())
    base_total = sum(baseline.values())
    scored = []
    for term, count in window.items():
        if count < 2:
            continue
        base = baseline.get(term, 0.0)
        in_window = math.log((count + prior) / (window_total - count + prior))
        in_base = math.log((base + prior) / (base_total - base + prior))
        z = (in_window - in_base) / math.sqrt(1 / (count + prior) + 1 / (base + prior))
        scored.append((round(z, 2), term))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return tuple((term, z) for z, term in scored[:top_n])
