"""Fakes for the ingest tests: interactions as a network reports them, and a classifier
with the shape of `orchestre.ml` that decides by keywords (deterministic, instant)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.ml.decision import Classification, Decision

_seq = itertools.count(1)


def said(
    text: str,
    at: datetime,
    *,
    kind: InteractionKind = InteractionKind.COMMENT,
    external_id: str | None = None,
    author: str = "alice",
    post: str | None = "post-1",
    parent: str | None = None,
    own: bool = False,
    language: str | None = None,
) -> Interaction:
    return Interaction(
        kind=kind,
        external_id=external_id or f"item-{next(_seq)}",
        author_id=f"user-{author}",
        author_handle=author,
        author_name=author.title(),
        text=text,
        created_at=at,
        language=language,
        post_external_id=post,
        parent_external_id=parent,
        own=own,
    )


class KeywordClassifier:
    """Toxic on 'idiot', spam on 'buy now', a question on '?'; raises on 'BOOM'."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def classify_many(
        self, texts: Sequence[str], langs: Sequence[str | None]
    ) -> list[Classification]:
        self.calls.append(list(texts))
        if any("BOOM" in t for t in texts):
            raise RuntimeError("the model choked")
        return [self._one(t, lang) for t, lang in zip(texts, langs, strict=True)]

    @staticmethod
    def _one(text: str, lang: str | None) -> Classification:
        low = text.lower()
        toxic = "idiot" in low
        return Classification(
            lang=Decision(lang or ("fr" if "bonjour" in low else "en"), 0.9, {}),
            sentiment=Decision("negative" if toxic else "neutral", 0.8, {"negative": 0.8}),
            toxicity=Decision(
                "offensive" if toxic else "clean",
                0.95 if toxic else 0.1,
                {},
                [("idiot", 0.9)] if toxic else [],
            ),
            spam=Decision("spam" if "buy now" in low else "ham", 0.9, {}),
            needs_response=(
                Decision("yes", 0.7, {"yes": 0.7}, [("question", 0.7)])
                if "?" in low
                else Decision("no", 0.7, {"no": 0.7})
            ),
            model_version="keywords-1",
        )


class BrokenClassifier:
    def classify_many(self, texts: Sequence[str], langs: Sequence[str | None]) -> Any:
        raise RuntimeError("model file missing")
