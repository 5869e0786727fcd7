"""Taking in what a network reports (comments, replies, mentions, direct messages) as inbox
messages: once each, threaded, with their authors, classified, then moderated.

`ingest` is the one door for polling and webhooks alike. For one channel and one batch:

1. Items are cleaned; a malformed one (no id, an id too long, not an `Interaction`) is
   skipped and logged, never stopping the batch. Text is stored as the network gave it
   (HTML and script included: pages escape it), only NUL characters are dropped.
2. Threading: a reply joins its parent's conversation; a comment joins its post's thread
   (linked to our variant when Orchestre published the post); a mention starts its own
   thread; direct messages with one person share one conversation.
3. Dedupe is the database's: every row goes in with INSERT ... ON CONFLICT DO NOTHING on
   its unique key (messages per channel and network id, conversations per channel, kind
   and root, authors per workspace, network and id). A poll and a webhook bringing the
   same message at once make one row and no error, on SQLite and PostgreSQL alike; only
   rows really inserted are counted, classified and returned.
4. Classification of the new inbound messages, in one call; when it fails the messages
   land unclassified with `classify_error` (flagged), never lost.
5. Moderation rules (`orchestre.moderation.rules.apply_rules`), in a savepoint: a failing
   rule leaves the messages in place.
6. First-response bookkeeping (`orchestre.inbox.sla`): inbound messages start the timer,
   our own messages (written on the network, or sent from here) answer it.

The caller owns the transaction: a poller commits the page together with its cursor.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.inbox import classifying, sla
from orchestre.inbox.classifying import Classifier
from orchestre.kit.clock import utcnow
from orchestre.kit.db import for_update
from orchestre.models import Channel
from orchestre.models.inbox import (
    Conversation,
    Direction,
    InboxAuthor,
    InboxMessage,
    OutboundState,
)
from orchestre.models.publication import Publication

log = logging.getLogger(__name__)

MAX_ID = 200
MAX_NAME = 200
MAX_URL = 2048
# Far above any network's limit (10,000 characters is the longest seen), so nothing real
# is cut, while a hostile payload cannot fill the database.
MAX_TEXT = 100_000
# A message dated ahead of our clock by more than this is dated when it reached us.
CLOCK_SKEW = timedelta(minutes=5)
CHUNK = 200


@dataclass(frozen=True)
class _Item:
    """A cleaned interaction and where it goes."""

    raw: Interaction
    text: str
    created_at: datetime
    url: str | None


def ingest(
    session: Session,
    channel: Channel,
    interactions: Sequence[Interaction],
    *,
    source: str,
    classifier: Classifier | None = None,
    now: datetime | None = None,
) -> list[InboxMessage]:
    """Store what is new in `interactions` for `channel`; returns the new rows only, in
    the order given (see the module docstring for each step)."""
    return ingest_many(
        session, [(channel, interactions)], source=source, classifier=classifier, now=now
    )


def ingest_many(
    session: Session,
    batches: Sequence[tuple[Channel, Sequence[Interaction]]],
    *,
    source: str,
    classifier: Classifier | None = None,
    now: datetime | None = None,
) -> list[InboxMessage]:
    """`ingest` for several channels at once, classified in one call and moderated in
    one pass (classifiers cost far less per message in a batch)."""
    received = now or utcnow()
    new: list[InboxMessage] = []
    conversations: dict[uuid.UUID, Conversation] = {}
    for channel, interactions in _by_channel(batches):
        stored, threads = _store(session, channel, interactions, source, received)
        new.extend(stored)
        conversations.update({c.id: c for c in threads.values()})
    if not new:
        return []
    inbound = [m for m in new if m.direction == Direction.INBOUND.value]
    classifying.classify_messages(inbound, classifier)
    session.flush()
    _moderate(session, inbound)
    _bookkeep(session, new, conversations)
    session.flush()
    return new


def _by_channel(
    batches: Sequence[tuple[Channel, Sequence[Interaction]]],
) -> list[tuple[Channel, list[Interaction]]]:
    """One batch per channel, in order of first appearance."""
    merged: dict[uuid.UUID, tuple[Channel, list[Interaction]]] = {}
    for channel, interactions in batches:
        merged.setdefault(channel.id, (channel, []))[1].extend(interactions)
    return list(merged.values())


def _store(
    session: Session,
    channel: Channel,
    interactions: Sequence[Interaction],
    source: str,
    received: datetime,
) -> tuple[list[InboxMessage], dict[str, Conversation]]:
    """Steps 1 to 3 for one channel: the new rows and their conversations."""
    items = _clean(channel, interactions, received)
    if not items:
        return [], {}
    known = _known_ids(session, channel.id, [i.raw.external_id for i in items])
    items = [i for i in items if i.raw.external_id not in known]
    items = _drop_echoes(session, channel.id, items)
    if not items:
        return [], {}
    authors = _authors(session, channel, items)
    conversations = _conversations(session, channel, items, authors, received)
    new = _insert_messages(session, channel, items, authors, conversations, source, received)
    if new:
        _count(session, new, items, conversations)
    return new, conversations


# Cleaning -------------------------------------------------------------------------------------


def _clean(channel: Channel, interactions: Sequence[Interaction], now: datetime) -> list[_Item]:
    items: list[_Item] = []
    seen: set[str] = set()
    for raw in interactions:
        try:
            item = _cleaned(raw, now)
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("channel %s: malformed item skipped (%s)", channel.id, exc)
            continue
        if item.raw.external_id in seen:
            continue
        seen.add(item.raw.external_id)
        items.append(item)
    return items


def _cleaned(raw: Interaction, now: datetime) -> _Item:
    if not isinstance(raw, Interaction):
        raise TypeError(f"not an interaction: {type(raw).__name__}")
    external_id = raw.external_id
    if not isinstance(external_id, str) or not external_id or len(external_id) > MAX_ID:
        raise ValueError(f"bad external id {str(external_id)[:40]!r}")
    if not raw.own and not (isinstance(raw.author_id, str) and raw.author_id):
        raise ValueError(f"item {external_id!r} has no author")
    InteractionKind(raw.kind)
    for parent in (raw.parent_external_id, raw.post_external_id):
        if parent is not None and (not isinstance(parent, str) or len(parent) > MAX_ID):
            raise ValueError(f"item {external_id!r} has a bad parent or post id")
    text = raw.text if isinstance(raw.text, str) else ""
    created = raw.created_at
    if not isinstance(created, datetime):
        raise TypeError(f"item {external_id!r} has no date")
    created = created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)
    if created > now + CLOCK_SKEW:
        created = now
    url = raw.url if isinstance(raw.url, str) and len(raw.url) <= MAX_URL else None
    return _Item(raw, text.replace("\x00", "")[:MAX_TEXT], created, url)


def _known_ids(session: Session, channel_id: uuid.UUID, ids: Sequence[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        stmt = select(InboxMessage.external_id).where(
            InboxMessage.channel_id == channel_id,
            InboxMessage.external_id.in_(ids[start : start + CHUNK]),
        )
        known.update(session.scalars(stmt))
    return known


def _drop_echoes(session: Session, channel_id: uuid.UUID, items: list[_Item]) -> list[_Item]:
    """Our own reply read back before its send job recorded the network's id: the row
    exists already (external id still `pending:`), so the echo is not a second message."""
    own = [i for i in items if i.raw.own]
    if not own:
        return items
    stmt = select(InboxMessage.parent_external_id, InboxMessage.text).where(
        InboxMessage.channel_id == channel_id,
        InboxMessage.direction == Direction.OUTBOUND.value,
        InboxMessage.external_id.like("pending:%"),
    )
    pending = {(parent, text.strip()) for parent, text in session.execute(stmt)}
    if not pending:
        return items
    return [
        i
        for i in items
        if not (i.raw.own and (i.raw.parent_external_id, i.text.strip()) in pending)
    ]


# Rows -----------------------------------------------------------------------------------------


def dialect_insert(session: Session, model: type[Any]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(model)
    return sqlite_insert(model)


_STATEMENTS: dict[tuple[str, type[Any], bool], Any] = {}


def insert_new(session: Session, model: type[Any], *, returning: bool = False) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for `model` (RETURNING the rows inserted), built
    once per dialect: building one costs more than running it."""
    key = (session.get_bind().dialect.name, model, returning)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = dialect_insert(session, model).on_conflict_do_nothing()
        if returning:
            stmt = stmt.returning(model)
        _STATEMENTS[key] = stmt
    return stmt


