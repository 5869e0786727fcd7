"""Making a workspace's weekly digest from facts, once per week (also with two workers).

`make_digest` gathers the facts of the seven days before `now` (competitors' hashtags
from the queries `about="competitor"`, the brand's mention volume and negative share
from `about="brand"`, the new and rising topic clusters, the week's bursts), turns them
into recommendations (digest.py) and keeps the digest; the (workspace, week) unique
constraint makes a second maker, in this process or another, a no-op. Members who may
see listening are told in the app (notification kind `listening.digest`)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.listening import digest, trends
from orchestre.listening import topics_repository as topics_repo
from orchestre.models import Membership
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.listening_topics import Digest
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Permission, Role, permissions_of

WEEK = timedelta(days=7)


def _mentions(
    session: Session, workspace_id: uuid.UUID, about: str, start: datetime, end: datetime
) -> list[tuple[datetime, str, list[str], str | None]]:
    rows = session.execute(
        select(Mention.published_at, Mention.text, Mention.hashtags, Mention.sentiment)
        .join(ListeningQuery, ListeningQuery.id == Mention.query_id)
        .where(
            Mention.workspace_id == workspace_id,
            ListeningQuery.about == about,
            Mention.published_at >= start,
            Mention.published_at < end,
        )
        .order_by(Mention.published_at)
    ).all()
    return [(at, text, list(tags or []), s) for at, text, tags, s in rows]


def _tags(rows: list[tuple[datetime, str, list[str], str | None]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _, text, tags, _ in rows:
        found = {f"#{trends.fold(t)}" for t in tags}
        found |= {t for t in trends.tokens(text, bigrams=False) if t[0] == "#"}
        counts.update(found)
    return counts


def _negative(rows: list[tuple[datetime, str, list[str], str | None]]) -> float | None:
    judged = [s for *_, s in rows if s]
    return round(judged.count("negative") / len(judged), 3) if judged else None


def gather(session: Session, workspace_id: uuid.UUID, end: datetime) -> digest.Facts:
    start, before = end - WEEK, end - 2 * WEEK
    rivals, rivals_before = (
        _tags(_mentions(session, workspace_id, "competitor", a, b))
        for a, b in ((start, end), (before, start))
    )
    brand = _mentions(session, workspace_id, "brand", start, end)
    brand_before = _mentions(session, workspace_id, "brand", before, start)
    counter = trends.TrendCounter()
    bursts = counter.add_many([r[0].timestamp() for r in brand], [r[1] for r in brand])
    bursts += counter.flush()
    snapshot = topics_repo.snapshot(session, workspace_id, 7)
    topics = [
        digest.TopicFact(
            t["label"], t["status"], t["estimated"], t["previous_estimated"], t["negative_share"]
        )
        for t in (snapshot.topics if snapshot and snapshot.computed_at else [])
    ]
    return digest.Facts(
        hashtags=[digest.HashtagFact(tag, n, rivals_before[tag]) for tag, n in rivals.items()],
        topics=topics,
        volume=digest.VolumeFact(
            len(brand), len(brand_before), _negative(brand), _negative(brand_before)
        ),
        bursts=[
            digest.BurstFact(b.term, b.observed, b.expected)
            for b in sorted(bursts, key=lambda b: (-b.z, b.term))
        ],
    )


def make_digest(
    session: Session, workspace_id: uuid.UUID, week: date, end: datetime
) -> Digest | None:
    """The week's digest, made and announced once; None when it already exists."""
    if session.scalar(
        select(Digest.id).where(Digest.workspace_id == workspace_id, Digest.week_start == week)
    ):
        return None
    facts = gather(session, workspace_id, end)
    lines = digest.recommendations(facts)
    row = Digest(
        workspace_id=workspace_id,
        week_start=week,
        period_start=end - WEEK,
        period_end=end,
        facts={"volume": None if facts.volume is None else vars(facts.volume)},
        recommendations=[line.as_dict() for line in lines],
        summary="\n".join(line.en for line in lines),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None  # another worker made this week's digest first
    readers = [
        m.user_id
        for m in session.scalars(select(Membership).where(Membership.workspace_id == workspace_id))
        if Permission.LISTENING_VIEW in permissions_of(frozenset(Role(r) for r in m.roles))
    ]
    row.notified = len(
        notify(
            session,
            workspace_id,
            readers,
            "listening.digest",
            {"digest_id": str(row.id), "week": week.isoformat(), "lines": len(lines)},
        )
    )
    return row
