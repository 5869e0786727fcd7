"""Scores of a trained bundle on rows it never saw, beside off-the-shelf baselines on the
same rows (vaderSentiment, vaderSentiment-fr, alt-profanity-check, glin-profanity; these
come with the `eval` extra and are imported only here)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score, recall_score  # type: ignore[import-untyped]

from orchestre.ml.classifier import Classifier
from orchestre.ml.corpus import Row
from orchestre.ml.decision import Classification

_NEUTRAL_BAND = 0.05


@dataclass
class Score:
    """One line of the scores table."""

    task: str
    lang: str
    rows: str  # which held-out rows
    metric: str
    n: int
    model: float
    target: float | None = None
    baselines: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "lang": self.lang,
            "rows": self.rows,
            "metric": self.metric,
            "n": self.n,
            "model": self.model,
            "target": self.target,
            "baselines": self.baselines,
        }


def _macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 3)


def _macro_recall(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return round(float(recall_score(truth, predicted, average="macro", zero_division=0)), 3)


def _vader_label(compound: float) -> str:
    if compound >= _NEUTRAL_BAND:
        return "positive"
    return "negative" if compound <= -_NEUTRAL_BAND else "neutral"


def vader_en(texts: Sequence[str]) -> list[str]:
    from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
        SentimentIntensityAnalyzer,
    )

    analyzer = SentimentIntensityAnalyzer()
    return [_vader_label(analyzer.polarity_scores(t)["compound"]) for t in texts]


def vader_fr(texts: Sequence[str]) -> list[str]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fuzzywuzzy warns about its slow matcher
        from vaderSentiment_fr.vaderSentiment import (
            SentimentIntensityAnalyzer,
        )
    analyzer = SentimentIntensityAnalyzer()
    return [_vader_label(analyzer.polarity_scores(t)["compound"]) for t in texts]


def profanity_check(texts: Sequence[str]) -> list[str]:
    from profanity_check import predict

    return ["toxic" if p else "clean" for p in predict(list(texts))]


def glin_profanity(texts: Sequence[str]) -> list[str]:
    from glin_profanity import Filter

    checker = Filter({"languages": ["english", "french"]})
    return ["toxic" if checker.is_profane(t) else "clean" for t in texts]


def _classify(classifier: Classifier, rows: Sequence[Row]) -> list[Classification]:
    # Each task is measured with the row's language given, as a network's tag would;
    # language identification is measured on its own.
    return classifier.classify_many([r.text for r in rows], [r.lang for r in rows])


def _toxic_truth(row: Row) -> str:
    return "toxic" if row.label in ("hate", "offensive") else "clean"


def _toxic_predicted(c: Classification) -> str:
    return "clean" if c.toxicity.label == "clean" else "toxic"


def sentiment_scores(
    classifier: Classifier, rows: Sequence[Row], *, baselines: bool
) -> list[Score]:
    out = []
    for lang, target in (("en", 0.68), ("fr", 0.68)):
        part = [r for r in rows if r.lang == lang]
        truth = [r.label for r in part]
        predicted = [c.sentiment.label for c in _classify(classifier, part)]
        base: dict[str, list[str]] = {}
        if baselines:
            texts = [r.text for r in part]
            base = (
                {"vaderSentiment": vader_en(texts)}
                if lang == "en"
                else {"vaderSentiment-fr": vader_fr(texts)}
            )
        source = part[0].source if part else ""
        for metric, fn, goal in (
            ("macro-recall", _macro_recall, target),
            ("macro-F1", _macro_f1, None),
        ):
            out.append(
                Score(
                    "sentiment",
                    lang,
                    source,
                    metric,
                    len(part),
                    fn(truth, predicted),
                    goal,
                    {name: fn(truth, p) for name, p in base.items()},
                )
            )
    return out


TOXICITY_TARGETS = {
    "tweeteval_offensive": ("en", 0.80),
    "tweeteval_hate": ("en", 0.60),
    "mlma_fr": ("fr", 0.70),
    "davidson2017": ("en", None),
}


def toxicity_scores(classifier: Classifier, rows: Sequence[Row], *, baselines: bool) -> list[Score]:
    out = []
    for source, (lang, target) in TOXICITY_TARGETS.items():
        part = [r for r in rows if r.source == source]
        results = _classify(classifier, part)
        truth = [_toxic_truth(r) for r in part]
        base: dict[str, float] = {}
        if baselines:
            texts = [r.text for r in part]
            base = {
                "alt-profanity-check": _macro_f1(truth, profanity_check(texts)),
                "glin-profanity": _macro_f1(truth, glin_profanity(texts)),
            }
        predicted = [_toxic_predicted(c) for c in results]
        out.append(
            Score(
                "toxicity",
                lang,
                source,
                "toxic-vs-clean macro-F1",
                len(part),
                _macro_f1(truth, predicted),
                target,
                base,
            )
        )
        if source in ("davidson2017", "mlma_fr"):
            three = [c.toxicity.label for c in results]
            out.append(
                Score(
                    "toxicity",
                    lang,
                    source,
                    "hate/offensive/clean macro-F1",
                    len(part),
                    _macro_f1([r.label for r in part], three),
                )
            )
    return out


def false_alarm_scores(
    classifier: Classifier, sentiment_rows: Sequence[Row], labelled: Sequence[LabelledMessage]
) -> list[Score]:
    """How often ordinary messages are called toxic (lower is better): the held-out
    sentiment tweets (everyday messages, not collected around hate keywords, though a few
    are rude) and the customer-service messages written for the hand-labelled set."""
    out = []
    for lang in ("en", "fr"):
        tweets = [r for r in sentiment_rows if r.lang == lang]
        written = [m.text for m in labelled if m.origin == "written" and m.lang == lang]
        sources = sorted({r.source for r in tweets})
        for name, texts in (
            (f"{', '.join(sources)} (sentiment rows)", [r.text for r in tweets]),
            ("hand-labelled set, written messages", written),
        ):
            results = classifier.classify_many(texts, [lang] * len(texts))
            flagged = sum(_toxic_predicted(c) == "toxic" for c in results)
            out.append(
                Score(
                    "toxicity",
                    lang,
                    name,
                    "share called toxic (lower is better)",
                    len(texts),
                    round(flagged / len(texts), 3) if texts else 0.0,
                )
            )
    return out


def spam_scores(classifier: Classifier, rows: Sequence[Row]) -> list[Score]:
    out = []
    for source, target in (("youtube_spam_collection", 0.95), ("sms_spam_collection", None)):
        part = [r for r in rows if r.source == source]
        predicted = [c.spam.label for c in _classify(classifier, part)]
        out.append(
            Score(
                "spam",
                "en",
                source,
                "macro-F1",
                len(part),
                _macro_f1([r.label for r in part], predicted),
                target,
            )
        )
    return out


def language_scores(classifier: Classifier, rows: Sequence[Row]) -> list[Score]:
    predicted = [c.lang.label for c in classifier.classify_many([r.text for r in rows])]
    return [
        Score(
            "language",
            "en+fr+other",
            "held-out rows of every file",
            "macro-F1",
            len(rows),
            _macro_f1([r.lang for r in rows], predicted),
        )
    ]


@dataclass(frozen=True)
class LabelledMessage:
    """A message labelled by hand for "needs a response"."""

    text: str
    lang: str
    needs_response: str
    kind: str
    origin: str  # the data file's source, or "written" for messages written for this set


def read_response_set(path: Path) -> list[LabelledMessage]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            LabelledMessage(r["text"], r["lang"], r["needs_response"], r["kind"], r["origin"])
            for r in csv.DictReader(handle)
        ]


def response_scores(classifier: Classifier, labelled: Sequence[LabelledMessage]) -> list[Score]:
    results = classifier.classify_many([m.text for m in labelled], [m.lang for m in labelled])
    pairs = list(zip(labelled, results, strict=True))
    groups: dict[tuple[str, str], Callable[[LabelledMessage], bool]] = {
        ("en", "hand-labelled set, all"): lambda m: m.lang == "en",
        ("fr", "hand-labelled set, all"): lambda m: m.lang == "fr",
        ("en+fr", "hand-labelled set, rows of the data files"): lambda m: m.origin != "written",
        ("en+fr", "hand-labelled set, written messages"): lambda m: m.origin == "written",
    }
    out = []
    for (lang, name), keep in groups.items():
        part = [(m, c) for m, c in pairs if keep(m)]
        truth = [m.needs_response for m, _ in part]
        predicted = [c.needs_response.label for _, c in part]
        out.append(
            Score("needs_response", lang, name, "macro-F1", len(part), _macro_f1(truth, predicted))
        )
    both = [(m, c) for m, c in pairs if m.needs_response == "yes" and c.response_kind is not None]
    if both:
        right = sum(m.kind == c.response_kind for m, c in both) / len(both)
        out.append(
            Score(
                "needs_response",
                "en+fr",
                "hand-labelled set, yes found",
                "kind accuracy",
                len(both),
                round(right, 3),
            )
        )
    return out


def evaluate(
    classifier: Classifier,
    held_out: dict[str, list[Row]],
    labelled_responses: Sequence[LabelledMessage],
    *,
    baselines: bool = True,
    log: Callable[[str], None] = print,
) -> list[Score]:
    log("scoring on held-out rows")
    scores = sentiment_scores(classifier, held_out["sentiment"], baselines=baselines)
    scores += toxicity_scores(classifier, held_out["toxicity"], baselines=baselines)
    scores += false_alarm_scores(classifier, held_out["sentiment"], labelled_responses)
    scores += spam_scores(classifier, held_out["spam"])
    scores += language_scores(classifier, held_out["language"])
    scores += response_scores(classifier, labelled_responses)
    return scores
