"""The loops every process that runs workers keeps going, so no process is special and
nothing depends on cron: the publishing ticker, the token refresher, the sweeper of
stalled webhook deliveries, the collector of published posts' metrics, the channel
metrics loop (followers and profile visits), the inbox poller, the inbox's first-response
sweeper, the crisis watch of the inbox, the sender of scheduled reports, the campaign
pacing check, the sync of campaign results from the ad platforms, the listening
collector, its feeds' reader and (when switched on) the reader of Bluesky's stream.
`orchestre serve` starts them with its embedded pool, each `orchestre worker` once its
broker link is up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from orchestre.config import Settings


class Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass
class Background:
    loops: list[Stoppable] = field(default_factory=list)

    def stop(self) -> None:
        for loop in reversed(self.loops):
            loop.stop()


def start_background(settings: Settings, factory: sessionmaker[Session]) -> Background:
    from orchestre.analytics.report_schedule import start_report_sender
    from orchestre.campaigns.ad_sync import start_ad_sync
    from orchestre.campaigns.pacing_alerts import start_pacing_watch
    from orchestre.channels.refresher import start_refresher
    from orchestre.delivery.sweeper import start_sweeper
    from orchestre.inbox.runtime import start_inbox_poller, start_inbox_sweeper
    from orchestre.insights.runtime import start_channel_metrics, start_collector
    from orchestre.listening.competitors_runtime import start_competitors
    from orchestre.listening.digest_runtime import start_digest
    from orchestre.listening.feeds_runtime import start_feeds
    from orchestre.listening.runtime import start_listening
    from orchestre.listening.stream_runtime import start_stream
    from orchestre.listening.topics_runtime import start_topics
    from orchestre.moderation.crisis_runtime import start_crisis_watch
    from orchestre.publishing.runtime import start_publishing
    from orchestre.ugc.runtime import start_ugc_loop

    background = Background()
    background.loops.append(start_publishing(settings, factory))
    background.loops.append(start_refresher(settings, factory))
    background.loops.append(start_sweeper(settings, factory))
    background.loops.append(start_collector(settings, factory))
    background.loops.append(start_channel_metrics(settings, factory))
    background.loops.append(start_inbox_poller(settings, factory))
    background.loops.append(start_inbox_sweeper(settings, factory))
    background.loops.append(start_crisis_watch(settings, factory))
    background.loops.append(start_report_sender(settings, factory))
    background.loops.append(start_pacing_watch(settings, factory))
    background.loops.append(start_ad_sync(settings, factory))
    background.loops.append(start_listening(settings, factory))
    background.loops.append(start_competitors(settings, factory))
    background.loops.append(start_topics(settings, factory))
    background.loops.append(start_digest(settings, factory))
    background.loops.append(start_feeds(settings, factory))
    background.loops.append(start_stream(settings, factory))
    background.loops.append(start_ugc_loop(settings, factory))
    return background
