"""Taking in what a network reports (comments, replies, mentions, direct messages) as inbox
messages: once each, threaded, with their authors, classified, then moderated.

`ingest` is the one door for polling and webhooks alike. For one channel and one batch
(`ingest_many`: several channels, each step one statement for all of them):

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
   rows really inserted are counted, moderated and returned.
4. Classification of the inbound messages not stored yet, in one call, before any row is
   written or locked (the labels go in with the rows); when it fails the messages land
   unclassified with `classify_error` (flagged), never lost.
5. Moderation rules (`orchestre.moderation.rules.apply_rules`), in a savepoint: a failing
   rule leaves the messages in place.
6. Answers to rights requests (`orchestre.ugc.rights.on_ingested`): a creator's #yes or
   #no in the thread of a request decides it, with their message kept as proof.
7. First-response bookkeeping (`orchestre.inbox.sla`): inbound messages start the timer,
   our own messages (written on the network, or sent from here) answer it.

The caller owns the transaction: a poller commits the page together with its cursor.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Table, and_, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

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
# What classifying writes on a message (an unclassified one holds the row's defaults).
_CLASSIFIED = (
    "classified",
    "classify_error",
    "classification",
    "language",
    "sentiment",
    "sentiment_score",
    "toxicity",
    "toxicity_score",
    "spam",
    "spam_score",
    "needs_response",
    "response_kind",
)
_K = TypeVar("_K", bound=tuple[Any, ...])


@dataclass(frozen=True)
class _Item:
    """A cleaned interaction and where it goes."""

    channel: Channel
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
    """`ingest` for several channels at once: each step is one statement for all of
    them (not one per channel), the messages are classified in one call and moderated in
    one pass (classifiers cost far less per message in a batch)."""
    received = now or utcnow()
    new, threads = _store(session, _by_channel(batches), source, received, classifier)
    if not new:
        return []
    conversations = {c.id: c for c in threads.values()}
    inbound = [m for m in new if m.direction == Direction.INBOUND.value]
    _moderate(session, inbound)
    _watch_rights(session, inbound)
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
    batches: Sequence[tuple[Channel, Sequence[Interaction]]],
    source: str,
    received: datetime,
    classifier: Classifier | None,
) -> tuple[list[InboxMessage], dict[_MessageKey, Conversation]]:
    """Steps 1 to 4 for every channel at once: the new rows and their conversations."""
    items = [item for channel, raws in batches for item in _clean(channel, raws, received)]
    if not items:
        return [], {}
    known = _known_ids(session, [_key(i) for i in items])
    items = [i for i in items if _key(i) not in known]
    items = _drop_echoes(session, items)
    if not items:
        return [], {}
    labels = _classify(items, classifier)
    authors = _authors(session, items)
    conversations = _conversations(session, items, authors, received)
    new = _insert_messages(session, items, labels, authors, conversations, source, received)
    if new:
        _count(session, new, items, conversations)
    return new, conversations


# A message by its channel and the network's id: what its unique constraint says.
_MessageKey = tuple[uuid.UUID, str]


def _key(item: _Item) -> _MessageKey:
    return (item.channel.id, item.raw.external_id)


# Cleaning -------------------------------------------------------------------------------------


def _clean(channel: Channel, interactions: Sequence[Interaction], now: datetime) -> list[_Item]:
    items: list[_Item] = []
    seen: set[str] = set()
    for raw in interactions:
        try:
            item = _cleaned(channel, raw, now)
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("channel %s: malformed item skipped (%s)", channel.id, exc)
            continue
        if item.raw.external_id in seen:
            continue
        seen.add(item.raw.external_id)
        items.append(item)
    return items


def _cleaned(channel: Channel, raw: Interaction, now: datetime) -> _Item:
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
    return _Item(channel, raw, text.replace("\x00", "")[:MAX_TEXT], created, url)


def _known_ids(session: Session, keys: Sequence[_MessageKey]) -> set[_MessageKey]:
    """The messages stored already, of any channel, in one query (per `CHUNK`)."""
    columns = (InboxMessage.channel_id, InboxMessage.external_id)
    wanted = set(keys)
    known: set[_MessageKey] = set()
    for chunk in _chunks(wanted):
        stmt = select(*columns).where(_among(columns, chunk))
        known.update((c, e) for c, e in session.execute(stmt) if (c, e) in wanted)
    return known


def _drop_echoes(session: Session, items: list[_Item]) -> list[_Item]:
    """Our own reply read back before its send job recorded the network's id: the row
    exists already (external id still `pending:`), so the echo is not a second message."""
    channels = {i.channel.id for i in items if i.raw.own}
    if not channels:
        return items
    stmt = select(
        InboxMessage.channel_id, InboxMessage.parent_external_id, InboxMessage.text
    ).where(
        InboxMessage.channel_id.in_(channels),
        InboxMessage.direction == Direction.OUTBOUND.value,
        InboxMessage.external_id.like("pending:%"),
    )
    pending = {(channel, parent, text.strip()) for channel, parent, text in session.execute(stmt)}
    if not pending:
        return items
    return [
        i
        for i in items
        if not (i.raw.own and (i.channel.id, i.raw.parent_external_id, i.text.strip()) in pending)
    ]


# Rows -----------------------------------------------------------------------------------------


def dialect_insert(session: Session, model: type[Any]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(model)
    return sqlite_insert(model)


_STATEMENTS: dict[tuple[str, type[Any], bool], Any] = {}


# ORM bulk inserts leave out a row's None values, and rows leaving out different columns
# go in separate statements (a message with a post id, one without...): NULL written
# instead, every row of a batch goes in one statement.
_ONE_BATCH = {"render_nulls": True}


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


def _among(columns: Sequence[Any], keys: Sequence[tuple[Any, ...]]) -> Any:
    """Rows whose key (the values of `columns`) may be one of `keys`: one IN per column,
    a superset the callers narrow down to `keys`. A row-value IN would be exact, but
    SQLite answers it by scanning the whole table; this uses the unique index on both."""
    return and_(*(column.in_({key[n] for key in keys}) for n, column in enumerate(columns)))


def _chunks(keys: Iterable[_K]) -> Iterator[list[_K]]:
    """The keys `CHUNK` at a time, in a stable order: one statement reads each chunk."""
    ordered = sorted(keys)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


# An author by workspace, network and the network's id: its unique constraint.
_AuthorKey = tuple[uuid.UUID, str, str]


def _author_key(item: _Item) -> _AuthorKey:
    return (item.channel.workspace_id, item.channel.network, item.raw.author_id[:MAX_ID])


def _authors(session: Session, items: Sequence[_Item]) -> dict[_AuthorKey, uuid.UUID]:
    """Author rows of every channel's items (created when new); our own account has none."""
    wanted: dict[_AuthorKey, Interaction] = {}
    for item in items:
        if not item.raw.own:
            wanted.setdefault(_author_key(item), item.raw)
    if not wanted:
        return {}
    rows = [
        {
            "id": uuid.uuid4(),
            "workspace_id": workspace_id,
            "network": network,
            "external_id": external_id,
            "handle": (raw.author_handle or "")[:MAX_NAME],
            "name": (raw.author_name or "")[:MAX_NAME],
            "first_seen_at": raw.created_at,
            "last_seen_at": raw.created_at,
            "tags": [],
            "notes": "",
            "message_count": 0,
        }
        # Sorted by key: concurrent ingests lock rows in one order, so never deadlock.
        for (workspace_id, network, external_id), raw in sorted(wanted.items())
    ]
    # executemany: one compiled statement, cached across calls.
    session.execute(insert_new(session, InboxAuthor), rows)
    columns = (InboxAuthor.workspace_id, InboxAuthor.network, InboxAuthor.external_id)
    found: dict[_AuthorKey, uuid.UUID] = {}
    for chunk in _chunks(wanted):
        stmt = select(*columns, InboxAuthor.id).where(_among(columns, chunk))
        found.update({(w, n, e): a for w, n, e, a in session.execute(stmt) if (w, n, e) in wanted})
    return found


