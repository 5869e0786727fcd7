"""Crisis detection in the product: the inbox's messages fed bucket by bucket, alerts with
their evidence, who is told, and feeding that never counts a bucket twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.delivery import dispatch
from orchestre.delivery import tasks as delivery_tasks
from orchestre.delivery.email import Notice
from orchestre.kit.clock import FrozenClock
from orchestre.models import Notification, WebhookDelivery, WebhookEndpoint, Workspace
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.moderation import CrisisAlert, CrisisWatch
from orchestre.moderation.crisis_runtime import watch_round
from orchestre.moderation.crisis_watch import WatchPolicy, feed, start_watches
from orchestre.worker.queue import pending_jobs
from orchestre.worker.registry import run
from tests.factories import make_member, make_workspace
from tests.moderation.crisis_support import BUCKET, CONFIG, Inbox, make_inbox


@pytest.fixture
def inbox(db: Session, clock: FrozenClock) -> Inbox:
    return make_inbox(db, clock)


def _watch_and_feed(inbox: Inbox, policy: WatchPolicy = WatchPolicy()) -> int:
    """Start the watch and feed everything complete; returns the buckets fed."""
    now = inbox.clock.now()
    start_watches(inbox.db, now, CONFIG, policy)
    fed = 0
    while True:
        result = feed(inbox.db, inbox.workspace.id, now, CONFIG, policy)
        assert result is not None
        if not result.buckets:
            return fed
        fed += result.buckets


def _alerts(db: Session, inbox: Inbox) -> list[CrisisAlert]:
    db.expire_all()
    stmt = select(CrisisAlert).where(CrisisAlert.workspace_id == inbox.workspace.id)
    return list(db.scalars(stmt.order_by(CrisisAlert.kind)))


def test_a_negative_burst_after_a_quiet_baseline_raises_one_alert_with_its_evidence(
    db: Session, inbox: Inbox
) -> None:
    now = inbox.clock.now()
    inbox.baseline(now - timedelta(hours=5), buckets=24)
    burst_start = now - timedelta(hours=1)
    burst = inbox.burst(burst_start, count=30)
    inbox.burst(burst_start + BUCKET, count=30)  # the crisis lasts: an update, no new alert

    _watch_and_feed(inbox)

    alerts = _alerts(db, inbox)
    volume = [a for a in alerts if a.kind == "volume"]
    assert len(volume) == 1, [(a.kind, a.key) for a in alerts]
    assert {a.kind for a in alerts} <= {"volume", "negative_share"}
    assert len([a for a in alerts if a.kind == "negative_share"]) == 1
    alert = volume[0]
    assert alert.status == "open"
    evidence = alert.evidence
    assert evidence["top_terms"][0]["term"] == "refund"
    assert "boycottbrand" in [t["term"] for t in evidence["top_hashtags"]]
    assert evidence["observed"] >= 30
    assert evidence["expected"] < 5
    samples = {s["id"] for s in evidence["samples"]}
    assert samples
    assert samples <= {str(m.id) for m in inbox.db.scalars(select(type(burst[0])))}
    assert evidence["channels"] == [
        {"id": str(inbox.channel.id), "network": "sandbox", "handle": "@brand_fr"}
    ]
    # The chart: six hours of counts ending with the burst, the baseline's level beside it.
    # The chart: six hours up to the alert's bucket, the quiet baseline then the burst.
    assert evidence["series"]["values"] == [0.0] * 11 + [2.0] * 24 + [30.0]
    assert alert.started_at == burst_start


def test_a_steady_inbox_raises_nothing(db: Session, inbox: Inbox) -> None:
    now = inbox.clock.now()
    inbox.baseline(now - timedelta(hours=8), buckets=46)
    assert _watch_and_feed(inbox) > 40
    assert _alerts(db, inbox) == []


def test_feeding_again_counts_nothing_twice(db: Session, inbox: Inbox) -> None:
    now = inbox.clock.now()
    inbox.baseline(now - timedelta(hours=5), buckets=24)
    inbox.burst(now - timedelta(hours=1), count=30)
    # Two rounds an hour apart, then a third at the same instant as the second.
    inbox.clock.advance(hours=-1)
    _watch_and_feed(inbox)
    inbox.clock.advance(hours=1)
    _watch_and_feed(inbox)
    watch = db.scalars(select(CrisisWatch)).one()
    state, next_at = dict(watch.state), watch.next_bucket_at
    assert _watch_and_feed(inbox) == 0
    db.expire_all()
    watch = db.scalars(select(CrisisWatch)).one()
    assert watch.next_bucket_at == next_at
    assert watch.state == state

    # The same messages fed in one go leave the very same baseline.
    db.delete(watch)
    for alert in _alerts(db, inbox):
        db.delete(alert)
    db.flush()
    _watch_and_feed(inbox)
    again = db.scalars(select(CrisisWatch)).one()
    assert again.next_bucket_at == next_at
    assert again.state == state
    assert len([a for a in _alerts(db, inbox) if a.kind == "volume"]) == 1


def test_a_long_downtime_is_caught_up_within_bounds(db: Session, inbox: Inbox) -> None:
    now = inbox.clock.now()
    policy = WatchPolicy(max_buckets=10, horizon=timedelta(hours=6))
    inbox.receive("bonjour", now - timedelta(hours=3))
    db.flush()
    start_watches(db, now, CONFIG, policy)
    watch = db.scalars(select(CrisisWatch)).one()
    watch.next_bucket_at = now - timedelta(hours=9)
    first = feed(db, inbox.workspace.id, now, CONFIG, policy)
    assert first is not None
    # Nine hours behind: what lies beyond six hours before the last complete bucket
    # (08:50) is skipped, then ten buckets per round.
    assert first.skipped == 17
    assert first.buckets == 10
    rounds = 1
    while (result := feed(db, inbox.workspace.id, now, CONFIG, policy)) and result.buckets:
        rounds += 1
    assert rounds == 4  # 36 buckets from 02:50 to 08:50
    watch = db.scalars(select(CrisisWatch)).one()
    assert watch.next_bucket_at == now - BUCKET


def test_people_who_moderate_or_pause_are_told_and_webhooks_receive_it(
    db: Session, inbox: Inbox
) -> None:
    community = make_member(db, inbox.workspace, "community_manager")
    creator = make_member(db, inbox.workspace, "content_creator")
    endpoint = WebhookEndpoint(
        workspace_id=inbox.workspace.id,
        url="https://hooks.example.com/crisis",
        events=["crisis.alert"],
        secret_encrypted=b"sealed",
        secret_hint="whsec_abcd",
    )
    db.add(endpoint)
    now = inbox.clock.now()
    inbox.baseline(now - timedelta(hours=5), buckets=24)
    inbox.burst(now - timedelta(hours=1), count=30)
    _watch_and_feed(inbox)

    told = db.scalars(select(Notification).where(Notification.kind == "crisis_alert")).all()
    people = {n.user_id for n in told}
    assert people == {inbox.owner.id, community.id}
    assert creator.id not in people
    deliveries = db.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    ).all()
    assert {d.event for d in deliveries} == {"crisis.alert"}
    kinds = sorted(d.payload["data"]["kind"] for d in deliveries)
    assert kinds == sorted(a.kind for a in _alerts(db, inbox))
    assert all(d.payload["data"]["status"] == "new" for d in deliveries)


def test_the_round_feeds_each_workspace_in_its_own_transaction(
    db: Session, inbox: Inbox, session_factory: object
) -> None:
    now = inbox.clock.now()
    inbox.baseline(now - timedelta(hours=5), buckets=24)
    inbox.burst(now - timedelta(hours=1), count=30)
    db.commit()
    report = watch_round(session_factory, now, CONFIG)  # type: ignore[arg-type]
    assert report.started == 1
    assert report.failed == 0
    assert report.buckets == 29
    assert report.alerts >= 1
    again = watch_round(session_factory, now, CONFIG)  # type: ignore[arg-type]
    assert again.buckets == 0
    assert again.alerts == 0


def test_two_workers_never_feed_the_same_workspace(engine: Engine, clock: FrozenClock) -> None:
    """While one worker feeds a workspace, another skips it (PostgreSQL: SKIP LOCKED; SQLite
    lets one writer at a time); after the first commits, its progress is what the next reads."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    now = clock.now()
    with factory.begin() as setup:
        ws = make_workspace(setup)
        setup.add(CrisisWatch(workspace_id=ws.id, state={}, next_bucket_at=now - 3 * BUCKET))
    first, second = factory(), factory()
    try:
        fed = feed(first, ws.id, now, CONFIG)
        assert fed is not None
        assert fed.buckets == 2
        if engine.dialect.name == "postgresql":
            assert feed(second, ws.id, now, CONFIG) is None  # locked by the first: skipped
            second.rollback()
        first.commit()
        again = feed(second, ws.id, now, CONFIG)
        assert again is not None
        assert again.buckets == 0
    finally:
        first.close()
        second.close()
        with factory.begin() as cleanup:
            cleanup.execute(delete(Workspace).where(Workspace.id == ws.id))


