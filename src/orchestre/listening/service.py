"""Listening use cases: queries (create, change, delete), their mentions, brand health,
and "collect now". Routes and pages call these; each checks the actor's permission."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from orchestre.audit.service import record, snapshot
from orchestre.channels.service import NETWORKS
from orchestre.errors import Conflict, FieldError, Invalid, NotFound
from orchestre.inbox.classifying import Classifier
from orchestre.insights.collection import Opener
from orchestre.kit.clock import utcnow
from orchestre.kit.pagination import Page, clamp_limit, decode_cursor_or_invalid
from orchestre.listening import repository as repo
from orchestre.listening import trends
from orchestre.listening.collect import CollectReport, collect
from orchestre.listening.query import parse
from orchestre.listening.repository import MentionFilters
from orchestre.listening.trends import Burst, Trend
from orchestre.models import Workspace
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.workspaces.permissions import Actor, Permission

MAX_NAME = 120
MAX_LANGUAGES = 20
ABOUT = ("brand", "competitor", "topic")
SENTIMENTS = ("positive", "neutral", "negative")
HEALTH_DAYS = 30
HEALTH_MAX_ROWS = 50_000
TOP = 10


@dataclass(frozen=True)
class QueryInput:
    name: str
    query: str
    networks: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    active: bool = True
    about: str = "brand"  # one of ABOUT


@dataclass(frozen=True)
class QueryChanges:
    """Only the fields given change."""

    name: str | None = None
    query: str | None = None
    networks: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    active: bool | None = None
    about: str | None = None


@dataclass(frozen=True)
class DayFigures:
    day: date
    total: int
    positive: int
    neutral: int
    negative: int


@dataclass(frozen=True)
class Health:
    """Brand health over a period: daily volume and sentiment, top hashtags and terms."""

    start: date
    end: date  # inclusive
    total: int
    days: list[DayFigures]
    sentiment: dict[str, int]
    top_hashtags: list[tuple[str, int]] = field(default_factory=list)
    top_terms: list[tuple[str, int]] = field(default_factory=list)
    # Terms new or rising at the end of the period, and the period's bursts (trends.py).
    rising: list[Trend] = field(default_factory=list)
    bursts: list[Burst] = field(default_factory=list)

    @property
    def negative_share(self) -> float | None:
        judged = sum(self.sentiment.values())
        return self.sentiment["negative"] / judged if judged else None


# --- queries -----------------------------------------------------------------------------------


# The networks a query can be kept to: a channel's, or "rss" for the feeds.
QUERY_NETWORKS: tuple[str, ...] = (*NETWORKS, "rss")


def _check(session: Session, actor: Actor, data: QueryInput, but: uuid.UUID | None) -> None:
    errors: list[FieldError] = []
    name = data.name.strip()
    if not name:
        errors.append(FieldError("name", "required", "Give the query a name."))
    elif len(name) > MAX_NAME:
        errors.append(
            FieldError("name", "max_length", "At most 120 characters.", MAX_NAME, len(name))
        )
    elif repo.name_taken(session, actor.workspace_id, name, but):
        errors.append(FieldError("name", "unique", "Another query already has this name."))
    try:
        parse(data.query)
    except Invalid as exc:
        errors.extend(exc.errors)
    unknown = sorted(set(data.networks) - set(QUERY_NETWORKS))
    if unknown:
        errors.append(
            FieldError(
                "networks",
                "one_of",
                "Unknown network: a query is kept to the networks channels belong to, or rss.",
                list(QUERY_NETWORKS),
                ", ".join(unknown),
            )
        )
    bad = [lang for lang in data.languages if len(lang) != 2 or not lang.isalpha()]
    if bad or len(data.languages) > MAX_LANGUAGES:
        errors.append(
            FieldError(
                "languages",
                "language_code",
                "Languages are two-letter codes (fr, en...).",
                actual=bad or None,
            )
        )
    if data.about not in ABOUT:
        message = "A query follows the brand, a competitor or a topic."
        errors.append(FieldError("about", "enum", message, list(ABOUT), data.about))
    if errors:
        raise Invalid("The listening query is not valid.", errors=errors)


def require_view(actor: Actor) -> None:
    actor.require(Permission.LISTENING_VIEW)


def list_queries(session: Session, actor: Actor) -> list[ListeningQuery]:
    actor.require(Permission.LISTENING_VIEW)
    return repo.queries(session, actor.workspace_id)


def channel_networks(session: Session, actor: Actor) -> list[str]:
    """The networks of the workspace's connected channels: those a query can be kept to."""
    actor.require(Permission.LISTENING_VIEW)
    return sorted({c.network for c in repo.connected_channels(session, [actor.workspace_id])})


def get_query(session: Session, actor: Actor, query_id: uuid.UUID) -> ListeningQuery:
    actor.require(Permission.LISTENING_VIEW)
    found = repo.query(session, actor.workspace_id, query_id)
    if found is None:
        raise NotFound("No such listening query in this workspace.")
    return found


