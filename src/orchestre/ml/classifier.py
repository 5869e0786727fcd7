"""Classify messages offline with the shipped models: language, sentiment, toxicity, spam
and whether they need a response, each with its scores and the words that drove it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from orchestre.ml import response
from orchestre.ml.bundle import Head, ModelBundle
from orchestre.ml.decision import Classification, Decision
from orchestre.ml.text import clip, has_letters, normalize

LANGS = ("en", "fr")
MAX_DRIVERS = 8
_EMPTY = Decision("other", 1.0, {"en": 0.0, "fr": 0.0, "other": 1.0})
_HINT_SCORE = 1.0


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return probabilities


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))
    return result


def _readable(normalized: str) -> bool:
    """Whether a message has anything to read: emoji-only and empty ones do not (a bare
    link does: spam often is one)."""
    return has_letters(normalized)


def language_hint(hint: str | None) -> str | None:
    """ "en", "fr" or "other" from a network's language tag ("fr-CA", "en_US", "de"), or None."""
    if not hint or not hint.strip():
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGS else "other"


class Classifier:
    """Every task at once over a batch: one sparse matrix, one product with all heads."""

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self.model_version = bundle.version
        self._n_text = bundle.featurizer.n_text
        self._n_words = bundle.featurizer.n_words
        # Per label, the weights that push towards it, computed once: a softmax label's row
        # less the mean of its head's rows; toxic labels add or take the hate head's row.
        self._towards: dict[tuple[str, str], np.ndarray] = {}
        for head in bundle.heads.values():
            rows = bundle.weights[head.row : head.row + head.rows]
            if head.kind == "softmax":
                mean = rows.mean(axis=0)
                for k, label in enumerate(head.labels):
                    self._towards[(head.name, label)] = rows[k] - mean
            else:
                self._towards[(head.name, head.labels[1])] = rows[0]
                self._towards[(head.name, head.labels[0])] = -rows[0]
        for lang in LANGS:
            toxic = bundle.weights[bundle.heads[f"toxic_{lang}"].row]
            hate = bundle.weights[bundle.heads[f"hate_{lang}"].row]
            self._towards[(f"toxicity_{lang}", "hate")] = toxic + hate
            self._towards[(f"toxicity_{lang}", "offensive")] = toxic - hate

    def classify(self, text: str, lang: str | None = None) -> Classification:
        return self.classify_many([text], [lang])[0]

    def classify_many(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Classification]:
        hints = list(langs) if langs is not None else [None] * len(texts)
        if len(hints) != len(texts):
            message = f"{len(texts)} texts but {len(hints)} language hints"
            raise ValueError(message)
        clipped = [clip(t) if isinstance(t, str) else "" for t in texts]
        normalized = [normalize(t) for t in clipped]
        readable = [_readable(t) for t in normalized]
        featurizer = self.bundle.featurizer
        text_matrix = featurizer.text_matrix(normalized)
        lang_head = self.bundle.heads["lang"]
        lang_probs = _softmax(self._logits(text_matrix, lang_head))
        lang_decisions = [
            self._language(lang_head, lang_probs[i], readable[i], hints[i])
            for i in range(len(texts))
        ]
        langs_read = [d.label if d.label in LANGS else "en" for d in lang_decisions]
        lexicon_texts = [t if ok else "" for t, ok in zip(clipped, readable, strict=True)]
        matrix = featurizer.matrix(normalized, lexicon_texts, langs_read, text_matrix)
        return self._all(matrix, clipped, readable, lang_decisions, langs_read)

    def _logits(self, matrix: sp.csr_matrix, head: Head) -> np.ndarray:
        weights = self.bundle.weights[head.row : head.row + head.rows, : matrix.shape[1]]
        logits: np.ndarray = (
            np.asarray(matrix @ weights.T) + self.bundle.bias[head.row : head.row + head.rows]
        )
        return logits

    def _language(
        self, head: Head, probs: np.ndarray, readable: bool, hint: str | None
    ) -> Decision:
        code = language_hint(hint)
        if code is not None:
            scores = dict.fromkeys(head.labels, 0.0) | {code: _HINT_SCORE}
            return Decision(code, _HINT_SCORE, scores, (("network language tag", 1.0),))
        if not readable:
            return _EMPTY
        scores = {label: round(float(p), 4) for label, p in zip(head.labels, probs, strict=True)}
        label = max(scores, key=lambda k: scores[k])
        return Decision(label, scores[label], scores)

    def _all(
        self,
        matrix: sp.csr_matrix,
        clipped: list[str],
        readable: list[bool],
        langs: list[Decision],
        read_as: list[str],
    ) -> list[Classification]:
        logits = np.asarray(matrix @ self.bundle.weights.T) + self.bundle.bias
        out = []
        for i, text in enumerate(clipped):
            start, end = matrix.indptr[i], matrix.indptr[i + 1]
            row = _Row(matrix.indices[start:end], matrix.data[start:end], logits[i])
            if end == start or not readable[i]:
                out.append(self._empty(langs[i], text))
            else:
                out.append(self._one(row, text, langs[i], read_as[i]))
        return out

    def _one(self, row: _Row, clipped: str, lang: Decision, read_as: str) -> Classification:
        sentiment = self._softmax_decision(self.bundle.heads[f"sentiment_{read_as}"], row)
        toxicity = self._toxicity(row, read_as)
        spam = self._sigmoid_decision(self.bundle.heads["spam"], row)
        needs = response.needs_response(
            clipped,
            negative=float(sentiment.scores["negative"]),
            spam=float(spam.scores["spam"]),
            toxic=1.0 - float(toxicity.scores["clean"]),
        )
        return Classification(lang, sentiment, toxicity, spam, needs, self.model_version)

    def _empty(self, lang: Decision, clipped: str) -> Classification:
        """Nothing the models can read (empty, emoji-only): the quiet default."""
        return Classification(
            lang=lang,
            sentiment=Decision("neutral", 1.0, {"negative": 0.0, "neutral": 1.0, "positive": 0.0}),
            toxicity=Decision("clean", 1.0, {"hate": 0.0, "offensive": 0.0, "clean": 1.0}),
            spam=Decision("ham", 1.0, {"spam": 0.0, "ham": 1.0}),
            needs_response=response.needs_response(clipped, 0.0, 0.0),
            model_version=self.model_version,
        )

    def _softmax_decision(self, head: Head, row: _Row) -> Decision:
        probs = _softmax(row.logits[None, head.row : head.row + head.rows])[0]
        k = int(np.argmax(probs))
        label = head.labels[k]
        scores = {label: round(float(p), 4) for label, p in zip(head.labels, probs, strict=True)}
        drivers = self._drivers(row, self._towards[(head.name, label)])
        return Decision(label, scores[label], scores, drivers)

    @staticmethod
    def _probability(head: Head, row: _Row) -> float:
        return float(_sigmoid(row.logits[head.row : head.row + 1])[0])

    def _sigmoid_decision(self, head: Head, row: _Row) -> Decision:
        p = self._probability(head, row)
        negative, positive = head.labels
        label = positive if p >= 0.5 else negative
        scores = {positive: round(p, 4), negative: round(1.0 - p, 4)}
        drivers = self._drivers(row, self._towards[(head.name, label)])
        return Decision(label, scores[label], scores, drivers)

    def _toxicity(self, row: _Row, lang: str) -> Decision:
        """Toxic or clean first, then hate or offensive among the toxic."""
        toxic_head = self.bundle.heads[f"toxic_{lang}"]
        hate_head = self.bundle.heads[f"hate_{lang}"]
        toxic = self._probability(toxic_head, row)
        hate = self._probability(hate_head, row)
        scores = {
            "hate": round(toxic * hate, 4),
            "offensive": round(toxic * (1.0 - hate), 4),
            "clean": round(1.0 - toxic, 4),
        }
        if toxic < 0.5:
            towards = self._towards[(toxic_head.name, "clean")]
            return Decision("clean", scores["clean"], scores, self._drivers(row, towards))
        label = "hate" if hate >= 0.5 else "offensive"
        drivers = self._drivers(row, self._towards[(f"toxicity_{lang}", label)])
        return Decision(label, scores[label], scores, drivers)

    def _drivers(self, row: _Row, towards: np.ndarray) -> tuple[tuple[str, float], ...]:
        """The words (and lexicon scores) of this message that pushed most towards a label;
        character n-grams are left out as no one reads them."""
        shown = (row.indices < self._n_words) | (row.indices >= self._n_text)
        indices = row.indices[shown]
        contributions = row.data[shown] * towards[indices]
        if len(contributions) > MAX_DRIVERS:
            top = np.argpartition(-contributions, MAX_DRIVERS)[:MAX_DRIVERS]
            indices, contributions = indices[top], contributions[top]
        order = np.argsort(-contributions)
        name = self.bundle.featurizer.feature_name
        return tuple(
            (name(index), round(value, 4))
            for index, value in zip(
                indices[order].tolist(), contributions[order].tolist(), strict=True
            )
            if value > 0
        )


@dataclass(frozen=True)
class _Row:
    """One message's non-zero features and every head's logits."""

    indices: np.ndarray
    data: np.ndarray
    logits: np.ndarray


_lock = threading.Lock()
_cached: Classifier | None = None


def load_classifier() -> Classifier:
    """The shipped classifier, loaded once per process from the package's own files."""
    global _cached
    with _lock:
        if _cached is None:
            _cached = Classifier(ModelBundle.load())
        return _cached
