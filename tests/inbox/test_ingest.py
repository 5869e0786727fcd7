"""Ingest: each message once, threaded into its conversation, with its author, classified,
and never lost to bad input or a failing classifier."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from orchestre.connectors.base import Interaction, InteractionKind
from orchestre.inbox import ingest as ingest_module
from orchestre.inbox.ingest import ingest
from orchestre.kit.clock import FrozenClock
from orchestre.models import Channel, Post, PostVariant, Workspace
from orchestre.models.inbox import Conversation, InboxAuthor, InboxMessage
from orchestre.models.publication import Publication
from tests.factories import make_channel, make_member, make_workspace
from tests.inbox.ingest_fakes import BrokenClassifier, KeywordClassifier, said


@pytest.fixture
def workspace(db: Session) -> Workspace:
    return make_workspace(db)


@pytest.fixture
def channel(db: Session, workspace: Workspace) -> Channel:
    return make_channel(db, workspace)


def _count(db: Session, model: type, **where: object) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return int(db.scalar(stmt) or 0)


def test_comments_on_a_post_make_one_thread_and_come_in_once(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    now = clock.now()
    batch = [said("Great post", now), said("Where do I buy it?", now, author="bob")]

    first = ingest(db, channel, batch, source="poll", classifier=KeywordClassifier())
    again = ingest(db, channel, batch, source="webhook", classifier=KeywordClassifier())

    assert [m.text for m in first] == ["Great post", "Where do I buy it?"]
    assert again == []
    assert _count(db, InboxMessage, channel_id=channel.id) == 2
    conversation = db.get(Conversation, first[0].conversation_id)
    assert conversation is not None
    assert first[1].conversation_id == conversation.id
    assert (conversation.kind, conversation.root_external_id) == ("comment", "post-1")
    assert conversation.message_count == 2
    assert all(m.source == "poll" for m in first)


def test_a_batch_repeating_an_item_stores_it_once(db: Session, channel: Channel) -> None:
    item = said("Hello", datetime(2030, 3, 15, 8, tzinfo=UTC))
    assert (
        len(ingest(db, channel, [item, item], source="poll", classifier=KeywordClassifier())) == 1
    )


def test_replies_join_their_parent_conversation_even_without_a_post(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    now = clock.now()
    mention = said("@brand your app crashed", now, kind=InteractionKind.MENTION, post=None)
    ingest(db, channel, [mention], source="poll", classifier=KeywordClassifier())
    reply = said(
        "Same here", now, kind=InteractionKind.REPLY, post=None, parent=mention.external_id
    )
    later_reply = said(
        "+1", now, kind=InteractionKind.REPLY, post=None, parent=reply.external_id, author="carl"
    )

    new = ingest(db, channel, [reply, later_reply], source="poll", classifier=KeywordClassifier())

    first = db.scalars(
        select(InboxMessage).where(InboxMessage.external_id == mention.external_id)
    ).one()
    assert {m.conversation_id for m in new} == {first.conversation_id}
    conversation = db.get(Conversation, first.conversation_id)
    assert conversation is not None
    assert conversation.kind == "mention"


def test_direct_messages_with_one_person_share_a_conversation(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    now = clock.now()
    dm = InteractionKind.MESSAGE
    new = ingest(
        db,
        channel,
        [
            said("Hi", now, kind=dm, post=None, author="dana"),
            said("My order 42?", now, kind=dm, post=None, author="dana"),
            said("Hello", now, kind=dm, post=None, author="eve"),
        ],
        source="poll",
        classifier=KeywordClassifier(),
    )
    assert new[0].conversation_id == new[1].conversation_id != new[2].conversation_id


def test_authors_are_counted_across_batches(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    now = clock.now()
    ingest(db, channel, [said("one", now)], source="poll", classifier=KeywordClassifier())
    clock.advance(hours=1)
    later = clock.now()
    ingest(db, channel, [said("two", later)], source="poll", classifier=KeywordClassifier())
    db.expire_all()
    author = db.scalars(
        select(InboxAuthor).where(
            InboxAuthor.workspace_id == channel.workspace_id,
            InboxAuthor.external_id == "user-alice",
        )
    ).one()
    assert (author.message_count, author.handle, author.last_seen_at) == (2, "alice", later)


def test_comments_on_a_post_we_published_link_to_its_variant(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock
) -> None:
    owner = make_member(db, workspace, "owner")
    post = Post(workspace_id=workspace.id, created_by=owner.id, base_text="Launch")
    db.add(post)
    db.flush()
    variant = PostVariant(
        workspace_id=workspace.id, post_id=post.id, channel_id=channel.id, text="Launch"
    )
    db.add(variant)
    db.flush()
    db.add(
        Publication(
            workspace_id=workspace.id,
            channel_id=channel.id,
            variant_id=variant.id,
            state="published",
            due_at=clock.now(),
            client_ref="ref-launch",
            external_id="net-launch",
        )
    )
    db.flush()

    new = ingest(
        db,
        channel,
        [said("Congrats", clock.now(), post="net-launch"), said("Other", clock.now(), post="x")],
        source="poll",
        classifier=KeywordClassifier(),
    )

    ours, other = (db.get(Conversation, m.conversation_id) for m in new)
    assert ours is not None
    assert ours.variant_id == variant.id
    assert other is not None
    assert other.variant_id is None


def test_our_own_message_is_outbound_and_answers_the_conversation(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    now = clock.now()
    question = said("Is it vegan?", now)
    ingest(db, channel, [question], source="poll", classifier=KeywordClassifier())
    conversation = db.scalars(
        select(Conversation).where(Conversation.channel_id == channel.id)
    ).one()
    assert conversation.awaiting_since == now

    answer = said(
        "Yes it is",
        now + timedelta(minutes=3),
        kind=InteractionKind.REPLY,
        parent=question.external_id,
        own=True,
        author="brand",
    )
    (ours,) = ingest(db, channel, [answer], source="poll", classifier=KeywordClassifier())

    assert (ours.direction, ours.outbound_state, ours.author_id) == ("outbound", "sent", None)
    assert ours.classified is False
    assert ours.classify_error is None
    assert conversation.awaiting_since is None
    assert conversation.status == "waiting"


def test_bad_input_lands_and_a_malformed_item_is_skipped(
    db: Session, channel: Channel, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    now = clock.now()
    long_text = "Très long message, very long. " * 340  # over 10,000 characters
    script = '<script>alert("x")</script><b>bold</b>'
    items: list[object] = [
        said("", now),
        said("😡😡😡", now),
        said(long_text, now),
        said("Bonjour, the product is great mais trop cher", now),
        said(script, now),
        said("null\x00byte", now),
        said("naive date", now.replace(tzinfo=None)),
        said("from the future", now + timedelta(days=3)),
        "not an interaction",
        said("id too long", now, external_id="x" * 500),
    ]

    new = ingest(db, channel, items, source="poll", classifier=KeywordClassifier())  # type: ignore[arg-type]

    texts = [m.text for m in new]
    assert texts[:5] == ["", "😡😡😡", long_text[:100_000], items[3].text, script]  # type: ignore[union-attr]
    assert len(texts[2]) > 10_000
    assert texts[5] == "nullbyte"
    assert new[6].created_at == now
    assert new[7].created_at == now
    assert len(new) == 8
    assert "malformed item skipped" in caplog.text
    assert new[0].classified is True  # nothing to classify in an empty message


def test_a_failing_classifier_leaves_messages_unclassified_and_flagged(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    new = ingest(
        db, channel, [said("hello", clock.now())], source="poll", classifier=BrokenClassifier()
    )
    assert len(new) == 1
    assert new[0].classified is False
    assert new[0].classify_error is not None
    assert "model file missing" in new[0].classify_error


def test_one_message_that_breaks_the_classifier_does_not_flag_the_others(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    now = clock.now()
    new = ingest(
        db,
        channel,
        [said("you idiot", now), said("BOOM", now), said("buy now!!", now)],
        source="poll",
        classifier=KeywordClassifier(),
    )
    assert [m.classified for m in new] == [True, False, True]
    assert (new[0].toxicity, new[0].sentiment, new[0].spam) == ("offensive", "negative", False)
    assert new[0].classification["toxicity"]["drivers"] == [["idiot", 0.9]]
    assert new[2].spam is True
    assert new[1].classify_error is not None


def test_a_classification_sets_needs_response_and_its_kind(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    now = clock.now()
    question, remark = ingest(
        db,
        channel,
        [said("Where is my parcel?", now), said("Nice", now)],
        source="poll",
        classifier=KeywordClassifier(),
    )
    assert (question.needs_response, question.response_kind) == (True, "question")
    assert (remark.needs_response, remark.response_kind) == (False, None)


def test_a_row_inserted_by_a_concurrent_ingest_is_neither_doubled_nor_an_error(
    db: Session, channel: Channel, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: a webhook inserts the message between our look-up and our insert."""
    item = said("Race", clock.now())
    ingest(db, channel, [item], source="webhook", classifier=KeywordClassifier())
    monkeypatch.setattr(ingest_module, "_known_ids", lambda *_args: set())

    assert ingest(db, channel, [item], source="poll", classifier=KeywordClassifier()) == []
    assert _count(db, InboxMessage, channel_id=channel.id) == 1
    conversation = db.scalars(
        select(Conversation).where(Conversation.channel_id == channel.id)
    ).one()
    assert conversation.message_count == 1


