"""Training of the shipped models from the copied rows: one shared feature space, one
logistic regression per task and language, fixed seeds, byte-identical output per run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
import sklearn  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from orchestre.ml import lexicon
from orchestre.ml.bundle import Head, ModelBundle
from orchestre.ml.corpus import Row
from orchestre.ml.features import Featurizer
from orchestre.ml.text import clip, normalize

MODEL_SCHEMA = "1"
MAX_WORDS = 60_000
MAX_CHARS = 120_000
# English rows far outnumber the others; the language head needs only a sample of them.
LANG_SAMPLE_PER_SOURCE = 1500


@dataclass(frozen=True)
class Corpus:
    """The rows each head learns from."""

    sentiment: list[Row]
    toxicity: list[Row]
    spam: list[Row]
    other_lang: list[Row]

    def texts(self) -> list[Row]:
        return self.sentiment + self.toxicity + self.spam + self.other_lang


@dataclass(frozen=True)
class HeadSpec:
    name: str
    kind: Literal["softmax", "sigmoid"]
    labels: tuple[str, ...]
    rows: Callable[[Corpus], list[tuple[Row, str]]]
    c: float = 1.0
    lexicon: bool = True  # read the sentiment-lexicon columns (they help sentiment only)
    # Give each source the same total weight (each class within it too), so a large source
    # with its own idea of a label does not drown the others.
    balance_sources: bool = False
    # Scale the weight of some sources after balancing (source -> factor).
    source_scale: tuple[tuple[str, float], ...] = ()


def _toxic(row: Row) -> str | None:
    if row.label in ("hate", "offensive"):
        return "toxic"
    return "clean" if row.label in ("clean", "not_hate") else None


def _hate(row: Row) -> str | None:
    if row.label == "hate":
        return "hate"
    # Only rows labelled in three classes tell offensive-but-not-hateful apart.
    return "offensive" if row.label == "offensive" and row.source != "tweeteval_offensive" else None


def _labelled(rows: Sequence[Row], label: Callable[[Row], str | None]) -> list[tuple[Row, str]]:
    out = []
    for row in rows:
        value = label(row)
        if value is not None:
            out.append((row, value))
    return out


def _lang_rows(corpus: Corpus) -> list[tuple[Row, str]]:
    by_source: dict[str, list[Row]] = {}
    for row in corpus.sentiment + corpus.toxicity + corpus.spam:
        by_source.setdefault(row.source, []).append(row)
    sample: list[tuple[Row, str]] = []
    for source in sorted(by_source):
        rows = sorted(by_source[source], key=lambda r: r.uid)[:LANG_SAMPLE_PER_SOURCE]
        sample.extend((r, r.lang) for r in rows)
    return sample + [(r, "other") for r in corpus.other_lang]


SENTIMENT = ("negative", "neutral", "positive")
# The source of ordinary messages in each language (its sentiment rows).
EVERYDAY_SOURCE = {"en": "tweeteval_sentiment", "fr": "xlmt_deft2017_fr"}


def _per_language(lang: str, balance_sources: bool, everyday: bool) -> tuple[HeadSpec, ...]:
    """The sentiment head and the two toxicity heads of one language. With `everyday`,
    the sentiment rows also count as clean examples for the toxic head: the language's
    toxicity rows were all collected around hate keywords, and without ordinary messages
    the head took any message for offensive. They weigh a quarter of the language's own
    clean rows: given as much, they taught "a hate keyword means toxic" and the head lost
    the toxicity rows' own clean ones."""

    def toxicity(c: Corpus) -> list[Row]:
        return [r for r in c.toxicity if r.lang == lang]

    def toxic_or_clean(c: Corpus) -> list[tuple[Row, str]]:
        rows = _labelled(toxicity(c), _toxic)
        if everyday:
            rows += [(r, "clean") for r in c.sentiment if r.lang == lang]
        return rows

    return (
        HeadSpec(
            f"sentiment_{lang}",
            "softmax",
            SENTIMENT,
            lambda c: [(r, r.label) for r in c.sentiment if r.lang == lang],
            c=0.3,  # two thousand rows per language: more regularization than the others
        ),
        HeadSpec(
            f"toxic_{lang}",
            "sigmoid",
            ("clean", "toxic"),
            toxic_or_clean,
            lexicon=False,
            balance_sources=balance_sources or everyday,
            source_scale=((EVERYDAY_SOURCE[lang], 0.25),) if everyday else (),
        ),
        HeadSpec(
            f"hate_{lang}",
            "sigmoid",
            ("offensive", "hate"),
            lambda c: _labelled(toxicity(c), _hate),
            lexicon=False,
            balance_sources=balance_sources,
        ),
    )


