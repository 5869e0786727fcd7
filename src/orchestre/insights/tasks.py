"""Background jobs of insights: collecting the metrics of published posts.

Enqueue `insights.collect_metrics` periodically (every 10 to 15 minutes is plenty: the
stages are hours apart); each run measures what is due and commits channel by channel.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from orchestre.channels.apps import access_for
from orchestre.config import get_settings
from orchestre.insights.collection import BATCH, ChannelOpener, collect_due
from orchestre.worker.registry import task

log = logging.getLogger(__name__)

COLLECT_METRICS = "insights.collect_metrics"
MAX_ROUNDS = 20


@task(COLLECT_METRICS)
def collect_metrics(session: Session) -> None:
    """Measure every publication due (in batches, at most MAX_ROUNDS of them per run)."""
    opener = ChannelOpener(access_for(get_settings()))
    for _ in range(MAX_ROUNDS):
        report = collect_due(session, opener, batch=BATCH)
        log.info(
            "post metrics: %d scheduled, %d measured (%d samples), %d postponed, %d ended",
            report.scheduled,
            report.measured,
            report.samples,
            report.postponed,
            report.ended,
        )
        if report.scheduled < BATCH and report.measured + report.postponed + report.ended < BATCH:
            return
