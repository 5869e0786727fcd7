"""Every number an explanation cites must be one of its facts.

`figures` reads the numbers of a text the way its language writes them: integers,
grouped thousands ("12,500" in English, "12 500" in French with any kind of space),
decimals with a point or a comma, percentages ("4.6%", "4,6 %"), multipliers ("2.1×",
"2.1x"), amounts next to a currency sign and hours ("18:00", "18h"). `unmatched` returns
those that no fact supports: a figure matches a fact when it is the fact's value rounded
to the figure's own decimals (4.6 % for 0.0456; 5 % too), or the fact's display itself.
A percentage must match a rate or a change, a multiplier a multiplier, an hour an hour;
a plain number anything but a percentage. A sign written out must match the fact's sign
(a fall of 12 % may be written "12 %" after "fell by", or "-12 %", but not "+12 %").
Names the text may quote (a pillar called "Top 10") are taken out before reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from orchestre.assistant.explain_facts import Fact

SPACES = " \u00a0\u202f\u2009"
MINUS = "-\u2212\u2013"
CURRENCY = "€$£¥"
# Thousands are grouped by commas in English, by spaces in French.
GROUPING = {"en": ",", "fr": SPACES}
AFTER = {"%": "percent", "percent": "percent", "per cent": "percent", "pour cent": "percent",
         "×": "times", "x": "times", "times": "times", "fois": "times"}  # fmt: skip


def _pattern(language: str) -> re.Pattern[str]:
    group = re.escape(GROUPING.get(language, ","))
    words = "|".join(re.escape(w) for w in sorted(AFTER, key=len, reverse=True))
    return re.compile(
        rf"(?<![\w.,])(?P<sign>[+{re.escape(MINUS)}])?"
        rf"(?:(?P<hh>\d{{1,2}})(?::|[{SPACES}]?h[{SPACES}]?)(?P<mm>\d{{2}})(?!\d)"
        rf"|(?P<int>\d{{1,3}}(?:[{group}]\d{{3}})+(?!\d)|\d+)(?:[.,](?P<dec>\d+))?)"
        rf"(?P<after>[{SPACES}]?(?:(?:{words})(?![a-zA-Zà-ÿ])|[{CURRENCY}]))?"
    )


PATTERNS = {language: _pattern(language) for language in GROUPING}


@dataclass(frozen=True)
class Figure:
    text: str
    value: float
    decimals: int
    kind: str  # percent | times | currency | hour | plain
    signed: bool  # the sign is written out


def figures(text: str, language: str) -> list[Figure]:
    """Every number of `text`, read the way `language` writes numbers."""
    found: list[Figure] = []
    for m in PATTERNS.get(language, PATTERNS["en"]).finditer(text):
        if m["hh"] is not None:
            found.append(Figure(m[0], float(m["hh"]), 0, "hour", False))
            continue
        decimals = m["dec"] or ""
        whole = re.sub(rf"[,{SPACES}]", "", m["int"])
        sign = -1.0 if (m["sign"] or "+") in MINUS else 1.0
        value = float(f"{whole}.{decimals}" if decimals else whole) * sign
        after = (m["after"] or "").strip(SPACES)
        kind = AFTER.get(after, "plain")
        before = text[max(0, m.start() - 1) : m.start()]
        if (after and after in CURRENCY) or (before and before in CURRENCY):
            kind = "currency"
        found.append(Figure(m[0], value, len(decimals), kind, m["sign"] is not None))
    return found


def _candidates(fact: Fact) -> list[tuple[str, float]]:
    """(kind, value) pairs a figure citing this fact may show, before rounding."""
    v = fact.value
    if fact.unit in ("ratio", "change"):
        return [("percent", v * 100)]
    if fact.unit == "percent":
        return [("percent", v)]
    if fact.unit == "times":
        return [("times", v), ("plain", v)]
    if fact.unit == "hour":
        return [("hour", v), ("plain", v)]
    if fact.unit == "currency":
        return [("currency", v), ("plain", v)]
    if fact.unit == "seconds":
        return [("plain", v / s) for s in (1, 60, 3600, 86400)]
    return [("plain", v), ("currency", v)]


def _shown(fact: Fact, language: str) -> list[Figure]:
    """The numbers of the fact's own display, cited as they are."""
    return figures(fact.display, language)


def _kind_fits(figure: str, candidate: str) -> bool:
    return figure == candidate or (figure == "plain" and candidate not in ("percent",))


def matches(figure: Figure, fact: Fact, language: str) -> bool:
    tolerance = 0.5 * 10.0**-figure.decimals + 1e-9
    for kind, value in _candidates(fact):
        if not _kind_fits(figure.kind, kind):
            continue
        shown = figure.value if figure.signed else abs(figure.value)
        target = value if figure.signed else abs(value)
        if abs(shown - target) <= tolerance:
            return True
    for own in _shown(fact, language):
        if _kind_fits(figure.kind, own.kind) and abs(abs(own.value) - abs(figure.value)) < 1e-9:
            return not figure.signed or (figure.value < 0) == (fact.value < 0)
    return False


def _without(text: str, names: Iterable[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        if name and re.search(r"\d", name):
            text = text.replace(name, " ")
    return text


def unmatched(
    text: str, facts: Sequence[Fact], language: str, names: Iterable[str] = ()
) -> list[Figure]:
    """The figures of `text` that no fact supports (empty: every figure checks out)."""
    return [
        figure
        for figure in figures(_without(text, names), language)
        if not any(matches(figure, fact, language) for fact in facts)
    ]
