"""What every written draft must satisfy before a person sees it, and the repairs the
offline assistant makes so its own drafts always do.

A draft is checked as a variant would be (`posts.validation`): the network's text rules,
the banned words and the required hashtags and mentions of the editorial line (whatever
severity the line gives them: a draft should not start with a known problem), and its
language when it is long enough to tell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestre.kit.text import fold
from orchestre.posts.validation import (
    EditorialRules,
    VariantContent,
    check_banned_words,
    check_network_text,
    check_required_tags,
)

LANGUAGES = ("fr", "en")
# Below this many letters the language classifier is a guess: not checked.
LANGUAGE_MIN_LETTERS = 40
LANGUAGE_MIN_SCORE = 0.8
_TAG_OR_MENTION = re.compile(r"[#@][\w.\-]+")
_URL = re.compile(r"https?://\S+")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([,.])")


@dataclass(frozen=True)
class Target:
    """Where a text goes: a network (or "" for a text not yet meant for one) and its options."""

    network: str = ""
    options: Mapping[str, Any] | None = None


def letters(text: str) -> int:
    bare = _URL.sub(" ", _TAG_OR_MENTION.sub(" ", text))
    return sum(1 for c in bare if c.isalpha())


def detected_language(text: str) -> tuple[str, float] | None:
    """The language the shipped classifier reads in `text`, when there is enough to read."""
    if letters(text) < LANGUAGE_MIN_LETTERS:
        return None
    from orchestre.ml import load_classifier

    bare = _URL.sub(" ", _TAG_OR_MENTION.sub(" ", text))
    decision = load_classifier().classify(bare).lang
    return decision.label, decision.score


def language_problem(text: str, language: str) -> str | None:
    found = detected_language(text)
    if found is None:
        return None
    label, score = found
    if label != language and label in LANGUAGES and score >= LANGUAGE_MIN_SCORE:
        names = {"fr": "French", "en": "English"}
        return f"the text must be in {names[language]}, it reads as {names[label]}"
    return None


def findings(
    text: str,
    rules: EditorialRules,
    target: Target = Target(),
    first_comment: str = "",
) -> list[str]:
    """Every rule the text breaks, in words (empty: it may be shown)."""
    content = VariantContent(
        text=text,
        first_comment=first_comment or None,
        network=target.network,
        options=dict(target.options or {}),
    )
    found = check_banned_words(content, rules) + check_required_tags(content, rules)
    if target.network:
        found += [f for f in check_network_text(content, rules) if f.blocking]
    return [f.message for f in found]


def problem(
    texts: Sequence[str],
    rules: EditorialRules,
    *,
    language: str | None = None,
    target: Target = Target(),
    first_comment: str = "",
) -> str | None:
    """The first broken rule of a text made of parts (a thread: the tags may be in any part,
    each part must fit the network), or None."""
    if not any(t.strip() for t in texts):
        return "the text is empty"
    whole = "\n\n".join(texts)
    everything = findings(whole, rules, Target(), first_comment)
    if everything:
        return everything[0]
    if target.network:
        for part in texts:
            broken = findings(part, EditorialRules(), target)
            if broken:
                return broken[0]
    if language is not None:
        return language_problem(whole, language)
    return None


# --- repairs (the offline assistant's) -----------------------------------------------------


def _word_pattern(word: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in word.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def tidy(text: str) -> str:
    lines = [
        _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", line)).strip() for line in text.split("\n")
    ]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """`fold(text)` character by character, with where each folded character came from."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        origin += [index] * len(piece)
    return "".join(folded), origin


def without_banned(text: str, rules: EditorialRules) -> str:
    """The text with each banned word taken out (accents and case ignored, whole words)."""
    out = text
    for word in rules.banned_words:
        if not word.strip():
            continue
        folded, origin = _folded_with_positions(out)
        matches = list(_word_pattern(fold(word)).finditer(folded))
        for match in reversed(matches):
            start, end = origin[match.start()], origin[match.end() - 1] + 1
            out = out[:start] + out[end:]
    return tidy(out)


def missing_tags(text: str, rules: EditorialRules) -> list[str]:
    """The required hashtags and mentions the text lacks, as they should be written."""
    content = VariantContent(text=text)
    wanted = EditorialRules(
        required_hashtags=rules.required_hashtags, required_mentions=rules.required_mentions
    )
    return [str(f.limit) for f in check_required_tags(content, wanted)]


def with_required_tags(text: str, rules: EditorialRules) -> str:
    missing = missing_tags(text, rules)
    if not missing:
        return text
    joined = " ".join(missing)
    last = text.rstrip().rsplit("\n", 1)[-1]
    if last.strip() and all(_TAG_OR_MENTION.fullmatch(w) for w in last.split()):
        return f"{text.rstrip()} {joined}"
    return f"{text.rstrip()}\n\n{joined}"
