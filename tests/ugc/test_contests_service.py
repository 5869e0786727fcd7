"""Contests: rules of a contest, entries collected from listening and the inbox (in the
window, each post once), the team's votes and ranking, shortlist, winners, and the
announcement as a draft post crediting each winner."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from orchestre.errors import Conflict, Forbidden, Invalid, NotFound
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import Post, Workspace
from orchestre.models.listening import ListeningQuery, Mention
from orchestre.models.ugc_contests import Contest, ContestEntry
from orchestre.ugc import contests, contests_announce, contests_collect
from orchestre.ugc.contests import ContestChanges, ContestInput
from orchestre.workspaces.permissions import Actor, Role
from tests.factories import make_channel, make_member, make_workspace
from tests.inbox.team_support import make_author, make_conversation


def workspace_of(db: Session, who: Actor) -> Workspace:
    ws = db.get(Workspace, who.workspace_id)
    assert ws is not None
    return ws


def actor(db: Session, ws_id: uuid.UUID, *roles: str) -> Actor:
    ws = db.get(Workspace, ws_id)
    assert ws is not None
    user = make_member(db, ws, *roles)
    return Actor(user.id, ws.id, frozenset(Role(r) for r in roles))


@pytest.fixture
def owner(db: Session, clock: FrozenClock) -> Actor:
    ws = make_workspace(db)
    return actor(db, ws.id, "owner")


def contest_input(**changes: object) -> ContestInput:
    now = utcnow()
    values: dict[str, object] = {
        "kind": "hashtag_contest",
        "title": "Summer photos",
        "opens_at": now - timedelta(days=2),
        "closes_at": now + timedelta(days=5),
        "hashtag": "#ÉtéPhotos",
    }
    values.update(changes)
    return ContestInput(**values)  # type: ignore[arg-type]


def open_contest(db: Session, who: Actor, **changes: object) -> Contest:
    row = contests.create_contest(db, who, contest_input(**changes))
    return contests.update_contest(db, who, row.id, ContestChanges(status="open"))


def add_mention(
    db: Session, who: Actor, query: ListeningQuery, text: str, at: datetime, **extra: object
) -> Mention:
    fields: dict[str, object] = {
        "network": "mastodon",
        "external_id": f"m-{abs(hash((text, at)))}",
        "author_handle": "fan@photo.social",
        "author_name": "A fan",
    }
    fields.update(extra)
    row = Mention(
        workspace_id=who.workspace_id,
        query_id=query.id,
        text=text,
        published_at=at,
        **fields,
    )
    db.add(row)
    db.flush()
    return row


def test_a_contest_is_checked_and_follows_its_hashtag_in_listening(
    db: Session, owner: Actor
) -> None:
    with pytest.raises(Invalid) as caught:
        contests.create_contest(
            db,
            owner,
            contest_input(title=" ", hashtag="two words", closes_at=utcnow() - timedelta(days=9)),
        )
    assert {(e.field, e.rule) for e in caught.value.errors} == {
        ("title", "required"),
        ("hashtag", "hashtag"),
        ("closes_at", "after_opens"),
    }
    with pytest.raises(Invalid) as caught:
        contests.create_contest(db, owner, contest_input(hashtag=""))
    assert [(e.field, e.rule) for e in caught.value.errors] == [("hashtag", "required")]

    row = contests.create_contest(db, owner, contest_input(hashtag="ÉtéPhotos"))
    assert row.hashtag == "#ÉtéPhotos"
    assert row.status == "draft"
    assert row.slug.startswith("summer-photos-")
    assert len(row.slug) == len("summer-photos-") + 10
    query = db.get(ListeningQuery, row.listening_query_id)
    assert query is not None
    assert query.query == "#ÉtéPhotos"
    assert row.consent_en
    assert row.consent_fr
    assert row.consent_version == 1


def test_status_moves_and_consent_versions(db: Session, owner: Actor) -> None:
    row = contests.create_contest(db, owner, contest_input())
    with pytest.raises(Conflict):
        contests.update_contest(db, owner, row.id, ContestChanges(status="announced"))
    contests.update_contest(db, owner, row.id, ContestChanges(status="open"))
    assert contests.accepting(row)
    changed = contests.update_contest(db, owner, row.id, ContestChanges(consent_en="New terms."))
    assert changed.consent_version == 2
    assert changed.consent_en == "New terms."
    same = contests.update_contest(db, owner, row.id, ContestChanges(title="Summer photos 2030"))
    assert same.consent_version == 2
    contests.update_contest(db, owner, row.id, ContestChanges(status="closed"))
    assert not contests.accepting(row)


def test_collection_takes_the_window_posts_with_the_hashtag_once(db: Session, owner: Actor) -> None:
    row = open_contest(db, owner)
    query = db.get(ListeningQuery, row.listening_query_id)
    assert query is not None
    other = ListeningQuery(workspace_id=owner.workspace_id, name="brand", query="brand")
    db.add(other)
    db.flush()
    now = utcnow()
    inside = add_mention(
        db, owner, query, "Mon vélo au soleil #etephotos", now - timedelta(hours=3)
    )
    # The same post found by a second query: one entry.
    add_mention(db, owner, other, inside.text, inside.published_at, external_id=inside.external_id)
    add_mention(
        db,
        owner,
        query,
        "Tagged in hashtags only",
        now - timedelta(hours=2),
        hashtags=["ÉtéPhotos"],
        external_id="m-tags",
    )
    add_mention(
        db,
        owner,
        query,
        "Before the window #etephotos",
        now - timedelta(days=3),
        external_id="m-old",
    )
    add_mention(
        db,
        owner,
        query,
        "Another tag #etephotos2030",
        now - timedelta(hours=1),
        external_id="m-other-tag",
    )
    channel = make_channel(db, workspace_of(db, owner), "bluesky")
    author = make_author(db, workspace_of(db, owner), "bluesky", "fan.bsky.social", "Bluesky fan")
    make_conversation(
        db, channel, author, text="Voici ma photo #ÉtéPhotos", at=now - timedelta(hours=1)
    )

    first = contests_collect.collect_now(db, owner, row.id)
    assert first.added == 3
    again = contests_collect.collect_now(db, owner, row.id)
    assert again.added == 0
    entries = contests.list_entries(db, owner, row.id)
    assert {(v.entry.source, v.entry.network) for v in entries} == {
        ("mention", "mastodon"),
        ("inbox", "bluesky"),
    }
    assert all(v.entry.review_status == "pending" for v in entries)
    assert {v.entry.author_handle for v in entries} >= {"fan.bsky.social", "fan@photo.social"}


def accepted_entries(db: Session, owner: Actor, row: Contest, n: int) -> list[ContestEntry]:
    query = db.get(ListeningQuery, row.listening_query_id)
    assert query is not None
    for i in range(n):
        add_mention(
            db, owner, query, f"Photo {i} #etephotos", utcnow() - timedelta(hours=i + 1),
            external_id=f"p{i}", author_handle=f"fan{i}@photo.social",
        )  # fmt: skip
    contests_collect.collect_now(db, owner, row.id)
    views = contests.list_entries(db, owner, row.id)
    for view in views:
        contests.review_entry(db, owner, row.id, view.entry.id, "accepted")
    return sorted((v.entry for v in views), key=lambda e: e.external_id)


def test_votes_rank_entries_and_winners_come_from_the_shortlist(db: Session, owner: Actor) -> None:
    row = open_contest(db, owner)
    a, b, c = accepted_entries(db, owner, row, 3)
    manager = actor(db, owner.workspace_id, "community_manager")
    contests.vote(db, owner, row.id, a.id, 3)
    contests.vote(db, manager, row.id, a.id, 4)
    contests.vote(db, owner, row.id, b.id, 5)
    contests.vote(db, owner, row.id, b.id, 4)  # voting again replaces
    view = contests.vote(db, manager, row.id, b.id, 5)
    assert (view.tally.votes, view.tally.average, view.tally.mine) == (2, 4.5, 5)
    with pytest.raises(Invalid):
        contests.vote(db, owner, row.id, c.id, 6)
    ranked = contests.list_entries(db, owner, row.id, ranked=True)
    assert [v.entry.id for v in ranked] == [b.id, a.id, c.id]

    with pytest.raises(Conflict):
        contests.set_winners(db, owner, row.id, [b.id])  # not shortlisted yet
    contests.set_shortlisted(db, owner, row.id, a.id, True)
    contests.set_shortlisted(db, owner, row.id, b.id, True)
    contests.set_winners(db, owner, row.id, [b.id, a.id])
    assert [(w.id, w.winner_rank) for w in contests.winners(db, owner, row.id)] == [
        (b.id, 1),
        (a.id, 2),
    ]
    # A rejected entry leaves the shortlist and the winners, and takes no vote.
    contests.review_entry(db, owner, row.id, a.id, "rejected")
    assert [w.id for w in contests.winners(db, owner, row.id)] == [b.id]
    with pytest.raises(Conflict):
        contests.vote(db, owner, row.id, a.id, 2)
    with pytest.raises(Conflict):
        contests.set_shortlisted(db, owner, row.id, a.id, True)


def test_announcing_creates_a_draft_post_crediting_winners(db: Session, owner: Actor) -> None:
    ws = workspace_of(db, owner)
    row = open_contest(db, owner)
    a, b = accepted_entries(db, owner, row, 2)
    for entry in (a, b):
        contests.set_shortlisted(db, owner, row.id, entry.id, True)
    with pytest.raises(Conflict):
        contests_announce.announce_winners(db, owner, row.id, [], "fr")  # no winners yet
    contests.set_winners(db, owner, row.id, [a.id, b.id])
    mastodon, bluesky = make_channel(db, ws, "mastodon"), make_channel(db, ws, "bluesky")
    view = contests_announce.announce_winners(db, owner, row.id, [mastodon.id, bluesky.id], "fr")
    texts = {v.variant.channel_id: v.variant.text for v in view.variants}
    assert texts[mastodon.id] == (
        "🏆 Les gagnants de Summer photos : 1. @fan0@photo.social, 2. @fan1@photo.social. "
        "Merci à toutes et à tous pour votre participation ! #ÉtéPhotos"
    )
    assert "1. @fan0@photo.social sur Mastodon" in texts[bluesky.id]
    post = db.get(Post, view.post.id)
    assert post is not None
    assert {v.state for v in post.variants} == {"draft"}
    assert row.status == "announced"
    assert row.announcement_post_id == post.id
    with pytest.raises(Conflict):
        contests_announce.announce_winners(db, owner, row.id, [mastodon.id], "en")


def test_permissions_and_other_workspaces(db: Session, owner: Actor) -> None:
    row = open_contest(db, owner)
    reviewer = actor(db, owner.workspace_id, "reviewer")
    assert [c.id for c in contests.list_contests(db, reviewer)] == [row.id]
    with pytest.raises(Forbidden):
        contests.create_contest(db, reviewer, contest_input())
    with pytest.raises(Forbidden):
        contests_collect.collect_now(db, reviewer, row.id)
    stranger = actor(db, make_workspace(db).id, "owner")
    with pytest.raises(NotFound):
        contests.get_contest(db, stranger, row.id)
    with pytest.raises(NotFound):
        contests.list_entries(db, stranger, row.id)