# A conversation by channel, kind and root: its unique constraint.
_ConversationKey = tuple[uuid.UUID, str, str]


def _conversations(
    session: Session,
    items: Sequence[_Item],
    authors: dict[_AuthorKey, uuid.UUID],
    now: datetime,
) -> dict[_MessageKey, Conversation]:
    """The conversation of each item, by the item's key (created when new)."""
    parents = {(i.channel.id, i.raw.parent_external_id or "") for i in items}
    by_parent = _conversation_of_messages(session, {p for p in parents if p[1]})
    keys: dict[_MessageKey, _ConversationKey | uuid.UUID] = {}
    starters: dict[_ConversationKey, _Item] = {}
    for item in items:
        parent = (item.channel.id, item.raw.parent_external_id or "")
        if parent in by_parent:
            keys[_key(item)] = by_parent[parent]
        elif parent in keys:
            keys[_key(item)] = keys[parent]
        else:
            key = _root_key(item)
            keys[_key(item)] = key
            starters.setdefault(key, item)
    rows = _ensure_conversations(session, starters, authors, now)
    ids = {k for k in keys.values() if isinstance(k, uuid.UUID)}
    existing = {}
    if ids:
        stmt = for_update(session, select(Conversation).where(Conversation.id.in_(ids)))
        existing = {c.id: c for c in session.scalars(stmt.order_by(Conversation.id))}
    return {
        item_key: existing[key] if isinstance(key, uuid.UUID) else rows[key]
        for item_key, key in keys.items()
    }


