"""Trends: tokens, counting per bucket, bursts against each term's baseline, memory bound."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from orchestre.listening.trends import TrendConfig, TrendCounter, fold, kind_of, tokens

START = datetime(2026, 3, 2, tzinfo=UTC)
WORDS = [
    "service",
    "client",
    "commande",
    "livraison",
    "colis",
    "retard",
    "produit",
    "qualite",
    "prix",
    "magasin",
    "order",
    "delivery",
    "parcel",
    "refund",
    "support",
    "store",
    "price",
    "quality",
    "shipping",
    "account",
]


def _stream(
    hours: int, per_hour: int, seed: int, burst: tuple[str, int, int] | None = None
) -> list[tuple[float, str]]:
    """Posts of three random words spread over each hour; `burst` = (token, hour, posts)
    adds that many posts carrying the token in that hour."""
    rng = random.Random(seed)
    posts = []
    for hour in range(hours):
        base = (START + timedelta(hours=hour)).timestamp()
        extra = burst[2] if burst and burst[1] == hour else 0
        for i in range(per_hour + extra):
            text = " ".join(rng.sample(WORDS, 3))
            if i >= per_hour and burst:
                text += f" {burst[0]}"
            posts.append((base + rng.uniform(0, 3599), text))
    posts.sort()
    return posts


def _replay(counter: TrendCounter, posts: list[tuple[float, str]]) -> list:
    stamps, texts = zip(*posts, strict=True)
    return counter.add_many(stamps, texts) + counter.flush()


def test_tokens_fold_accents_keep_hashtags_drop_links_and_handles() -> None:
    text = "L'Été à Noël: #GrèveSNCF https://t.co/AbC www.x.fr @SNCF_Voyageurs Œuvre été crème"
    found = tokens(text)
    assert "#grevesncf" in found
    assert "noel" in found
    assert "oeuvre" in found
    assert "creme" in found
    assert not any("sncf_voyageurs" in t or "t.co" in t or "http" in t for t in found)
    assert "ete" not in found  # a stop word once folded
    assert "oeuvre creme" in found  # bigram of consecutive kept words
    assert fold("ÇA Déjà") == "ca deja"
    assert kind_of("#x") == "hashtag"
    # An order number has no letter; "C#dev" is glued to a word: neither is a hashtag.
    assert not any(t.startswith("#") for t in tokens("commande #47614 en retard, C#dev"))
    assert kind_of("a b") == "phrase"
    assert kind_of("ab") == "term"
    assert tokens("the cat and the hat", bigrams=False) == ["cat", "hat"]


def test_counts_each_post_once_per_token() -> None:
    counter = TrendCounter(TrendConfig(admit_count=1))
    at = START.timestamp()
    counter.add_many([at, at + 1], ["colis colis colis perdu", "colis arrive"])
    counter.add(START + timedelta(hours=1), "autre chose")  # closes the first hour
    state = counter._terms
    assert state["colis"][4] == 2  # two posts, not four mentions
    assert state["perdu"][4] == 1
    assert "autre" not in state  # the second hour is still open


def test_synthetic_burst_found_at_its_hour_and_steady_terms_not_flagged() -> None:
    posts = _stream(48, 60, seed=3, burst=("#pannegenerale", 36, 25))
    bursts = _replay(TrendCounter(), posts)
    assert [b.term for b in bursts] == ["#pannegenerale"]
    burst = bursts[0]
    assert burst.bucket_start == START + timedelta(hours=36)
    assert burst.observed == 25
    assert burst.new
    assert burst.z >= burst.bar
    # Without the injection, nothing at all is raised over two days of steady words.
    assert _replay(TrendCounter(), _stream(48, 60, seed=3)) == []


def test_no_burst_during_warm_up() -> None:
    posts = _stream(30, 60, seed=4, burst=("#tot", 3, 40))
    assert _replay(TrendCounter(), posts) == []


def test_a_rising_known_term_is_tested_against_its_own_baseline() -> None:
    # "retard" is in every hour's words (about 9 posts an hour): 12 more is not a burst of
    # a rare term but a doubling of a common one, tested against its own rate.
    small = _replay(TrendCounter(), _stream(48, 60, seed=5, burst=("retard", 40, 6)))
    large = _replay(TrendCounter(), _stream(48, 60, seed=5, burst=("retard", 40, 60)))
    assert "retard" not in {b.term for b in small}
    found = [b for b in large if b.term == "retard"]
    assert found
    assert not found[0].new
    assert found[0].expected > 5


def test_trends_classify_new_rising_falling_steady() -> None:
    counter = TrendCounter()
    rng = random.Random(7)
    stamps, texts = [], []
    for hour in range(72):
        base = (START + timedelta(hours=hour)).timestamp()
        for i in range(60):
            words = rng.sample(WORDS, 3)
            if hour < 66 and i < 20:
                words.append("soldes")  # falls silent for the last six hours
            if hour >= 66 and i < 20:
                words.append("#rappelproduit")  # new in the last six hours
            if i >= 55 or (hour >= 66 and i >= 35):
                words.append("meteo")  # 5 posts an hour, then 25
            stamps.append(base + i * 59)
            texts.append(" ".join(words))
    counter.add_many(stamps, texts)
    counter.flush()
    by_term = {t.term: t for t in counter.trends(top_n=1000)}
    assert by_term["#rappelproduit"].status == "new"
    assert by_term["soldes"].status == "falling"
    assert by_term["soldes"].baseline > by_term["soldes"].recent
    assert by_term["livraison"].status == "steady"
    assert by_term["meteo"].status == "rising"
    assert by_term["meteo"].ratio >= 2
    assert [t.status for t in counter.trends(statuses=["new"])] == ["new"]


def test_memory_bound_respected() -> None:
    config = TrendConfig(max_terms=500, bucket_max_terms=2_000)
    counter = TrendCounter(config)
    rng = random.Random(11)
    vocabulary = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(3000)]
    stamps = [START.timestamp() + i * 2 for i in range(20_000)]
    texts = [" ".join(rng.choices(vocabulary, k=5)) for _ in stamps]
    for i in range(0, len(texts), 500):
        counter.add_many(stamps[i : i + 500], texts[i : i + 500])
        assert len(counter) <= config.max_terms
        assert len(counter._counts) <= config.bucket_max_terms * 2
    counter.flush()
    assert len(counter) <= config.max_terms
    assert counter.pruned > 0


def test_deterministic() -> None:
    posts = _stream(40, 50, seed=9, burst=("#x2", 30, 30))
    first, second = TrendCounter(), TrendCounter()
    assert _replay(first, posts) == _replay(second, posts)
    assert first.trends(50) == second.trends(50)


def test_posts_out_of_order_are_refused() -> None:
    counter = TrendCounter()
    counter.add(START + timedelta(hours=2), "colis")
    with pytest.raises(ValueError, match="time order"):
        counter.add(START, "colis")


def test_bursting_terms_carried_by_the_same_posts_make_one_topic() -> None:
    rng = random.Random(13)
    stamps, texts = [], []
    for hour in range(30):
        base = (START + timedelta(hours=hour)).timestamp()
        for i in range(80):
            words = rng.sample(WORDS, 3)
            if hour == 20 and i < 15:
                words += ["#pannereseau", "antenne coupee"]  # one story, two tags
            if hour == 20 and 40 <= i < 52:
                words.append("#soldes")  # another story in the same hour
            stamps.append(base + i * 40)
            texts.append(" ".join(words))
    counter = TrendCounter()
    bursts = counter.add_many(stamps, texts) + counter.flush()
    topic = {burst.term: burst.topic for burst in bursts}
    assert topic["#pannereseau"] == "antenne coupee"
    assert topic["antenne"] == topic["coupee"] == "antenne coupee"
    assert topic["#soldes"] == "#soldes"