HEADS = (
    HeadSpec("lang", "softmax", ("en", "fr", "other"), _lang_rows, c=3.0, lexicon=False),
    # English toxicity comes from three sources with three ideas of a label (see _weights).
    *_per_language("en", balance_sources=True, everyday=False),
    *_per_language("fr", balance_sources=False, everyday=True),
    # SMS outnumber YouTube comments eight to one; both count the same.
    HeadSpec(
        "spam",
        "sigmoid",
        ("ham", "spam"),
        lambda c: [(r, r.label) for r in c.spam],
        lexicon=False,
        balance_sources=True,
    ),
)


class _Features:
    """Feature rows computed once per text and shared by every head."""

    def __init__(self, featurizer: Featurizer, rows: Sequence[Row]) -> None:
        unique = {row.uid: row for row in rows}
        self.index = {uid: i for i, uid in enumerate(unique)}
        texts = [clip(row.text) for row in unique.values()]
        langs = [row.lang if row.lang == "fr" else "en" for row in unique.values()]
        self.matrix = featurizer.matrix([normalize(t) for t in texts], texts, langs)
        self.n_text = featurizer.n_text

    def rows(self, rows: Sequence[Row], with_lexicon: bool) -> sp.csr_matrix:
        matrix = self.matrix[[self.index[row.uid] for row in rows]]
        if not with_lexicon:
            matrix = matrix[:, : self.n_text]
        return matrix


def _fit(spec: HeadSpec, features: _Features, corpus: Corpus) -> tuple[np.ndarray, np.ndarray]:
    pairs = spec.rows(corpus)
    x = features.rows([row for row, _ in pairs], spec.lexicon)
    y = np.array([spec.labels.index(label) for _, label in pairs])
    model = LogisticRegression(C=spec.c, max_iter=3000, solver="lbfgs", random_state=0)
    weights = _weights(pairs, spec.balance_sources)
    for source, factor in spec.source_scale:
        weights[[i for i, (row, _) in enumerate(pairs) if row.source == source]] *= factor
    model.fit(x, y, sample_weight=weights)
    weights = np.zeros((model.coef_.shape[0], features.matrix.shape[1]), dtype=np.float32)
    weights[:, : x.shape[1]] = model.coef_
    return weights, model.intercept_.astype(np.float32)


def _weights(pairs: Sequence[tuple[Row, str]], by_source: bool) -> np.ndarray:
    """Weights that give every (source, label) group, or every label, the same total."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (row, label) in enumerate(pairs):
        groups.setdefault((row.source if by_source else "", label), []).append(i)
    weights = np.ones(len(pairs))
    for members in groups.values():
        weights[members] = len(pairs) / (len(groups) * len(members))
    return weights


def train(corpus: Corpus, version: str, log: Callable[[str], None] = print) -> ModelBundle:
    texts = corpus.texts()
    log(f"fitting the feature space on {len(texts)} texts")
    featurizer = Featurizer.fit(
        [normalize(clip(r.text)) for r in texts], max_words=MAX_WORDS, max_chars=MAX_CHARS
    )
    features = _Features(featurizer, texts)
    heads: dict[str, Head] = {}
    weights: list[np.ndarray] = []
    biases: list[np.ndarray] = []
    row = 0
    for spec in HEADS:
        log(f"training {spec.name}")
        w, b = _fit(spec, features, corpus)
        heads[spec.name] = Head(spec.name, spec.kind, spec.labels, row)
        row += w.shape[0]
        weights.append(w)
        biases.append(b)
    assert featurizer.width == features.matrix.shape[1] == lexicon.WIDTH + featurizer.n_text
    return ModelBundle(
        featurizer=featurizer,
        heads=heads,
        weights=np.vstack(weights),
        bias=np.concatenate(biases),
        version=version,
        trained_with=sklearn.__version__,
    )
