"""Crisis detection: spikes and sustained rises found, noise and quiet hours left alone,
warm-up, one alert per crisis, evidence, and a state that survives JSON."""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from orchestre.moderation.detect import (
    WORKSPACE_KEY,
    Alert,
    CrisisDetector,
    DetectorConfig,
    Observation,
    bonferroni,
    count_tail,
    keys_of,
    share_tail,
    tail_z,
)

START = datetime(2030, 1, 7, tzinfo=UTC)  # a Monday; the detector never reads the clock
BUCKET = timedelta(minutes=10)
DAY = 144  # buckets of ten minutes


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's sampler: plenty for the small means of these tests."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def daily(mean: float, night_share: float = 0.3) -> Callable[[int], float]:
    """A smooth daily rhythm: quiet at 03:00 UTC, busiest at 15:00, averaging `mean`."""

    def rate(index: int) -> float:
        hour = (index % DAY) / 6
        swing = (1 - night_share) / (1 + night_share)
        return mean * (1 - swing * math.cos((hour - 3) / 24 * 2 * math.pi))

    return rate


class Stream:
    """Feeds a detector bucket by bucket and keeps every alert with its bucket number."""

    def __init__(self, detector: CrisisDetector | None = None, seed: int = 7) -> None:
        self.detector = detector or CrisisDetector()
        self.rng = random.Random(seed)
        self.index = 0
        self.serial = 0
        self.alerts: list[tuple[int, Alert]] = []

    def messages(
        self,
        count: int,
        text: str = "thanks for the quick delivery",
        negative_share: float = 0.1,
        channels: tuple[str, ...] = ("fb", "ig"),
    ) -> list[Observation]:
        found = []
        for _ in range(count):
            self.serial += 1
            found.append(
                Observation(
                    message_id=f"m{self.serial}",
                    text=text,
                    channel=self.rng.choice(channels),
                    negative=self.rng.random() < negative_share,
                )
            )
        return found

    def feed(self, observations: list[Observation]) -> list[Alert]:
        alerts = self.detector.observe(START + self.index * BUCKET, observations)
        self.alerts.extend((self.index, alert) for alert in alerts)
        self.index += 1
        return alerts

    def noise(self, buckets: int, rate: Callable[[int], float], **kwargs: object) -> None:
        for _ in range(buckets):
            count = poisson(self.rng, rate(self.index))
            self.feed(self.messages(count, **kwargs))  # type: ignore[arg-type]


def test_a_spike_is_reported_with_observed_against_expected() -> None:
    stream = Stream()
    stream.noise(2 * DAY, daily(3.0))
    assert stream.alerts == []
    alerts = stream.feed(stream.messages(40))
    volume = [a for a in alerts if a.kind == "volume"]
    assert len(volume) == 1
    alert = volume[0]
    assert (alert.status, alert.key, alert.trigger) == ("new", WORKSPACE_KEY, "spike")
    assert alert.observed == 40
    assert 0.5 < alert.expected < 8
    assert alert.score >= 5
    assert alert.severity in {"medium", "high"}
    assert alert.window_end - alert.window_start == BUCKET
    assert set(alert.channels) <= {"fb", "ig"}
    assert alert.channels


def test_a_rise_too_slow_for_one_bucket_is_caught_by_the_cusum() -> None:
    stream = Stream()
    stream.noise(7 * DAY, lambda _: 2.0)
    # Three times the usual volume: no bucket stands out alone, the run does.
    stream.noise(18, lambda _: 6.0)
    volume = [a for _, a in stream.alerts if a.kind == "volume"]
    assert volume, "a tripled volume for three hours went unseen"
    assert volume[0].trigger == "cusum"
    assert volume[0].observed > 2 * volume[0].expected


@pytest.mark.parametrize("seed", [1, 2])
def test_steady_noise_with_a_daily_rhythm_raises_nothing_for_four_weeks(seed: int) -> None:
    stream = Stream(seed=seed)
    stream.noise(28 * DAY, daily(4.0))
    assert [(i, a.kind, a.key) for i, a in stream.alerts] == []