def _authors(session: Session, channel: Channel, items: Sequence[_Item]) -> dict[str, uuid.UUID]:
    """Author rows by the network's author id (created when new); our own account has none."""
    wanted: dict[str, Interaction] = {}
    for item in items:
        if not item.raw.own:
            wanted.setdefault(item.raw.author_id, item.raw)
    if not wanted:
        return {}
    ids = list(wanted)
    rows = [
        {
            "id": uuid.uuid4(),
            "workspace_id": channel.workspace_id,
            "network": channel.network,
            "external_id": author_id[:MAX_ID],
            "handle": (raw.author_handle or "")[:MAX_NAME],
            "name": (raw.author_name or "")[:MAX_NAME],
            "first_seen_at": raw.created_at,
            "last_seen_at": raw.created_at,
            "tags": [],
            "notes": "",
            "message_count": 0,
        }
        # Sorted by key: concurrent ingests lock rows in one order, so never deadlock.
        for author_id, raw in sorted(wanted.items())
    ]
    # executemany: one compiled statement, cached across calls.
    session.execute(insert_new(session, InboxAuthor), rows)
    found: dict[str, uuid.UUID] = {}
    for start in range(0, len(ids), CHUNK):
        stmt2 = select(InboxAuthor.external_id, InboxAuthor.id).where(
            InboxAuthor.workspace_id == channel.workspace_id,
            InboxAuthor.network == channel.network,
            InboxAuthor.external_id.in_([i[:MAX_ID] for i in ids[start : start + CHUNK]]),
        )
        found.update(session.execute(stmt2).all())
    return {author_id: found[author_id[:MAX_ID]] for author_id in ids}


