"""Offline classifiers shipped in the package: language, sentiment, toxicity, spam and
whether a message needs a response, in French and English (see docs/models.md)."""

from orchestre.ml.classifier import Classifier, load_classifier
from orchestre.ml.decision import Classification, Decision

__all__ = ["Classification", "Classifier", "Decision", "load_classifier"]