def test_nights_are_expected_quieter_once_the_daily_rhythm_is_learnt() -> None:
    stream = Stream()
    stream.noise(7 * DAY, daily(3.0, night_share=0.1))
    detector = stream.detector
    night = detector._hour_factor(3)
    afternoon = detector._hour_factor(15)
    assert night < 0.4 < 1.5 < afternoon
    # A daytime volume at 03:00 is news; the same volume at 15:00 is not.
    busy = 12
    day_index = stream.index + (15 * 6 - stream.index % DAY) % DAY
    stream.noise(day_index - stream.index, daily(3.0, night_share=0.1))
    assert not [a for a in stream.feed(stream.messages(busy)) if a.kind == "volume"]
    night_index = stream.index + (3 * 6 - stream.index % DAY) % DAY
    stream.noise(night_index - stream.index, daily(3.0, night_share=0.1))
    assert [a for a in stream.feed(stream.messages(busy)) if a.kind == "volume"]


def test_nothing_is_raised_during_warm_up() -> None:
    config = DetectorConfig(warmup=timedelta(hours=12))
    stream = Stream(CrisisDetector(config))
    stream.noise(10, lambda _: 2.0)
    assert stream.feed(stream.messages(60)) == []
    stream.noise(DAY, lambda _: 2.0)
    assert [a.kind for a in stream.feed(stream.messages(60))] == ["volume"]


def test_one_crisis_gives_one_alert_then_hourly_updates_and_escalation() -> None:
    stream = Stream()
    stream.noise(2 * DAY, lambda _: 3.0)
    crisis_start = stream.index
    stream.noise(18, lambda _: 30.0)  # three hours
    stream.noise(6, lambda _: 90.0)  # it doubles again
    stream.noise(DAY, lambda _: 3.0)  # calm returns; the cooldown (12 h) passes
    crisis = [(i, a) for i, a in stream.alerts if a.kind == "volume"]
    statuses = [a.status for _, a in crisis]
    assert statuses[0] == "new"
    assert statuses.count("new") == 1
    assert "escalating" in statuses
    ongoing = [i for i, a in crisis if a.status == "ongoing"]
    assert all(b - a >= 6 for a, b in itertools.pairwise(ongoing))
    assert crisis[0][0] - crisis_start <= 1
    assert all(a.episode_start == crisis[0][1].episode_start for _, a in crisis)
    # A second crisis after the cooldown is news again.
    stream.noise(6, lambda _: 30.0)
    later = [a for i, a in stream.alerts if i >= stream.index - 6 and a.kind == "volume"]
    assert later
    assert later[0].status == "new"


def test_a_crisis_on_one_channel_is_found_where_the_workspace_total_hides_it() -> None:
    channels = ("a", "b", "c", "d", "e")
    stream = Stream()
    stream.noise(2 * DAY, lambda _: 10.0, channels=channels)
    start = stream.index
    for _ in range(6):  # channel c goes from 2 to 10 a bucket; the workspace from 10 to 18
        calm = stream.messages(poisson(stream.rng, 10.0), channels=channels)
        stream.feed(calm + stream.messages(8, channels=("c",)))
    volume = [a for i, a in stream.alerts if i >= start and a.kind == "volume"]
    assert volume
    assert volume[0].key == "channel:c"
    assert volume[0].channels == ("c",)


def test_evidence_names_the_terms_and_hashtags_that_stand_out() -> None:
    stream = Stream()
    stream.noise(2 * DAY, lambda _: 3.0, text="thanks for the quick delivery of my order")
    crisis = stream.messages(
        30, text="your data leak exposed my card #BoycottAcme #dataleak", channels=("x",)
    )
    crisis += stream.messages(2, text="thanks for the quick delivery", channels=("x",))
    alerts = stream.feed(crisis)
    volume = next(a for a in alerts if a.kind == "volume")
    terms = [term for term, _ in volume.top_terms]
    assert {"leak", "exposed", "card"} <= set(terms[:4])
    assert "delivery" not in terms[:4]
    assert [tag for tag, _ in volume.top_hashtags][:2] in (
        ["boycottacme", "dataleak"],
        ["dataleak", "boycottacme"],
    )
    assert volume.channels == ("x",)
    assert len(volume.sample_ids) == DetectorConfig().sample_size
    assert set(volume.sample_ids) <= {o.message_id for o in crisis}
    # The new hashtags and channel are keys from now on (alarming once warmed up); today
    # the workspace carries the alert and names them as evidence.
    assert {"topic:boycottacme", "channel:x"} <= set(stream.detector.state()["keys"])


def test_the_term_baseline_keeps_the_first_buckets_and_decays_later() -> None:
    detector = CrisisDetector()
    detector.observe(START, [Observation("1", text="parcel arrived #happy")])
    assert detector.state()["terms"] == {"parcel": 1.0, "arrived": 1.0}
    assert detector.state()["tags"] == {"happy": 1.0}
    detector.observe(START + timedelta(days=7), [])
    assert detector.state()["terms"]["parcel"] == pytest.approx(0.5, abs=0.01)


