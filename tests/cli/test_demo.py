"""The demo workspace: what a newcomer sees, built through the same rules as real work."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre import demo
from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.kit.db import Base
from orchestre.listening.competitors import comparison
from orchestre.models import (
    ApprovalDecision,
    ApprovalStep,
    Campaign,
    Channel,
    ContentPillar,
    EditorialLine,
    Membership,
    Post,
    PostComment,
    PostVariant,
    Workspace,
)
from orchestre.models.analytics import (
    CampaignResult,
    ChannelMetricSample,
    PostFormat,
    PublicationStats,
)
from orchestre.models.insights import PostMetricSample
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.listening_topics import Digest
from orchestre.models.notification import Notification
from orchestre.models.publication import Publication, PublicationState
from orchestre.workspaces.auth import actor_for
from orchestre.workspaces.service import find_user_by_email
from tests.cli.conftest import Cli


def _counts(db: Session) -> dict[str, int]:
    return {
        table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def _workspace(db: Session) -> Workspace:
    return db.scalars(select(Workspace).where(Workspace.name == "Maison Lumière")).one()


def test_the_demo_is_made_once_and_signs_in(
    db: Session, settings: Settings, clock: FrozenClock, client: TestClient
) -> None:
    """One demo (it takes seconds to tell its ninety days), read five ways: what it shows,
    its analytics history, what it listens to, the printed account signing in, and a second
    run that changes nothing."""
    result = demo.fill(db, settings)
    assert result.created
    assert utcnow() == clock.now()  # the story's rewound clock is put back
    db.commit()
    _shows_every_role_state_and_rule(db, clock)
    _has_ninety_days_of_figures(db, clock.now())
    _listens_to_the_brand_its_rivals_and_a_topic(db, clock.now())
    _reads_its_old_notices(db, clock.now())
    _the_printed_account_signs_in_and_sees_the_calendar(db, client, result.password)
    _a_second_run_changes_nothing(db, settings, result.password)


def _reads_its_old_notices(db: Session, now: datetime) -> None:
    """Three months of the story's notices were read as they came; the last days' wait."""
    notices = db.scalars(
        select(Notification).where(Notification.workspace_id == _workspace(db).id)
    ).all()
    old = [n for n in notices if n.created_at < now - timedelta(days=2)]
    assert len(old) > 50
    assert all(n.read_at == n.created_at + timedelta(hours=1) for n in old)
    assert any(n.read_at is None for n in notices if n not in old)


def _shows_every_role_state_and_rule(db: Session, clock: FrozenClock) -> None:
    ws = _workspace(db)
    assert ws.timezone == "Europe/Paris"

    roles = Counter(
        r for m in db.scalars(select(Membership).filter_by(workspace_id=ws.id)) for r in m.roles
    )
    assert set(roles) == {
        "owner",
        "social_media_manager",
        "content_creator",
        "reviewer",
        "community_manager",
        "analyst",
    }

    variants = list(db.scalars(select(PostVariant).filter_by(workspace_id=ws.id)))
    states = Counter(v.state for v in variants)
    assert {"draft", "in_review", "approved", "scheduled", "published", "failed"} <= set(states)
    now = clock.now()
    for variant in variants:
        if variant.state == "scheduled":
            assert variant.scheduled_at is not None
            assert now < variant.scheduled_at < now + timedelta(days=14)
        if variant.state == "published":
            assert variant.published_at is not None
            assert variant.published_at < now
        if variant.state == "failed":
            assert variant.last_error

    channels = list(db.scalars(select(Channel).filter_by(workspace_id=ws.id)))
    assert len(channels) == 3
    assert all(c.network == "sandbox" and c.credentials_encrypted for c in channels)

    line = db.get(EditorialLine, ws.id)
    assert line is not None
    assert line.banned_words
    assert line.required_hashtags == ["#MaisonLumiere"]
    pillars = list(db.scalars(select(ContentPillar).filter_by(workspace_id=ws.id)))
    assert len(pillars) == 3
    assert sum(p.target_share for p in pillars) == 100
    assert db.query(Campaign).filter_by(workspace_id=ws.id).count() == 2
    steps = db.scalars(
        select(ApprovalStep).filter_by(workspace_id=ws.id).order_by(ApprovalStep.position)
    ).all()
    assert [s.role for s in steps] == ["reviewer", "social_media_manager"]
    decisions = Counter(
        d.decision for d in db.scalars(select(ApprovalDecision).filter_by(workspace_id=ws.id))
    )
    assert decisions["approved"] >= 5
    assert decisions["changes_requested"] == 1
    assert db.query(PostComment).filter_by(workspace_id=ws.id).count() >= 2


def _has_ninety_days_of_figures(db: Session, now: datetime) -> None:
    """Dashboards have ninety days of measured posts, follower series and a campaign's paid
    results on first run, made by the real collectors."""
    ws = _workspace(db)
    published = db.scalar(
        select(func.count())
        .select_from(Publication)
        .where(
            Publication.workspace_id == ws.id,
            Publication.state == PublicationState.PUBLISHED.value,
        )
    )
    rows = list(db.scalars(select(PublicationStats).where(PublicationStats.workspace_id == ws.id)))
    # Every published post is in the figures, the stories' ones included.
    assert len(rows) == published
    assert published is not None
    assert published >= 30
    oldest = min(r.published_at for r in rows)
    assert now - timedelta(days=91) < oldest < now - timedelta(days=80)
    # Measured by the collectors: the row holds the latest sample of each metric.
    measured = [r for r in rows if r.measured_at is not None]
    assert len(measured) >= len(rows) - 2  # the last day's posts may wait for their hour
    for row in measured[:5]:
        latest = db.scalar(
            select(PostMetricSample.value)
            .where(
                PostMetricSample.publication_id == row.publication_id,
                PostMetricSample.metric == "impressions",
            )
            .order_by(PostMetricSample.measured_at.desc())
            .limit(1)
        )
        assert row.impressions == latest
        assert row.followers is not None
        assert row.followers > 0
    formats = Counter(r.format for r in rows)
    assert {PostFormat.TEXT, PostFormat.IMAGE, PostFormat.CAROUSEL} <= set(formats)
    if shutil.which("ffmpeg"):
        assert {PostFormat.SHORT_VIDEO, PostFormat.VIDEO} <= set(formats)
        videos = [r for r in measured if r.format == PostFormat.SHORT_VIDEO]
        assert all(r.watch_time and 0 < (r.completion or 0) < 1 for r in videos)
    assert all(r.video_views is None for r in rows if r.format == PostFormat.TEXT)
    assert any(r.campaign_id is not None for r in rows)

    # Each channel's followers, day by day, growing.
    followers = list(
        db.execute(
            select(ChannelMetricSample.channel_id, ChannelMetricSample.value)
            .where(
                ChannelMetricSample.workspace_id == ws.id, ChannelMetricSample.metric == "followers"
            )
            .order_by(ChannelMetricSample.measured_at)
        )
    )
    by_channel: dict[object, list[float]] = {}
    for channel_id, value in followers:
        by_channel.setdefault(channel_id, []).append(value)
    assert len(by_channel) == 3
    for series in by_channel.values():
        assert len(series) >= 85
        assert series == sorted(series)
        assert series[-1] > series[0]
    visits = db.scalar(
        select(func.count())
        .select_from(ChannelMetricSample)
        .where(
            ChannelMetricSample.workspace_id == ws.id,
            ChannelMetricSample.metric == "profile_visits",
        )
    )
    assert visits is not None
    assert visits >= 3 * 85

    # The running campaign's paid results, day by day up to yesterday.
    results = list(db.scalars(select(CampaignResult).where(CampaignResult.workspace_id == ws.id)))
    assert len(results) >= 10
    assert all(r.spend and r.spend > 0 and r.revenue is not None for r in results)
    assert max(r.day for r in results) < now.date()


def _listens_to_the_brand_its_rivals_and_a_topic(db: Session, now: datetime) -> None:
    """The Listening page has queries and a month of classified mentions in both languages,
    the competitors page a share of voice, and the digest page last week's digest."""
    ws = _workspace(db)
    queries = list(db.scalars(select(ListeningQuery).where(ListeningQuery.workspace_id == ws.id)))
    about = Counter(q.about for q in queries)
    assert about == {"brand": 1, "competitor": 2, "topic": 1}
    mentions = list(db.scalars(select(Mention).where(Mention.workspace_id == ws.id)))
    assert len(mentions) >= 200
    assert all(now - timedelta(days=30) < m.published_at < now for m in mentions)
    # Collected as the collector would, a little after each post: no false crisis today.
    assert all(m.published_at < m.collected_at < now for m in mentions)
    assert {m.query_id for m in mentions} == {q.id for q in queries}
    sentiments = Counter(m.sentiment for m in mentions)
    assert sentiments["positive"] > 0
    assert sentiments["negative"] > 0
    assert {"fr", "en"} <= {m.language for m in mentions}
    assert all(m.engagement is not None for m in mentions)

    owner = find_user_by_email(db, "demo@orchestre.local")
    assert owner is not None
    shares = comparison(db, actor_for(db, owner.id, ws.id), "last_30_days").shares
    for share in (shares.by_mentions, shares.by_engagement):
        assert share is not None
        assert 0 < share < 1

    digests = list(db.scalars(select(Digest).where(Digest.workspace_id == ws.id)))
    assert len(digests) == 1
    made = digests[0]
    assert now - timedelta(days=7) < made.period_end <= now
    lines = made.recommendations
    assert lines
    assert all(line["en"] and line["fr"] and line["en"] != line["fr"] for line in lines)
    # The rival's new shop: its hashtag rose in the competitors' mentions that week.
    rose = [line["figures"] for line in lines if line["kind"] == "hashtag"]
    opening = [f for f in rose if f["tag"] == "#fournilrivegauche"]
    assert len(opening) == 1
    assert opening[0]["this_week"] >= 2 * opening[0]["last_week"] > 0
    assert made.notified > 0


