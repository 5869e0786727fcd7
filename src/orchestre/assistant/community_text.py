"""Text tools of the community assistant: similarity ranking (TF-IDF), the language of a
text, key sentences of a thread, and the checks every draft passes before it is shown
(editorial line's banned words, the network's reply length, no unfilled variables, the
expected language, names and numbers that appear in the source)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from orchestre.connectors.rules import NETWORKS, check_text
from orchestre.inbox.actions import MAX_REPLY_LENGTH
from orchestre.kit.text import fold
from orchestre.posts.validation import EditorialRules, VariantContent, check_banned_words

log = logging.getLogger(__name__)

LANGUAGES = ("en", "fr")
VARIABLE = re.compile(r"\{[a-z][a-z0-9_]{0,39}\}")
SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
# A number as people write it: 12, 1 200, 3.5, 3,5, 40 %.
NUMBER = re.compile(r"(?<![\w.,])\d+(?:[ \u202f\u00a0]\d{3})*(?:[.,]\d+)?")
POSSESSIVE = re.compile(r"['’]s$")
HANDLE = re.compile(r"@[\w.]+")
# A capitalised word that is not the first of its sentence: a name, most of the time.
NAME = re.compile(r"(?<=[^.!?:\s]\s)[A-ZÀ-Ý][\w'’-]+")


def _tfidf(**options: Any) -> Any:
    """scikit-learn's TF-IDF vectoriser, imported when first needed (a heavy import)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    return TfidfVectorizer(**options)


def similarities(query: str, documents: Sequence[str]) -> list[float]:
    """Cosine similarity of the query with each document, over character n-grams of the
    folded text (robust on short messages, accents and small typos); 0.0 when empty."""
    if not documents or not query.strip():
        return [0.0] * len(documents)
    corpus = [fold(query), *(fold(d) for d in documents)]
    try:
        matrix = _tfidf(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        vectors = matrix.fit_transform(corpus)
    except ValueError:  # nothing but punctuation
        return [0.0] * len(documents)
    scores = (vectors[1:] @ vectors[0].T).toarray().ravel()
    return [round(float(s), 4) for s in scores]


def sentences(text: str) -> list[str]:
    """The sentences of a message, stripped, without empty ones."""
    return [s.strip() for s in SENTENCE.split(text) if len(s.strip()) > 1]


def central(items: Sequence[str], keep: int) -> list[int]:
    """The indexes of the `keep` most central items (highest summed TF-IDF similarity to
    the others, over words), in their original order."""
    if len(items) <= keep:
        return list(range(len(items)))
    try:
        vectors = _tfidf(sublinear_tf=True).fit_transform([fold(i) for i in items])
    except ValueError:
        return list(range(keep))
    gram = (vectors @ vectors.T).toarray()
    scores = gram.sum(axis=1) - gram.diagonal()
    ranked = sorted(range(len(items)), key=lambda i: (-float(scores[i]), i))[:keep]
    return sorted(ranked)


def language_of(text: str) -> str | None:
    """fr or en by the shipped language classifier, None when it cannot tell."""
    if not text.strip():
        return None
    try:
        from orchestre.ml import load_classifier

        label = str(load_classifier().classify(text).lang.label)
    except Exception as exc:  # the classifier is optional at run time
        log.warning("language detection unavailable: %s", exc)
        return None
    return label if label in LANGUAGES else None


def reply_limit(network: str) -> int:
    """How many characters a reply may hold on this network (as the network counts)."""
    if network in NETWORKS:
        return min(check_text(network, "").limit, MAX_REPLY_LENGTH)
    return MAX_REPLY_LENGTH


def reply_problem(
    text: str, *, language: str, network: str, rules: EditorialRules, detect: bool = True
) -> str | None:
    """Why a suggested reply may not be shown (None: it may)."""
    if not text.strip():
        return "the reply is empty"
    left = VARIABLE.findall(text)
    if left:
        return "unfilled variables: " + ", ".join(dict.fromkeys(left))
    banned = banned_in(text, rules)
    if banned:
        return "banned words of the editorial line: " + ", ".join(banned)
    if network in NETWORKS:
        report = check_text(network, text)
        if report.violations:
            return f"too long for {network}: {report.length} of {report.limit}"
    elif len(text) > MAX_REPLY_LENGTH:
        return f"too long: {len(text)} of {MAX_REPLY_LENGTH} characters"
    if detect:
        found = language_of(text)
        if found is not None and found != language:
            return f"written in {found}, the author writes in {language}"
    return None


def banned_in(text: str, rules: EditorialRules) -> list[str]:
    """The editorial line's banned words a text contains."""
    findings = check_banned_words(VariantContent(text=text), rules)
    return [str(f.actual) for f in findings]


def _number_forms(value: float) -> set[str]:
    forms = {f"{value:.0f}", f"{value:.1f}", f"{value:.2f}"}
    if value == int(value):
        forms.add(str(int(value)))
    return {f.rstrip("0").rstrip(".") if "." in f else f for f in forms}


def number_key(raw: str) -> str:
    """A written number in one form: spaces out, a decimal comma as a point, no trailing zeros."""
    plain = re.sub(r"[ \u202f\u00a0]", "", raw).replace(",", ".")
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return plain


def allowed_numbers(values: Iterable[float], texts: Iterable[str]) -> set[str]:
    """Every number a summary may cite: the figures (rounded to 0, 1 or 2 decimals, and as
    a percentage when a share) and the numbers written in the source texts."""
    allowed: set[str] = set()
    for value in values:
        allowed |= _number_forms(value)
        if 0 < value < 1:
            allowed |= _number_forms(value * 100)
    for text in texts:
        allowed |= {number_key(n) for n in NUMBER.findall(text)}
    return allowed


def unknown_numbers(text: str, allowed: set[str]) -> list[str]:
    return [n for n in NUMBER.findall(text) if number_key(n) not in allowed]


def unknown_names(text: str, source: str) -> list[str]:
    """@handles and capitalised names of `text` that `source` does not contain."""
    known = fold(source)
    found = HANDLE.findall(text) + [POSSESSIVE.sub("", n) for n in NAME.findall(text)]
    return [w for w in dict.fromkeys(found) if fold(w).strip(".") not in known]


def json_of(text: str) -> object:
    """A model's JSON answer, fenced in ``` or not; ValueError when it is not JSON."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`").strip()
        stripped = stripped.removeprefix("json").strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc


def json_points(text: str, limit: int = 8) -> list[str]:
    """The `points` list of a model's JSON answer (non-empty strings), else ValueError."""
    data = json_of(text)
    points = data.get("points") if isinstance(data, dict) else None
    if not isinstance(points, list) or not points:
        raise ValueError("no points in the answer")
    kept = [" ".join(p.split()) for p in points[:limit] if isinstance(p, str) and p.strip()]
    if len(kept) != len(points[:limit]):
        raise ValueError("a point is not a text")
    return kept
