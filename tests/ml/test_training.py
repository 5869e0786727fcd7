"""Training is reproducible and what it saves predicts what it trained."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from orchestre.ml import corpus, training
from orchestre.ml.bundle import FEATURES_FILE, HEADS_FILE, ModelBundle
from orchestre.ml.classifier import Classifier
from orchestre.ml.corpus import Row


def _small() -> training.Corpus:
    def take(name: str, n: int) -> list[Row]:
        rows = corpus.read(name)
        by_label: dict[tuple[str, str], list[Row]] = {}
        for row in rows:
            by_label.setdefault((row.lang, row.label), []).append(row)
        return [r for group in by_label.values() for r in group[:n]]

    return training.Corpus(
        sentiment=take("sentiment.csv", 40),
        toxicity=take("toxicity.csv", 40),
        spam=take("spam.csv", 40),
        other_lang=corpus.other_language_rows(corpus.read("crisis_multilingual.csv"))[:60],
    )


def _hashed_vectors(terms: Sequence[str]) -> np.ndarray:
    """Stand-in term vectors (the sentence encoder is in the `eval` extra, not in CI)."""
    seeds = [int.from_bytes(hashlib.sha256(t.encode()).digest()[:4], "big") for t in terms]
    return np.stack([np.random.default_rng(s).normal(size=16) for s in seeds]).astype(np.float32)


def test_same_rows_same_files(tmp_path: Path) -> None:
    small = _small()
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        bundle = training.train(small, "test", log=lambda _: None, term_vectors=_hashed_vectors)
        bundle.save(folder)
    for name in (FEATURES_FILE, HEADS_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    loaded = Classifier(ModelBundle.load(first))
    assert loaded.classify("Bonjour à tous").model_version == "test"


def test_held_out_rows_are_never_trained_on() -> None:
    rows = corpus.read("sentiment.csv")
    train, held_out = corpus.split(rows, lambda r: r.label)
    assert not {r.uid for r in train} & {r.uid for r in held_out}
    assert len(held_out) == sum(1 for _ in held_out) > 0.15 * len(rows)
    assert corpus.split(rows, lambda r: r.label)[1] == held_out  # same split every run


def test_other_language_examples() -> None:
    rows = [
        Row(
            "1",
            "El terremoto deja muchos muertos por toda la zona, como dicen los vecinos",
            "multi",
            "",
            "c",
        ),
        Row("2", "The fire is spreading near the town", "multi", "", "c"),
    ]
    assert [r.uid for r in corpus.other_language_rows(rows)] == ["1"]