def _root_key(item: _Item) -> _ConversationKey:
    raw = item.raw
    if raw.kind == InteractionKind.MESSAGE:
        # Direct messages with one person share one conversation; our own message without
        # a known parent is filed under what it answers.
        other = raw.parent_external_id or raw.external_id if raw.own else raw.author_id
        return (item.channel.id, "message", other[:MAX_ID])
    if raw.kind == InteractionKind.MENTION:
        return (item.channel.id, "mention", raw.parent_external_id or raw.external_id)
    root = raw.post_external_id or raw.parent_external_id or raw.external_id
    return (item.channel.id, "comment", root)


def _conversation_of_messages(
    session: Session, keys: set[_MessageKey]
) -> dict[_MessageKey, uuid.UUID]:
    columns = (InboxMessage.channel_id, InboxMessage.external_id)
    found: dict[_MessageKey, uuid.UUID] = {}
    for chunk in _chunks(keys):
        stmt = select(*columns, InboxMessage.conversation_id).where(_among(columns, chunk))
        found.update({(c, e): v for c, e, v in session.execute(stmt) if (c, e) in keys})
    return found


def _ensure_conversations(
    session: Session,
    starters: dict[_ConversationKey, _Item],
    authors: dict[_AuthorKey, uuid.UUID],
    now: datetime,
) -> dict[_ConversationKey, Conversation]:
    if not starters:
        return {}
    variants = _our_variants(
        session, {(channel, root) for (channel, kind, root) in starters if kind == "comment"}
    )
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "workspace_id": item.channel.workspace_id,
            "channel_id": channel_id,
            "kind": kind,
            "root_external_id": root,
            "variant_id": variants.get((channel_id, root)) if kind == "comment" else None,
            "author_id": None if item.raw.own else authors.get(_author_key(item)),
            "status": "new",
            "priority": "normal",
            "tags": [],
            "last_message_at": item.created_at,
            "message_count": 0,
            "version": 0,
            "created_at": now,
            "updated_at": now,
        }
        for (channel_id, kind, root), item in sorted(starters.items(), key=lambda kv: kv[0])
    ]
    session.execute(insert_new(session, Conversation), rows, execution_options=_ONE_BATCH)
    columns = (Conversation.channel_id, Conversation.kind, Conversation.root_external_id)
    found: dict[_ConversationKey, Conversation] = {}
    for chunk in _chunks(starters):
        # The superset may lock a conversation another channel's root names too: it is
        # only held to the commit, in the same id order as every other lock here.
        stmt = select(Conversation).where(_among(columns, chunk)).order_by(Conversation.id)
        for conversation in session.scalars(for_update(session, stmt)):
            channel_id, root = conversation.channel_id, conversation.root_external_id
            if (channel_id, conversation.kind, root) not in starters:
                continue
            found[(channel_id, conversation.kind, root)] = conversation
            if conversation.variant_id is None and conversation.kind == "comment":
                conversation.variant_id = variants.get((channel_id, root))
    return found