_ConversationKey = tuple[str, str]


def _conversations(
    session: Session,
    channel: Channel,
    items: Sequence[_Item],
    authors: dict[str, uuid.UUID],
    now: datetime,
) -> dict[str, Conversation]:
    """The conversation of each item, by the item's external id (created when new)."""
    parents = {i.raw.parent_external_id for i in items if i.raw.parent_external_id}
    by_parent = _conversation_of_messages(session, channel.id, parents)
    keys: dict[str, _ConversationKey | uuid.UUID] = {}
    starters: dict[_ConversationKey, _Item] = {}
    for item in items:
        parent = item.raw.parent_external_id
        if parent and parent in by_parent:
            keys[item.raw.external_id] = by_parent[parent]
        elif parent and parent in keys:
            keys[item.raw.external_id] = keys[parent]
        else:
            key = _root_key(item)
            keys[item.raw.external_id] = key
            starters.setdefault(key, item)
    rows = _ensure_conversations(session, channel, starters, authors, now)
    ids = {k for k in keys.values() if isinstance(k, uuid.UUID)}
    existing = {}
    if ids:
        stmt = for_update(session, select(Conversation).where(Conversation.id.in_(ids)))
        existing = {c.id: c for c in session.scalars(stmt.order_by(Conversation.id))}
    return {
        external_id: existing[key] if isinstance(key, uuid.UUID) else rows[key]
        for external_id, key in keys.items()
    }


def _root_key(item: _Item) -> _ConversationKey:
    raw = item.raw
    if raw.kind == InteractionKind.MESSAGE:
        # Direct messages with one person share one conversation; our own message without
        # a known parent is filed under what it answers.
        other = raw.parent_external_id or raw.external_id if raw.own else raw.author_id
        return ("message", other[:MAX_ID])
    if raw.kind == InteractionKind.MENTION:
        return ("mention", raw.parent_external_id or raw.external_id)
    return ("comment", raw.post_external_id or raw.parent_external_id or raw.external_id)


def _conversation_of_messages(
    session: Session, channel_id: uuid.UUID, external_ids: set[str]
) -> dict[str, uuid.UUID]:
    if not external_ids:
        return {}
    stmt = select(InboxMessage.external_id, InboxMessage.conversation_id).where(
        InboxMessage.channel_id == channel_id, InboxMessage.external_id.in_(external_ids)
    )
    return dict(session.execute(stmt).all())


