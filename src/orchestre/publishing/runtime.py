"""Starting publishing in a process that runs workers: the send context and the ticker.

`orchestre serve` (embedded) and every `orchestre worker` process (scaled) call
`start_publishing`; the returned handle stops the ticker on shutdown. Rate limits live
in Redis when `ORCHESTRE_REDIS_URL` is set (shared by every machine), else in the
database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchestre.channels.apps import access_for
from orchestre.config import Settings
from orchestre.connectors import registry
from orchestre.media.storage import media_storage
from orchestre.publishing import tasks
from orchestre.publishing.gateway import ChannelGateway, Gateway
from orchestre.publishing.policy import EnginePolicy
from orchestre.publishing.ratelimit import DatabaseLimiter, Limiter, RedisLimiter
from orchestre.publishing.sending import SendContext
from orchestre.publishing.ticker import Ticker

log = logging.getLogger(__name__)


@dataclass
class Publishing:
    ticker: Ticker
    context: SendContext

    def stop(self) -> None:
        self.ticker.stop()
        tasks.configure(None)


def policy_from(settings: Settings) -> EnginePolicy:
    return EnginePolicy(
        max_lateness=timedelta(minutes=settings.publishing_max_lateness_minutes),
        claim_lease=timedelta(seconds=settings.publishing_claim_lease_seconds),
        send_lease=timedelta(seconds=settings.publishing_send_lease_seconds),
        base_delay=settings.publishing_retry_base_seconds,
        max_delay=settings.publishing_retry_max_seconds,
        reconcile_delay=settings.publishing_reconcile_delay_seconds,
        send_batch=settings.publishing_send_batch,
    )


def limiter_from(settings: Settings, factory: sessionmaker[Session]) -> Limiter:
    if settings.redis_url:
        import redis

        return RedisLimiter(redis.Redis.from_url(settings.redis_url))
    return DatabaseLimiter(factory)


def start_publishing(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    gateway: Gateway | None = None,
    tick: bool = True,
) -> Publishing:
    """Configure this process's sends and start its ticker (unless `tick` is False)."""
    policy = policy_from(settings)
    # Load every connector now (some import large SDKs): the first post due must not wait.
    registry.default().available()
    context = SendContext(
        gateway=gateway or ChannelGateway(access_for(settings)),
        policy=policy,
        limiter=limiter_from(settings, factory),
        media_root=settings.media_dir,
        media_storage=media_storage(settings),
        link_base_url=settings.base_url,
    )
    tasks.configure(context)
    ticker = Ticker(factory, policy)
    if tick:
        ticker.start()
        log.info("publishing ticker started")
    return Publishing(ticker, context)