def test_a_lasting_crisis_updates_its_alert_and_an_escalation_tells_people_again(
    db: Session, inbox: Inbox
) -> None:
    now = inbox.clock.now()
    start = now - timedelta(hours=6)
    inbox.baseline(start, buckets=24)
    crisis_start = start + 24 * BUCKET
    for b in range(8):  # eighty minutes at fifteen times the usual level
        inbox.burst(crisis_start + b * BUCKET, count=30)
    for b in range(8, 10):  # then worse still
        inbox.burst(crisis_start + b * BUCKET, count=150)
    _watch_and_feed(inbox)

    volume = [a for a in _alerts(db, inbox) if a.kind == "volume"]
    assert len(volume) == 1
    alert = volume[0]
    assert alert.evidence["updates"] >= 2
    assert alert.evidence["first"]["observed"] == 30
    assert alert.evidence["peak"]["observed"] == 150
    assert alert.last_seen_at > crisis_start + 8 * BUCKET
    told = db.scalars(
        select(Notification).where(
            Notification.kind == "crisis_alert", Notification.user_id == inbox.owner.id
        )
    ).all()
    statuses = sorted(n.payload["status"] for n in told if n.payload["kind"] == "volume")
    assert statuses == ["escalating", "new"]


class _Mailbox:
    def __init__(self) -> None:
        self.sent: list[Notice] = []

    def send(self, notice: Notice) -> None:
        self.sent.append(notice)


