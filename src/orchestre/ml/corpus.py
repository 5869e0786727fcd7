"""The labelled rows copied into `orchestre/ml/data/` (see its ATTRIBUTION.md), read and
split the same way on every run."""

from __future__ import annotations

import csv
import hashlib
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

DATA_FILES = ("sentiment.csv", "toxicity.csv", "spam.csv", "crisis_multilingual.csv")
HELD_OUT_SHARE = 0.2
SEED = 13


@dataclass(frozen=True)
class Row:
    uid: str
    text: str
    lang: str
    label: str
    source: str


def data_folder() -> Path:
    return Path(str(resources.files("orchestre.ml") / "data"))


def read(name: str, folder: Path | None = None) -> list[Row]:
    path = (folder or data_folder()) / name
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Row(r["uid"], r["text"], r["lang"], r["label"], r["source"])
            for r in csv.DictReader(handle)
        ]


def fingerprint(folder: Path | None = None) -> str:
    """A short hash of every copied data file: part of the model version."""
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(((folder or data_folder()) / name).read_bytes())
    return digest.hexdigest()[:10]


def split(rows: Iterable[Row], key: Callable[[Row], str]) -> tuple[list[Row], list[Row]]:
    """Train and held-out rows: HELD_OUT_SHARE of each (source, label) group, drawn with a
    fixed seed, so every source and every class is represented in both parts."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.source, key(row))].append(row)
    train: list[Row] = []
    held_out: list[Row] = []
    for group_key in sorted(groups):
        members = sorted(groups[group_key], key=lambda r: r.uid)
        random.Random(f"{SEED}:{group_key}").shuffle(members)
        cut = round(len(members) * HELD_OUT_SHARE)
        held_out.extend(members[:cut])
        train.extend(members[cut:])
    return train, held_out


# Words frequent in Spanish, Italian, Tagalog and Portuguese and rare in English and French:
# crisis tweets from Guatemala, Venezuela, Sardinia and the Philippines that use several of
# them, and fewer English or French ones, are the examples of "other" languages.
_OTHER_WORDS = frozenset(
    [
        "el",
        "los",
        "las",
        "del",
        "por",
        "una",
        "para",
        "como",
        "pero",
        "muy",
        "esta",
        "este",
        "hay",
        "sus",
        "todo",
        "desde",
        "gli",
        "della",
        "delle",
        "nella",
        "sono",
        "che",
        "alla",
        "anche",
        "dopo",
        "degli",
        "questo",
        "ang",
        "mga",
        "sa",
        "ng",
        "na",
        "ay",
        "nga",
        "po",
        "naman",
        "lang",
        "kayo",
        "natin",
        "hindi",
        "uma",
        "com",
        "não",
        "mais",
        "pelo",
        "pela",
        "ao",
        "seu",
    ]
)
_EN_FR_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "in",
        "for",
        "on",
        "with",
        "you",
        "this",
        "that",
        "are",
        "was",
        "it",
        "be",
        "at",
        "by",
        "from",
        "have",
        "le",
        "la",
        "les",
        "des",
        "du",
        "est",
        "et",
        "pour",
        "dans",
        "sur",
        "avec",
        "une",
        "que",
        "qui",
        "pas",
        "ce",
        "je",
        "vous",
        "nous",
    ]
)


def other_language_rows(rows: Iterable[Row]) -> list[Row]:
    """Rows weakly labelled "other": see _OTHER_WORDS."""
    found = []
    for row in rows:
        words = row.text.lower().split()
        other = sum(w in _OTHER_WORDS for w in words)
        known = sum(w in _EN_FR_WORDS for w in words)
        if other >= 2 and other > 2 * known:
            found.append(Row(row.uid, row.text, "other", "other", row.source))
    return found
