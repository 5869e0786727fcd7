"""Feeding the crisis detector from the inbox: each workspace's watch reads every complete
time bucket of inbound messages once, in order, and turns the detector's alerts into
alert rows with their evidence, notifications and webhook events.

Exactly once: a workspace's watch row is locked while it is fed (SKIP LOCKED on
PostgreSQL, so another worker moves on; SQLite's single writer serialises them), and the
detector's state and `next_bucket_at` are written in the same transaction as the alerts.
A crash before the commit leaves nothing, so the next round feeds the same buckets again;
after the commit they are never fed twice.

A bucket is fed once it ended `settle` ago: messages are bucketed by when they reached
us (`received_at`), and an ingest transaction still open at the bucket's end may commit
a little later. After a downtime, a round feeds at most `max_buckets` buckets (the next
round goes on), and buckets older than `horizon` are skipped: the detector counts a
skipped stretch as empty, in closed form.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from orchestre.channels import repository as channel_repository
from orchestre.delivery.dispatch import emit
from orchestre.models.moderation import CrisisAlert
from orchestre.moderation import crisis_repository as repository
from orchestre.moderation.crisis_repository import MessageLine
from orchestre.moderation.detect import (
    Alert,
    CrisisDetector,
    DetectorConfig,
    Observation,
    keys_of,
)
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Permission, roles_with

log = logging.getLogger(__name__)

CRISIS_ALERT = "crisis_alert"  # the in-app notification kind
ALERT_EVENT = "crisis.alert"  # the webhook event
TOXIC_LABELS = frozenset({"hate", "offensive"})
SAMPLE_TEXT_MAX = 280
# Told of an alert: whoever can moderate the inbox or pause publishing.
TOLD_ROLES = roles_with(Permission.INBOX_MODERATE, Permission.PUBLISHING_PAUSE)


@dataclass(frozen=True)
class WatchPolicy:
    settle: timedelta = timedelta(minutes=1)
    max_buckets: int = 144  # a day of 10-minute buckets per round
    horizon: timedelta = timedelta(days=2)
    series_buckets: int = 36  # the evidence's chart: six hours of 10-minute buckets
    batch: int = 500  # workspaces looked at per round


@dataclass
class FeedResult:
    workspace_id: uuid.UUID
    buckets: int = 0
    messages: int = 0
    skipped: int = 0
    alerts: list[CrisisAlert] = field(default_factory=list)


def _detector(state: dict[str, Any], config: DetectorConfig | None) -> CrisisDetector:
    if not state:
        return CrisisDetector(config)
    try:
        return CrisisDetector.from_state(state, config)
    except (ValueError, KeyError, TypeError):
        # A state of another version or bucket size: start learning again rather than stop.
        log.warning("crisis detector state unreadable; starting a fresh baseline")
        return CrisisDetector(config)


def start_watches(
    session: Session,
    now: datetime,
    config: DetectorConfig | None = None,
    policy: WatchPolicy = WatchPolicy(),
) -> int:
    """Give a watch to each workspace with recent inbound messages and none yet; it starts
    at the bucket of the first such message. Returns how many were created."""
    buckets = CrisisDetector(config)
    created = 0
    for workspace_id, first in repository.unwatched_activity(
        session, now - policy.horizon, policy.batch
    ):
        created += repository.add_watch(session, workspace_id, buckets.bucket_of(first))
    return created


def due_workspaces(
    session: Session,
    now: datetime,
    config: DetectorConfig | None = None,
    policy: WatchPolicy = WatchPolicy(),
) -> list[uuid.UUID]:
    """Workspaces with at least one complete bucket not fed yet."""
    bucket = (config or DetectorConfig()).bucket
    return repository.due_watches(session, now - policy.settle - bucket, policy.batch)


def feed(
    session: Session,
    workspace_id: uuid.UUID,
    now: datetime,
    config: DetectorConfig | None = None,
    policy: WatchPolicy = WatchPolicy(),
) -> FeedResult | None:
    """Feed the workspace's complete buckets to its detector (None: another worker has it).

    The caller commits; until then the watch stays locked."""
    watch = repository.locked_watch(session, workspace_id)
    if watch is None or watch.next_bucket_at is None:
        return None
    detector = _detector(watch.state, config)
    size = detector.config.bucket
    result = FeedResult(workspace_id)
    start = detector.bucket_of(watch.next_bucket_at)
    end_all = detector.bucket_of(now - policy.settle)  # buckets before it are complete
    oldest = detector.bucket_of(end_all - policy.horizon)
    if start < oldest:
        result.skipped = int((oldest - start) / size)
        start = oldest
    count = min(int((end_all - start) / size), policy.max_buckets)
    if count <= 0:
        return result
    end = start + count * size
    lines = repository.inbound_between(session, workspace_id, start, end)
    by_bucket: dict[datetime, list[MessageLine]] = defaultdict(list)
    for line in lines:
        by_bucket[detector.bucket_of(line.received_at)].append(line)
    by_id = {str(line.id): line for line in lines}
    for index in range(count):
        bucket_start = start + index * size
        observations = [observation(line) for line in by_bucket.get(bucket_start, [])]
        for alert in detector.observe(bucket_start, observations):
            row = record_alert(session, workspace_id, alert, by_id, detector.config, policy)
            if row is not None:
                result.alerts.append(row)
    watch.state = detector.state()
    watch.next_bucket_at = end
    session.flush()
    result.buckets, result.messages = count, len(lines)
    return result


def observation(line: MessageLine) -> Observation:
    """A message as the detector sees it; its hashtags become topics there."""
    return Observation(
        message_id=str(line.id),
        text=line.text or "",
        channel=str(line.channel_id) if line.channel_id else None,
        negative=line.sentiment == "negative",
        toxic=line.toxicity in TOXIC_LABELS,
        inbox=not line.mention,
    )


# -- alerts ---------------------------------------------------------------------------


def record_alert(
    session: Session,
    workspace_id: uuid.UUID,
    alert: Alert,
    by_id: dict[str, MessageLine],
    config: DetectorConfig,
    policy: WatchPolicy,
) -> CrisisAlert | None:
    """A new alert row, or the open one of the same kind brought up to date ("ongoing",
    "escalating"). People are told of new and escalating alerts, not of each update. An
    update of an alert a person already resolved is left alone unless it escalates."""
    evidence = _evidence(session, workspace_id, alert, by_id, config, policy)
    row = repository.open_alert(session, workspace_id, alert.kind, alert.key)
    if row is None and alert.status != "new":
        row = repository.open_alert(session, workspace_id, alert.kind, None)
    if row is None:
        if alert.status == "ongoing":
            return None
        row = CrisisAlert(
            workspace_id=workspace_id,
            kind=alert.kind,
            key=alert.key,
            severity=alert.severity,
            started_at=alert.episode_start,
            last_seen_at=alert.window_end,
            evidence={**evidence, "peak": _peak(evidence), "updates": 0, "first": _first(evidence)},
            status="open",
        )
        repository.add(session, row)
        _tell(session, row, "new")
        return row
    previous = row.evidence or {}
    row.last_seen_at = alert.window_end
    row.evidence = {
        **evidence,
        "peak": _higher_peak(previous.get("peak"), _peak(evidence)),
        "updates": int(previous.get("updates", 0)) + 1,
        "first": previous.get("first") or _first(previous),
    }
    if alert.status == "escalating" or _rank(alert.severity) > _rank(row.severity):
        row.severity = max(row.severity, alert.severity, key=_rank)
        _tell(session, row, "escalating")
    elif alert.status == "new":
        _tell(session, row, "new")  # a fresh episode after a quiet spell
    session.flush()
    return row


def _rank(severity: str) -> int:
    return {"low": 1, "medium": 2, "high": 3}.get(severity, 0)


def _peak(evidence: dict[str, Any]) -> dict[str, Any]:
    keys = ("observed", "expected", "score", "bucket_start")
    return {key: evidence.get(key) for key in keys}


def _higher_peak(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old and float(old.get("score") or 0) >= float(new.get("score") or 0):
        return old
    return new


def _first(evidence: dict[str, Any]) -> dict[str, Any]:
    """What the alert said when it was raised, kept beside the latest figures."""
    keys = ("observed", "expected", "score", "bucket_start", "top_terms", "top_hashtags")
    return {key: evidence.get(key) for key in keys}


def _evidence(
    session: Session,
    workspace_id: uuid.UUID,
    alert: Alert,
    by_id: dict[str, MessageLine],
    config: DetectorConfig,
    policy: WatchPolicy,
) -> dict[str, Any]:
    samples = [by_id[i] for i in alert.sample_ids if i in by_id]
    channel_ids = [uuid.UUID(c) for c in alert.channels]
    channels = {c.id: c for c in repository.channels(session, workspace_id, channel_ids)}
    return {
        "status": alert.status,
        "trigger": alert.trigger,
        "observed": alert.observed,
        "expected": alert.expected,
        "score": alert.score,
        "severity": alert.severity,
        "messages": alert.messages,
        "bucket_start": alert.bucket_start.isoformat(),
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
        "episode_start": alert.episode_start.isoformat(),
        "related_keys": list(alert.related_keys),
        "top_terms": [{"term": t, "z": z} for t, z in alert.top_terms],
        "top_hashtags": [{"term": t, "z": z} for t, z in alert.top_hashtags],
        "samples": [
            {
                "id": str(line.id),
                "channel_id": str(line.channel_id) if line.channel_id else None,
                "mention": line.mention,
                "received_at": line.received_at.isoformat(),
                "text": (line.text or "")[:SAMPLE_TEXT_MAX],
                "sentiment": line.sentiment,
                "toxicity": line.toxicity,
            }
            for line in samples
        ],
        "channels": [
            {"id": str(c), "network": channels[c].network, "handle": channels[c].handle}
            for c in channel_ids
            if c in channels
        ],
        "series": series(session, workspace_id, alert, config, policy.series_buckets),
    }


def series(
    session: Session,
    workspace_id: uuid.UUID,
    alert: Alert,
    config: DetectorConfig,
    buckets: int,
) -> dict[str, Any]:
    """The alert's measure over the last `buckets` buckets up to its window's end: the
    count of messages for volume, the share flagged otherwise (None for an empty bucket)."""
    size = config.bucket
    start = alert.window_end - buckets * size
    totals, flagged = [0] * buckets, [0] * buckets
    for line in repository.inbound_between(session, workspace_id, start, alert.window_end):
        item = observation(line)
        if alert.key not in keys_of(item, config.hashtag_topics):
            continue
        index = int((line.received_at - start) / size)
        totals[index] += 1
        hit = item.negative if alert.kind == "negative_share" else item.toxic
        flagged[index] += int(hit)
    values: Sequence[float | None]
    if alert.kind == "volume":
        values = [float(t) for t in totals]
    else:
        values = [round(f / t, 4) if t else None for f, t in zip(flagged, totals, strict=True)]
    return {
        "start": start.isoformat(),
        "bucket_minutes": int(size.total_seconds() // 60),
        "values": list(values),
        "expected": alert.expected,
    }


def _tell(session: Session, row: CrisisAlert, status: str) -> None:
    """In the app for whoever can moderate or pause, and to the webhooks that want it."""
    evidence = row.evidence or {}
    payload = {
        "alert_id": str(row.id),
        "kind": row.kind,
        "key": row.key,
        "status": status,
        "severity": row.severity,
        "observed": evidence.get("observed"),
        "expected": evidence.get("expected"),
        "score": evidence.get("score"),
        "top_terms": [t["term"] for t in evidence.get("top_terms", [])][:5],
        "top_hashtags": [t["term"] for t in evidence.get("top_hashtags", [])][:5],
        "channels": [c["handle"] for c in evidence.get("channels", [])],
        "started_at": row.started_at.isoformat(),
    }
    people = channel_repository.members_with_roles(session, row.workspace_id, TOLD_ROLES)
    notify(session, row.workspace_id, people, CRISIS_ALERT, payload)
    sample_ids = [s["id"] for s in evidence.get("samples", [])]
    emit(session, row.workspace_id, ALERT_EVENT, {**payload, "sample_message_ids": sample_ids})