def _ensure_conversations(
    session: Session,
    channel: Channel,
    starters: dict[_ConversationKey, _Item],
    authors: dict[str, uuid.UUID],
    now: datetime,
) -> dict[_ConversationKey, Conversation]:
    if not starters:
        return {}
    posts = {root for (kind, root) in starters if kind == "comment"}
    variants = _our_variants(session, channel.id, posts)
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "workspace_id": channel.workspace_id,
            "channel_id": channel.id,
            "kind": kind,
            "root_external_id": root,
            "variant_id": variants.get(root) if kind == "comment" else None,
            "author_id": None if item.raw.own else authors.get(item.raw.author_id),
            "status": "new",
            "priority": "normal",
            "tags": [],
            "last_message_at": item.created_at,
            "message_count": 0,
            "version": 0,
            "created_at": now,
            "updated_at": now,
        }
        for (kind, root), item in sorted(starters.items(), key=lambda kv: kv[0])
    ]
    session.execute(insert_new(session, Conversation), rows)
    found: dict[_ConversationKey, Conversation] = {}
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, root in starters:
        by_kind[kind].append(root)
    for kind, roots in by_kind.items():
        for start in range(0, len(roots), CHUNK):
            stmt2 = for_update(
                session,
                select(Conversation)
                .where(
                    Conversation.channel_id == channel.id,
                    Conversation.kind == kind,
                    Conversation.root_external_id.in_(roots[start : start + CHUNK]),
                )
                .order_by(Conversation.id),
            )
            for conversation in session.scalars(stmt2):
                found[(kind, conversation.root_external_id)] = conversation
                if conversation.variant_id is None and kind == "comment":
                    conversation.variant_id = variants.get(conversation.root_external_id)
    return found


def _our_variants(
    session: Session, channel_id: uuid.UUID, post_ids: set[str]
) -> dict[str, uuid.UUID]:
    """The variant Orchestre published as each of these posts on this channel."""
    if not post_ids:
        return {}
    stmt = select(Publication.external_id, Publication.variant_id).where(
        Publication.channel_id == channel_id, Publication.external_id.in_(post_ids)
    )
    return {ext: variant for ext, variant in session.execute(stmt) if ext is not None}


def _insert_messages(
    session: Session,
    channel: Channel,
    items: Sequence[_Item],
    authors: dict[str, uuid.UUID],
    conversations: dict[str, Conversation],
    source: str,
    received: datetime,
) -> list[InboxMessage]:
    rows = [_message_row(channel, i, authors, conversations, source, received) for i in items]
    ordered = sorted(rows, key=lambda r: str(r["external_id"]))  # one lock order, as above
    stmt = insert_new(session, InboxMessage, returning=True)
    # ORM bulk insert: executemany (batched VALUES), RETURNING only the rows inserted.
    result = session.scalars(stmt, ordered, execution_options={"populate_existing": True})
    inserted = {m.id: m for m in result}
    # RETURNING gives no order guarantee: keep the network's.
    return [inserted[r["id"]] for r in rows if r["id"] in inserted]


def _message_row(
    channel: Channel,
    item: _Item,
    authors: dict[str, uuid.UUID],
    conversations: dict[str, Conversation],
    source: str,
    received: datetime,
) -> dict[str, Any]:
    raw = item.raw
    own = raw.own
    return {
        "id": uuid.uuid4(),
        "workspace_id": channel.workspace_id,
        "channel_id": channel.id,
        "conversation_id": conversations[raw.external_id].id,
        "author_id": None if own else authors.get(raw.author_id),
        "direction": Direction.OUTBOUND.value if own else Direction.INBOUND.value,
        "kind": InteractionKind(raw.kind).value,
        "external_id": raw.external_id,
        "parent_external_id": raw.parent_external_id,
        "post_external_id": raw.post_external_id,
        "url": item.url,
        "text": item.text,
        "created_at": item.created_at,
        "received_at": received,
        "source": source[:16],
        "hidden": bool(raw.hidden),
        "deleted": False,
        "liked": False,
        "classified": False,
        "language": (raw.language or "")[:8] or None,
        "classification": {},
        "outbound_state": OutboundState.SENT.value if own else None,
    }


