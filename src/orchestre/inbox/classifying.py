"""Putting the classifiers' labels on new inbound messages, without ever losing one.

One `classify_many` call per batch. When it fails, each message is tried alone, so one
bad message does not flag its neighbours; a message whose classification still fails (or
when no classifier can be loaded) keeps `classified` False and says why in
`classify_error`, which flags it in the inbox. An empty message (a sticker, a photo
without a caption) has nothing to classify: it is marked classified, with no labels.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from orchestre.models.inbox import InboxMessage

log = logging.getLogger(__name__)

# The classifiers read the start of a long message: enough to judge it, and a
# 10,000-character comment costs no more than a short one.
CLASSIFY_CHARS = 2_000
NO_RESPONSE = frozenset({"no", "none", "false", "0"})
YES_RESPONSE = frozenset({"yes", "true", "1"})


class Classifier(Protocol):
    """What `orchestre.ml.load_classifier()` returns (tests give fakes)."""

    def classify_many(self, texts: Sequence[str], langs: Sequence[str | None]) -> Sequence[Any]: ...


class _Unavailable(Exception):
    pass


def default_classifier() -> Classifier:
    try:
        # Imported by name: the classifiers are a heavy, optional part of a process.
        ml = importlib.import_module("orchestre.ml")
    except ImportError as exc:
        raise _Unavailable(f"no classifier installed ({exc})") from exc
    try:
        classifier: Classifier = ml.load_classifier()
    except Exception as exc:
        raise _Unavailable(f"the classifier failed to load: {exc}") from exc
    return classifier


def classify_messages(messages: Sequence[InboxMessage], classifier: Classifier | None) -> None:
    """Label each message in place (see the module docstring for failures)."""
    todo = [m for m in messages if m.text.strip()]
    for message in messages:
        if not message.text.strip():
            message.classified = True
            message.classification = {"skipped": "empty"}
    if not todo:
        return
    if classifier is None:
        try:
            classifier = default_classifier()
        except _Unavailable as exc:
            _flag(todo, str(exc))
            return
    try:
        results = _run(classifier, todo)
    except Exception as exc:
        log.warning("classification of %d messages failed (%s); one by one", len(todo), exc)
        for message in todo:
            _one(classifier, message)
        return
    for message, result in zip(todo, results, strict=True):
        _label(message, result)


def _run(classifier: Classifier, messages: Sequence[InboxMessage]) -> Sequence[Any]:
    texts = [m.text[:CLASSIFY_CHARS] for m in messages]
    langs = [m.language for m in messages]
    results = classifier.classify_many(texts, langs)
    if len(results) != len(messages):
        raise ValueError(f"{len(results)} results for {len(messages)} messages")
    return results


def _one(classifier: Classifier, message: InboxMessage) -> None:
    try:
        (result,) = _run(classifier, [message])
        _label(message, result)
    except Exception as exc:
        log.warning("message %s left unclassified: %s", message.external_id, exc)
        _flag([message], f"{type(exc).__name__}: {exc}")


def _flag(messages: Sequence[InboxMessage], reason: str) -> None:
    for message in messages:
        message.classified = False
        message.classify_error = reason[:500]


def _label(message: InboxMessage, result: Any) -> None:
    """Copy one classification onto the message; a result missing a part is an error."""
    try:
        lang, sentiment = result.lang, result.sentiment
        toxicity, spam, needs = result.toxicity, result.spam, result.needs_response
        message.language = str(lang.label)[:8] or message.language
        message.sentiment = str(sentiment.label)[:10]
        message.sentiment_score = float(sentiment.score)
        message.toxicity = str(toxicity.label)[:10]
        message.toxicity_score = float(toxicity.score)
        message.spam = str(spam.label).lower() == "spam"
        message.spam_score = float(spam.score)
        label = str(needs.label).lower()
        message.needs_response = label not in NO_RESPONSE
        message.response_kind = _response_kind(result, label)
        message.classification = {
            "model_version": str(getattr(result, "model_version", "")),
            "lang": _decision(lang),
            "sentiment": _decision(sentiment),
            "toxicity": _decision(toxicity),
            "spam": _decision(spam),
            "needs_response": _decision(needs),
        }
    except Exception as exc:
        _flag([message], f"unreadable classification: {type(exc).__name__}: {exc}")
        return
    message.classified = True
    message.classify_error = None


def _response_kind(result: Any, label: str) -> str | None:
    """Question, complaint or request: the classification's `response_kind` (the first
    driver of a "yes"), else a label that names the kind itself."""
    kind = getattr(result, "response_kind", None)
    if isinstance(kind, str) and kind:
        return kind[:16]
    if label in NO_RESPONSE or label in YES_RESPONSE:
        return None
    return label[:16]


def _decision(decision: Any) -> dict[str, Any]:
    """A decision as plain JSON: label, score, every label's score, the driving words."""
    scores = getattr(decision, "scores", None) or {}
    drivers = getattr(decision, "drivers", None) or []
    return {
        "label": str(decision.label),
        "score": float(decision.score),
        "scores": {str(k): float(v) for k, v in dict(scores).items()},
        "drivers": [_plain(d) for d in list(drivers)[:20]],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if all(isinstance(v, str | int | float | bool) or v is None for v in value):
            return list(value)  # the drivers' word lists: no call per element
        return [_plain(v) for v in value]
    return str(value)
