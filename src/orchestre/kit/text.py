"""Text folding shared by every matcher that compares words the way people read them
(the editorial line's banned words, campaign names, moderation keywords and patterns)."""

from __future__ import annotations

import unicodedata

# Letters that NFKD leaves whole but a reader treats as two plain letters.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def strip_accents(text: str) -> str:
    """The text without accents, ligatures spelt out, case kept (NFC)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare)


def fold(text: str) -> str:
    """Lower case without accents, so 'Écolo', 'ecolo' and 'ÉCOLO' compare equal."""
    return strip_accents(text).casefold()