def test_a_rising_negative_share_is_reported_without_a_volume_alert() -> None:
    stream = Stream()
    stream.noise(3 * DAY, lambda _: 5.0, negative_share=0.1)
    stream.noise(6, lambda _: 5.0, negative_share=0.7)
    kinds = {a.kind for _, a in stream.alerts}
    assert kinds == {"negative_share"}
    alert = next(a for _, a in stream.alerts)
    assert alert.observed > 0.4
    assert alert.expected < 0.2
    assert alert.trigger == "share"
    assert alert.window_end - alert.window_start <= timedelta(hours=1)


def test_a_sudden_share_rise_is_not_diluted_by_the_calm_part_of_the_hour() -> None:
    stream = Stream()
    stream.noise(3 * DAY, lambda _: 20.0, negative_share=0.1)
    change = stream.index
    stream.noise(6, lambda _: 20.0, negative_share=0.4)
    first = next(i for i, a in stream.alerts if a.kind == "negative_share")
    # The hour's share needs three or four buckets of 40 % to rise 15 points over 10 %; the
    # CUSUM's run starts at the change and has the evidence in two.
    assert first - change <= 1


def test_the_state_round_trips_through_json_and_continues_identically() -> None:
    stream = Stream()
    stream.noise(DAY, daily(3.0), text="a #launch day for the #brand")
    state = json.loads(json.dumps(stream.detector.state()))
    copy = CrisisDetector.from_state(state)
    assert copy.state() == stream.detector.state()
    rng = random.Random(3)
    for _ in range(DAY):
        count = poisson(rng, 3.0) + (40 if rng.random() < 0.02 else 0)
        batch = stream.messages(count, text="why is the #brand site down", negative_share=0.3)
        at = START + stream.index * BUCKET
        assert copy.observe(at, batch) == stream.feed(batch)
    assert copy.state() == stream.detector.state()


def test_a_state_from_another_bucket_size_is_refused() -> None:
    state = CrisisDetector().state()
    with pytest.raises(ValueError, match="bucket size"):
        CrisisDetector.from_state(state, DetectorConfig(bucket=timedelta(minutes=5)))
    with pytest.raises(ValueError, match="version"):
        CrisisDetector.from_state({**state, "version": 99})


def test_buckets_come_in_order_and_a_gap_counts_as_empty() -> None:
    detector = CrisisDetector()
    detector.observe(START, [Observation("a")])
    with pytest.raises(ValueError, match="already observed"):
        detector.observe(START, [])
    with pytest.raises(ValueError, match="timezone-aware"):
        detector.observe(datetime(2030, 1, 8), [])  # noqa: DTZ001 - naive on purpose
    detector.observe(START + 30 * BUCKET, [Observation("b")])
    assert detector.state()["keys"][WORKSPACE_KEY]["seen"] == 31


def test_topic_keys_stay_bounded() -> None:
    detector = CrisisDetector(DetectorConfig(max_topic_keys=20))
    for index in range(30):
        batch = [Observation(f"{index}-{n}", text=f"#tag{index}x{n}") for n in range(10)]
        detector.observe(START + index * BUCKET, batch)
    topics = [key for key in detector.state()["keys"] if key.startswith("topic:")]
    assert len(topics) == 20


def test_keys_of_a_message() -> None:
    observation = Observation("1", text="Help #Outage #outage", channel="c1", topics=("#Billing",))
    assert keys_of(observation) == ["workspace", "channel:c1", "topic:billing", "topic:outage"]


def test_tails() -> None:
    assert count_tail(1, 1.0) == pytest.approx(1 - math.exp(-1))
    assert count_tail(0, 5.0) == 1.0
    # Overdispersion fattens the tail.
    assert count_tail(10, 2.0, dispersion=3.0) > count_tail(10, 2.0)
    assert share_tail(3, 3, 0.5) == pytest.approx(0.125)
    assert tail_z(0.5) == pytest.approx(0.0, abs=1e-9)
    assert tail_z(2.866515718791939e-07) == pytest.approx(5.0, abs=1e-6)
    # Many keys, one chance: each of 100 tests needs a higher bar than a single one.
    assert bonferroni(5.0, 1) == pytest.approx(5.0)
    assert bonferroni(5.0, 100) == pytest.approx(tail_z(2.866515718791939e-09), abs=1e-6)
