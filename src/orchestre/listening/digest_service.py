"""The weekly digest's use cases: its settings, past digests, and making one from facts,
once per week (also with two workers).

`make_digest` gathers the facts of the seven days before `now` (competitors' hashtags
from the queries `about="competitor"`, the brand's mention volume and negative share
from `about="brand"`, the new and rising topic clusters, the week's bursts), turns them
into recommendations (digest.py) and keeps the digest; the (workspace, week) unique
constraint makes a second maker, in this process or another, a no-op. Members who may
see listening are told in the app (notification kind `listening.digest`)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.errors import FieldError, Invalid, NotFound
from orchestre.kit.clock import utcnow
from orchestre.kit.timezones import zone as zone_of
from orchestre.listening import digest, digest_posts, trends
from orchestre.listening import topics_repository as topics_repo
from orchestre.models import Membership, User, Workspace
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.listening_topics import Digest, DigestSettings
from orchestre.workspaces.notifications import notify
from orchestre.workspaces.permissions import Actor, Permission, Role, permissions_of

WEEK = timedelta(days=7)
DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_HOUR = 8
KIND = "listening.digest"


@dataclass(frozen=True)
class SettingsInput:
    enabled: bool
    weekday: int
    hour: int
    email: bool


@dataclass(frozen=True)
class Reader:
    user_id: uuid.UUID
    email: str
    name: str
    locale: str


# --- settings and past digests (pages and routes) ------------------------------------------------


def stored_settings(session: Session, workspace_id: uuid.UUID) -> DigestSettings | None:
    return session.scalar(select(DigestSettings).where(DigestSettings.workspace_id == workspace_id))


def settings_for(session: Session, workspace_id: uuid.UUID) -> DigestSettings:
    """The workspace's settings, or the defaults (Monday 08:00, on, emailed) unsaved."""
    return stored_settings(session, workspace_id) or DigestSettings(
        workspace_id=workspace_id,
        enabled=True,
        weekday=DEFAULT_WEEKDAY,
        hour=DEFAULT_HOUR,
        email=True,
    )


def get_settings(session: Session, actor: Actor) -> DigestSettings:
    actor.require(Permission.LISTENING_VIEW)
    return settings_for(session, actor.workspace_id)


def update_settings(session: Session, actor: Actor, data: SettingsInput) -> DigestSettings:
    """Change when the digest is made (listening.manage); out-of-range values are refused."""
    actor.require(Permission.LISTENING_MANAGE)
    errors = []
    if not 0 <= data.weekday <= 6:
        errors.append(
            FieldError("weekday", "range", "0 (Monday) to 6 (Sunday).", [0, 6], data.weekday)
        )
    if not 0 <= data.hour <= 23:
        errors.append(FieldError("hour", "range", "An hour from 0 to 23.", [0, 23], data.hour))
    if errors:
        raise Invalid("The digest settings are not valid.", errors=errors)
    row = stored_settings(session, actor.workspace_id)
    before = snapshot(row) if row is not None else None
    if row is None:
        row = DigestSettings(workspace_id=actor.workspace_id)
        session.add(row)
    row.enabled, row.weekday, row.hour, row.email = (
        data.enabled,
        data.weekday,
        data.hour,
        data.email,
    )
    row.updated_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "listening.digest_settings.updated",
        "listening_digest_settings",
        row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def next_digest_at(session: Session, actor: Actor, now: datetime | None = None) -> datetime:
    actor.require(Permission.LISTENING_VIEW)
    found = settings_for(session, actor.workspace_id)
    return digest.next_instant(
        now or utcnow(), found.weekday, found.hour, workspace_zone(session, actor.workspace_id)
    )


def list_digests(session: Session, actor: Actor, limit: int = 52) -> list[Digest]:
    """Past digests, newest week first (listening.view)."""
    actor.require(Permission.LISTENING_VIEW)
    return list(
        session.scalars(
            select(Digest)
            .where(Digest.workspace_id == actor.workspace_id)
            .order_by(Digest.week_start.desc())
            .limit(max(1, min(limit, 200)))
        )
    )


def get_digest(session: Session, actor: Actor, digest_id: uuid.UUID) -> Digest:
    actor.require(Permission.LISTENING_VIEW)
    found = session.scalar(
        select(Digest).where(Digest.workspace_id == actor.workspace_id, Digest.id == digest_id)
    )
    if found is None:
        raise NotFound("No such digest in this workspace.", code="digest_not_found")
    return found


def workspace_zone(session: Session, workspace_id: uuid.UUID) -> ZoneInfo:
    workspace = session.get(Workspace, workspace_id)
    return zone_of(workspace.timezone if workspace else "UTC")


def readers(session: Session, workspace_id: uuid.UUID) -> list[Reader]:
    """Members who may see listening: the digest's audience."""
    workspace = session.get(Workspace, workspace_id)
    default = workspace.locale if workspace else "en"
    rows = session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(User.id)
    ).all()
    return [
        Reader(user.id, user.email, user.name or user.email, user.locale or default)
        for membership, user in rows
        if Permission.LISTENING_VIEW in permissions_of(frozenset(Role(r) for r in membership.roles))
    ]


# --- making one (background) ---------------------------------------------------------------------


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
    facts = digest_posts.with_brand_posts(
        gather(session, workspace_id, end), session, workspace_id, end
    )
    lines = digest.recommendations(facts)
    row = Digest(
        workspace_id=workspace_id,
        week_start=week,
        period_start=end - WEEK,
        period_end=end,
        facts=asdict(facts),
        recommendations=[line.as_dict() for line in lines],
        summary="\n".join(line.en for line in lines),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None  # another worker made this week's digest first
    row.notified = len(
        notify(
            session,
            workspace_id,
            [reader.user_id for reader in readers(session, workspace_id)],
            KIND,
            {"digest_id": str(row.id), "week": week.isoformat(), "lines": len(lines)},
        )
    )
    return row
