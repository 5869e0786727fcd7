"""The numbers of the engine, and the rules made of them: backoff, leases, lateness.

Pure functions of their inputs (the clock and the random source are given), so the
rules are tested exactly.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class EnginePolicy:
    """How the engine paces itself. The defaults suit a real deployment."""

    # How long a claim holds before another worker may take the row over. It must be
    # longer than the longest request (uploads included) so a slow send is not doubled.
    claim_lease: timedelta = timedelta(minutes=2)
    send_lease: timedelta = timedelta(minutes=15)
    # Attempts before a publication that keeps failing transiently is declared failed:
    # with the base of 1 s, retries wait 0-1 s, 0-2 s, ... 0-256 s (full jitter), about 4
    # minutes in all on average (at most 8.5) before a person is told.
    max_attempts: int = 10
    base_delay: float = 1.0
    max_delay: float = 3600.0
    # After an ambiguous timeout, wait this long before looking on the network.
    reconcile_delay: float = 10.0
    # A publication due more than this long ago that was never tried (the workers were
    # down) is held for a person to decide instead of going out late.
    max_lateness: timedelta = timedelta(hours=2)
    # How many due publications one claim takes at most.
    claim_batch: int = 100
    # How many claims may wait for a worker at once (all processes together): a burst is
    # claimed as fast as the workers take it, so no claim waits long enough in a queue for
    # its lease to lapse (then be claimed and queued again). When full, the ticker looks
    # again after `full_wait` seconds.
    max_waiting_claims: int = 1000
    full_wait: float = 0.1
    # How many claims one send job takes (one transaction before their network calls and
    # one after, instead of two each; the calls run side by side). A publication with media
    # goes alone (an upload may take minutes, and the whole job shares one send lease).
    # 16 rather than 8: at 50,000 due at once, fewer jobs cost less CPU per publication
    # (docs/benchmarks.md).
    send_batch: int = 16


def retry_delay(
    attempt: int,
    *,
    retry_after: float | None,
    base: float,
    ceiling: float,
    rng: random.Random | None = None,
) -> float:
    """Seconds before attempt `attempt + 1`: exponential backoff with full jitter, never
    sooner than the network's Retry-After.

    Full jitter (a uniform draw in [0, base * 2^(attempt-1)]) spreads the retries of
    many publications that failed together, so they do not hit the network again at once.
    """
    draw = (rng or random).random()
    exponential = min(ceiling, base * 2 ** max(0, attempt - 1))
    delay = exponential * draw
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(min(max(delay, 0.0), max(ceiling, retry_after or 0.0)))


def is_missed(due_at: datetime, now: datetime, attempts: int, max_lateness: timedelta) -> bool:
    """A first attempt that comes too late: the workers were down past the limit."""
    return attempts == 0 and now - due_at > max_lateness


def fingerprint(text: str, media_digests: Sequence[str] = ()) -> str:
    """A digest of what a post says, stable across the small changes networks make.

    Networks rewrite whitespace, shorten or expand links (X's t.co) and may change
    Unicode normalisation; the fingerprint keeps only the words (NFKC, case-folded,
    whitespace collapsed, links left out) and the media digests, so a post found on the
    network can be matched to the publication that sent it.
    """
    words = [
        word
        for word in unicodedata.normalize("NFKC", text).casefold().split()
        if not word.startswith(("http://", "https://"))
    ]
    material = " ".join(words) + "\n" + "\n".join(media_digests)
    return hashlib.sha256(material.encode()).hexdigest()
