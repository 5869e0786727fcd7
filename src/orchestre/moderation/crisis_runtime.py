"""Running crisis detection in every process that runs workers, like the delivery sweeper.

`start_crisis_watch(settings, factory)` starts a `CrisisWatcher`: a daemon thread that
each minute gives a watch to workspaces newly active in the inbox, then feeds each
workspace's complete time buckets to its detector, one transaction per workspace.
Several processes may run one: a workspace being fed by one is skipped by the others
(see `crisis_watch`), so no bucket is counted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings
from orchestre.kit.clock import utcnow
from orchestre.kit.db import transaction
from orchestre.kit.loops import PeriodicLoop
from orchestre.moderation.crisis_watch import (
    WatchPolicy,
    due_workspaces,
    feed,
    start_watches,
)
from orchestre.moderation.detect import DetectorConfig

log = logging.getLogger(__name__)

EVERY_SECONDS = 60.0


@dataclass
class WatchReport:
    started: int = 0
    workspaces: int = 0
    buckets: int = 0
    alerts: int = 0
    failed: int = 0


def watch_round(
    factory: sessionmaker[Session],
    now: datetime,
    config: DetectorConfig | None = None,
    policy: WatchPolicy = WatchPolicy(),
) -> WatchReport:
    """One round: new watches, then every due workspace in a transaction of its own (a
    workspace that fails is logged and tried again next round; the others go on)."""
    report = WatchReport()
    with transaction(factory) as session:
        report.started = start_watches(session, now, config, policy)
    with transaction(factory) as session:
        due = due_workspaces(session, now, config, policy)
    for workspace_id in due:
        try:
            with transaction(factory) as session:
                result = feed(session, workspace_id, now, config, policy)
        except Exception:
            report.failed += 1
            log.exception("crisis watch of workspace %s failed; trying again", workspace_id)
            continue
        if result is not None and result.buckets:
            report.workspaces += 1
            report.buckets += result.buckets
            report.alerts += len(result.alerts)
    return report


class CrisisWatcher(PeriodicLoop[WatchReport]):
    name = "orchestre-crisis-watch"

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        every: float = EVERY_SECONDS,
        clock: Callable[[], datetime] = utcnow,
        config: DetectorConfig | None = None,
        policy: WatchPolicy = WatchPolicy(),
    ) -> None:
        super().__init__(every=every)
        self._factory = factory
        self._clock = clock
        self._config = config
        self._policy = policy

    def run_once(self) -> WatchReport:
        return watch_round(self._factory, self._clock(), self._config, self._policy)

    def after_round(self, report: WatchReport) -> None:
        if report.alerts or report.failed or report.started:
            log.info(
                "crisis watch: %d new watch(es), %d workspace(s) fed, %d alert(s), %d failed",
                report.started,
                report.workspaces,
                report.alerts,
                report.failed,
            )


def start_crisis_watch(settings: Settings, factory: sessionmaker[Session]) -> CrisisWatcher:
    """The production watcher of a process that runs workers, started (stop it on exit)."""
    watcher = CrisisWatcher(factory)
    watcher.start()
    return watcher