def _a_second_run_changes_nothing(db: Session, settings: Settings, password: str | None) -> None:
    before = _counts(db)
    second = demo.fill(db, settings)
    assert not second.created
    assert second.password == password  # reminded from the data folder
    assert _counts(db) == before
    assert "already exists; nothing was changed" in demo.describe(second)[0]


def _the_printed_account_signs_in_and_sees_the_calendar(
    db: Session, client: TestClient, password: str | None
) -> None:
    assert password is not None
    login = client.post(
        "/api/v1/auth/login", json={"email": "demo@orchestre.local", "password": password}
    )
    assert login.status_code == 200, login.text
    ws = _workspace(db)
    posts = client.get(f"/api/v1/workspaces/{ws.id}/posts", params={"limit": 50})
    assert posts.status_code == 200, posts.text
    total = db.scalar(select(func.count()).select_from(Post).where(Post.workspace_id == ws.id))
    assert total is not None
    assert total > 11  # the stories and the history (demo/analytics.py)
    assert len(posts.json()["items"]) == min(50, total)


def test_demo_command_prints_the_accounts_once_created_and_again_later(cli: Cli) -> None:
    first = cli("demo")
    assert first.exit_code == 0, first.output
    assert "Created the demo workspace Maison Lumière." in first.output
    for email in ("demo@orchestre.local", "lea@orchestre.local", "olivia@orchestre.local"):
        assert email in first.output
    password = first.output.split("Password for every demo account: ", 1)[1].split()[0]
    again = cli("demo")
    assert again.exit_code == 0
    assert "already exists; nothing was changed" in again.output
    assert password in again.output
