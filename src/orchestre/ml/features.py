"""The shared feature space every task reads: word and character n-gram TF-IDF, plus the
sentiment-lexicon scores. Stored as plain JSON (vocabulary and weights), never pickled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

from orchestre.ml import lexicon

# Words, hashtags and mentions, plus ! and ? which carry tone.
WORD_TOKENS = r"(?u)[#@]?\b\w+\b|[!?]"
LEXICON_NAMES = (
    "lexicon:compound",
    "lexicon:positive",
    "lexicon:negative",
    "lexicon:positive share",
    "lexicon:negative share",
    "lexicon:neutral share",
    "lexicon:is positive",
    "lexicon:is negative",
)
# Lexicon columns are scaled so that they weigh like a handful of n-grams.
LEXICON_SCALE = 1.0


def word_vectorizer(max_features: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        lowercase=False,
        token_pattern=WORD_TOKENS,
        ngram_range=(1, 2),
        min_df=2,
        max_features=max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )


def char_vectorizer(max_features: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        lowercase=False,
        analyzer="char_wb",
        ngram_range=(2, 5),
        min_df=3,
        max_features=max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _dump(vectorizer: TfidfVectorizer) -> dict[str, Any]:
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    return {
        "analyzer": vectorizer.analyzer,
        "ngram_range": list(vectorizer.ngram_range),
        "token_pattern": vectorizer.token_pattern,
        "terms": terms,
        "idf": [round(float(x), 6) for x in vectorizer.idf_],
    }


def _load(data: dict[str, Any]) -> TfidfVectorizer:
    vectorizer = TfidfVectorizer(
        lowercase=False,
        analyzer=str(data["analyzer"]),
        ngram_range=tuple(data["ngram_range"]),
        token_pattern=str(data["token_pattern"]),
        sublinear_tf=True,
        dtype=np.float32,
    )
    vectorizer.vocabulary_ = {str(term): i for i, term in enumerate(data["terms"])}
    vectorizer.idf_ = np.asarray(data["idf"], dtype=np.float64)
    return vectorizer


@dataclass
class Featurizer:
    """Turns normalized texts into one sparse row each (word n-grams, then character
    n-grams, then the lexicon columns)."""

    words: TfidfVectorizer
    chars: TfidfVectorizer

    @classmethod
    def fit(cls, texts: Sequence[str], *, max_words: int, max_chars: int) -> Featurizer:
        words = word_vectorizer(max_words).fit(texts)
        chars = char_vectorizer(max_chars).fit(texts)
        # The terms cut by min_df/max_features are only kept for inspection; they would
        # triple the stored size.
        for vectorizer in (words, chars):
            if hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_
        return cls(words, chars)

    @property
    def n_words(self) -> int:
        return len(self.words.vocabulary_)

    @property
    def n_text(self) -> int:
        return self.n_words + len(self.chars.vocabulary_)

    @property
    def width(self) -> int:
        return self.n_text + lexicon.WIDTH

    def text_matrix(self, normalized: Sequence[str]) -> sp.csr_matrix:
        """Word and character n-gram columns only."""
        return sp.hstack(
            [self.words.transform(normalized), self.chars.transform(normalized)],
            format="csr",
            dtype=np.float32,
        )

    def matrix(
        self,
        normalized: Sequence[str],
        clipped: Sequence[str],
        langs: Sequence[str],
        text_matrix: sp.csr_matrix | None = None,
    ) -> sp.csr_matrix:
        """Every column: n-grams of the normalized texts (unless already computed), lexicon
        scores of the clipped ones."""
        if text_matrix is None:
            text_matrix = self.text_matrix(normalized)
        lex = lexicon.lexicon_features(list(clipped), list(langs)) * LEXICON_SCALE
        return sp.hstack(
            [text_matrix, sp.csr_matrix(lex.astype(np.float32))], format="csr", dtype=np.float32
        )

    @cached_property
    def word_terms(self) -> list[str]:
        """The word n-grams, in column order."""
        return [str(term) for term in self.words.get_feature_names_out()]

    def feature_name(self, index: int) -> str:
        """A readable name for a word or lexicon column (character n-grams get theirs too)."""
        if index < self.n_words:
            return self.word_terms[index]
        if index >= self.n_text:
            return LEXICON_NAMES[index - self.n_text]
        return str(self.chars.get_feature_names_out()[index - self.n_words])

    def dump(self) -> dict[str, Any]:
        return {"words": _dump(self.words), "chars": _dump(self.chars)}

    @classmethod
    def load(cls, data: dict[str, Any]) -> Featurizer:
        return cls(_load(data["words"]), _load(data["chars"]))