def test_interactions_of_another_channel_are_kept_apart(
    db: Session, workspace: Workspace, channel: Channel, clock: FrozenClock
) -> None:
    other = make_channel(db, workspace)
    item: Interaction = said("Same id on two accounts", clock.now(), external_id="shared-1")
    assert len(ingest(db, channel, [item], source="poll", classifier=KeywordClassifier())) == 1
    assert len(ingest(db, other, [item], source="poll", classifier=KeywordClassifier())) == 1


def test_an_author_is_described_as_in_their_newest_message(
    db: Session, channel: Channel, clock: FrozenClock
) -> None:
    first = said("hi", clock.now(), author="sam")
    ingest(db, channel, [first], source="poll", classifier=KeywordClassifier())
    clock.advance(minutes=1)
    renamed = replace(
        said("again", clock.now(), author="sam"), author_handle="sam_new", author_name="Sam N."
    )
    ingest(db, channel, [renamed], source="poll", classifier=KeywordClassifier())
    db.expire_all()
    author = db.scalars(
        select(InboxAuthor).where(
            InboxAuthor.workspace_id == channel.workspace_id, InboxAuthor.external_id == "user-sam"
        )
    ).one()
    assert (author.handle, author.name, author.message_count) == ("sam_new", "Sam N.", 2)