def _count(
    session: Session,
    new: Sequence[InboxMessage],
    items: Sequence[_Item],
    conversations: dict[str, Conversation],
) -> None:
    """Counters and last-seen instants, from the rows really inserted; authors' names and
    followers as the network says now. Conversations were read locked (FOR UPDATE on
    PostgreSQL; SQLite serializes writers), authors are counted with SQL increments: two
    ingests at once add up."""
    raw_of = {i.raw.external_id: i.raw for i in items}
    newest: dict[uuid.UUID, InboxMessage] = {}
    counts: dict[uuid.UUID, int] = defaultdict(int)
    by_conversation: dict[uuid.UUID, list[InboxMessage]] = defaultdict(list)
    for message in new:
        by_conversation[message.conversation_id].append(message)
        if message.author_id is not None:
            counts[message.author_id] += 1
            seen = newest.get(message.author_id)
            if seen is None or message.created_at >= seen.created_at:
                newest[message.author_id] = message
    if counts:
        session.execute(
            _AUTHOR_SEEN,
            [
                _author_params(author_id, counts[author_id], raw_of[m.external_id], m.created_at)
                for author_id, m in sorted(newest.items(), key=lambda kv: str(kv[0]))
            ],
        )
        # Rows already in this session would keep their old figures.
        for row in list(session.identity_map.values()):
            if isinstance(row, InboxAuthor) and row.id in counts:
                session.expire(row)
    rows = {c.id: c for c in conversations.values()}
    for conversation_id, messages in by_conversation.items():
        conversation = rows[conversation_id]
        latest = max(m.created_at for m in messages)
        conversation.message_count += len(messages)
        conversation.version += 1
        if latest > conversation.last_message_at:
            conversation.last_message_at = latest


_AUTHOR_TABLE: Table = cast(Table, InboxAuthor.__table__)
_AUTHORS = _AUTHOR_TABLE.c
_SEEN: Any = bindparam("seen")
_NEWEST = _AUTHORS.last_seen_at <= _SEEN
# One executemany (Core, on the table) for every author of a batch: the count, the last
# seen instant, and how they call themselves now (when this message is their newest).
_AUTHOR_SEEN = (
    update(_AUTHOR_TABLE)
    .where(_AUTHORS.id == bindparam("author_id"))
    .values(
        message_count=_AUTHORS.message_count + bindparam("n"),
        last_seen_at=case((_NEWEST, _SEEN), else_=_AUTHORS.last_seen_at),
        handle=case(
            (_NEWEST, func.coalesce(bindparam("handle"), _AUTHORS.handle)), else_=_AUTHORS.handle
        ),
        name=case((_NEWEST, func.coalesce(bindparam("name"), _AUTHORS.name)), else_=_AUTHORS.name),
        followers=func.coalesce(bindparam("followers"), _AUTHORS.followers),
    )
)


def _author_params(
    author_id: uuid.UUID, count: int, raw: Interaction, seen: datetime
) -> dict[str, Any]:
    followers = getattr(raw, "author_followers", None)  # when connectors report it
    return {
        "author_id": author_id,
        "n": count,
        "seen": seen,
        "handle": raw.author_handle[:MAX_NAME] if raw.author_handle else None,
        "name": raw.author_name[:MAX_NAME] if raw.author_name else None,
        "followers": followers if isinstance(followers, int) and followers >= 0 else None,
    }


def _moderate(session: Session, messages: list[InboxMessage]) -> None:
    if not messages:
        return
    try:
        from orchestre.moderation.rules import apply_rules
    except ModuleNotFoundError as exc:
        if exc.name != "orchestre.moderation.rules":
            raise
        return
    try:
        with session.begin_nested():
            apply_rules(session, messages)
    except Exception:
        # The messages stay; a person sees them unmoderated rather than not at all.
        log.exception("moderation rules failed on %d message(s)", len(messages))


def _bookkeep(
    session: Session, new: Sequence[InboxMessage], conversations: dict[uuid.UUID, Conversation]
) -> None:
    for message in new:
        conversation = conversations[message.conversation_id]
        if message.direction == Direction.OUTBOUND.value:
            sla.on_answered(session, conversation, message.created_at)
        else:
            sla.on_inbound(session, conversation, message)
