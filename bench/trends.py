"""Trends: term and hashtag counting plus burst detection over a replayed stream.

Benchmark (default): replays `--posts` posts (1,000,000; `--quick` 100,000) built from the
real labelled messages shipped in src/orchestre/ml/data (and ../shared/data/inbox-dev when
present), sampled at random, their timestamps spread over `--days` days with a daily rhythm
(busy afternoons, quiet nights), plus injected bursts: for a couple of hours, a share of
the posts carry a chosen hashtag, phrase or word (some new, some already common). The
stream is built first; only `TrendCounter.add_many` (tokenize, count per hour, score each
closed hour against every term's baseline) is timed, fed in batches of 10,000 posts, on one
core. Bursts found vs injected: recall (an injected term bursting within its window or the
hour after) and false bursts (a burst of any other term; the random sampling has no real
trends, so each one is a false alarm).

Evaluation (`--eval`): replays each CrisisLexT26 event's labelled tweets with timestamps
(../shared/data/inbox-dev/crisis.csv, about a thousand per event, Olteanu et al. 2015, MIT)
hour by hour in time order, and reports how long after the event's documented onset
(bench/crisis_eval.py's ONSETS) the first burst of one of the event's own hashtags or
keywords (its event_description.json) came, and whether they are among the top emerging
terms of the day after the onset.

    python bench/trends.py [--quick] [--posts N] [--days D]
    python bench/trends.py --eval

Prints a table, then one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orchestre.listening.trends import Burst, TrendConfig, TrendCounter, fold, tokens

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "src" / "orchestre" / "ml" / "data"
SHARED = ROOT.parent / "shared" / "data"
START = datetime(2026, 1, 5, tzinfo=UTC)
BATCH = 10_000
# (token, kind of injection, hour it starts, hours, posts added to each of those hours)
INJECTED: list[tuple[str, str, int, int, int]] = [
    ("#pannegenerale", "new hashtag", 30, 2, 20),
    ("#rappelconso", "new hashtag", 55, 3, 12),
    ("#blackoutmobile", "new hashtag", 80, 1, 40),
    ("colis perdu", "new phrase", 100, 2, 20),
    ("#soldes", "hashtag", 125, 2, 25),
    ("remboursement", "word", 150, 2, 20),
    ("love", "common word", 175, 2, 60),
    ("police", "common word", 200, 3, 40),
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pool() -> list[str]:
    files = sorted(SHIPPED.glob("*.csv")) + sorted((SHARED / "inbox-dev").glob("*.csv"))
    texts: dict[str, None] = {}
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("text"):
                    texts[row["text"]] = None
    return list(texts)


def stream(posts: int, days: int, seed: int) -> tuple[list[float], list[str]]:
    """Posts in time order: a daily rhythm (three times more at 15:00 than at 03:00) and
    the INJECTED bursts."""
    rng = random.Random(seed)
    texts = pool()
    hours = days * 24
    weights = [2.0 - abs((hour % 24) - 15) / 12 * 1.5 for hour in range(hours)]
    per_hour = [0] * hours
    for hour in rng.choices(range(hours), weights=weights, k=posts):
        per_hour[hour] += 1
    injected = {h: (term, n) for term, _, at, span, n in INJECTED for h in range(at, at + span)}
    stamps: list[float] = []
    chosen: list[str] = []
    base = START.timestamp()
    for hour, count in enumerate(per_hour):
        term, extra = injected.get(hour, ("", 0))
        carrying = set(rng.sample(range(count + extra), extra))
        offsets = sorted(rng.uniform(0, 3600) for _ in range(count + extra))
        for i, offset in enumerate(offsets):
            text = texts[rng.randrange(len(texts))]
            if i in carrying:
                text = f"{text} {term}"
            stamps.append(base + hour * 3600 + offset)
            chosen.append(text)
    return stamps, chosen


def replay(
    counter: TrendCounter, stamps: list[float], texts: list[str]
) -> tuple[list[Burst], float, float]:
    bursts: list[Burst] = []
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), BATCH):
        bursts.extend(counter.add_many(stamps[i : i + BATCH], texts[i : i + BATCH]))
    bursts.extend(counter.flush())
    return bursts, time.perf_counter() - started, time.process_time() - cpu


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    posts = 100_000 if args.quick and not args.posts else args.posts or 1_000_000
    stamps, texts = stream(posts, args.days, args.seed)
    rss_stream = rss_mb()
    counter = TrendCounter(TrendConfig(warmup=timedelta(hours=args.warmup_hours)))
    bursts, seconds, cpu_seconds = replay(counter, stamps, texts)
    posts = len(texts)
    found = 0
    injected_words = set()
    for term, kind, at, span, _ in INJECTED:
        token = tokens(term)[-1]  # the phrase itself for two words
        injected_words.update(tokens(term, bigrams=False))
        window = (START + timedelta(hours=at), START + timedelta(hours=at + span + 1))
        hits = [b for b in bursts if b.term == token and window[0] <= b.bucket_start < window[1]]
        first = hits[0] if hits else None
        found += bool(hits)
        print(
            f"{term:18} {kind:12} hour {at:3}  "
            + (
                f"found at +{(first.bucket_start - window[0]).total_seconds() / 3600:.0f} h, "
                f"{first.observed} posts vs {first.expected} expected, z {first.z}"
                if first
                else "missed"
            )
        )
    false = [b for b in bursts if not set(tokens(b.term, bigrams=False)) & injected_words]
    for burst in false[:10]:
        print(
            f"false burst: {burst.term} at {burst.bucket_start:%d %H:%M}, "
            f"{burst.observed} vs {burst.expected}"
        )
    return {
        "bench": "trends",
        "posts": posts,
        "days": args.days,
        "seconds": round(seconds, 2),
        "posts_per_s": round(posts / seconds),
        "posts_per_cpu_s": round(posts / cpu_seconds),
        "peak_rss_mb": round(rss_mb(), 1),
        "rss_after_building_stream_mb": round(rss_stream, 1),
        "tracked_terms": len(counter),
        "pruned_terms": counter.pruned,
        "bursts": len(bursts),
        "injected": len(INJECTED),
        "injected_found": found,
        "recall": round(found / len(INJECTED), 2),
        "false_bursts": len(false),
    }


# -- evaluation on real crises -----------------------------------------------------------


def keyword_forms(keywords: list[str]) -> set[str]:
    """The tokens an event keyword can show up as: a hashtag, a word, a two-word phrase,
    and the phrase written as one hashtag (``boston marathon`` -> ``#bostonmarathon``)."""
    forms = set()
    for keyword in keywords:
        folded = fold(keyword).strip()
        if folded.startswith("#"):
            forms.update({folded, folded[1:]})
            continue
        words = tokens(folded, bigrams=False)
        if len(words) == 1:
            forms.update({words[0], "#" + words[0]})
        elif len(words) == 2:
            forms.update({" ".join(words), "#" + "".join(words)})
    return forms


def evaluate(config: TrendConfig, top_n: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    from crisis_eval import ONSETS, TEXTS, TIMELINES, TWITTER_TIME, load_texts, onset_instant

    if not TEXTS.is_file():
        sys.exit(f"no data at {TEXTS}: the evaluation needs ../shared/data")
    texts = load_texts()
    rows = []
    for event in sorted(ONSETS):
        described = next((TIMELINES / event).glob("*event_description.json"), None)
        keywords = json.loads(described.read_text())["keywords"] if described else []
        forms = keyword_forms(keywords)
        posts = sorted(
            (datetime.strptime(stamp, TWITTER_TIME).timestamp(), text)  # noqa: DTZ007 (has %z)
            for stamp, found in texts.get(event, {}).items()
            for text in found
        )
        onset = onset_instant(ONSETS[event])
        if not posts:
            rows.append({"event": event, "posts": 0, "note": "no timestamps in the data set"})
            continue
        counter = TrendCounter(config)
        bursts = counter.add_many([p[0] for p in posts], [p[1] for p in posts]) + counter.flush()
        start = datetime.fromtimestamp(posts[0][0], UTC)
        after = [b for b in bursts if onset <= b.bucket_start + config.bucket]
        day = [b for b in after if b.bucket_start < onset + timedelta(hours=24)]
        top: dict[str, float] = {}
        for burst in sorted(day, key=lambda b: -b.z):
            top.setdefault(burst.term, burst.z)
        top_terms = list(top)[:top_n]
        labels = list(dict.fromkeys(b.topic for b in sorted(day, key=lambda b: -b.z)))
        own = [b for b in after if b.term in forms and b.bucket_start < onset + timedelta(hours=48)]
        first = own[0] if own else None
        delay = (first.bucket_start + config.bucket - onset) if first else None
        rows.append(
            {
                "event": event,
                "posts": len(posts),
                "posts_24h_after": sum(
                    1 for at, _ in posts if onset.timestamp() <= at < onset.timestamp() + 86400
                ),
                "quiet_h": round((onset - start).total_seconds() / 3600, 1),
                "armed_at_onset": onset - start >= config.warmup,
                "bursts_before_onset": sum(
                    1 for b in bursts if b.bucket_start + config.bucket <= onset
                ),
                "first_own_burst": first.term if first else None,
                "delay_h": None if delay is None else round(delay.total_seconds() / 3600, 1),
                "own_in_top": [t for t in top_terms if t in forms],
                "top_emerging": top_terms,
                "topics": labels[:5],
            }
        )
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    scored = [r for r in rows if r["posts"]]
    delays = sorted(r["delay_h"] for r in scored if r["delay_h"] is not None)
    return {
        "bench": "trends_eval",
        "events": len(rows),
        "scored": len(scored),
        "own_burst_48h": sum(1 for r in scored if r["delay_h"] is not None),
        "own_in_top": sum(1 for r in scored if r["own_in_top"]),
        "median_delay_h": delays[len(delays) // 2] if delays else None,
        "top_n": top_n,
        "warmup_h": config.warmup.total_seconds() / 3600,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 posts")
    parser.add_argument("--posts", type=int, default=0)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--eval", action="store_true", help="the real crisis timelines")
    parser.add_argument("--top", type=int, default=10, help="top emerging terms (--eval)")
    parser.add_argument(
        "--warmup-hours", type=int, default=6, help="hours before bursts are raised"
    )
    args = parser.parse_args()
    if args.eval:
        config = TrendConfig(warmup=timedelta(hours=args.warmup_hours))
        print(json.dumps(evaluate(config, args.top)))
    else:
        print(json.dumps(benchmark(args)))


if __name__ == "__main__":
    main()
