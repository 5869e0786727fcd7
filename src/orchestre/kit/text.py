"""Text folding shared by every matcher that compares words the way people read them
(the editorial line's banned words, campaign names, moderation keywords and patterns), and
the hashtag as networks read one."""

from __future__ import annotations

import re
import unicodedata

# A hashtag as the networks link one (twitter-text's rule, which Mastodon and Bluesky
# follow): "#" not glued to a word or an HTML entity before it ("C#", "page#2", "&#39;"),
# then letters, digits and underscores with at least one letter: "#47614" (an order
# number) is no hashtag, "#ete2026" is. The group is the tag without its "#".
_NOT_GLUED = r"(?<![\w&])"
_TAG = r"\w*[^\W\d_]\w*"
HASHTAG = re.compile(rf"{_NOT_GLUED}#({_TAG})")
# The same rule with its "#", to put in a tokenizer's alternatives (listening.trends).
HASHTAG_WORD = rf"{_NOT_GLUED}#{_TAG}"

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