def _our_variants(
    session: Session, posts: set[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
    """The variant Orchestre published as each of these posts (channel, post id)."""
    columns = (Publication.channel_id, Publication.external_id)
    found: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    for chunk in _chunks(posts):
        stmt = select(*columns, Publication.variant_id).where(_among(columns, chunk))
        rows = session.execute(stmt)
        found.update({(c, e): v for c, e, v in rows if e is not None and (c, e) in posts})
    return found


def _classify(items: Sequence[_Item], classifier: Classifier | None) -> dict[_MessageKey, Any]:
    """Step 4, before any row is written or locked (a poller's ingest of the same
    conversations does not wait for the classifiers): the classifiers' columns of each
    inbound item, by its key. Classifying labels messages: unsaved ones here."""
    inbound = [i for i in items if not i.raw.own]
    drafts = [
        InboxMessage(text=i.text, language=(i.raw.language or "")[:8] or None) for i in inbound
    ]
    classifying.classify_messages(drafts, classifier)
    return {
        _key(item): {column: getattr(draft, column) for column in _CLASSIFIED}
        for item, draft in zip(inbound, drafts, strict=True)
    }


def _insert_messages(
    session: Session,
    items: Sequence[_Item],
    labels: dict[_MessageKey, Any],
    authors: dict[_AuthorKey, uuid.UUID],
    conversations: dict[_MessageKey, Conversation],
    source: str,
    received: datetime,
) -> list[InboxMessage]:
    rows = [_message_row(i, authors, conversations, source, received) for i in items]
    for row, item in zip(rows, items, strict=True):
        row.update(labels.get(_key(item), {}))
    # One lock order, as above.
    ordered = sorted(rows, key=lambda r: (r["channel_id"], str(r["external_id"])))
    stmt = insert_new(session, InboxMessage, returning=True)
    # ORM bulk insert: executemany (batched VALUES), RETURNING only the rows inserted.
    result = session.scalars(
        stmt, ordered, execution_options={**_ONE_BATCH, "populate_existing": True}
    )
    inserted = {m.id: m for m in result}
    # RETURNING gives no order guarantee: keep the network's.
    return [inserted[r["id"]] for r in rows if r["id"] in inserted]


def _message_row(
    item: _Item,
    authors: dict[_AuthorKey, uuid.UUID],
    conversations: dict[_MessageKey, Conversation],
    source: str,
    received: datetime,
) -> dict[str, Any]:
    raw, channel = item.raw, item.channel
    own = raw.own
    return {
        "id": uuid.uuid4(),
        "workspace_id": channel.workspace_id,
        "channel_id": channel.id,
        "conversation_id": conversations[_key(item)].id,
        "author_id": None if own else authors.get(_author_key(item)),
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
        "classify_error": None,
        "language": (raw.language or "")[:8] or None,
        "classification": {},
        "sentiment": None,
        "sentiment_score": None,
        "toxicity": None,
        "toxicity_score": None,
        "spam": None,
        "spam_score": None,
        "needs_response": None,
        "response_kind": None,
        "outbound_state": OutboundState.SENT.value if own else None,
    }


def _count(
    session: Session,
    new: Sequence[InboxMessage],
    items: Sequence[_Item],
    conversations: dict[_MessageKey, Conversation],
) -> None:
    """Counters and last-seen instants, from the rows really inserted; authors' names and
    followers as the network says now. Conversations were read locked (FOR UPDATE on
    PostgreSQL; SQLite serializes writers), authors are counted with SQL increments: two
    ingests at once add up."""
    raw_of = {_key(i): i.raw for i in items}
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
                _author_params(
                    author_id,
                    counts[author_id],
                    raw_of[(m.channel_id, m.external_id)],
                    m.created_at,
                )
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
        conversation.last_message_at = max(latest, conversation.last_message_at)
        # Written even when unchanged: every conversation then updates the same columns,
        # and the flush sends them all in one executemany, not one UPDATE each.
        flag_modified(conversation, "last_message_at")


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


def _watch_rights(session: Session, messages: list[InboxMessage]) -> None:
    """A creator's answer to a rights request (orchestre.ugc) decides it as it arrives;
    imported here, not above: the UGC package answers through the inbox."""
    if messages:
        from orchestre.ugc.rights import on_ingested

        on_ingested(session, messages)


def _bookkeep(
    session: Session, new: Sequence[InboxMessage], conversations: dict[uuid.UUID, Conversation]
) -> None:
    # The targets' look-ups flush nothing: the timers of every conversation are written
    # together by the caller's flush, not one UPDATE before each look-up.
    with session.no_autoflush:
        for message in new:
            conversation = conversations[message.conversation_id]
            if message.direction == Direction.OUTBOUND.value:
                sla.on_answered(session, conversation, message.created_at)
            else:
                sla.on_inbound(session, conversation, message)
