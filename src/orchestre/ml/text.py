"""Text clean-up shared by training and prediction, so both see the same words."""

from __future__ import annotations

import html
import re

# Past this many characters a message is cut before it is read: the first few thousand
# characters decide, and a 10,000-character message then costs what a short one does.
MAX_CHARS = 2000

_TAG = re.compile(r"<[^>]{0,200}>")
_URL = re.compile(r"https?://\S+|www\.\S+|\bhttp\b", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_REPEAT = re.compile(r"(.)\1{3,}")
_LETTER = re.compile(r"[^\W\d_]")


def clip(text: str) -> str:
    """The part of a message that is read: entities decoded, tags dropped, cut to MAX_CHARS."""
    text = html.unescape(text[: MAX_CHARS * 2])
    return _TAG.sub(" ", text)[:MAX_CHARS]


def normalize(text: str) -> str:
    """Lower-case text with links and mentions replaced by placeholders."""
    text = _URL.sub(" httpurl ", clip(text))
    text = _MENTION.sub(" @user ", text)
    text = _REPEAT.sub(r"\1\1\1", text)
    return " ".join(text.lower().split())


def has_letters(text: str) -> bool:
    """Whether a text holds at least one letter (emoji-only and empty texts do not)."""
    return _LETTER.search(text) is not None