def test_two_ingests_of_the_same_page_at_once_store_each_message_once(engine: Engine) -> None:
    """A poll and a webhook in two transactions at the same time, on a real database."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as setup:
        workspace = make_workspace(setup)
        channel = make_channel(setup, workspace)
    now = datetime.now(UTC)
    items = [said(f"message {n}", now, author=f"a{n % 5}") for n in range(40)]
    start = threading.Barrier(2)
    stored: list[int] = []
    errors: list[BaseException] = []

    def run(source: str) -> None:
        try:
            # SQLite takes its write lock at the first statement (BEGIN IMMEDIATE), so
            # there the two run one after the other; PostgreSQL runs them truly at once.
            start.wait(timeout=10)
            with factory.begin() as session:
                mine = session.get(Channel, channel.id)
                assert mine is not None
                new = ingest(session, mine, items, source=source, classifier=KeywordClassifier())
                stored.append(len(new))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in ("poll", "webhook")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert sum(stored) == 40
        with factory() as check:
            assert _count(check, InboxMessage, channel_id=channel.id) == 40
            counts = check.scalars(
                select(Conversation.message_count).where(Conversation.channel_id == channel.id)
            ).all()
            assert list(counts) == [40]
            authors = check.scalars(
                select(InboxAuthor.message_count).where(InboxAuthor.workspace_id == workspace.id)
            ).all()
            assert sorted(authors) == [8, 8, 8, 8, 8]
    finally:
        with factory.begin() as cleanup:
            cleanup.execute(delete(Workspace).where(Workspace.id == workspace.id))
