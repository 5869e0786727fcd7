"""Token buckets shared by workers: in the database (embedded) and in Redis (scaled)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy.orm import Session

from orchestre.publishing.ratelimit import Rate, RedisLimiter, take

T0 = datetime(2030, 3, 15, 9, tzinfo=UTC)


def test_database_bucket_gives_its_burst_then_says_how_long_to_wait(db: Session) -> None:
    key = f"account:x:{uuid.uuid4()}"
    bucket = [(key, Rate(rate=0.5, burst=3))]
    assert [take(db, bucket, T0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert take(db, bucket, T0) == pytest.approx(2.0)
    assert take(db, bucket, T0 + timedelta(seconds=1)) == pytest.approx(1.0)
    assert take(db, bucket, T0 + timedelta(seconds=2)) == 0.0


def test_database_buckets_take_from_account_and_network_or_from_neither(db: Session) -> None:
    account = (f"account:x:{uuid.uuid4()}", Rate(rate=1, burst=5))
    network = (f"network:x:{uuid.uuid4()}", Rate(rate=0.1, burst=1))
    assert take(db, [account, network], T0) == 0.0
    wait = take(db, [account, network], T0)
    assert wait == pytest.approx(10.0)  # the network's bucket is empty
    # Nothing was taken from the account on refusal: it still has 4 tokens.
    assert [take(db, [account], T0) for _ in range(4)] == [0.0] * 4
    assert take(db, [account], T0) > 0


@pytest.fixture
def redis_client() -> redis.Redis:
    client = redis.Redis(host="127.0.0.1", port=6379)
    client.ping()
    return client


def test_redis_bucket_is_shared_by_every_limiter_on_the_same_server(
    redis_client: redis.Redis,
) -> None:
    prefix = f"orchestre:test:{uuid.uuid4().hex}:"
    rates = {"x": Rate(rate=0.5, burst=2)}
    first = RedisLimiter(redis_client, accounts=rates, networks={}, prefix=prefix)
    second = RedisLimiter(redis_client, accounts=rates, networks={}, prefix=prefix)
    assert first.acquire("x", "acct", T0) == 0.0
    assert second.acquire("x", "acct", T0) == 0.0
    assert first.acquire("x", "acct", T0) == pytest.approx(2.0)
    assert second.acquire("x", "acct", T0 + timedelta(seconds=2)) == 0.0
    assert first.acquire("mastodon", "acct", T0) == 0.0  # no limit known: never waits
    for key in redis_client.scan_iter(prefix + "*"):
        redis_client.delete(key)
