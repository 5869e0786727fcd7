"""Crisis detection on real crisis timelines: delay after onset, false alarms before it.

Replays the CrisisLexT26 timelines in ../shared/data/crisis-timelines (tweet timestamps of
13 real crises, Olteanu et al. 2015, MIT) bucket by bucket through
`orchestre.moderation.detect.CrisisDetector`, as the product would feed one workspace.
The texts of the labelled sample (inbox-dev/crisis.csv, about a third of the tweets) are
joined on their timestamps, so alerts carry top terms and hashtags and hashtags become
topic keys; the other tweets are counted without text.

Onset: the documented start of each event (see ONSETS: the instant of the quake, blast,
shooting or bombing; for progressive events the local day of the first major impact, as
the event's linked Wikipedia article dates it). The timelines begin when their keyword
collection began, a few hours to days before the onset: that is the quiet period.

- delay: from the onset to the end of the first bucket whose alert is raised at or after
  the onset (an alert can only be raised once its bucket has closed), within 48 h;
- false alarms: new alerts raised before the onset, per week of *armed* quiet time (the
  quiet period after the detector's warm-up, when it could have raised one).

Where the onset falls inside the warm-up (the collection began less than a day before it),
the detector cannot see the onset: such events are listed, and the headline figures
(`detected`, the delays) are over the events armed at their onset.

Boston has no timestamps in the data set (neither timeline nor texts): it is listed, not
scored. These are disasters, not brand crises: volume only, no sentiment.

    python bench/crisis_eval.py [--quick] [--bucket-minutes 10] [--sweep]

Prints a table per event, then one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from orchestre.moderation.detect import Alert, CrisisDetector, DetectorConfig, Observation

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
TIMELINES = DATA / "crisis-timelines"
TEXTS = DATA / "inbox-dev" / "crisis.csv"
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
DETECTION_HORIZON = timedelta(hours=48)


@dataclass(frozen=True)
class Onset:
    at: str  # ISO instant (UTC) or a local date
    zone: str  # the local time zone for a date; "UTC" for an instant
    source: str


# The documented start of each event. Instants from the linked articles (USGS, PAGASA and
# the Wikipedia pages); dates are the local day of the first major impact.
ONSETS: dict[str, Onset] = {
    "2012_Colorado_wildfires": Onset(
        "2012-06-09", "America/Denver", "High Park Fire ignited by lightning, 9 June"
    ),
    "2012_Guatemala_earthquake": Onset(
        "2012-11-07T16:35:45+00:00", "UTC", "M7.4 quake, 10:35:45 local (USGS)"
    ),
    "2012_Philipinnes_floods": Onset(
        "2012-08-06", "Asia/Manila", "monsoon (Habagat) deluge over Metro Manila, 6-8 Aug"
    ),
    "2012_Venezuela_refinery": Onset(
        "2012-08-25T05:41:00+00:00", "UTC", "Amuay explosion, 01:11 VET"
    ),
    "2013_Australia_bushfire": Onset(
        "2013-10-17", "Australia/Sydney", "Springwood/Winmalee and Mt Victoria fires, 17 Oct"
    ),
    "2013_Boston_bombings": Onset(
        "2013-04-15T18:49:00+00:00", "UTC", "bombs at the finish line, 14:49 EDT"
    ),
    "2013_Colorado_floods": Onset(
        "2013-09-11", "America/Denver", "rain intensified 11-12 Sep (Boulder flash floods)"
    ),
    "2013_LA_airport_shootings": Onset(
        "2013-11-01T16:20:00+00:00", "UTC", "shooting in Terminal 3, about 09:20 PDT"
    ),
    "2013_Manila_floods": Onset(
        "2013-08-18", "Asia/Manila", "Trami (Maring) enhanced monsoon rains from 18 Aug"
    ),
    "2013_Queensland_floods": Onset(
        "2013-01-26", "Australia/Brisbane", "ex-cyclone Oswald floods, Australia Day weekend"
    ),
    "2013_Sardinia_floods": Onset("2013-11-18", "Europe/Rome", "Cyclone Cleopatra, 18 Nov"),
    "2013_Singapore_haze": Onset(
        "2013-06-17", "Asia/Singapore", "PSI above 100 (unhealthy) from 17 June"
    ),
    "2013_Typhoon_Yolanda": Onset(
        "2013-11-07", "Asia/Manila", "storm signal no. 4 over the Visayas, landfall 04:40 PHT 8 Nov"
    ),
}


def onset_instant(onset: Onset) -> datetime:
    if "T" in onset.at:
        return datetime.fromisoformat(onset.at).astimezone(UTC)
    day = datetime.fromisoformat(onset.at).replace(tzinfo=ZoneInfo(onset.zone))
    return day.astimezone(UTC)


def load_texts() -> dict[str, dict[str, list[str]]]:
    """event -> raw timestamp -> texts posted at that second."""
    texts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with TEXTS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["timestamp"]:
                texts[row["group"]][row["timestamp"]].append(row["text"])
    return texts


def load_timeline(
    event: str, texts: dict[str, list[str]] | None
) -> list[tuple[datetime, Observation]]:
    files = list((TIMELINES / event).glob("*tweetids_entire_period.csv"))
    if not files:
        return []
    pending = {stamp: list(found) for stamp, found in (texts or {}).items()}
    rows = []
    with files[0].open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, skipinitialspace=True):
            stamp = row["Timestamp"]
            text = pending[stamp].pop() if pending.get(stamp) else ""
            at = datetime.strptime(stamp, TWITTER_TIME).astimezone(UTC)
            rows.append((at, Observation(message_id=row["Tweet-ID"], text=text)))
    rows.sort(key=lambda item: item[0])
    return rows


def replay(rows: list[tuple[datetime, Observation]], config: DetectorConfig) -> list[Alert]:
    detector = CrisisDetector(config)
    by_bucket: dict[datetime, list[Observation]] = defaultdict(list)
    for at, observation in rows:
        by_bucket[detector.bucket_of(at)].append(observation)
    bucket = detector.bucket_of(rows[0][0])
    last = detector.bucket_of(rows[-1][0])
    alerts: list[Alert] = []
    while bucket <= last:
        alerts.extend(detector.observe(bucket, by_bucket.get(bucket, [])))
        bucket += config.bucket
    return alerts


def naive_replay(rows: list[tuple[datetime, Observation]], config: DetectorConfig) -> list[Alert]:
    """The rule one would write first, as a yardstick: a bucket with at least `min_count`
    messages and three times the mean bucket of the last 24 hours alarms; same bucket,
    warm-up and cooldown as the detector, no daily rhythm, no statistics."""
    detector = CrisisDetector(config)
    counts: dict[datetime, int] = defaultdict(int)
    for at, _ in rows:
        counts[detector.bucket_of(at)] += 1
    first = bucket = detector.bucket_of(rows[0][0])
    last = detector.bucket_of(rows[-1][0])
    window = config.buckets(timedelta(hours=24))
    history: list[int] = []
    alerts: list[Alert] = []
    last_alarm: datetime | None = None
    while bucket <= last:
        count = counts.get(bucket, 0)
        mean = sum(history[-window:]) / max(len(history[-window:]), 1)
        armed = bucket - first >= config.buckets(config.warmup) * config.bucket
        if armed and count >= max(config.min_count, 3 * mean):
            fresh = last_alarm is None or bucket - last_alarm >= config.cooldown
            end = bucket + config.bucket
            alerts.append(
                Alert(
                    "volume",
                    "new" if fresh else "ongoing",
                    "workspace",
                    bucket,
                    bucket,
                    end,
                    bucket,
                    count,
                    mean,
                    0.0,
                    "low",
                    "spike",
                    count,
                )
            )
            last_alarm = bucket
        history.append(count)
        bucket += config.bucket
    return alerts


Replayer = Callable[[list[tuple[datetime, Observation]], DetectorConfig], list[Alert]]


def score_event(
    event: str,
    rows: list[tuple[datetime, Observation]],
    config: DetectorConfig,
    replayer: Replayer = replay,
) -> dict[str, Any]:
    onset = onset_instant(ONSETS[event])
    alerts = replayer(rows, config)
    start = rows[0][0]
    armed_from = start + config.buckets(config.warmup) * config.bucket
    armed = max(onset - armed_from, timedelta(0))
    before = [a for a in alerts if a.window_end <= onset and a.status == "new"]
    after = [a for a in alerts if onset < a.window_end <= onset + DETECTION_HORIZON]
    first = after[0] if after else None
    delay = (first.window_end - onset).total_seconds() / 60 if first else None
    # Some collections have gaps: the first tweet after the onset can come hours later.
    first_tweet = next((at for at, _ in rows if at >= onset), None)
    tweet_delay = (first_tweet - onset).total_seconds() / 60 if first_tweet else None
    return {
        "event": event,
        "onset": onset.isoformat(timespec="minutes"),
        "data_start": start.isoformat(timespec="minutes"),
        "quiet_h": round((onset - start).total_seconds() / 3600, 1),
        "armed_quiet_h": round(armed.total_seconds() / 3600, 1),
        "false_alarms": len(before),
        "detected": first is not None,
        "delay_min": None if delay is None else round(delay),
        "first_tweet_min": None if tweet_delay is None else round(tweet_delay),
        "instant": "T" in ONSETS[event].at,
        "armed_at_onset": onset >= armed_from,
        "new_alerts_48h": sum(1 for a in after if a.status == "new"),
        "updates_48h": sum(1 for a in after if a.status != "new"),
        "first_alert": None if first is None else describe(first),
    }


def describe(alert: Alert) -> dict[str, Any]:
    return {
        "status": alert.status,
        "trigger": alert.trigger,
        "key": alert.key,
        "observed": alert.observed,
        "expected": round(alert.expected, 2),
        "score": alert.score,
        "severity": alert.severity,
        "top_hashtags": [tag for tag, _ in alert.top_hashtags[:4]],
        "top_terms": [term for term, _ in alert.top_terms[:4]],
    }


def evaluate(
    config: DetectorConfig, with_text: bool, replayer: Replayer = replay
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    texts = load_texts() if with_text else {}
    results = []
    for event in sorted(ONSETS):
        rows = load_timeline(event, texts.get(event) if with_text else None)
        if not rows:
            results.append({"event": event, "skipped": "no timestamps in the data set"})
            continue
        results.append(score_event(event, rows, config, replayer))
    evaluated = [r for r in results if "skipped" not in r]
    scored = [r for r in evaluated if r["armed_at_onset"]]
    delays = [r["delay_min"] for r in scored if r["delay_min"] is not None]
    armed_weeks = sum(r["armed_quiet_h"] for r in evaluated) / (24 * 7)
    false_alarms = sum(r["false_alarms"] for r in evaluated)
    summary = {
        "bucket_min": config.bucket_seconds // 60,
        "events": len(results),
        "evaluated": len(evaluated),
        "armed_at_onset": len(scored),
        "detected": sum(1 for r in scored if r["detected"]),
        "median_delay_min": statistics.median(delays) if delays else None,
        "median_delay_after_first_tweet_min": _median(
            [
                r["delay_min"] - r["first_tweet_min"]
                for r in scored
                if r["delay_min"] is not None and r["first_tweet_min"] is not None
            ]
        ),
        "median_delay_instant_min": _median(
            [r["delay_min"] for r in scored if r["instant"] and r["delay_min"] is not None]
        ),
        "median_delay_progressive_min": _median(
            [r["delay_min"] for r in scored if not r["instant"] and r["delay_min"] is not None]
        ),
        "max_delay_min": max(delays) if delays else None,
        "false_alarms": false_alarms,
        "armed_quiet_weeks": round(armed_weeks, 2),
        "false_alarms_per_week": round(false_alarms / armed_weeks, 2) if armed_weeks else None,
        "new_alerts_per_event_48h": round(statistics.mean(r["new_alerts_48h"] for r in scored), 2),
    }
    return results, summary


def _median(values: list[int] | list[float]) -> float | None:
    return statistics.median(values) if values else None


def print_table(results: list[dict[str, Any]]) -> None:
    print(
        f"{'event':28} {'onset (UTC)':17} {'quiet h':>7} {'armed h':>7} {'FA':>3} "
        f"{'1st tweet':>9} {'delay min':>9} {'new/upd 48h':>11}  first alert"
    )
    for r in results:
        if "skipped" in r:
            print(f"{r['event']:28} {r['skipped']}")
            continue
        first = r["first_alert"]
        evidence = (
            f"{first['trigger']} {first['observed']} vs {first['expected']} "
            f"z={first['score']} {' '.join(first['top_hashtags'][:3])}"
            if first
            else "-"
        )
        delay = "-" if r["delay_min"] is None else r["delay_min"]
        print(
            f"{r['event']:28} {r['onset'][:16]:17} {r['quiet_h']:>7} {r['armed_quiet_h']:>7}"
            f"{'' if r['armed_at_onset'] else '*'} "
            f"{r['false_alarms']:>3} {r['first_tweet_min']!s:>9} {delay:>9} "
            f"{str(r['new_alerts_48h']) + '/' + str(r['updates_48h']):>11}  {evidence}"
        )


def synthetic_stream(
    seed: int, mean: float, rise: float, days: int = 21
) -> tuple[list[tuple[datetime, Observation]], datetime]:
    """Poisson counts with a daily rhythm (nights at 15 % of the afternoons) and, on the
    last day at 13:00 UTC, a two-hour crisis at `rise` times the usual volume."""
    rng = random.Random(seed)
    start = datetime(2030, 1, 7, tzinfo=UTC)
    onset = start + timedelta(days=days - 1, hours=13)
    rows = []
    for index in range(days * 144):
        at = start + index * timedelta(minutes=10)
        hour = at.hour + at.minute / 60
        rate = mean * (1 - 0.74 * math.cos((hour - 3) / 24 * 2 * math.pi))
        if onset <= at < onset + timedelta(hours=2):
            rate *= rise
        count = _poisson(rng, rate)
        rows.extend((at, Observation(f"{index}-{n}")) for n in range(count))
    return rows, onset


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:  # normal approximation, plenty for a yardstick
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def synthetic(config: DetectorConfig, seeds: int = 5) -> list[dict[str, Any]]:
    """Detector and yardstick on synthetic streams: false alarms over 20 calm days and the
    delay to a two-hour crisis of three or six times the volume."""
    table = []
    for mean in (0.5, 3.0, 30.0):
        for rise in (3.0, 6.0):
            for name, replayer in (("detector", replay), ("yardstick", naive_replay)):
                false_alarms, delays, weeks = 0, [], 0.0
                for seed in range(seeds):
                    rows, onset = synthetic_stream(seed, mean, rise)
                    alerts = replayer(rows, config)
                    armed = onset - rows[0][0] - config.warmup
                    weeks += armed / timedelta(days=7)
                    false_alarms += sum(
                        1 for a in alerts if a.window_end <= onset and a.status == "new"
                    )
                    hit = [a for a in alerts if onset < a.window_end <= onset + timedelta(hours=2)]
                    if hit:
                        delays.append((hit[0].window_end - onset) / timedelta(minutes=1))
                table.append(
                    {
                        "per_bucket": mean,
                        "rise": rise,
                        "method": name,
                        "detected": f"{len(delays)}/{seeds}",
                        "median_delay_min": _median(delays),
                        "false_alarms_per_week": round(false_alarms / weeks, 2),
                    }
                )
    return table


def labelled_pools() -> dict[str, tuple[list[str], list[str]]]:
    """Real English tweets, flagged and not: TweetEval sentiment (negative or not) and
    TweetEval offensive (offensive or clean), from inbox-dev."""
    pools: dict[str, tuple[list[str], list[str]]] = {
        "negative_share": ([], []),
        "toxic_share": ([], []),
    }
    for name, kind, flagged in (
        ("sentiment.csv", "negative_share", "negative"),
        ("toxicity.csv", "toxic_share", "offensive"),
    ):
        with (DATA / "inbox-dev" / name).open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["lang"] != "en" or row["source"] not in {
                    "tweeteval_sentiment",
                    "tweeteval_offensive",
                }:
                    continue
                pools[kind][0 if row["label"] == flagged else 1].append(row["text"])
    return pools


def share_check(config: DetectorConfig, seeds: int = 5) -> list[dict[str, Any]]:
    """Shares with real messages: 14 days of a daily-rhythm stream drawn from labelled
    tweets at a usual share (15 % negative, 5 % offensive), then two hours at a crisis share
    (50 %, 30 %) at the same volume. The labels stand for a perfect classifier."""
    pools = labelled_pools()
    usual = {"negative_share": 0.15, "toxic_share": 0.05}
    crisis = {"negative_share": 0.5, "toxic_share": 0.3}
    table = []
    for kind in ("negative_share", "toxic_share"):
        flagged, plain = pools[kind]
        for mean in (2.0, 10.0):
            false_alarms, delays, weeks, volume = 0, [], 0.0, 0
            for seed in range(seeds):
                rng = random.Random(seed)
                rows, onset = synthetic_stream(seed, mean, 1.0, days=14)
                stream = []
                for at, observation in rows:
                    inside = onset <= at < onset + timedelta(hours=2)
                    hit = rng.random() < (crisis if inside else usual)[kind]
                    text = rng.choice(flagged if hit else plain)
                    flags = {"negative": hit} if kind == "negative_share" else {"toxic": hit}
                    stream.append((at, replace(observation, text=text, **flags)))
                alerts = replay(stream, config)
                weeks += (onset - rows[0][0] - config.warmup) / timedelta(days=7)
                mine = [a for a in alerts if a.kind == kind]
                false_alarms += sum(1 for a in mine if a.window_end <= onset and a.status == "new")
                volume += sum(1 for a in alerts if a.kind == "volume")
                found = [a for a in mine if onset < a.window_end <= onset + timedelta(hours=2)]
                if found:
                    delays.append((found[0].window_end - onset) / timedelta(minutes=1))
            table.append(
                {
                    "kind": kind,
                    "per_bucket": mean,
                    "detected": f"{len(delays)}/{seeds}",
                    "median_delay_min": _median(delays),
                    "false_alarms_per_week": round(false_alarms / weeks, 2),
                    "volume_alerts": volume,
                }
            )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="counts only, no texts, no sweep")
    parser.add_argument("--bucket-minutes", type=int, default=10)
    parser.add_argument("--sweep", action="store_true", help="also try 5, 15 and 30 minutes")
    args = parser.parse_args()
    if not TIMELINES.is_dir():
        sys.exit(f"no data at {TIMELINES}")
    started = time.perf_counter()
    config = DetectorConfig(bucket=timedelta(minutes=args.bucket_minutes))
    results, summary = evaluate(config, with_text=not args.quick)
    print_table(results)
    if args.sweep and not args.quick:
        print("\nbucket sweep (same parameters, counts only):")
        for minutes in (5, 15, 30):
            other = replace(config, bucket=timedelta(minutes=minutes))
            print(json.dumps(evaluate(other, with_text=False)[1]))
        print("yardstick: three times the last 24 hours' mean bucket (at least 5 messages):")
        print(json.dumps(evaluate(config, with_text=False, replayer=naive_replay)[1]))
        print("shares with real labelled tweets (14 days, 5 seeds each):")
        for line in share_check(config):
            print(json.dumps(line))
        print("synthetic streams (21 days, daily rhythm, 5 seeds each):")
        for line in synthetic(config):
            print(json.dumps(line))
        for hours in (6, 12):
            print(f"warm-up of {hours} hours instead of a day:")
            other = replace(config, warmup=timedelta(hours=hours))
            print(json.dumps(evaluate(other, with_text=False)[1]))
            for line in synthetic(other):
                if line["method"] == "detector":
                    print(json.dumps(line))
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
