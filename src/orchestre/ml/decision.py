"""What a classifier answers: one decision per task, with its scores and the words behind it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """One task's answer.

    `score` is the probability of `label`; `scores` holds every label's probability;
    `drivers` are the words (or cues) that pushed towards `label`, strongest first, at
    most eight. For `needs_response`, when the label is "yes", the first driver is the
    kind of response needed: ("question" | "complaint" | "request", its strength).
    """

    label: str
    score: float
    scores: Mapping[str, float]
    drivers: Sequence[tuple[str, float]] = ()


@dataclass(frozen=True)
class Classification:
    """Every task's decision for one message."""

    lang: Decision
    sentiment: Decision
    toxicity: Decision
    spam: Decision
    needs_response: Decision
    model_version: str

    @property
    def response_kind(self) -> str | None:
        """The kind of response needed ("question", "complaint", "request"), or None."""
        if self.needs_response.label != "yes" or not self.needs_response.drivers:
            return None
        return self.needs_response.drivers[0][0]
