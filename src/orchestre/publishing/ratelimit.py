"""Token buckets shared by every worker: per account and per network.

A bucket holds up to `burst` tokens and refills at `rate` per second; a send takes one
token from the account's bucket and one from the network's. In the database
(`rate_buckets`, embedded mode) the row is locked for the update; in Redis (scaled mode)
one Lua script does the same atomically. `acquire` returns 0 when the tokens were taken,
else the seconds to wait before asking again (nothing is taken then).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.kit.db import for_update, transaction
from orchestre.models.publication import RateBucket


@dataclass(frozen=True)
class Rate:
    """`rate` tokens per second, up to `burst` at once."""

    rate: float
    burst: float


# Posting limits as the networks publish them, with room to spare (per account, then for
# the whole network across accounts where the app has a shared quota).
ACCOUNT_RATES: Mapping[str, Rate] = {
    "x": Rate(100 / (15 * 60), 10),  # POST /2/tweets: 100 per 15 min per user
    "bluesky": Rate(1666 / 3600, 30),  # 5,000 points/hour, 3 points a create
    "mastodon": Rate(300 / (3 * 3600), 10),  # 300 statuses per 3 hours
    "threads": Rate(250 / 86400, 5),  # 250 posts per 24 hours
    "instagram": Rate(100 / 86400, 5),  # content publishing limit: 100 per 24 hours
    "facebook": Rate(1.0, 10),
    "linkedin": Rate(150 / 86400, 10),  # member: 150 a day
    "tiktok": Rate(6 / 60, 2),  # 6 requests a minute per user token
    "youtube": Rate(6 / 86400, 6),  # 10,000 quota units a day, 1,600 an upload
}
NETWORK_RATES: Mapping[str, Rate] = {
    "x": Rate(10_000 / 86400, 100),
    "linkedin": Rate(100_000 / 86400, 1000),
}
UNLIMITED = Rate(math.inf, math.inf)


class Limiter(Protocol):
    def acquire(self, network: str, account: str, now: datetime) -> float: ...


def _refill(tokens: float, rate: Rate, elapsed: float) -> float:
    return min(rate.burst, tokens + max(0.0, elapsed) * rate.rate)


def _keys(
    network: str, account: str, accounts: Mapping[str, Rate], networks: Mapping[str, Rate]
) -> list[tuple[str, Rate]]:
    keys = []
    if network in accounts:
        keys.append((f"account:{network}:{account}", accounts[network]))
    if network in networks:
        keys.append((f"network:{network}", networks[network]))
    return keys


class DatabaseLimiter:
    """Buckets in the `rate_buckets` table, each taken in its own short transaction."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        accounts: Mapping[str, Rate] = ACCOUNT_RATES,
        networks: Mapping[str, Rate] = NETWORK_RATES,
    ) -> None:
        self._factory = factory
        self._accounts = accounts
        self._networks = networks

    def acquire(self, network: str, account: str, now: datetime) -> float:
        keys = _keys(network, account, self._accounts, self._networks)
        if not keys:
            return 0.0
        with transaction(self._factory) as session:
            return take(session, keys, now)


def take(session: Session, keys: list[tuple[str, Rate]], now: datetime) -> float:
    """Take one token from every bucket, or none and say how long to wait."""
    rows: dict[str, RateBucket] = {}
    stmt = (
        select(RateBucket).where(RateBucket.key.in_([k for k, _ in keys])).order_by(RateBucket.key)
    )
    for found in session.scalars(for_update(session, stmt)):
        rows[found.key] = found
    wait = 0.0
    levels = {}
    for key, rate in keys:
        row = rows.get(key)
        level = (
            rate.burst
            if row is None
            else _refill(row.tokens, rate, (now - row.updated_at).total_seconds())
        )
        levels[key] = level
        if level < 1.0:
            wait = max(wait, (1.0 - level) / rate.rate)
    if wait > 0:
        return wait
    for key, _rate in keys:
        row = rows.get(key)
        if row is None:
            session.add(RateBucket(key=key, tokens=levels[key] - 1.0, updated_at=now))
        else:
            row.tokens, row.updated_at = levels[key] - 1.0, now
    session.flush()
    return 0.0


# KEYS: bucket keys; ARGV: now (seconds), then rate and burst for each key.
_LUA = """
local now = tonumber(ARGV[1])
local wait = 0
local levels = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or burst
  local at = tonumber(state[2]) or now
  local level = math.min(burst, tokens + math.max(0, now - at) * rate)
  levels[i] = level
  if level < 1 then wait = math.max(wait, (1 - level) / rate) end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  redis.call('HSET', key, 'tokens', levels[i] - 1, 'at', now)
  redis.call('EXPIRE', key, math.ceil(burst / rate) + 60)
end
return '0'
"""


class RedisLimiter:
    """Buckets in Redis, shared by every worker process on every machine."""

    def __init__(
        self,
        client: Any,
        accounts: Mapping[str, Rate] = ACCOUNT_RATES,
        networks: Mapping[str, Rate] = NETWORK_RATES,
        prefix: str = "orchestre:rate:",
    ) -> None:
        self._script: Callable[..., Any] = client.register_script(_LUA)
        self._accounts = accounts
        self._networks = networks
        self._prefix = prefix

    def acquire(self, network: str, account: str, now: datetime) -> float:
        keys = _keys(network, account, self._accounts, self._networks)
        if not keys:
            return 0.0
        args: list[float] = [now.timestamp()]
        for _, rate in keys:
            args += [rate.rate, rate.burst]
        answer = self._script(keys=[self._prefix + k for k, _ in keys], args=args)
        return float(answer)
