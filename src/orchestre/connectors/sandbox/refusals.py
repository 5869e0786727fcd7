"""What the sandbox refuses, and how it says so: the way a real network would."""

from __future__ import annotations

from orchestre.connectors.base import DraftPost, PermanentError
from orchestre.connectors.rules.poll import check_poll

NETWORK = "sandbox"
MAX_TEXT = 500
MAX_MEDIA = 4
BASE_URL = "https://sandbox.orchestre.invalid"


def decode_cursor(stream: str, cursor: str | None, size: int) -> int:
    if cursor is None:
        return 0
    prefix, digits = cursor[:1], cursor[1:]
    if prefix != stream[0] or not digits.isdigit() or int(digits) > size:
        raise PermanentError(
            f"The sandbox does not know the cursor {cursor!r}; start again without one.",
            network=NETWORK,
            code="bad_cursor",
        )
    return int(digits)


def check_text(text: str, field_name: str) -> None:
    if not text.strip():
        raise PermanentError(f"The sandbox refuses an empty {field_name}.", network=NETWORK)
    if len(text) > MAX_TEXT:
        raise PermanentError(
            f"The {field_name} is {len(text)} characters; the sandbox allows {MAX_TEXT}.",
            network=NETWORK,
            code="too_long",
        )


def check_draft(draft: DraftPost) -> None:
    check_text(draft.text, "text")
    for number, part in enumerate(draft.thread, start=2):
        check_text(part, f"thread part {number}")
    if draft.first_comment is not None:
        check_text(draft.first_comment, "first comment")
    broken = check_poll(NETWORK, draft.options, len(draft.media))
    if broken:
        raise PermanentError(broken[0].message, network=NETWORK, code="invalid_poll")
    if len(draft.media) > MAX_MEDIA:
        raise PermanentError(
            f"The sandbox takes at most {MAX_MEDIA} media per post; this one has "
            f"{len(draft.media)}.",
            network=NETWORK,
            code="too_many_media",
        )


def not_found(what: str, external_id: str) -> PermanentError:
    return PermanentError(
        f"The sandbox has no {what} {external_id!r} on this account (deleted or never existed).",
        network=NETWORK,
        code="not_found",
    )
