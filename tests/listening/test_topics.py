"""Topic clusters: real messages land together with readable labels; status rules."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from orchestre.listening import topics as t

FIXTURE = Path(__file__).parent / "data" / "topics_crisislex.json"
AT = datetime(2026, 1, 5, 12, tzinfo=UTC)


@pytest.fixture(scope="session")
def crisis() -> list[dict[str, str]]:
    return list(json.loads(FIXTURE.read_text()))


@pytest.fixture(scope="session")
def crisis_vectors(crisis: list[dict[str, str]]) -> np.ndarray:
    # The encoder loads once per session (about 2 s) and embeds 40 tweets (about 0.1 s).
    return t.sentence_vectors([row["text"] for row in crisis])


def test_related_messages_land_together(
    crisis: list[dict[str, str]], crisis_vectors: np.ndarray
) -> None:
    labels = t.cluster_vectors(crisis_vectors)
    events = [row["event"] for row in crisis]
    by_cluster: dict[int, Counter[str]] = {}
    for label, event in zip(labels.tolist(), events, strict=True):
        by_cluster.setdefault(label, Counter())[event] += 1
    kept = {c: n for c, n in by_cluster.items() if sum(n.values()) >= t.MIN_SIZE}
    # Every topic of 3 or more messages holds one event only...
    assert all(len(n) == 1 for n in kept.values()), kept
    # ...and each event but the haze (chatty tweets) has a topic of at least 4 of its 10.
    largest: Counter[str] = Counter()
    for n in kept.values():
        event, size = n.most_common(1)[0]
        largest[event] = max(largest[event], size)
    for event in ("2013_Boston_bombings", "2013_LA_airport_shootings", "2012_Guatemala_earthquake"):
        assert largest[event] >= 4, (event, kept)


def test_topics_have_readable_labels(
    crisis: list[dict[str, str]], crisis_vectors: np.ndarray
) -> None:
    messages = [
        t.TopicMessage("mention", str(i), row["text"], AT, None) for i, row in enumerate(crisis)
    ]
    found = t.topics_of(messages, len(messages), 0, embed=lambda _: crisis_vectors)
    by_event = {}
    for topic in found:
        events = {crisis[int(s["ref"])]["event"] for s in topic.samples}
        assert len(events) == 1
        by_event.setdefault(events.pop(), topic.label)
    assert "guatemala" in by_event["2012_Guatemala_earthquake"]
    assert "boston" in by_event["2013_Boston_bombings"]
    assert "airport" in by_event["2013_LA_airport_shootings"]
    assert all(topic.status == "new" and topic.ratio is None for topic in found)


def test_french_and_english_on_one_subject_are_near() -> None:
    vectors = t.sentence_vectors(
        [
            "My parcel is two weeks late and nobody answers",
            "Mon colis a deux semaines de retard et personne ne répond",
            "The new spring collection looks gorgeous",
        ]
    )
    assert float(vectors[0] @ vectors[1]) > 0.6
    assert float(vectors[0] @ vectors[2]) < 0.4


@pytest.mark.parametrize(
    ("now", "before", "status"),
    [
        (5, 0, "new"),
        (0, 0, "steady"),
        (10, 5, "rising"),
        (9.9, 5, "steady"),
        (2.5, 5, "falling"),
        (2.6, 5, "steady"),
        (0, 4, "falling"),
    ],
)
def test_status_rules(now: float, before: float, status: str) -> None:
    assert t.status_of(now, before) == status


def test_labels_are_key_phrases_of_their_cluster_only() -> None:
    groups = [
        ["Late delivery again, parcel lost", "parcel lost by the courier", "lost parcel, late"],
        ["Love the new #springcollection", "the #springcollection dresses", "#springcollection!"],
    ]
    labels = t.label_clusters(groups)
    assert labels[0][0] == "parcel lost"  # the phrase, and its words are not repeated
    assert "parcel" not in labels[0][1:]
    assert "lost" not in labels[0][1:]
    assert labels[1][0] == "#springcollection"
    assert not set(labels[0]) & set(labels[1])


def _axis_embedder(topic_of: dict[str, int]) -> t.Embedder:
    """Messages of one topic share an axis (exact, so the test needs no encoder)."""

    def embed(texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, topic_of[text.split()[0]]] = 1.0
            out[row, 7] = 0.05 * (row % 3)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    return embed


def test_status_against_the_period_before_with_estimates() -> None:
    def msgs(word: str, current: int, before: int, negative: int = 0) -> list[t.TopicMessage]:
        made = []
        for i in range(current + before):
            sentiment = "negative" if i < negative else "neutral"
            made.append(
                t.TopicMessage("inbox", f"{word}{i}", f"{word} {i}", AT, sentiment, i < current)
            )
        return made

    messages = (
        msgs("refund", 8, 2, negative=6)
        + msgs("launch", 4, 0)
        + msgs("outage", 0, 6)
        + msgs("hours", 4, 4)
        + msgs("noise", 2, 0)
    )
    embed = _axis_embedder({"refund": 0, "launch": 1, "outage": 2, "hours": 3, "noise": 4})
    # The sample holds 18 messages of the period and 12 of the one before; each period had
    # twice that many in all, so estimates are the counts times two.
    found = {topic.label: topic for topic in t.topics_of(messages, 36, 24, embed=embed)}
    assert set(found) == {"refund", "launch", "outage", "hours"}  # noise: under 3 messages
    refund = found["refund"]
    assert (refund.status, refund.size, refund.previous_size) == ("rising", 8, 2)
    assert (refund.estimated, refund.previous_estimated, refund.ratio) == (16.0, 4.0, 4.0)
    assert (refund.negative, refund.judged, refund.negative_share) == (6, 8, 0.75)
    assert refund.sources == {"inbox": 8}
    assert found["launch"].status == "new"
    assert found["launch"].ratio is None
    assert found["outage"].status == "falling"
    assert found["outage"].estimated == 0
    assert found["hours"].status == "steady"
    assert found["hours"].ratio == 1.0
    assert len(refund.samples) == 3
    assert all(s["text"].startswith("refund") for s in refund.samples)