def test_an_alert_reaches_each_told_person_by_email_in_their_language_and_hooks_once(
    db: Session, inbox: Inbox
) -> None:
    inbox.owner.locale = "fr"
    community = make_member(db, inbox.workspace, "community_manager")
    community.locale = "en"
    endpoint = WebhookEndpoint(
        workspace_id=inbox.workspace.id,
        url="https://hooks.example.com/crisis",
        events=["crisis.alert"],
        secret_encrypted=b"sealed",
        secret_hint="whsec_abcd",
    )
    db.add(endpoint)
    now = inbox.clock.now()
    inbox.baseline(now - timedelta(hours=5), buckets=24)
    inbox.burst(now - timedelta(hours=1), count=30)
    _watch_and_feed(inbox)
    alerts = _alerts(db, inbox)
    mailbox = _Mailbox()
    delivery_tasks.configure(mailer=mailbox)
    try:
        for name in (dispatch.FAN_OUT, dispatch.SEND_EMAIL):
            for job in [j for j in pending_jobs(db) if j.name == name]:
                run(db, job.name, job.kwargs)
    finally:
        delivery_tasks.configure(replace_mailer=True)
    crisis_mails = [m for m in mailbox.sent if "/crisis" in m.text]
    assert len(crisis_mails) == 2 * len(alerts)
    assert {m.to for m in crisis_mails} == {inbox.owner.email, community.email}
    french = next(m for m in crisis_mails if m.to == inbox.owner.email)
    english = next(m for m in crisis_mails if m.to == community.email)
    assert french.locale == "fr"
    assert english.subject.startswith("Crisis alert")
    assert "refund" in english.text
    deliveries = db.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    ).all()
    assert len(deliveries) == len(alerts)  # the fan-out adds no second webhook


def _mentions(
    inbox: Inbox, queries: list[ListeningQuery], text: str, times: list[datetime]
) -> None:
    """Each post found by every one of `queries` (one mention row per query)."""
    for n, at in enumerate(times):
        for query in queries:
            inbox.db.add(
                Mention(
                    workspace_id=inbox.workspace.id,
                    query_id=query.id,
                    network="mastodon",
                    external_id=f"{text[:10]}-{at.isoformat()}-{n}",
                    text=text,
                    sentiment="negative" if "refund" in text else "neutral",
                    published_at=at,
                    collected_at=at,
                )
            )
    inbox.db.flush()


def test_a_burst_of_brand_mentions_raises_an_alert_of_its_own_key(
    db: Session, inbox: Inbox
) -> None:
    now = inbox.clock.now()
    brand = ListeningQuery(workspace_id=inbox.workspace.id, name="Brand", query="brand")
    boycott = ListeningQuery(workspace_id=inbox.workspace.id, name="Boycott", query="#boycott")
    db.add_all([brand, boycott])
    db.flush()
    inbox.baseline(now - timedelta(hours=5), buckets=24)  # the inbox stays calm
    quiet = now - timedelta(hours=5)
    _mentions(inbox, [brand], "saw the brand today", [quiet + i * BUCKET for i in range(24)])
    burst_start = now - timedelta(hours=1)
    storm = [burst_start + timedelta(seconds=15 * i) for i in range(30)]
    # Both queries find the storm's posts: each post counts once.
    _mentions(inbox, [brand, boycott], "brand refused my refund #BoycottBrand", storm)

    _watch_and_feed(inbox)

    alerts = _alerts(db, inbox)
    volume = [a for a in alerts if a.kind == "volume"]
    assert {a.key for a in volume} >= {"mentions"}
    assert "workspace" not in {a.key for a in alerts}  # the inbox itself was calm
    mentions = next(a for a in volume if a.key == "mentions")
    assert mentions.evidence["observed"] == 30
    assert all(s["mention"] and s["channel_id"] is None for s in mentions.evidence["samples"])
