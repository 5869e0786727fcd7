"""Offline classifiers shipped in the package: language, sentiment, toxicity, spam and
whether a message needs a response, in French and English (see docs/models.md).

The classifier and its libraries (numpy, scipy, scikit-learn) load on first use, so that
importing this package (the CLI does) stays cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestre.ml.decision import Classification, Decision

if TYPE_CHECKING:
    from orchestre.ml.classifier import Classifier, load_classifier

__all__ = ["Classification", "Classifier", "Decision", "load_classifier"]


def __getattr__(name: str) -> Any:
    if name in ("Classifier", "load_classifier"):
        from orchestre.ml import classifier

        return getattr(classifier, name)
    message = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(message)