def create_query(session: Session, actor: Actor, data: QueryInput) -> ListeningQuery:
    actor.require(Permission.LISTENING_MANAGE)
    _check(session, actor, data, None)
    row = ListeningQuery(
        workspace_id=actor.workspace_id,
        name=data.name.strip(),
        query=data.query.strip(),
        networks=sorted(set(data.networks)),
        languages=sorted({lang.lower() for lang in data.languages}),
        active=data.active,
        about=data.about,
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    record(
        session, actor, "listening.query.created", "listening_query", row.id, after=snapshot(row)
    )
    return row


def update_query(
    session: Session, actor: Actor, query_id: uuid.UUID, changes: QueryChanges
) -> ListeningQuery:
    actor.require(Permission.LISTENING_MANAGE)
    row = get_query(session, actor, query_id)
    before = snapshot(row)
    data = QueryInput(
        name=row.name if changes.name is None else changes.name,
        query=row.query if changes.query is None else changes.query,
        networks=tuple(row.networks) if changes.networks is None else changes.networks,
        languages=tuple(row.languages) if changes.languages is None else changes.languages,
        active=row.active if changes.active is None else changes.active,
        about=row.about if changes.about is None else changes.about,
    )
    _check(session, actor, data, row.id)
    row.name = data.name.strip()
    row.query = data.query.strip()
    row.networks = sorted(set(data.networks))
    row.languages = sorted({lang.lower() for lang in data.languages})
    row.active = data.active
    row.about = data.about
    session.flush()
    record(
        session,
        actor,
        "listening.query.updated",
        "listening_query",
        row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def delete_query(session: Session, actor: Actor, query_id: uuid.UUID) -> None:
    actor.require(Permission.LISTENING_MANAGE)
    row = get_query(session, actor, query_id)
    before = snapshot(row)
    session.delete(row)
    session.flush()
    record(session, actor, "listening.query.deleted", "listening_query", query_id, before=before)


# --- mentions and figures ------------------------------------------------------------------------


def _checked(session: Session, actor: Actor, filters: MentionFilters) -> MentionFilters:
    if filters.query_id is not None:
        get_query(session, actor, filters.query_id)  # a foreign query is a 404
    if filters.sentiment and filters.sentiment not in SENTIMENTS:
        raise Invalid(
            "Unknown sentiment.",
            errors=[FieldError("sentiment", "choice", "positive, neutral or negative.")],
        )
    return filters


def list_mentions(
    session: Session,
    actor: Actor,
    filters: MentionFilters,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Mention]:
    """Newest first, filtered, keyset-paginated."""
    actor.require(Permission.LISTENING_VIEW)
    filters = _checked(session, actor, filters)
    after = decode_cursor_or_invalid(cursor)
    size = clamp_limit(limit)
    rows = repo.mentions(session, actor.workspace_id, filters, after, size)
    return Page.from_rows(rows, size, lambda m: (m.published_at, m.id))


def _zone(session: Session, actor: Actor) -> ZoneInfo:
    workspace = session.get(Workspace, actor.workspace_id)
    return ZoneInfo(workspace.timezone if workspace else "UTC")


def brand_health(
    session: Session,
    actor: Actor,
    filters: MentionFilters,
    days: int = HEALTH_DAYS,
) -> Health:
    """The last `days` days (the workspace's days, today included) of mentions."""
    actor.require(Permission.LISTENING_VIEW)
    filters = _checked(session, actor, filters)
    zone = _zone(session, actor)
    days = max(1, min(days, 366))
    last = utcnow().astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    scoped = MentionFilters(
        filters.query_id, filters.network, filters.sentiment, filters.language, start, end
    )
    rows = repo.mention_rows(session, actor.workspace_id, scoped, HEALTH_MAX_ROWS)
    per_day: dict[date, Counter[str]] = {first + timedelta(days=i): Counter() for i in range(days)}
    tags: Counter[str] = Counter()
    terms: Counter[str] = Counter()
    counter = trends.TrendCounter()
    bursts = counter.add_many([row[0].timestamp() for row in rows], [row[2] for row in rows])
    bursts += counter.flush()
    for at, sentiment, text, hashtags in rows:
        day = per_day.setdefault(at.astimezone(zone).date(), Counter())
        day["total"] += 1
        day[sentiment or "unknown"] += 1
        tags.update({f"#{trends.fold(t)}" for t in hashtags})
        terms.update({t for t in trends.tokens(text) if trends.kind_of(t) != "hashtag"})
    figures = [
        DayFigures(d, c["total"], c["positive"], c["neutral"], c["negative"])
        for d, c in sorted(per_day.items())
    ]
    return Health(
        start=first,
        end=last,
        total=len(rows),
        days=figures,
        sentiment={s: sum(getattr(f, s) for f in figures) for s in SENTIMENTS},
        top_hashtags=tags.most_common(TOP),
        top_terms=terms.most_common(TOP),
        rising=counter.trends(TOP, statuses=("new", "rising")),
        bursts=sorted(bursts, key=lambda b: (-b.z, b.term))[:TOP],
    )


def collect_now(
    session: Session,
    actor: Actor,
    opener: Opener,
    query_id: uuid.UUID | None = None,
    classifier: Classifier | None = None,
) -> CollectReport:
    """Search now for the workspace's active queries (or one), in this transaction."""
    actor.require(Permission.LISTENING_MANAGE)
    if query_id is not None:
        row = get_query(session, actor, query_id)
        if not row.active:
            raise Conflict("This query is paused; resume it to collect.", code="paused")
    report = collect(
        session,
        opener,
        classifier=classifier,
        workspace_id=actor.workspace_id,
        query_id=query_id,
        now_for_all=True,
        commit=False,
    )
    record(
        session,
        actor,
        "listening.collected",
        "listening_query",
        query_id or actor.workspace_id,
        after={"searched": report.searched, "stored": report.stored},
    )
    return report
