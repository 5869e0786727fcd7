"""The engine's rules as numbers: backoff with jitter and Retry-After, lateness, fingerprints."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from orchestre.config import Settings
from orchestre.publishing.policy import fingerprint, is_missed, retry_delay
from orchestre.publishing.runtime import policy_from


@given(
    attempt=st.integers(min_value=1, max_value=40),
    retry_after=st.none() | st.floats(min_value=0, max_value=7200),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_retry_delay_stays_in_its_bounds_and_honours_retry_after(
    attempt: int, retry_after: float | None, seed: int
) -> None:
    delay = retry_delay(
        attempt, retry_after=retry_after, base=5, ceiling=3600, rng=random.Random(seed)
    )
    exponential = min(3600, 5 * 2 ** (attempt - 1))
    assert delay >= 0
    if retry_after is None:
        assert delay <= exponential
    else:
        assert delay >= retry_after
        assert delay <= max(exponential, retry_after)


def test_jitter_spreads_retries_of_publications_that_failed_together() -> None:
    rng = random.Random(3)
    delays = [retry_delay(4, retry_after=None, base=5, ceiling=3600, rng=rng) for _ in range(200)]
    assert len({round(d, 3) for d in delays}) > 150
    assert max(delays) <= 40
    assert min(delays) < 10  # full jitter: some retry early, not all at the cap


def test_a_first_attempt_too_late_is_missed_but_a_retry_is_not() -> None:
    due = datetime(2030, 1, 1, 9, tzinfo=UTC)
    limit = timedelta(hours=2)
    assert not is_missed(due, due + limit, 0, limit)
    assert is_missed(due, due + limit + timedelta(seconds=1), 0, limit)
    assert not is_missed(due, due + timedelta(days=1), 3, limit)


def test_fingerprints_ignore_what_networks_rewrite() -> None:
    original = "Nouvelle  collection\nd'hiver https://example.com/shop?utm_source=x #Mode"
    on_x = "nouvelle collection d'hiver https://t.co/abc123 #mode"
    assert fingerprint(original) == fingerprint(on_x)
    assert fingerprint("ﬁn de saison") == fingerprint("fin de saison")  # NFKC
    assert fingerprint(original) != fingerprint(original + " encore")
    assert fingerprint("photo", ["a" * 64]) != fingerprint("photo", ["b" * 64])


def test_the_send_batch_comes_from_the_settings_and_has_bounds(tmp_path: Path) -> None:
    assert policy_from(Settings(data_dir=tmp_path)).send_batch == 16
    assert policy_from(Settings(data_dir=tmp_path, publishing_send_batch=4)).send_batch == 4
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, publishing_send_batch=0)
