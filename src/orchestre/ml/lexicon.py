"""Sentiment-lexicon features: VADER's scores in English, VADER with the French lexicon of
vaderSentiment-fr in French. They carry word valences learnt from people's ratings, which a
few thousand labelled tweets cannot teach a model on their own."""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
    SentimentIntensityAnalyzer,
)

# Number of columns lexicon_features() returns per text.
WIDTH = 8
_NEUTRAL_BAND = 0.05


@cache
def _analyzer(lang: str) -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    if lang == "fr":
        source = resources.files("orchestre.ml") / "data" / "lexicons" / "fr_lexicon.txt"
        lexicon: dict[str, float] = {}
        for line in source.read_text(encoding="utf-8").splitlines():
            word, sep, value = line.strip().rpartition("->")
            if sep:
                try:
                    lexicon[word] = float(value)
                except ValueError:
                    continue
        analyzer.lexicon = lexicon
    return analyzer


def lexicon_features(texts: list[str], langs: list[str]) -> np.ndarray:
    """One row of WIDTH lexicon scores per text, read with its language's lexicon."""
    out = np.zeros((len(texts), WIDTH), dtype=np.float64)
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        if not text:
            continue
        scores = _analyzer("fr" if lang == "fr" else "en").polarity_scores(text)
        compound = float(scores["compound"])
        out[i] = (
            compound,
            max(compound, 0.0),
            max(-compound, 0.0),
            float(scores["pos"]),
            float(scores["neg"]),
            float(scores["neu"]),
            float(compound > _NEUTRAL_BAND),
            float(compound < -_NEUTRAL_BAND),
        )
    return out
